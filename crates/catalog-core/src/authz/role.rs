//! The role authorizer (EN-37, EN-38): a fixed table of what each global role may do.

use async_trait::async_trait;

use super::{Authorizer, AuthzRequest, Decision, Resource, Verb};
use crate::identity::Role;

/// Decides from the caller's role; namespaces do not matter except cluster scope (admin only).
pub struct RoleAuthorizer;

/// Whether `role` may perform `verb` on `resource` (in a namespace).
pub fn role_allows(role: Role, resource: Resource, verb: Verb) -> bool {
    use Resource::*;
    use Verb::*;
    let read = matches!(verb, Get | List);
    match role {
        Role::Admin => true,
        Role::Operator => {
            (read && resource != Audit)
                || (matches!(verb, Create | Update | Delete)
                    && matches!(resource, CatalogSources | Assets | Jobs))
                || (verb == Execute && resource == Actions)
        }
        Role::Viewer => read && resource != Audit,
    }
}

#[async_trait]
impl Authorizer for RoleAuthorizer {
    async fn authorize(&self, req: &AuthzRequest) -> Decision {
        let cluster_ok = !req.namespace.is_empty() || req.role == Role::Admin;
        if cluster_ok && role_allows(req.role, req.resource, req.verb) {
            Decision::Allowed
        } else {
            Decision::Denied
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_matrix() {
        use Resource::*;
        use Verb::*;
        assert!(role_allows(Role::Viewer, Assets, List));
        assert!(!role_allows(Role::Viewer, Assets, Create));
        assert!(!role_allows(Role::Viewer, Audit, List));
        assert!(!role_allows(Role::Viewer, Actions, Execute));
        assert!(role_allows(Role::Operator, CatalogSources, Create));
        assert!(role_allows(Role::Operator, Jobs, Update));
        assert!(role_allows(Role::Operator, Actions, Execute));
        assert!(!role_allows(Role::Operator, Approvals, Approve));
        assert!(!role_allows(Role::Operator, Audit, Get));
        assert!(!role_allows(Role::Operator, Plugins, Delete));
        assert!(role_allows(Role::Admin, Audit, List));
        assert!(role_allows(Role::Admin, Approvals, Approve));
    }
}
