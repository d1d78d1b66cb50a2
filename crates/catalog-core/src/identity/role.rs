//! Roles `viewer` < `operator` < `admin` (EN-24).

/// A global role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Role {
    /// Reads.
    #[default]
    Viewer,
    /// Reads and catalog changes.
    Operator,
    /// Everything.
    Admin,
}

impl Role {
    /// `operator` or `admin` (trimmed, any case); anything else is no role.
    pub fn parse(value: &str) -> Option<Self> {
        let v = value.trim();
        if v.eq_ignore_ascii_case("admin") {
            Some(Self::Admin)
        } else if v.eq_ignore_ascii_case("operator") {
            Some(Self::Operator)
        } else {
            None
        }
    }

    /// The role from group membership.
    pub fn from_groups(groups: &[String], admin: &[String], operator: &[String]) -> Self {
        if groups.iter().any(|g| admin.contains(g)) {
            Self::Admin
        } else if groups.iter().any(|g| operator.contains(g)) {
            Self::Operator
        } else {
            Self::Viewer
        }
    }

    /// Its wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Operator => "operator",
            Self::Admin => "admin",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_order_and_parse() {
        assert!(Role::Viewer < Role::Operator && Role::Operator < Role::Admin);
        assert_eq!(Role::parse(" ADMIN "), Some(Role::Admin));
        assert_eq!(Role::parse("Operator"), Some(Role::Operator));
        assert_eq!(Role::parse("root"), None);
        let g = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Role::from_groups(&g(&["a", "ops"]), &g(&["root"]), &g(&["ops"])),
            Role::Operator
        );
        assert_eq!(
            Role::from_groups(&g(&["root"]), &g(&["root"]), &g(&["ops"])),
            Role::Admin
        );
        assert_eq!(Role::from_groups(&[], &[], &[]), Role::Viewer);
    }
}
