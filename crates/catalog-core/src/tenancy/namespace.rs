//! Namespace names: DNS labels (EN-8).

/// The namespace of single-tenant mode and of static sources.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Checks `ns` is a DNS label of at most 63 characters; the error is the exact EN-8 message.
pub fn validate_namespace(ns: &str) -> Result<(), String> {
    if ns.len() > 63 {
        return Err(format!(
            "namespace \"{ns}\" exceeds maximum length of 63 characters"
        ));
    }
    let b = ns.as_bytes();
    let inner = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-';
    let edge = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(edge(b.first()) && edge(b.last()) && b.iter().all(inner)) {
        return Err(format!(
            "namespace \"{ns}\" is invalid: must consist of lowercase alphanumeric characters \
             or hyphens, and must start and end with an alphanumeric character"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels_only() {
        for ok in ["a", "team-a", "0", "a-b-c9", &"x".repeat(63)] {
            assert!(validate_namespace(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a-", "Team", "a_b", "a.b", " a", "a/b", "ä"] {
            assert!(
                validate_namespace(bad).unwrap_err().contains("is invalid"),
                "{bad}"
            );
        }
        assert_eq!(
            validate_namespace(&"x".repeat(64)).unwrap_err(),
            format!(
                "namespace \"{}\" exceeds maximum length of 63 characters",
                "x".repeat(64)
            )
        );
    }
}
