//! Black-box tests of `filterQuery` (UA §9) on the native list endpoints, on SQLite and
//! PostgreSQL, against the bundled samples.
#![cfg(feature = "mcp")]

mod common;

use common::{Backend, Env, TestServer, names};
use serde_json::Value;

const MCP: &str = "/api/mcp_catalog/v1alpha1/mcpservers";

on_both_backends!(
    filters_select_the_expected_servers,
    filter_combines_with_q_source_and_paging,
    bad_filters_are_400_with_positions,
    advertised_filter_fields_are_accepted,
);

/// Percent-encodes everything but unreserved characters.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET {MCP}?filterQuery=…{extra}`.
async fn mcp_filter(s: &TestServer, filter: &str, extra: &str) -> common::Reply {
    s.get(&format!("{MCP}?filterQuery={}{extra}", enc(filter)))
        .await
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

async fn filters_select_the_expected_servers(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    const K8S: &str = "kubernetes-mcp-server";
    const OSHIFT: &str = "openshift-mcp-server";
    const ANSIBLE: &str = "ansible-mcp-server";
    const PG: &str = "postgres-mcp-server";
    const GH: &str = "github-mcp-server";
    const JIRA: &str = "jira-mcp-server";
    const ALL: &[&str] = &[K8S, OSHIFT, ANSIBLE, PG, GH, JIRA];
    let cases: &[(&str, &[&str])] = &[
        ("deploymentMode = 'remote'", &[GH, JIRA]),
        ("deploymentMode = \"local\"", &[K8S, OSHIFT, ANSIBLE, PG]),
        ("deploymentMode = 'Remote'", &[]),
        (
            "toolCount >= 10 AND verified = true",
            &[K8S, OSHIFT, PG, GH],
        ),
        ("toolCount > 9.5 and toolCount <= 12", &[K8S, PG, JIRA]),
        ("toolCount < 10 OR toolCount > 15", &[ANSIBLE, GH]),
        ("toolCount = 12", &[K8S, JIRA]),
        ("toolCount <> 12", &[OSHIFT, ANSIBLE, PG, GH]),
        ("name ILIKE '%GIT%'", &[GH]),
        ("name LIKE '%GIT%'", &[]),
        ("name LIKE '%git%'", &[GH]),
        ("name LIKE '_ira-%'", &[JIRA]),
        ("name NOT LIKE '%-mcp-server'", &[]),
        ("transportType IN ('http','sse')", &[GH, JIRA]),
        ("transportType NOT IN ('http')", &[K8S, OSHIFT, ANSIBLE, PG]),
        ("transportType IN ()", &[]),
        ("NOT certified = true", &[PG, GH, JIRA]),
        ("certified != true", &[PG, GH, JIRA]),
        ("verified = false", &[JIRA]),
        ("endpoint IS NULL", &[K8S, OSHIFT, ANSIBLE, PG]),
        ("endpoint IS NOT NULL", &[GH, JIRA]),
        ("image is null", &[GH, JIRA]),
        // A missing value fails every comparison, `!=` and NOT included (UA-55).
        ("endpoint != 'x'", &[GH, JIRA]),
        ("NOT endpoint = 'x'", &[GH, JIRA]),
        ("logo IS NULL", ALL),
        ("logo = 'x' OR logo != 'x'", &[]),
        ("provider = 'Red Hat'", &[K8S, OSHIFT, ANSIBLE]),
        ("provider = 'red hat'", &[]),
        ("provider ILIKE 'red hat'", &[K8S, OSHIFT, ANSIBLE]),
        (
            "(category = \"Database\" OR category = \"DevOps\") AND toolCount < 15",
            &[PG, JIRA],
        ),
        (
            "category = 'Database' OR category = 'DevOps' AND toolCount < 15",
            &[PG, JIRA],
        ),
        ("NOT (category = 'Red Hat' OR verified = false)", &[PG, GH]),
        ("supportedTransports LIKE '%sse'", &[GH]),
        ("resourceCount = 8 AND promptCount = 3", &[K8S, JIRA]),
        ("`deploymentMode` = 'remote'", &[GH, JIRA]),
        ("serverUrl LIKE 'https://%'", &[GH, JIRA]),
        ("license = 'MIT' OR license = 'PostgreSQL'", &[PG, GH]),
        // Server-added native keys and dot paths into the native JSON.
        ("sourceId = 'mcp-default'", ALL),
        ("id IS NOT NULL", ALL),
        ("createTimeSinceEpoch > 0", ALL),
        ("customProperties.team = 'x'", &[]),
        ("customProperties.team.string_value IS NULL", ALL),
        ("a.b.c = 1", &[]),
        // Values are bound, never screened (UA-58).
        (
            "name = 'a;b--c DROP TABLE x' OR name = 'jira-mcp-server'",
            &[JIRA],
        ),
        ("  deploymentMode = 'remote'  ", &[GH, JIRA]),
    ];
    for (filter, expected) in cases {
        let r = mcp_filter(&s, filter, "").await;
        assert_eq!(r.status, 200, "{filter}: {}", r.body);
        let want = sorted(expected.iter().map(|n| n.to_string()).collect());
        assert_eq!(sorted(names(&r.body)), want, "{filter}");
        assert_eq!(r.body["totalSize"], expected.len(), "{filter}");
        assert_eq!(r.body["size"], expected.len(), "{filter}");
    }
    s.stop().await;
    env.cleanup().await;
}

async fn filter_combines_with_q_source_and_paging(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let filter = "toolCount >= 10";
    let filtered = sorted(names(&mcp_filter(&s, filter, "").await.body));
    assert_eq!(filtered.len(), 5);

    // AND with `q`.
    for q in ["red", "git", "server", "nothing-matches"] {
        let by_q = names(&s.get(&format!("{MCP}?q={q}")).await.body);
        let both = mcp_filter(&s, filter, &format!("&q={q}")).await;
        assert_eq!(both.status, 200);
        let want: Vec<String> = filtered
            .iter()
            .filter(|n| by_q.contains(n))
            .cloned()
            .collect();
        assert_eq!(sorted(names(&both.body)), want, "q={q}");
        assert_eq!(both.body["totalSize"], want.len());
    }
    // AND with `source`.
    let other = mcp_filter(&s, filter, "&source=no-such-source").await;
    assert_eq!(other.status, 200);
    assert_eq!(other.body["totalSize"], 0);
    let same = mcp_filter(&s, filter, "&source=mcp-default").await;
    assert_eq!(sorted(names(&same.body)), filtered);

    // Paging through the filtered list visits each match exactly once, in every order.
    for order in [
        "",
        "&orderBy=toolCount",
        "&orderBy=toolCount&sortOrder=DESC",
        "&orderBy=provider",
    ] {
        let mut seen = Vec::new();
        let mut token = String::new();
        loop {
            let extra = format!("&pageSize=1{order}&pageToken={}", enc(&token));
            let r = mcp_filter(&s, filter, &extra).await;
            assert_eq!(r.status, 200, "{order}: {}", r.body);
            assert_eq!(r.body["totalSize"], filtered.len(), "{order}");
            assert!(r.body["size"].as_u64().unwrap() <= 1);
            seen.extend(names(&r.body));
            token = r.body["nextPageToken"].as_str().unwrap().to_string();
            if token.is_empty() {
                break;
            }
            assert!(seen.len() <= filtered.len(), "{order}: paging does not end");
        }
        assert_eq!(sorted(seen), filtered, "{order}");
    }

    // A token is bound to its filter.
    let first = mcp_filter(&s, filter, "&pageSize=1").await;
    let token = first.body["nextPageToken"].as_str().unwrap().to_string();
    assert!(!token.is_empty());
    let mismatched = mcp_filter(
        &s,
        "toolCount >= 11",
        &format!("&pageSize=1&pageToken={}", enc(&token)),
    )
    .await;
    assert_eq!(mismatched.status, 400, "{}", mismatched.body);
    s.stop().await;
    env.cleanup().await;
}

async fn bad_filters_are_400_with_positions(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let deep = format!("{}name = 'x'{}", "(".repeat(20), ")".repeat(20));
    let many = vec!["toolCount = 1"; 51].join(" OR ");
    let long_in = format!(
        "toolCount IN ({})",
        (0..101)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    // The longest filter a URL can carry (the `http` crate caps URIs at 64 KiB).
    let huge = format!("name = '{}'", "x".repeat(60 * 1024));
    // (filter, text the message must contain, whether it is positional)
    let cases: Vec<(&str, &str, bool)> = vec![
        (
            "colour = 'red'",
            "unknown filter field \"colour\" at offset 1",
            true,
        ),
        (
            "   colour = 'red'",
            "unknown filter field \"colour\" at offset 4",
            true,
        ),
        (
            "toolCount ~ 3",
            "unexpected character \"~\" at offset 11",
            true,
        ),
        (
            "name = 'abc",
            "unterminated string starting at offset 8",
            true,
        ),
        (
            "toolCount = 'x'",
            "cannot compare field \"toolCount\" (integer) with a string literal at offset 13",
            true,
        ),
        (
            "verified = 'yes'",
            "(boolean) with a string literal at offset 12",
            true,
        ),
        (
            "name = 5",
            "(string) with a numeric literal at offset 8",
            true,
        ),
        (
            "name = 'a' AND AND x = 1",
            "unexpected token \"AND\" at offset 16; expected a field name",
            true,
        ),
        (
            "name LIKE 5",
            "LIKE needs a string literal at offset 11",
            true,
        ),
        ("toolCount LIKE '1%'", "LIKE needs a string value", true),
        (
            "verified < true",
            "cannot order boolean values at offset 12",
            true,
        ),
        ("transportType IN ('http', 1)", "at offset 27", true),
        ("name = NULL", "use IS NULL", true),
        ("(name = 'x'", "unexpected end of query at offset 12", true),
        ("name = 'x')", "unexpected token \")\" at offset 11", true),
        ("name = 'x' name = 'y'", "at offset 12", true),
        ("customProperties = 'x'", "IS NULL or IS NOT NULL", true),
        (
            "toolCount = 99999999999999999999",
            "out of range at offset 13",
            true,
        ),
        (&deep, "limit of 16 levels at offset 17", true),
        (&many, "limit of 50 comparisons at offset", true),
        (&long_in, "limit of 100 literals at offset", true),
        (&huge, "longer than the limit of 1024 characters", false),
    ];
    for (filter, want, positional) in cases {
        let r = mcp_filter(&s, filter, "").await;
        let shown: String = filter.chars().take(60).collect();
        assert_eq!(r.status, 400, "{shown}: {}", r.body);
        assert_eq!(r.body["error"], "bad_request", "{shown}");
        assert_eq!(r.body["details"][0]["field"], "filterQuery", "{shown}");
        let message = r.body["message"].as_str().unwrap();
        assert!(message.starts_with("filterQuery: "), "{message}");
        assert!(message.contains(want), "{shown}: {message}");
        if positional {
            assert!(message.contains("offset"), "{shown}: {message}");
        }
        assert!(
            message.len() < 400,
            "messages stay short: {}",
            message.len()
        );
    }

    // A 100 KB filter cannot even be expressed through `reqwest`; send it raw. It is refused
    // with a 4xx before or by the handler, never a 5xx.
    let target = format!(
        "{MCP}?filterQuery={}",
        enc(&format!("name = '{}'", "x".repeat(100 * 1024)))
    );
    let addr = s.base.trim_start_matches("http://").to_string();
    let (status, body) = tokio::task::spawn_blocking(move || raw_get(&addr, &target))
        .await
        .unwrap();
    assert!((400..500).contains(&status), "{status}: {body}");
    s.stop().await;
    env.cleanup().await;
}

/// A raw HTTP/1.1 GET; returns the status and the body text.
fn raw_get(addr: &str, target: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    // The server may answer and close before reading everything.
    let _ = stream.write_all(request.as_bytes());
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    eprintln!("raw 100 KB filter: {}", text.lines().next().unwrap_or(""));
    (
        status,
        text.split("\r\n\r\n").nth(1).unwrap_or("").to_string(),
    )
}

/// Reads a dot path of a JSON item.
fn at_path<'a>(item: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(item, |v, seg| v.get(seg))
}

/// A string literal for `s`.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A LIKE pattern matching `s` literally, as a string literal.
fn like_literal(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    quote(&format!("%{escaped}%"))
}

/// A literal of the field's kind: from a real item when one has a scalar value there.
fn literal_for(
    items: &[Value],
    path: &str,
    filter_type: &str,
    options: &[Value],
) -> (String, Option<Value>) {
    let real = items
        .iter()
        .filter_map(|i| at_path(i, path))
        .find_map(|v| match v {
            Value::Array(a) => a.iter().find(|e| e.is_string() || e.is_number()).cloned(),
            Value::String(_) | Value::Number(_) | Value::Bool(_) => Some(v.clone()),
            _ => None,
        });
    let literal = match &real {
        Some(Value::String(s)) => quote(s),
        Some(v) => v.to_string(),
        None => match filter_type {
            "number" => "1".into(),
            "boolean" => "true".into(),
            _ => quote(options.first().and_then(Value::as_str).unwrap_or("x")),
        },
    };
    (literal, real)
}

async fn advertised_filter_fields_are_accepted(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let plugins = s.get("/api/plugins").await.body;
    let mut checked = 0;
    for p in plugins["plugins"].as_array().unwrap() {
        let entity = &p["capabilitiesV2"]["entities"][0];
        let list = entity["endpoints"]["list"].as_str().unwrap().to_string();
        let items = s.get(&list).await.body["items"].as_array().unwrap().clone();
        let paths: Vec<(String, String)> = entity["fields"]["detailFields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["name"].as_str().unwrap().to_string(),
                    d["path"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for ff in entity["fields"]["filterFields"].as_array().unwrap() {
            let name = ff["name"].as_str().unwrap();
            let filter_type = ff["type"].as_str().unwrap_or("text");
            let options = ff["options"].as_array().cloned().unwrap_or_default();
            let path = paths
                .iter()
                .find(|(n, _)| n == name)
                .map_or(name, |(_, p)| p.as_str());
            let (literal, real) = literal_for(&items, path, filter_type, &options);
            for op in ff["operators"].as_array().unwrap() {
                let op = op.as_str().unwrap();
                let filter = match op {
                    "IN" => format!("{name} IN ({literal})"),
                    "LIKE" | "ILIKE" => match &real {
                        Some(Value::String(s)) => format!("{name} {op} {}", like_literal(s)),
                        _ => format!("{name} {op} '%x%'"),
                    },
                    _ => format!("{name} {op} {literal}"),
                };
                let r = s.get(&format!("{list}?filterQuery={}", enc(&filter))).await;
                assert_eq!(r.status, 200, "{}: {filter}: {}", p["name"], r.body);
                // A real value selects at least the item it came from.
                if real.is_some() && matches!(op, "=" | "IN" | "LIKE" | "ILIKE" | "<=" | ">=") {
                    assert!(
                        r.body["totalSize"].as_u64().unwrap() >= 1,
                        "{}: {filter} should match its source item",
                        p["name"]
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(
        checked > 30,
        "every plugin advertises filter fields ({checked})"
    );
    s.stop().await;
    env.cleanup().await;
}
