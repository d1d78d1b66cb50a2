//! The one (method, route) → (resource, verb) table of EN-29.
//!
//! Patterns are matched segment by segment against the request path (trailing slash ignored):
//! `{x}` is one segment, `{*x}` one or more, and a last segment may carry a `:suffix`
//! (`{id}:cancel`); rows with a suffix come before the plain row of the same method. `{m}`
//! stands for any plugin's `{basePath}/management`. Requests under a
//! plugin base path but outside `/management` are plugin-native routes: GET of a collection
//! (odd number of segments below the base) is `assets/list`, of an item `assets/get`; POST,
//! PUT/PATCH and DELETE are `assets/create|update|delete`.
//!
//! A route with no row is denied (EN-30). To map a new route, add one [`Rule`] to [`RULES`].

use super::{Resource, Verb};

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// HTTP method.
    pub method: &'static str,
    /// Route pattern.
    pub pattern: &'static str,
    /// Resource checked.
    pub resource: Resource,
    /// Verb checked.
    pub verb: Verb,
}

const fn rule(method: &'static str, pattern: &'static str, resource: Resource, verb: Verb) -> Rule {
    Rule {
        method,
        pattern,
        resource,
        verb,
    }
}

use Resource::*;
use Verb::*;

/// Every mapped framework and management route.
pub const RULES: &[Rule] = &[
    // Discovery.
    rule("GET", "/api/plugins", Plugins, List),
    rule("GET", "/api/plugins/{name}/capabilities", Capabilities, Get),
    // Generic assets.
    rule("GET", "/api/assets", Assets, List),
    rule("GET", "/api/assets/{kind}/{*name}", Assets, Get),
    // Management reads.
    rule("GET", "{m}/sources", CatalogSources, List),
    rule("GET", "{m}/sources/{id}", CatalogSources, Get),
    rule("GET", "{m}/diagnostics", CatalogSources, Get),
    rule("GET", "{m}/sources/{id}/revisions", CatalogSources, Get),
    rule("GET", "{m}/actions/{scope}", Actions, List),
    rule("GET", "{m}/sources/{id}/diagnostics", CatalogSources, Get),
    rule("GET", "{m}/entities/{*name}", Assets, Get),
    // Management writes.
    rule("POST", "{m}/apply-source", CatalogSources, Create),
    rule("POST", "{m}/sources", CatalogSources, Create),
    rule("POST", "{m}/validate-source", CatalogSources, Update),
    rule("POST", "{m}/sources/{id}/enable", CatalogSources, Update),
    rule("POST", "{m}/sources/{id}/disable", CatalogSources, Update),
    rule("POST", "{m}/sources/{id}:validate", CatalogSources, Update),
    rule("POST", "{m}/sources/{id}:rollback", CatalogSources, Update),
    rule("PUT", "{m}/sources/{id}", CatalogSources, Update),
    rule("PATCH", "{m}/sources/{id}", CatalogSources, Update),
    rule("DELETE", "{m}/sources/{id}", CatalogSources, Delete),
    rule("POST", "{m}/refresh", Jobs, Create),
    rule("POST", "{m}/refresh/{id}", Jobs, Create),
    rule("POST", "{m}/sources/{id}:action", Actions, Execute),
    rule("POST", "{m}/entities/{*name}:action", Actions, Execute),
    // The source and entity POST handlers answer 404 for a missing or unknown suffix; the
    // `:enable`/`:disable` suffixes are source updates.
    rule("POST", "{m}/sources/{id}:enable", CatalogSources, Update),
    rule("POST", "{m}/sources/{id}:disable", CatalogSources, Update),
    rule("POST", "{m}/sources/{id}", CatalogSources, Update),
    rule("POST", "{m}/entities/{*name}", Actions, Execute),
    // Audit and jobs.
    rule("GET", "/api/audit/v1alpha1/events", Audit, List),
    rule("GET", "/api/audit/v1alpha1/events/{id}", Audit, Get),
    rule("GET", "/api/jobs/v1alpha1/refresh", Jobs, List),
    rule("GET", "/api/jobs/v1alpha1/refresh/{id}", Jobs, Get),
    rule(
        "POST",
        "/api/jobs/v1alpha1/refresh/{id}:cancel",
        Jobs,
        Update,
    ),
    // The cancel route's handler answers 404 for any other suffix.
    rule("POST", "/api/jobs/v1alpha1/refresh/{id}", Jobs, Update),
];

