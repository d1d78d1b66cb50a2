//! Identity and authorization over real HTTP (EN-19…39): spoofed proxy headers, JWT
//! verification, the role matrix, and SubjectAccessReview against a fake API server on
//! 127.0.0.1 that records what it is asked.
#![cfg(feature = "mcp")]

mod common;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use catalog_core::authz::AuthzMode;
use catalog_core::identity::AuthMode;
use catalog_core::server::Settings;
use common::{Backend, Env, Reply, TestServer};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// Request headers as name/value pairs.
type Headers<'a> = &'a [(&'a str, &'a str)];
/// A change to test settings.
type Configure = Box<dyn Fn(&mut Settings)>;

const REFRESH: &str = "/api/mcp_catalog/v1alpha1/management/refresh";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/jwt")
        .join(name)
}

async fn start(env: &Env, configure: impl FnOnce(&mut Settings)) -> TestServer {
    let mut settings = env.settings();
    configure(&mut settings);
    env.start_with(settings, catalog_server::registry().unwrap())
        .await
}

async fn post_as(s: &TestServer, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = s.client.post(format!("{}{path}", s.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    s.send(req).await
}

async fn get_as(s: &TestServer, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = s.client.get(format!("{}{path}", s.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    s.send(req).await
}

fn token(key: &str, claims: Value) -> String {
    let pem = std::fs::read(fixture(key)).unwrap();
    jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &claims,
        &EncodingKey::from_rsa_pem(&pem).unwrap(),
    )
    .unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

on_both_backends!(
    spoofed_identity_from_an_untrusted_address_is_ignored,
    jwt_tokens_are_verified_with_the_configured_key,
);

async fn spoofed_identity_from_an_untrusted_address_is_ignored(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, |s| {
        let e = &mut s.enterprise;
        e.identity.mode = AuthMode::Proxy;
        // The test client is 127.0.0.1: not a trusted proxy.
        e.identity.trusted_proxy_cidrs = vec!["10.0.0.0/8".parse().unwrap()];
        e.identity.proxy_secret = Some("proxy-s3cret".into());
        e.authz.mode = AuthzMode::Role;
    })
    .await;
    let spoof = [
        ("x-remote-user", "admin"),
        ("x-remote-group", "system:masters"),
        ("x-user-role", "admin"),
    ];
    let denied = post_as(&s, REFRESH, &spoof).await;
    assert_eq!(denied.status, 403, "{}", denied.body);
    assert_eq!(denied.body["error"], "forbidden");
    assert_eq!(
        denied.body["message"],
        "insufficient permissions for jobs/create in namespace default"
    );
    // The denial is audited against the anonymous caller, not the spoofed name.
    let events = get_as(
        &s,
        "/api/audit/v1alpha1/events",
        &[
            ("x-proxy-secret", "proxy-s3cret"),
            ("x-remote-user", "auditor"),
            ("x-user-role", "admin"),
        ],
    )
    .await;
    assert_eq!(events.status, 200, "{}", events.body);
    assert_eq!(events.body["events"][0]["actor"], "anonymous");
    assert_eq!(events.body["events"][0]["outcome"], "denied");
    // The same headers with the proxy's shared secret are trusted.
    let mut trusted = spoof.to_vec();
    trusted.push(("x-proxy-secret", "proxy-s3cret"));
    assert_eq!(post_as(&s, REFRESH, &trusted).await.status, 200);
    let mut wrong = spoof.to_vec();
    wrong.push(("x-proxy-secret", "guess"));
    assert_eq!(post_as(&s, REFRESH, &wrong).await.status, 403);
    s.stop().await;
    env.cleanup().await;
}

async fn jwt_tokens_are_verified_with_the_configured_key(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, |s| {
        let e = &mut s.enterprise;
        e.identity.mode = AuthMode::Jwt;
        e.identity.jwt.public_key_path = Some(fixture("signing.pub.pem"));
        e.identity.jwt.issuer = Some("https://issuer.test".into());
        e.authz.mode = AuthzMode::Role;
    })
    .await;
    let claims = |role: &str| {
        json!({"sub": "alice", "groups": ["ml-eng"], "role": role,
               "iss": "https://issuer.test", "exp": now() + 600})
    };
    let bearer = |t: &str| format!("Bearer {t}");
    let admin = token("signing.key.pem", claims("admin"));
    let ok = post_as(&s, REFRESH, &[("authorization", &bearer(&admin))]).await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    let viewer = token("signing.key.pem", claims("viewer"));
    assert_eq!(
        post_as(&s, REFRESH, &[("authorization", &bearer(&viewer))])
            .await
            .status,
        403
    );

    // Wrong key, expired, wrong issuer, unsigned and HMAC-with-the-public-key tokens: 401.
    let wrong_key = token("other.key.pem", claims("admin"));
    let mut expired_claims = claims("admin");
    expired_claims["exp"] = json!(now() - 3600);
    let expired = token("signing.key.pem", expired_claims);
    let mut foreign_claims = claims("admin");
    foreign_claims["iss"] = json!("https://evil.test");
    let foreign = token("signing.key.pem", foreign_claims);
    let unsigned = {
        let parts: Vec<&str> = admin.split('.').collect();
        format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1])
    };
    let hmac = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims("admin"),
        &EncodingKey::from_secret(&std::fs::read(fixture("signing.pub.pem")).unwrap()).unwrap(),
    )
    .unwrap();
    for (what, t) in [
        ("wrong key", wrong_key),
        ("expired", expired),
        ("wrong issuer", foreign),
        ("alg none", unsigned),
        ("hmac", hmac),
        ("garbage", "abc.def.ghi".to_string()),
    ] {
        for reply in [
            post_as(&s, REFRESH, &[("authorization", &bearer(&t))]).await,
            get_as(&s, "/api/plugins", &[("authorization", &bearer(&t))]).await,
        ] {
            assert_eq!(reply.status, 401, "{what}: {}", reply.body);
            assert_eq!(reply.body["error"], "unauthorized", "{what}");
            assert_eq!(
                reply.headers["www-authenticate"], "Bearer error=\"invalid_token\"",
                "{what}"
            );
        }
    }
    // No token: an anonymous viewer; identity headers are ignored in jwt mode.
    assert_eq!(get_as(&s, "/api/plugins", &[]).await.status, 200);
    let spoof = post_as(
        &s,
        REFRESH,
        &[("x-remote-user", "root"), ("x-user-role", "admin")],
    )
    .await;
    assert_eq!(spoof.status, 403);
    s.stop().await;
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_matrix_over_http() {
    let env = Env::new(&Backend::Sqlite).await;
    let s = start(&env, |s| {
        s.enterprise.authz.mode = AuthzMode::Role;
        s.enterprise.identity.operator_groups = vec!["ops".into()];
    })
    .await;
    let viewer: &[(&str, &str)] = &[("x-remote-user", "vic")];
    let operator: &[(&str, &str)] = &[("x-remote-user", "olga"), ("x-remote-group", "ops")];
    let admin: &[(&str, &str)] = &[("x-remote-user", "ada"), ("x-user-role", "Admin")];
    let events = "/api/audit/v1alpha1/events";
    let cases: &[(&str, &str, Headers, u16)] = &[
        ("GET", "/api/plugins", viewer, 200),
        ("GET", "/api/plugins/mcp/capabilities", viewer, 200),
        ("GET", "/api/mcp_catalog/v1alpha1/mcpservers", viewer, 200),
        (
            "GET",
            "/api/mcp_catalog/v1alpha1/management/diagnostics",
            viewer,
            200,
        ),
        ("POST", REFRESH, viewer, 403),
        ("POST", REFRESH, operator, 200),
        ("GET", events, viewer, 403),
        ("GET", events, operator, 403),
        ("GET", events, admin, 200),
        (
            "GET",
            "/api/audit/v1alpha1/events?allNamespaces=true",
            admin,
            200,
        ),
        ("POST", REFRESH, admin, 200),
        // Health and the namespace list need no permission; unknown paths stay 404.
        ("GET", "/readyz", viewer, 200),
        ("GET", "/api/tenancy/v1alpha1/namespaces", viewer, 200),
        ("GET", "/api/nothing-here", viewer, 404),
    ];
    for (method, path, who, want) in cases {
        let reply = match *method {
            "GET" => get_as(&s, path, who).await,
            _ => post_as(&s, path, who).await,
        };
        assert_eq!(
            reply.status, *want,
            "{method} {path} as {who:?}: {}",
            reply.body
        );
    }
    let denied = get_as(&s, events, operator).await;
    assert_eq!(
        denied.body["message"],
        "insufficient permissions for audit/list in namespace default"
    );
    let cluster = get_as(
        &s,
        "/api/audit/v1alpha1/events?allNamespaces=true",
        operator,
    )
    .await;
    assert_eq!(
        cluster.body["message"],
        "insufficient permissions for audit/list at cluster scope"
    );
    // Require authentication: anonymous API calls get 401, probes still answer.
    s.stop().await;
    let s = start(&env, |s| {
        s.enterprise.identity.require_authentication = true
    })
    .await;
    let anonymous = get_as(&s, "/api/plugins", &[]).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["error"], "unauthorized");
    assert_eq!(get_as(&s, "/api/plugins", viewer).await.status, 200);
    assert_eq!(get_as(&s, "/livez", &[]).await.status, 200);
    s.stop().await;
}

