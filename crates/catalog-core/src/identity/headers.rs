//! Identity headers `X-Remote-User`, `X-Remote-Group` and `X-User-Role` (EN-23, EN-24).

use axum::http::HeaderMap;

use super::Role;

/// User header.
pub const REMOTE_USER: &str = "x-remote-user";
/// Group header (may repeat, each a comma list).
pub const REMOTE_GROUP: &str = "x-remote-group";
/// Role header.
pub const USER_ROLE: &str = "x-user-role";

/// Splits group values on `,`, trims, drops empties and de-duplicates in order.
pub fn split_groups<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    for group in values.into_iter().flat_map(|v| v.split(',')).map(str::trim) {
        if !group.is_empty() && !groups.iter().any(|g| g == group) {
            groups.push(group.to_string());
        }
    }
    groups
}

/// What the identity headers say: user (trimmed, `None` if blank), groups, role header.
pub(super) fn read(headers: &HeaderMap) -> (Option<String>, Vec<String>, Option<Role>) {
    let user = headers
        .get(REMOTE_USER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(String::from);
    let groups = split_groups(
        headers
            .get_all(REMOTE_GROUP)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    );
    let role = headers
        .get(USER_ROLE)
        .and_then(|v| v.to_str().ok())
        .and_then(Role::parse);
    (user, groups, role)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn groups_are_split_trimmed_and_deduplicated_across_occurrences() {
        let mut h = HeaderMap::new();
        h.append(
            REMOTE_GROUP,
            HeaderValue::from_static(" team-a , team-b,,admins "),
        );
        h.append(REMOTE_GROUP, HeaderValue::from_static("team-b, extra"));
        h.insert(REMOTE_USER, HeaderValue::from_static("  alice "));
        let (user, groups, role) = read(&h);
        assert_eq!(user.as_deref(), Some("alice"));
        assert_eq!(groups, ["team-a", "team-b", "admins", "extra"]);
        assert_eq!(role, None);
        h.insert(REMOTE_USER, HeaderValue::from_static("   "));
        assert_eq!(read(&h).0, None);
    }
}
