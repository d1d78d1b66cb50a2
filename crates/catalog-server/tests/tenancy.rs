//! Namespace tenancy over real HTTP (EN-6…16): exact 400s, the served-namespace list, exempt
//! probes, and a randomized check that no list, get, filter or page token crosses namespaces.
#![cfg(feature = "mcp")]

mod common;

use catalog_core::authz::AuthzMode;
use catalog_core::tenancy::TenancyMode;
use common::{Backend, Env, Reply, TestServer};
use serde_json::{Value, json};

const MCP: &str = "/api/mcp_catalog/v1alpha1/mcpservers";
const MGMT: &str = "/api/mcp_catalog/v1alpha1/management";
const EVENTS: &str = "/api/audit/v1alpha1/events";

on_both_backends!(
    namespaces_are_validated_and_isolated,
    no_request_crosses_namespaces
);

async fn start(env: &Env, namespaces: &[&str]) -> TestServer {
    let mut settings = env.settings();
    settings.enterprise.tenancy.mode = TenancyMode::Namespace;
    settings.enterprise.tenancy.namespaces = namespaces.iter().map(|n| n.to_string()).collect();
    settings.enterprise.authz.mode = AuthzMode::Role;
    env.start_with(settings, catalog_server::registry().unwrap())
        .await
}

async fn send(s: &TestServer, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let url = format!("{}{path}", s.base);
    let mut req = match method {
        "GET" => s.client.get(url),
        _ => s.client.post(url),
    };
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    s.send(req).await
}

async fn namespaces_are_validated_and_isolated(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, &["team-a", "team-b", "default"]).await;
    let missing = send(&s, "GET", "/api/plugins", &[]).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["error"], "bad_request");
    assert_eq!(
        missing.body["message"],
        "namespace is required in multi-tenant mode (use ?namespace= query param or X-Namespace header)"
    );
    let long = "a".repeat(64);
    let too_long = send(&s, "GET", &format!("/api/plugins?namespace={long}"), &[]).await;
    assert_eq!(too_long.status, 400);
    assert_eq!(
        too_long.body["message"],
        format!("namespace \"{long}\" exceeds maximum length of 63 characters")
    );
    for bad in ["Team-A", "-a", "a_b", "a.b"] {
        let r = send(&s, "GET", "/api/plugins", &[("x-namespace", bad)]).await;
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(
            r.body["message"],
            format!(
                "namespace \"{bad}\" is invalid: must consist of lowercase alphanumeric characters or hyphens, and must start and end with an alphanumeric character"
            )
        );
    }
    let unserved = send(&s, "GET", "/api/plugins?namespace=team-c", &[]).await;
    assert_eq!(unserved.status, 403);
    assert_eq!(
        unserved.body["message"],
        "namespace \"team-c\" is not served by this catalog"
    );
    // Probes and the namespace list need no namespace.
    for probe in ["/livez", "/readyz", "/healthz"] {
        assert_eq!(send(&s, "GET", probe, &[]).await.status, 200, "{probe}");
    }
    let listed = send(&s, "GET", "/api/tenancy/v1alpha1/namespaces", &[]).await;
    assert_eq!(
        listed.body,
        json!({"namespaces": ["team-a", "team-b", "default"], "mode": "namespace"})
    );
    // Discovery is cached per namespace; junk query parameters do not mint new keys.
    let cache = |r: &Reply| r.headers["x-cache"].to_str().unwrap().to_string();
    let first = send(&s, "GET", "/api/plugins", &[("x-namespace", "team-a")]).await;
    assert_eq!((first.status, cache(&first).as_str()), (200, "MISS"));
    let junk = send(
        &s,
        "GET",
        "/api/plugins?junk=1",
        &[("x-namespace", "team-a")],
    )
    .await;
    assert_eq!(cache(&junk), "HIT");
    let other = send(
        &s,
        "GET",
        "/api/plugins?namespace=team-b",
        &[("x-namespace", "team-a")],
    )
    .await;
    assert_eq!(cache(&other), "MISS");

    // Audit events stay in their namespace; the query parameter wins over the header.
    let op = |ns: &'static str| {
        [
            ("x-remote-user", "olga"),
            ("x-user-role", "operator"),
            ("x-namespace", ns),
        ]
    };
    assert_eq!(
        send(
            &s,
            "POST",
            &format!("{MGMT}/refresh?namespace=team-a"),
            &op("team-b")
        )
        .await
        .status,
        200
    );
    let admin = |ns: &'static str| {
        [
            ("x-remote-user", "ada"),
            ("x-user-role", "admin"),
            ("x-namespace", ns),
        ]
    };
    let a = send(&s, "GET", EVENTS, &admin("team-a")).await;
    assert_eq!(a.body["totalSize"], 1, "{}", a.body);
    assert_eq!(a.body["events"][0]["namespace"], "team-a");
    let id = a.body["events"][0]["id"].as_str().unwrap().to_string();
    let b = send(&s, "GET", EVENTS, &admin("team-b")).await;
    assert_eq!(b.body["totalSize"], 0);
    assert_eq!(
        send(&s, "GET", &format!("{EVENTS}/{id}"), &admin("team-b"))
            .await
            .status,
        404
    );
    assert_eq!(
        send(&s, "GET", &format!("{EVENTS}/{id}"), &admin("team-a"))
            .await
            .status,
        200
    );
    // A namespace filter is tenant selection, never a widening: allNamespaces is admin-only.
    let all = send(
        &s,
        "GET",
        &format!("{EVENTS}?allNamespaces=true"),
        &admin("team-b"),
    )
    .await;
    assert_eq!(all.body["totalSize"], 1);
    let op_all = send(
        &s,
        "GET",
        &format!("{EVENTS}?allNamespaces=true"),
        &op("team-a"),
    )
    .await;
    assert_eq!(op_all.status, 403);
    // Tenancy rejections happen before audit: no event for a 400.
    send(
        &s,
        "POST",
        &format!("{MGMT}/refresh?namespace=BAD"),
        &op("team-a"),
    )
    .await;
    let all = send(
        &s,
        "GET",
        &format!("{EVENTS}?allNamespaces=true"),
        &admin("team-a"),
    )
    .await;
    assert_eq!(all.body["totalSize"], 1);
    s.stop().await;
    env.cleanup().await;
}

