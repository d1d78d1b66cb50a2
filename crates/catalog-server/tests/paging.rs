//! Black-box tests of the list contract's paging (UA §8) at scale, on SQLite and PostgreSQL:
//! keyset tokens stay exact while a refresh swaps the snapshot, and are bound to their query.
#![cfg(feature = "mcp")]

mod common;

use std::collections::{HashMap, HashSet};

use common::{Backend, Env, TestServer, mcp_sources};
use serde_json::json;

const MCP: &str = "/api/mcp_catalog/v1alpha1/mcpservers";
const N: usize = 10_000;

on_both_backends!(
    every_entity_once_across_a_refresh,
    tokens_are_bound_to_their_query,
);

/// A data file with the servers `ids`; `toolCount` repeats so sorted pages end inside ties.
fn catalog(ids: impl Iterator<Item = usize>) -> String {
    let mut out = String::from("mcpservers:\n");
    for i in ids {
        out.push_str(&format!(
            "  - name: srv-{i:05}\n    toolCount: {}\n    deploymentMode: {}\n",
            i % 7,
            if i % 2 == 0 { "local" } else { "remote" }
        ));
    }
    out
}

/// Pages through `query` with `size`, calling `between` after the first page; returns the
/// names seen, in order.
async fn page_all(
    s: &TestServer,
    query: &str,
    size: usize,
    between: impl AsyncFnOnce(),
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut between = Some(between);
    loop {
        let r = s
            .get(&format!("{MCP}?pageSize={size}{query}&pageToken={token}"))
            .await;
        assert_eq!(r.status, 200, "{query}: {}", r.body);
        seen.extend(common::names(&r.body));
        if let Some(f) = between.take() {
            f().await;
        }
        token = r.body["nextPageToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            return seen;
        }
    }
}

async fn every_entity_once_across_a_refresh(backend: Backend) {
    let env = Env::new(&backend).await;
    let data = env.write("catalog/mcp.yaml", &catalog(0..N));
    let mut settings = env.settings();
    settings.sources = vec![env.write("catalog/sources.yaml", &mcp_sources(&data))];
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    let first = s.get(&format!("{MCP}?pageSize=1")).await.body;
    assert_eq!(first["totalSize"], N);

    // Without changes: exactly the N entities, each once, in every order.
    for query in [
        "",
        "&orderBy=toolCount",
        "&orderBy=toolCount&sortOrder=DESC",
    ] {
        let seen = page_all(&s, query, 1000, async || {}).await;
        assert_eq!(seen.len(), N, "{query}");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), N, "{query}");
    }

    // A refresh after the first page removes every 10th server and adds 500 new ones; servers
    // that existed throughout are each served exactly once, and nothing is repeated.
    let mut before: HashSet<usize> = (0..N).collect();
    for (round, query) in [(1, ""), (2, "&orderBy=toolCount&sortOrder=DESC")] {
        let after: HashSet<usize> = (0..N)
            .filter(|i| i % 10 != round)
            .chain(N * round..N * round + 500)
            .collect();
        let mut ids: Vec<usize> = after.iter().copied().collect();
        ids.sort_unstable();
        let next = catalog(ids.into_iter());
        let seen = page_all(&s, query, 700, async || {
            std::fs::write(&data, &next).unwrap();
            let r = s
                .post(
                    "/api/mcp_catalog/v1alpha1/management/refresh/mcp-test",
                    &json!({}),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(r.body["error"], serde_json::Value::Null, "{}", r.body);
        })
        .await;
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for n in &seen {
            *counts.entry(n).or_default() += 1;
        }
        assert!(
            counts.values().all(|c| *c == 1),
            "{query}: an item was repeated"
        );
        for i in before.intersection(&after) {
            let name = format!("srv-{i:05}");
            assert!(
                counts.contains_key(name.as_str()),
                "{query}: {name} skipped"
            );
        }
        let total = s.get(&format!("{MCP}?pageSize=1")).await.body["totalSize"].clone();
        assert_eq!(total, after.len());
        before = after;
    }
    s.stop().await;
    env.cleanup().await;
}

async fn tokens_are_bound_to_their_query(backend: Backend) {
    let env = Env::new(&backend).await;
    let data = env.write("catalog/mcp.yaml", &catalog(0..50));
    let mut settings = env.settings();
    settings.sources = vec![env.write("catalog/sources.yaml", &mcp_sources(&data))];
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    let base = "&orderBy=toolCount&filterQuery=toolCount%20%3E%3D%201&q=srv";
    let r = s.get(&format!("{MCP}?pageSize=5{base}")).await;
    let token = r.body["nextPageToken"].as_str().unwrap().to_string();
    assert!(!token.is_empty());
    // The same query continues with the token under either name, or both when equal.
    for params in [
        format!("pageToken={token}"),
        format!("nextPageToken={token}"),
        format!("pageToken={token}&nextPageToken={token}"),
    ] {
        let r = s.get(&format!("{MCP}?pageSize=5{base}&{params}")).await;
        assert_eq!(r.status, 200, "{params}: {}", r.body);
        // The page size may change between pages.
        let r = s.get(&format!("{MCP}?pageSize=7{base}&{params}")).await;
        assert_eq!(r.status, 200, "{params}: {}", r.body);
    }
    // Any other query refuses it.
    for other in [
        "&orderBy=toolCount&filterQuery=toolCount%20%3E%3D%202&q=srv",
        "&orderBy=name&filterQuery=toolCount%20%3E%3D%201&q=srv",
        "&orderBy=toolCount&sortOrder=DESC&filterQuery=toolCount%20%3E%3D%201&q=srv",
        "&orderBy=toolCount&filterQuery=toolCount%20%3E%3D%201&q=srv-",
        "&orderBy=toolCount&filterQuery=toolCount%20%3E%3D%201&q=srv&sourceId=mcp-test",
    ] {
        let r = s
            .get(&format!("{MCP}?pageSize=5{other}&pageToken={token}"))
            .await;
        assert_eq!(r.status, 400, "{other}: {}", r.body);
        assert_eq!(r.body["details"][0]["field"], "pageToken");
    }
    // Forged, truncated and conflicting tokens are refused.
    let forged = [
        "not-a-token".to_string(),
        token[..token.len() / 2].to_string(),
        format!("{token}AA"),
        "eyJ2IjoxLCJmIjoiMDAwIiwicCI6bnVsbH0".to_string(),
        "A".repeat(5000),
    ];
    for t in &forged {
        let r = s
            .get(&format!("{MCP}?pageSize=5{base}&pageToken={t}"))
            .await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.body["error"], "bad_request");
    }
    let r = s
        .get(&format!(
            "{MCP}?pageSize=5{base}&pageToken={token}&nextPageToken=other"
        ))
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    for size in ["0", "-1", "100000", "1001", "abc", "1.5"] {
        let r = s.get(&format!("{MCP}?pageSize={size}")).await;
        assert_eq!(r.status, 400, "pageSize={size}: {}", r.body);
        assert_eq!(r.body["details"][0]["field"], "pageSize");
    }
    let r = s.get(&format!("{MCP}?pageSize=1000")).await;
    assert_eq!(
        (r.body["pageSize"].as_u64(), r.body["size"].as_u64()),
        (Some(1000), Some(50))
    );
    assert_eq!(s.get(MCP).await.body["pageSize"], 100);
    s.stop().await;
    env.cleanup().await;
}