/// The (resource, verb) of a request, or `None` when no row maps it.
///
/// `bases` are the plugin base paths (e.g. `/api/mcp_catalog/v1alpha1`).
pub fn resolve<'a>(
    method: &str,
    path: &str,
    bases: impl IntoIterator<Item = &'a str>,
) -> Option<(Resource, Verb)> {
    let path = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    // HEAD is answered by GET routes and checked like them.
    let method = if method == "HEAD" { "GET" } else { method };
    let segments = split(path);
    let base = bases
        .into_iter()
        .find(|b| path == *b || path.starts_with(&format!("{b}/")));
    if let Some(base) = base {
        let below = &segments[split(base).len()..];
        if below.first() == Some(&"management") {
            let rest = &below[1..];
            return RULES.iter().find_map(|r| {
                let pattern = r.pattern.strip_prefix("{m}")?;
                (r.method == method && matches(&split(pattern), rest))
                    .then_some((r.resource, r.verb))
            });
        }
        return native(method, below.len());
    }
    RULES.iter().find_map(|r| {
        (r.method == method
            && !r.pattern.starts_with("{m}")
            && matches(&split(r.pattern), &segments))
        .then_some((r.resource, r.verb))
    })
}

/// Plugin-native routes (EN-29, last rows): collection or item by depth.
fn native(method: &str, depth: usize) -> Option<(Resource, Verb)> {
    match method {
        "GET" if depth % 2 == 1 => Some((Assets, List)),
        "GET" if depth > 0 => Some((Assets, Get)),
        "POST" if depth > 0 => Some((Assets, Create)),
        "PUT" | "PATCH" if depth > 0 => Some((Assets, Update)),
        "DELETE" if depth > 0 => Some((Assets, Delete)),
        _ => None,
    }
}