/// A small deterministic generator (xorshift64*), so failures replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

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

async fn no_request_crosses_namespaces(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, &[]).await;
    let viewer = |ns: &str| {
        vec![
            ("x-remote-user".to_string(), "vic".to_string()),
            ("x-namespace".to_string(), ns.to_string()),
        ]
    };
    let get = |path: String, ns: &str| {
        let headers = viewer(ns);
        let s = &s;
        async move {
            let mut req = s.client.get(format!("{}{path}", s.base));
            for (k, v) in &headers {
                req = req.header(k, v);
            }
            s.send(req).await
        }
    };
    // The data lives in `default`; collect its names and a page token.
    let home = get(format!("{MCP}?pageSize=1000"), "default").await;
    let names: Vec<String> = home.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.len() >= 3, "bundled MCP samples are loaded");
    let first = get(format!("{MCP}?pageSize=1"), "default").await;
    let default_token = first.body["nextPageToken"].as_str().unwrap().to_string();
    assert!(!default_token.is_empty());

    let others = ["team-a", "team-b", "x9"];
    let filters = [
        "name = 'x'",
        "name LIKE '%a%'",
        "name IN ('a','b')",
        "provider = 'Red Hat'",
    ];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut checked = 0;
    for _ in 0..1000 {
        let ns = *rng.pick(&others);
        let name = rng.pick(&names).clone();
        let reply = match rng.next() % 6 {
            0 => get(format!("{MCP}?pageSize={}", 1 + rng.next() % 5), ns).await,
            1 => {
                get(
                    format!(
                        "{MCP}?filterQuery={}",
                        enc(filters[(rng.next() % filters.len() as u64) as usize])
                    ),
                    ns,
                )
                .await
            }
            2 => get(format!("{MCP}?q={}", enc(&name[..2.min(name.len())])), ns).await,
            3 => get(format!("{MCP}/{}", enc(&name)), ns).await,
            4 => get(format!("{MGMT}/entities/{}", enc(&name)), ns).await,
            _ => get(format!("{MCP}?pageSize=1&pageToken={default_token}"), ns).await,
        };
        let text = reply.body.to_string();
        for n in &names {
            assert!(
                !text.contains(&format!("\"{n}\"")),
                "namespace {ns} saw {n} from default: {text}"
            );
        }
        match reply.status {
            200 => {
                assert_eq!(reply.body["items"], json!([]), "{text}");
                assert_eq!(reply.body["totalSize"], 0);
            }
            400 => assert_eq!(reply.body["details"][0]["field"], "pageToken", "{text}"),
            404 => {}
            other => panic!("unexpected {other} in {ns}: {text}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 1000);
    // The home namespace still sees its data, and its own token works there.
    let again = get(
        format!("{MCP}?pageSize=1&pageToken={default_token}"),
        "default",
    )
    .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["items"].as_array().unwrap().len(), 1);
    let one = get(format!("{MCP}/{}", enc(&names[0])), "default").await;
    assert_eq!(one.status, 200);
    let _: &Value = &one.body;
    s.stop().await;
    env.cleanup().await;
}
