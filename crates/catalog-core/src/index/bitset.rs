//! A fixed-length set of entity positions, combined word by word.

/// One bit per entity position of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitset {
    words: Vec<u64>,
    len: usize,
}

impl Bitset {
    /// No position set.
    pub fn empty(len: usize) -> Self {
        Self {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    /// Every position set.
    pub fn full(len: usize) -> Self {
        let mut set = Self {
            words: vec![u64::MAX; len.div_ceil(64)],
            len,
        };
        set.trim();
        set
    }

    /// Clears the bits past `len` in the last word.
    fn trim(&mut self) {
        if !self.len.is_multiple_of(64)
            && let Some(last) = self.words.last_mut()
        {
            *last &= (1u64 << (self.len % 64)) - 1;
        }
    }

    /// Number of positions.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no positions at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether position `i` is set.
    #[inline]
    pub fn get(&self, i: usize) -> bool {
        self.words[i / 64] & (1 << (i % 64)) != 0
    }

    /// Sets position `i`.
    #[inline]
    pub fn set(&mut self, i: usize) {
        self.words[i / 64] |= 1 << (i % 64);
    }

    /// How many positions are set.
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Keeps the positions also set in `other`.
    pub fn and(&mut self, other: &Self) {
        self.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(a, b)| *a &= b);
    }

    /// Word-wise update `self = f(self, a, b)` with two other sets of the same length.
    pub fn update(&mut self, a: &Self, b: &Self, f: impl Fn(u64, u64, u64) -> u64) {
        for ((s, x), y) in self.words.iter_mut().zip(&a.words).zip(&b.words) {
            *s = f(*s, *x, *y);
        }
        self.trim();
    }

    /// The set positions, ascending.
    pub fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let tz = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    w * 64 + tz
                })
            })
        })
    }
}

impl FromIterator<bool> for Bitset {
    fn from_iter<I: IntoIterator<Item = bool>>(iter: I) -> Self {
        let mut words = Vec::new();
        let mut len = 0;
        for (i, b) in iter.into_iter().enumerate() {
            if i % 64 == 0 {
                words.push(0);
            }
            if b {
                words[i / 64] |= 1 << (i % 64);
            }
            len = i + 1;
        }
        Self { words, len }
    }
}

#[cfg(test)]
mod tests {
    use super::Bitset;

    #[test]
    fn set_get_count_and_iterate() {
        let mut s = Bitset::empty(130);
        for i in [0, 63, 64, 129] {
            s.set(i);
        }
        assert!(s.get(63) && s.get(64) && !s.get(65));
        assert_eq!(s.count(), 4);
        assert_eq!(s.ones().collect::<Vec<_>>(), [0, 63, 64, 129]);
        assert_eq!(Bitset::full(130).count(), 130);
        assert_eq!(Bitset::full(128).count(), 128);
        let mut f = Bitset::full(130);
        f.and(&s);
        assert_eq!(f, s);
        let from: Bitset = [true, false, true].into_iter().collect();
        assert_eq!(from.ones().collect::<Vec<_>>(), [0, 2]);
        let mut u = Bitset::empty(70);
        u.update(&Bitset::full(70), &Bitset::empty(70), |s, a, b| {
            s | (a & !b)
        });
        assert_eq!(u.count(), 70, "update trims past len");
    }
}