fn split(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// Whether `segments` match `pattern` (see the module docs).
fn matches(pattern: &[&str], segments: &[&str]) -> bool {
    let Some((last_p, init_p)) = pattern.split_last() else {
        return segments.is_empty();
    };
    let Some((last_s, _)) = segments.split_last() else {
        return false;
    };
    // The suffix of the last pattern segment must be the last path segment's suffix.
    let (last_p_param, suffix) = match last_p.rfind("}:") {
        Some(i) => (&last_p[..=i], Some(&last_p[i + 1..])),
        None => (*last_p, None),
    };
    let last_s = match suffix {
        Some(sfx) => match last_s.strip_suffix(sfx) {
            Some(stem) if !stem.is_empty() => stem,
            _ => return false,
        },
        None => last_s,
    };
    let mut pattern: Vec<&str> = init_p.to_vec();
    pattern.push(last_p_param);
    let mut segs: Vec<&str> = segments[..segments.len() - 1].to_vec();
    segs.push(last_s);
    walk(&pattern, &segs)
}

fn walk(pattern: &[&str], segments: &[&str]) -> bool {
    match (pattern.first(), segments.first()) {
        (None, None) => true,
        (Some(p), _) if p.starts_with("{*") => !segments.is_empty() && pattern.len() == 1,
        (Some(p), Some(s)) if p.starts_with('{') || p == s => walk(&pattern[1..], &segments[1..]),
        _ => false,
    }
}

/// The row to add for an unmapped request, for error messages and the coverage test.
pub fn suggestion<'a>(
    method: &str,
    path: &str,
    bases: impl IntoIterator<Item = &'a str>,
) -> String {
    let pattern = bases
        .into_iter()
        .find_map(|b| {
            path.strip_prefix(&format!("{b}/management"))
                .map(|rest| format!("{{m}}{rest}"))
        })
        .unwrap_or_else(|| path.to_string());
    format!(
        "add `rule(\"{method}\", \"{pattern}\", Resource::?, Verb::?)` to RULES in \
         crates/catalog-core/src/authz/table.rs (replace concrete ids with {{id}})"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    const BASES: [&str; 1] = ["/api/mcp_catalog/v1alpha1"];

    fn r(method: &str, path: &str) -> Option<(Resource, Verb)> {
        resolve(method, path, BASES)
    }

    #[test]
    fn framework_and_management_rows() {
        let m = "/api/mcp_catalog/v1alpha1/management";
        assert_eq!(r("GET", "/api/plugins/"), Some((Plugins, List)));
        assert_eq!(r("HEAD", "/api/plugins"), Some((Plugins, List)));
        assert_eq!(
            r("GET", "/api/plugins/mcp/capabilities"),
            Some((Capabilities, Get))
        );
        assert_eq!(
            r("POST", &format!("{m}/apply-source")),
            Some((CatalogSources, Create))
        );
        assert_eq!(
            r("POST", &format!("{m}/sources/s1:rollback")),
            Some((CatalogSources, Update))
        );
        assert_eq!(
            r("POST", &format!("{m}/sources/s1:action")),
            Some((Actions, Execute))
        );
        assert_eq!(
            r("POST", &format!("{m}/entities/org/x%2Fy:action")),
            Some((Actions, Execute))
        );
        assert_eq!(
            r("GET", &format!("{m}/entities/org/x")),
            Some((Assets, Get))
        );
        assert_eq!(r("POST", &format!("{m}/refresh")), Some((Jobs, Create)));
        assert_eq!(r("POST", &format!("{m}/refresh/s1")), Some((Jobs, Create)));
        assert_eq!(
            r("DELETE", &format!("{m}/sources/s1")),
            Some((CatalogSources, Delete))
        );
        assert_eq!(
            r("POST", "/api/jobs/v1alpha1/refresh/j1:cancel"),
            Some((Jobs, Update))
        );
        assert_eq!(
            r("GET", "/api/audit/v1alpha1/events/e1"),
            Some((Audit, Get))
        );
    }

    #[test]
    fn unknown_routes_have_no_row() {
        let m = "/api/mcp_catalog/v1alpha1/management";
        assert_eq!(r("POST", &format!("{m}/sources/s1/explode")), None);
        assert_eq!(r("POST", &format!("{m}/whatever")), None);
        assert_eq!(r("DELETE", "/api/plugins"), None);
        assert_eq!(r("GET", "/api/unknown"), None);
        assert!(suggestion("POST", &format!("{m}/whatever"), BASES).contains("\"{m}/whatever\""));
    }

    proptest::proptest! {
        /// Any path resolves without panicking; management paths only ever map to the
        /// management resources (never falling through to the native mapping), and paths under
        /// a plugin base outside `/management` only ever to `assets`.
        #[test]
        fn resolution_is_total_and_stays_in_its_area(
            method in proptest::sample::select(vec!["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]),
            segments in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(vec![
                        "sources", "entities", "refresh", "actions", "source", "asset",
                        "enable", "disable", "revisions", "diagnostics", "apply-source",
                        "s1:action", "s1:rollback", "s1:validate", "j1:cancel", "management",
                    ]).prop_map(String::from),
                    "[a-z0-9:%._-]{0,10}",
                ],
                0..6,
            ),
        ) {
            let rest = segments.join("/");
            let managed = [CatalogSources, Actions, Assets, Jobs];
            let m = r(method, &format!("/api/mcp_catalog/v1alpha1/management/{rest}"));
            if let Some((resource, _)) = m {
                proptest::prop_assert!(managed.contains(&resource), "{rest}: {resource:?}");
            }
            if segments.first().is_some_and(|s| s != "management") {
                let native = r(method, &format!("/api/mcp_catalog/v1alpha1/{rest}"));
                proptest::prop_assert!(native.is_none_or(|(res, _)| res == Assets), "{rest}");
            }
            let _ = r(method, &format!("/{rest}"));
        }
    }

    #[test]
    fn plugin_native_routes_by_depth() {
        let b = "/api/mcp_catalog/v1alpha1";
        assert_eq!(r("GET", &format!("{b}/mcpservers")), Some((Assets, List)));
        assert_eq!(r("GET", &format!("{b}/mcpservers/x")), Some((Assets, Get)));
        assert_eq!(
            r("GET", &format!("{b}/models/x/artifacts")),
            Some((Assets, List))
        );
        assert_eq!(
            r("POST", &format!("{b}/mcpservers")),
            Some((Assets, Create))
        );
        assert_eq!(
            r("DELETE", &format!("{b}/mcpservers/x")),
            Some((Assets, Delete))
        );
        assert_eq!(r("GET", b), None);
    }
}