/// What the fake Kubernetes API server saw, and how it answers.
#[derive(Default)]
struct FakeKube {
    reviews: Mutex<Vec<(Option<String>, Value)>>,
    fail: std::sync::atomic::AtomicBool,
}

async fn subject_access_review(
    State(fake): State<Arc<FakeKube>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let auth = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_string());
    fake.reviews.lock().unwrap().push((auth, body.clone()));
    if fake.fail.load(std::sync::atomic::Ordering::SeqCst) {
        return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "etcd is sad").into_response();
    }
    let allowed = body["spec"]["user"] == "alice";
    let mut answer = body;
    answer["status"] = json!({"allowed": allowed});
    Json(answer).into_response()
}

async fn fake_kube() -> (Arc<FakeKube>, String) {
    let fake = Arc::new(FakeKube::default());
    let app = axum::Router::new()
        .route(
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            axum::routing::post(subject_access_review),
        )
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (fake, url)
}

fn sar_settings(s: &mut Settings, url: &str, token_file: PathBuf, ttl: Duration) {
    let e = &mut s.enterprise;
    e.identity.mode = AuthMode::Proxy;
    e.identity.trusted_proxy_cidrs = vec!["127.0.0.0/8".parse().unwrap()];
    e.authz.mode = AuthzMode::Sar;
    e.authz.cache_ttl = ttl;
    e.authz.kube.api_url = Some(url.to_string());
    e.authz.kube.token_file = Some(token_file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subject_access_reviews_have_the_exact_body_and_are_cached_within_ttl() {
    let env = Env::new(&Backend::Sqlite).await;
    let token_file = env.write("sa/token", "sa-token\n");
    let (fake, url) = fake_kube().await;
    let s = start(&env, |s| {
        sar_settings(s, &url, token_file.clone(), Duration::from_secs(600))
    })
    .await;
    let alice = [("x-remote-user", "alice"), ("x-remote-group", "ml-eng")];
    assert_eq!(post_as(&s, REFRESH, &alice).await.status, 200);
    {
        let reviews = fake.reviews.lock().unwrap();
        assert_eq!(reviews.len(), 1);
        assert_eq!(reviews[0].0.as_deref(), Some("Bearer sa-token"));
        assert_eq!(
            reviews[0].1,
            json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": {"user": "alice", "groups": ["ml-eng"], "resourceAttributes": {
                    "group": "catalog.kubeflow.org", "resource": "jobs", "verb": "create",
                    "namespace": "default"}}})
        );
    }
    // Same question again: answered from the cache.
    assert_eq!(post_as(&s, REFRESH, &alice).await.status, 200);
    assert_eq!(fake.reviews.lock().unwrap().len(), 1);
    // Bob is denied with the exact 403; anonymous is asked as system:anonymous.
    let bob = post_as(&s, REFRESH, &[("x-remote-user", "bob")]).await;
    assert_eq!(bob.status, 403);
    assert_eq!(
        bob.body["message"],
        "insufficient permissions for jobs/create in namespace default"
    );
    assert_eq!(get_as(&s, "/api/plugins", &[]).await.status, 403);
    {
        let reviews = fake.reviews.lock().unwrap();
        let last = &reviews.last().unwrap().1["spec"];
        assert_eq!(last["user"], "system:anonymous");
        assert_eq!(last["groups"], json!(["system:unauthenticated"]));
        assert_eq!(last["resourceAttributes"]["resource"], "plugins");
        assert_eq!(last["resourceAttributes"]["verb"], "list");
        assert!(
            reviews[1].1["spec"].get("groups").is_none(),
            "no groups: omitted"
        );
    }
    // API server errors fail closed with 500 and are never cached.
    fake.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    let carol = [("x-remote-user", "carol")];
    for _ in 0..2 {
        let failed = post_as(&s, REFRESH, &carol).await;
        assert_eq!(failed.status, 500);
        assert_eq!(failed.body["error"], "internal");
        assert_eq!(failed.body["message"], "authorization check failed");
    }
    let carol_calls = fake
        .reviews
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, b)| b["spec"]["user"] == "carol")
        .count();
    assert_eq!(carol_calls, 2);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_decisions_expire_after_the_ttl() {
    let env = Env::new(&Backend::Sqlite).await;
    let token_file = env.write("sa/token", "sa-token");
    let (fake, url) = fake_kube().await;
    let s = start(&env, |s| {
        sar_settings(s, &url, token_file.clone(), Duration::from_secs(1))
    })
    .await;
    let alice = [("x-remote-user", "alice")];
    assert_eq!(post_as(&s, REFRESH, &alice).await.status, 200);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(post_as(&s, REFRESH, &alice).await.status, 200);
    assert_eq!(
        fake.reviews.lock().unwrap().len(),
        2,
        "the expired decision was asked again"
    );
    s.stop().await;
}

