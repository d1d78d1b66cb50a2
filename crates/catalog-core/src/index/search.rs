//! Free-text search over a snapshot (UA-61): every entity's lowercased searchable text laid out
//! in one contiguous buffer, so a `q` scans memory sequentially with a SIMD substring search
//! instead of chasing one allocation per entity.

use memchr::memmem::Finder;

use super::bitset::Bitset;

/// Separates entities in the buffer; a match never spans two entities.
const ENTITY_SEPARATOR: char = '\u{1e}';

/// The searchable text of a snapshot's entities, in snapshot (default) order.
#[derive(Default)]
pub struct SearchIndex {
    text: String,
    /// Byte offset where each entity's text starts.
    starts: Vec<u32>,
}

impl SearchIndex {
    /// Builds the buffer; `write` appends one entity's lowercased text.
    pub fn build<T>(items: &[T], write: impl Fn(&T, &mut String)) -> Self {
        let mut index = Self {
            text: String::new(),
            starts: Vec::with_capacity(items.len()),
        };
        for item in items {
            index.starts.push(index.text.len() as u32);
            write(item, &mut index.text);
            index.text.push(ENTITY_SEPARATOR);
        }
        index.text.shrink_to_fit();
        index
    }

    /// The positions of every entity whose text contains `needle` (lowercased).
    pub fn matching(&self, needle: &str) -> Bitset {
        let mut marks = Bitset::empty(self.starts.len());
        if needle.contains(ENTITY_SEPARATOR) {
            return marks;
        }
        let finder = Finder::new(needle.as_bytes());
        let bytes = self.text.as_bytes();
        let mut pos = 0;
        while let Some(offset) = finder.find(&bytes[pos..]) {
            let at = pos + offset;
            let entity = self.starts.partition_point(|s| *s as usize <= at) - 1;
            marks.set(entity);
            // Continue at the next entity: one match per entity is enough.
            pos = self
                .starts
                .get(entity + 1)
                .map_or(bytes.len(), |s| *s as usize);
        }
        marks
    }
}

#[cfg(test)]
mod tests {
    use super::SearchIndex;

    #[test]
    fn finds_each_matching_entity_once_and_never_across_entities() {
        let items = ["alpha beta", "gamma", "betamax", "", "zeta"];
        let index = SearchIndex::build(&items, |s, out| out.push_str(s));
        let ones = |needle: &str| index.matching(needle).ones().collect::<Vec<_>>();
        assert_eq!(ones("beta"), [0, 2]);
        assert_eq!(ones("ta"), [0, 2, 4]);
        assert!(ones("agamma").is_empty(), "no match across the boundary");
        assert!(ones("\u{1e}").is_empty());
        let empty = SearchIndex::build(&[] as &[&str], |s, out| out.push_str(s));
        assert_eq!(empty.matching("x").count(), 0);
    }
}
