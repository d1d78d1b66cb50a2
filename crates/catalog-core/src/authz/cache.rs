//! Decision cache (EN-34…36): Allowed and Denied answers are reused for a TTL in a bounded
//! LRU keyed by an unambiguous encoding of (user, sorted groups, resource, verb, namespace);
//! errors are never cached.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use moka::sync::Cache;

use super::{Authorizer, AuthzRequest, Decision};

/// Wraps any authorizer with the decision cache.
pub struct CachedAuthorizer {
    inner: Arc<dyn Authorizer>,
    cache: Cache<String, bool>,
}

impl CachedAuthorizer {
    /// Caches `inner`'s decisions for `ttl`, at most `max_entries` of them.
    pub fn new(inner: Arc<dyn Authorizer>, ttl: Duration, max_entries: u64) -> Self {
        Self {
            inner,
            cache: Cache::builder()
                .time_to_live(ttl)
                .max_capacity(max_entries)
                .build(),
        }
    }
}

/// The cache key: a JSON array, so no field value can collide with another's.
fn key(req: &AuthzRequest) -> String {
    let mut groups: Vec<&str> = req.groups.iter().map(String::as_str).collect();
    groups.sort_unstable();
    serde_json::json!([
        req.user,
        groups,
        req.role.as_str(),
        req.resource.as_str(),
        req.verb.as_str(),
        req.namespace
    ])
    .to_string()
}

#[async_trait]
impl Authorizer for CachedAuthorizer {
    async fn authorize(&self, req: &AuthzRequest) -> Decision {
        let key = key(req);
        if let Some(allowed) = self.cache.get(&key) {
            return if allowed {
                Decision::Allowed
            } else {
                Decision::Denied
            };
        }
        let decision = self.inner.authorize(req).await;
        match decision {
            Decision::Allowed => self.cache.insert(key, true),
            Decision::Denied => self.cache.insert(key, false),
            Decision::Error(_) => {}
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::{Resource, Verb};
    use crate::identity::Role;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting(AtomicUsize);

    #[async_trait]
    impl Authorizer for Counting {
        async fn authorize(&self, req: &AuthzRequest) -> Decision {
            self.0.fetch_add(1, Ordering::SeqCst);
            if req.user == "err" {
                Decision::Error("boom".into())
            } else {
                Decision::Allowed
            }
        }
    }

    fn req(user: &str, groups: &[&str]) -> AuthzRequest {
        AuthzRequest {
            user: user.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            role: Role::Viewer,
            anonymous: false,
            resource: Resource::Assets,
            verb: Verb::List,
            namespace: "default".into(),
        }
    }

    #[tokio::test]
    async fn decisions_are_reused_group_order_insensitively_and_errors_never() {
        let inner = Arc::new(Counting(AtomicUsize::new(0)));
        let cached = CachedAuthorizer::new(inner.clone(), Duration::from_secs(600), 100);
        cached.authorize(&req("a", &["x", "y"])).await;
        cached.authorize(&req("a", &["y", "x"])).await;
        assert_eq!(inner.0.load(Ordering::SeqCst), 1);
        // Fields that would collide when joined with separators stay apart.
        cached.authorize(&req("a,x", &["y"])).await;
        assert_eq!(inner.0.load(Ordering::SeqCst), 2);
        cached.authorize(&req("err", &[])).await;
        cached.authorize(&req("err", &[])).await;
        assert_eq!(inner.0.load(Ordering::SeqCst), 4);
    }
}