#[tokio::test]
async fn unsafe_security_settings_stop_startup() {
    let env = Env::new(&Backend::Sqlite).await;
    let cases: Vec<(Configure, &str)> = vec![
        (
            Box::new(|s| s.enterprise.authz.mode = AuthzMode::Sar),
            "needs auth mode proxy or jwt",
        ),
        (
            Box::new(|s| s.enterprise.identity.mode = AuthMode::Jwt),
            "CATALOG_JWT_PUBLIC_KEY_PATH",
        ),
        (
            Box::new(|s| {
                s.enterprise.identity.mode = AuthMode::Jwt;
                s.enterprise.identity.jwt.public_key_path = Some("/no/such/key.pem".into());
            }),
            "cannot read JWT public key",
        ),
        (
            Box::new(|s| {
                s.enterprise.identity.mode = AuthMode::Jwt;
                s.enterprise.identity.jwt.public_key_path = Some(fixture("README.md"));
            }),
            "is not a PEM RSA public key",
        ),
        (
            Box::new(|s| s.enterprise.identity.mode = AuthMode::Proxy),
            "CATALOG_TRUSTED_PROXY_CIDRS",
        ),
    ];
    for (configure, expected) in cases {
        let mut settings = env.settings();
        configure(&mut settings);
        let err = catalog_core::server::start(settings, catalog_server::registry().unwrap())
            .await
            .err()
            .expect("startup must fail");
        assert!(err.to_string().contains(expected), "{err}");
    }
}

