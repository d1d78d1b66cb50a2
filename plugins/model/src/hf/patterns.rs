//! Include patterns of an `hf` source (PM-61) and their expansion into model ids.

use catalog_core::provider::{NameFilter, SourceError};

use super::client::{Hub, HubError, PAGE};

/// One include pattern.
pub enum Pattern {
    /// A model id, fetched directly.
    Exact(String),
    /// Everything of an organisation (`O/*`).
    Org(String),
    /// Ids of an organisation starting with a prefix (`O/P*`), searched by the hub.
    Prefix(String, String),
    /// Ids of an organisation matching a glob (`O/*-instruct`).
    Glob(String, NameFilter),
}

impl Pattern {
    /// Classifies a trimmed pattern; patterns without an organisation, or with a wildcard in
    /// it, are rejected.
    pub fn parse(raw: &str) -> Result<Self, SourceError> {
        let invalid = |why: &str| SourceError(format!("invalid hf pattern \"{raw}\": {why}"));
        if !raw.contains('*') {
            return Ok(Self::Exact(raw.to_string()));
        }
        let (org, rest) = raw
            .split_once('/')
            .ok_or_else(|| invalid("needs an organisation, as in org/*"))?;
        if org.is_empty() || org.contains('*') {
            return Err(invalid("the organisation must not contain a wildcard"));
        }
        let org = org.to_string();
        if rest == "*" {
            return Ok(Self::Org(org));
        }
        match rest.strip_suffix('*') {
            Some(prefix) if !prefix.contains('*') && !prefix.contains('/') => {
                Ok(Self::Prefix(org, prefix.to_string()))
            }
            _ => Ok(Self::Glob(org, NameFilter::new(&[raw.to_string()], &[])?)),
        }
    }

    /// Whether it names one model.
    pub fn is_exact(&self) -> bool {
        matches!(self, Self::Exact(_))
    }

    /// The model ids it stands for (at most `max` from a listing).
    pub async fn expand(&self, hub: &Hub, max: usize) -> Result<Vec<String>, HubError> {
        let (org, search) = match self {
            Self::Exact(id) => return Ok(vec![id.clone()]),
            Self::Org(org) | Self::Glob(org, _) => (org, None),
            Self::Prefix(org, prefix) => (org, Some(prefix.as_str())),
        };
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let (page, next) = hub.list_page(org, search, cursor.as_deref()).await?;
            let full = page.len() >= PAGE;
            ids.extend(page.into_iter().filter(|id| self.keeps(id)));
            if ids.len() >= max {
                ids.truncate(max);
                break;
            }
            match next {
                Some(c) if full => cursor = Some(c),
                _ => break,
            }
        }
        if ids.is_empty() {
            return Err(HubError::Transport(format!("no model of {org} matches")));
        }
        Ok(ids)
    }

    fn keeps(&self, id: &str) -> bool {
        match self {
            Self::Exact(_) | Self::Org(_) => true,
            Self::Prefix(org, prefix) => id
                .get(org.len() + 1..)
                .is_some_and(|rest| rest.to_lowercase().starts_with(&prefix.to_lowercase())),
            Self::Glob(_, filter) => filter.admits(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn classifies_patterns() {
        assert!(matches!(
            Pattern::parse("org/model").unwrap(),
            Pattern::Exact(_)
        ));
        assert!(matches!(Pattern::parse("org/*").unwrap(), Pattern::Org(_)));
        assert!(matches!(
            Pattern::parse("org/gran*").unwrap(),
            Pattern::Prefix(_, _)
        ));
        assert!(matches!(
            Pattern::parse("org/*-instruct").unwrap(),
            Pattern::Glob(_, _)
        ));
        for bad in ["*", "*/*", "*/x", "o*g/x"] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
        let p = Pattern::parse("org/Gran*").unwrap();
        assert!(p.keeps("org/granite-7b") && !p.keeps("org/other"));
    }
}