/// Every route a client can reach has a row in the authorization table: as an admin (allowed
/// everything that is mapped), no mounted route may answer "unknown endpoint". The candidates
/// are every framework and management route of EN-29 with sample ids, each plugin's advertised
/// endpoints, and every pattern the plugin routers really mount (read from axum's route table),
/// under every method.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mounted_route_has_an_authorization_rule() {
    let env = Env::new(&Backend::Sqlite).await;
    let s = start(&env, |s| s.enterprise.authz.mode = AuthzMode::Role).await;
    let admin = [("x-remote-user", "ada"), ("x-user-role", "admin")];
    let discovery = get_as(&s, "/api/plugins", &admin).await;
    let mut paths: Vec<String> = [
        "/api/plugins",
        "/api/plugins/mcp/capabilities",
        "/api/assets",
        "/api/assets/McpServer/some%2Fname",
        "/api/audit/v1alpha1/events",
        "/api/audit/v1alpha1/events/e1",
        "/api/jobs/v1alpha1/refresh",
        "/api/jobs/v1alpha1/refresh/j1",
        "/api/jobs/v1alpha1/refresh/j1:cancel",
        "/api/governance/v1alpha1/approvals",
    ]
    .map(String::from)
    .to_vec();
    let mut bases = Vec::new();
    for plugin in discovery.body["plugins"].as_array().unwrap() {
        let base = plugin["basePath"].as_str().unwrap().to_string();
        let m = format!("{base}/management");
        for rest in [
            "sources",
            "sources/s1",
            "sources/s1/revisions",
            "sources/s1/enable",
            "sources/s1/disable",
            "sources/s1:validate",
            "sources/s1:rollback",
            "sources/s1:action",
            "diagnostics",
            "actions/source",
            "actions/asset",
            "entities/e1",
            "entities/org/e1:action",
            "apply-source",
            "validate-source",
            "refresh",
            "refresh/s1",
        ] {
            paths.push(format!("{m}/{rest}"));
        }
        for entity in plugin["capabilitiesV2"]["entities"].as_array().unwrap() {
            for key in ["list", "get"] {
                if let Some(p) = entity["endpoints"][key].as_str().filter(|p| !p.is_empty()) {
                    paths.push(p.replace("{name}", "x"));
                }
            }
        }
        bases.push(base);
    }
    // Every pattern the plugin routers really mount (management included), read from axum's
    // route table, with sample values for the parameters.
    for entry in s.server.state().plugins.load().iter() {
        let Some(router) = &entry.router else {
            continue;
        };
        for pattern in mounted_patterns(&format!("{router:?}")) {
            paths.push(format!("{}{}", entry.base_path, sample(&pattern)));
        }
    }
    let mut missing = Vec::new();
    for path in &paths {
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            let url = format!("{}{path}", s.base);
            let mut req = s
                .client
                .request(method.parse().unwrap(), url)
                .header("content-type", "application/json")
                .body("{}");
            for (k, v) in admin {
                req = req.header(k, v);
            }
            let reply = s.send(req).await;
            if reply.status == 403 && reply.body["message"] == "unknown endpoint, access denied" {
                missing.push(format!(
                    "{method} {path}: {}",
                    catalog_core::authz::table::suggestion(
                        method,
                        path,
                        bases.iter().map(String::as_str)
                    )
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes without an authorization rule:\n{}",
        missing.join("\n")
    );
    s.stop().await;
}

/// The route patterns in a router's debug output (`paths: {RouteId(1): "/x/{id}", …}`),
/// without axum's internal fallback routes. Patterns hold braces only inside quotes, so the
/// first `}` between two quoted strings closes the map.
fn mounted_patterns(debug: &str) -> Vec<String> {
    let mut out = Vec::new();
    for section in debug.split("paths: {").skip(1) {
        let mut rest = section;
        while let Some(start) = rest.find('"') {
            if rest[..start].contains('}') {
                break;
            }
            let after = &rest[start + 1..];
            let Some(end) = after.find('"') else { break };
            let pattern = &after[..end];
            if !pattern.contains("__private__") && pattern != "/" {
                out.push(pattern.to_string());
            }
            rest = &after[end + 1..];
        }
    }
    out
}

/// A concrete path for a pattern: `{x}` → `x1`, `{*x}` → `a/b`.
fn sample(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|seg| {
            if seg.starts_with("{*") {
                "a/b".to_string()
            } else if let Some(rest) = seg.strip_prefix('{') {
                let suffix = rest.split_once('}').map_or("", |(_, s)| s);
                format!("x1{suffix}")
            } else {
                seg.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}
