//! Black-box tests of the entity action framework (UA §7): builtins, plugin-declared actions,
//! the fixed check order, dry-runs, discovery and hostile input, on SQLite and PostgreSQL.
#![cfg(feature = "mcp")]

mod common;

use std::sync::Arc;

use async_trait::async_trait;
use catalog_core::assets::{ActionEffect, ActionInput, ActionSpec, Overlay, ParamSpec};
use catalog_core::catalog::DeclarativePlugin;
use catalog_core::error::{ApiError, ErrorCode};
use catalog_core::plugin::{CatalogPlugin, InitConfig, ParameterType, PluginError};
use catalog_core::registry::Registry;
use catalog_core::schema::{FieldSpec, KindSpec, PluginSpec};
use common::{Backend, Env, TestServer};
use serde_json::{Value, json};

const BASE: &str = "/api/mcp_catalog/v1alpha1";
const K8S: &str = "kubernetes-mcp-server";

on_both_backends!(
    builtins_change_only_the_overlay_and_dry_runs_change_nothing,
    checks_run_in_order_with_stable_codes,
    hostile_targets_and_bodies_change_nothing,
    concurrent_annotations_are_all_kept,
    discovery_lists_actions_with_parameter_schemas,
    plugin_declared_actions_run_through_the_same_mechanism,
    plugins_without_actions_answer_501,
    the_get_path_also_takes_actions,
    two_servers_on_one_database_lose_no_update,
);

fn path(name: &str) -> String {
    format!("{BASE}/management/entities/{name}:action")
}

async fn act(s: &TestServer, name: &str, body: Value) -> common::Reply {
    s.post(&path(name), &body).await
}

async fn overlay_of(s: &TestServer, name: &str) -> Value {
    let r = s.get(&format!("{BASE}/mcpservers/{name}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body.get("overlay").cloned().unwrap_or(Value::Null)
}

async fn builtins_change_only_the_overlay_and_dry_runs_change_nothing(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let before = s.get(&format!("{BASE}/mcpservers/{K8S}")).await.body;
    let cases = [
        (
            json!({"tags": ["a", "b", "a"]}),
            "tag",
            json!({"tags": ["a", "b"]}),
        ),
        (
            json!({"tags": ["a", "zz"]}),
            "untag",
            json!({"tags": ["b"]}),
        ),
        (
            json!({"annotations": {"x": "1", "y": "2"}}),
            "annotate",
            json!({"annotations": {"x": "1", "y": "2"}}),
        ),
        (
            json!({"annotations": {"x": null, "z": "3"}}),
            "annotate",
            json!({"annotations": {"y": "2", "z": "3"}}),
        ),
        (
            json!({"labels": {"team": "ml"}}),
            "label",
            json!({"labels": {"team": "ml"}}),
        ),
        (json!({}), "deprecate", json!({"lifecycle": "deprecated"})),
        (
            json!({"phase": "retired"}),
            "deprecate",
            json!({"lifecycle": "retired"}),
        ),
        (
            json!({"phase": "active"}),
            "deprecate",
            json!({"lifecycle": "active"}),
        ),
    ];
    for (params, action, data) in cases {
        // A dry-run reports exactly what the real run then returns, and stores nothing.
        let overlay = overlay_of(&s, K8S).await;
        let dry = act(
            &s,
            K8S,
            json!({"action": action, "dryRun": true, "params": params}),
        )
        .await;
        assert_eq!(dry.status, 200, "{action}: {}", dry.body);
        assert_eq!(dry.body["status"], "dry-run");
        assert!(dry.body["message"].as_str().unwrap().starts_with("would "));
        assert_eq!(dry.body["data"], data, "{action}");
        assert_eq!(
            overlay_of(&s, K8S).await,
            overlay,
            "dry-run {action} changed nothing"
        );
        let real = act(&s, K8S, json!({"action": action, "params": params})).await;
        assert_eq!(real.status, 200, "{action}: {}", real.body);
        assert_eq!(real.body["status"], "completed");
        assert_eq!(real.body["action"], action);
        assert_eq!(real.body["data"], data, "{action}");
    }
    let after = s.get(&format!("{BASE}/mcpservers/{K8S}")).await.body;
    let overlay = &after["overlay"];
    assert_eq!(overlay["tags"], json!(["b"]));
    assert_eq!(overlay["labels"], json!({"team": "ml"}));
    assert_eq!(overlay["annotations"], json!({"y": "2", "z": "3"}));
    assert_eq!(overlay["lifecycle"], "active");
    // Source data is untouched: only the overlay key was added.
    let mut stripped = after.clone();
    stripped.as_object_mut().unwrap().remove("overlay");
    assert_eq!(stripped, before);
    s.stop().await;
    env.cleanup().await;
}

async fn checks_run_in_order_with_stable_codes(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let raw = |body: &'static str| {
        let s = &s;
        async move {
            s.send(
                s.client
                    .post(format!("{}{}", s.base, path(K8S)))
                    .header("content-type", "application/json")
                    .body(body),
            )
            .await
        }
    };
    for (body, message) in [
        ("{", "invalid action request"),
        ("", "invalid action request"),
        ("[1]", "invalid action request"),
        (r#""tag""#, "invalid action request"),
        (
            r#"{"action": "tag", "params": [1]}"#,
            "invalid action request",
        ),
        (r#"{"action": 7}"#, "invalid action request"),
        (r#"{"params": {}}"#, "action field is required"),
        (r#"{"action": "  "}"#, "action field is required"),
        (
            r#"{"action": "explode"}"#,
            r#"unknown action "explode" for scope "asset""#,
        ),
        (r#"{"action": "tag"}"#, "params.tags: is required"),
        (
            r#"{"action": "tag", "params": {"tags": "x"}}"#,
            "params.tags: must be a list",
        ),
        (
            r#"{"action": "tag", "params": {"tags": [1]}}"#,
            "params.tags[0]",
        ),
        (
            r#"{"action": "tag", "params": {"tags": [""]}}"#,
            "params.tags[0]",
        ),
        (
            r#"{"action": "tag", "params": {"tags": [], "bogus": 1}}"#,
            "params.bogus",
        ),
        (
            r#"{"action": "annotate", "params": {"annotations": {"k": 1}}}"#,
            "params.annotations.k",
        ),
        (
            r#"{"action": "annotate", "params": {"annotations": ["k"]}}"#,
            "params.annotations",
        ),
        (
            r#"{"action": "deprecate", "params": {"phase": "gone"}}"#,
            "params.phase: must be one of",
        ),
        (
            r#"{"action": "deprecate", "params": {"phase": null}}"#,
            "params.phase",
        ),
    ] {
        let r = raw(body).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(r.body["error"], "bad_request");
        let got = r.body["message"].as_str().unwrap();
        assert!(got.contains(message), "{body}: {got}");
    }
    // Input checks come before the target check: a bad request on a missing entity is 400.
    let r = act(&s, "no-such-server", json!({"action": "explode"})).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = act(
        &s,
        "no-such-server",
        json!({"action": "tag", "params": {"tags": ["x"]}}),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.body["error"], "not_found");
    let r = act(
        &s,
        K8S,
        json!({"action": "tag", "params": {"tags": ["x"]}, "kind": "Agent"}),
    )
    .await;
    assert_eq!(
        r.status, 404,
        "a kind the plugin does not serve: {}",
        r.body
    );
    // Without the suffix it is not an action.
    let r = s
        .post(
            &format!("{BASE}/management/entities/{K8S}"),
            &json!({"action": "tag"}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = s
        .post(
            &format!("{BASE}/management/entities/{K8S}:actions"),
            &json!({"action": "tag"}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(
        overlay_of(&s, K8S).await,
        Value::Null,
        "nothing was applied"
    );
    s.stop().await;
    env.cleanup().await;
}

async fn hostile_targets_and_bodies_change_nothing(backend: Backend) {
    let env = Env::new(&backend).await;
    let mut settings = env.settings();
    settings.max_body_bytes = 64 * 1024;
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    let tag = json!({"action": "tag", "params": {"tags": ["x"]}});
    for name in [
        "..%2F..%2Fetc%2Fpasswd",
        "../../x",
        "%00",
        "a%27%3B%20DROP%20TABLE%20catalog_overlays%3B--",
        "%E2%80%AE%F0%9F%92%A9",
        &"n".repeat(8 * 1024),
    ] {
        let r = act(&s, name, tag.clone()).await;
        assert!(
            r.status == 404 || r.status == 400,
            "{}: {} {}",
            &name[..name.len().min(40)],
            r.status,
            r.body
        );
    }
    // Oversized bodies and parameters are refused.
    let head = s.post_declaring_length(&path(K8S), 100 * 1024).await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("payload_too_large"), "{head}");
    let many: Vec<String> = (0..65).map(|i| format!("t{i}")).collect();
    let r = act(&s, K8S, json!({"action": "tag", "params": {"tags": many}})).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let long = json!({"action": "tag", "params": {"tags": ["t".repeat(300)]}});
    assert_eq!(act(&s, K8S, long).await.status, 400);
    let wide: serde_json::Map<String, Value> =
        (0..65).map(|i| (format!("k{i}"), json!("v"))).collect();
    let r = act(
        &s,
        K8S,
        json!({"action": "label", "params": {"labels": wide}}),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    // The merged result is bounded too: 40 + 40 labels exceed the limit and change nothing.
    let first: serde_json::Map<String, Value> =
        (0..40).map(|i| (format!("a{i}"), json!("v"))).collect();
    let second: serde_json::Map<String, Value> =
        (0..40).map(|i| (format!("b{i}"), json!("v"))).collect();
    assert_eq!(
        act(
            &s,
            K8S,
            json!({"action": "label", "params": {"labels": first}})
        )
        .await
        .status,
        200
    );
    let before = overlay_of(&s, K8S).await;
    let r = act(
        &s,
        K8S,
        json!({"action": "label", "params": {"labels": second}}),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(overlay_of(&s, K8S).await, before);
    // No overlay was created for any hostile name.
    let r = s.get("/api/assets?filterQuery=tags%3D%27x%27").await;
    assert_eq!(r.body["totalSize"], 0, "{}", r.body);
    s.stop().await;
    env.cleanup().await;
}

async fn concurrent_annotations_are_all_kept(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = Arc::new(env.start().await);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let body =
                json!({"action": "annotate", "params": {"annotations": {format!("k{i}"): "v"}}});
            act(&s, K8S, body).await.status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let overlay = overlay_of(&s, K8S).await;
    assert_eq!(
        overlay["annotations"].as_object().unwrap().len(),
        16,
        "{overlay}"
    );
    Arc::into_inner(s).unwrap().stop().await;
    env.cleanup().await;
}

async fn discovery_lists_actions_with_parameter_schemas(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let asset = s.get(&format!("{BASE}/management/actions/asset")).await;
    assert_eq!(asset.status, 200, "{}", asset.body);
    let ids: Vec<&str> = asset.body["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["tag", "untag", "annotate", "label", "deprecate"]);
    assert_eq!(asset.body["count"], 5);
    let tag = &asset.body["actions"][0];
    assert_eq!(tag["scope"], "asset");
    assert_eq!(tag["supportsDryRun"], true);
    assert_eq!(
        tag["parameters"],
        json!([{"name": "tags", "type": "tags", "label": "Tags", "required": true}])
    );
    let deprecate = &asset.body["actions"][4];
    assert_eq!(deprecate["parameters"][0]["defaultValue"], "deprecated");
    assert_eq!(
        deprecate["parameters"][0]["enum"],
        json!(["active", "deprecated", "retired", "draft"])
    );
    let r = s.get(&format!("{BASE}/management/actions/nope")).await;
    assert_eq!(r.status, 404);
    // Capabilities carry the same definitions, the entity's action ids and the action URL.
    let caps = s.get("/api/plugins/mcp/capabilities").await.body;
    let source = s
        .get(&format!("{BASE}/management/actions/source"))
        .await
        .body;
    let mut union = asset.body["actions"].as_array().unwrap().clone();
    union.extend(source["actions"].as_array().unwrap().iter().cloned());
    assert_eq!(caps["actions"], Value::Array(union), "UA-17");
    assert_eq!(caps["entities"][0]["actions"], json!(ids));
    assert_eq!(
        caps["entities"][0]["endpoints"]["action"],
        format!("{BASE}/management/entities/{{name}}:action")
    );
    let plugins = s.get("/api/plugins").await.body;
    let mcp = plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "mcp")
        .unwrap();
    assert_eq!(mcp["management"]["actions"], true);
    s.stop().await;
    env.cleanup().await;
}

/// `certify`: a plugin-specific action declared on the spec. Retired widgets cannot be
/// certified (409).
fn certify(input: &ActionInput<'_>, mut overlay: Overlay) -> Result<ActionEffect, ApiError> {
    if overlay.lifecycle.as_deref() == Some("retired") {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("{} is retired", input.name),
        ));
    }
    let level = input
        .params
        .get("level")
        .and_then(Value::as_str)
        .unwrap_or("basic");
    overlay.annotations.insert("certified".into(), level.into());
    Ok(ActionEffect {
        summary: format!("certified {} ({level})", input.name),
        data: json!({"certified": level, "color": input.entity["color"]}),
        overlay,
    })
}

static WIDGETS: PluginSpec = PluginSpec {
    description: "Widgets",
    actions: &[ActionSpec {
        id: "certify",
        display_name: "Certify",
        description: "Mark the widget certified",
        supports_dry_run: false,
        idempotent: true,
        destructive: false,
        parameters: &[ParamSpec {
            allowed: &["basic", "gold"],
            ..ParamSpec::new("level", ParameterType::String, "Level", true, "")
        }],
        handler: certify,
    }],
    ..PluginSpec::new(
        "widgets",
        KindSpec::new(
            "Widget",
            "widgets",
            "widgets",
            &[
                FieldSpec::string("name", "Name").sortable().required(),
                FieldSpec::string("color", "Color").column(),
            ],
        ),
    )
};

async fn plugin_declared_actions_run_through_the_same_mechanism(backend: Backend) {
    let env = Env::new(&backend).await;
    let data = env.write("w/widgets.yaml", "widgets:\n  - name: w1\n    color: red\n");
    let sources = env.write(
        "w/sources.yaml",
        &format!(
            "apiVersion: catalog/v1alpha1\nkind: CatalogSources\ncatalogs:\n  widgets:\n    sources:\n      - id: w\n        name: W\n        type: yaml\n        properties:\n          yamlCatalogPath: \"{}\"\n",
            data.display()
        ),
    );
    let mut settings = env.settings();
    settings.sources = vec![sources];
    let registry = Registry::new(vec![(
        "widgets".into(),
        Arc::new(DeclarativePlugin::new(&WIDGETS)) as Arc<dyn CatalogPlugin>,
    )])
    .unwrap();
    let s = env.start_with(settings, registry).await;
    let base = "/api/widgets_catalog/v1alpha1";
    let caps = s.get("/api/plugins/widgets/capabilities").await.body;
    let certify_def = caps["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "certify")
        .cloned();
    assert_eq!(
        certify_def.unwrap()["parameters"][0],
        json!({"name": "level", "type": "string", "label": "Level", "required": true, "enum": ["basic", "gold"]})
    );
    assert!(
        caps["entities"][0]["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("certify"))
    );
    let act = |body: Value| {
        let s = &s;
        async move {
            s.post(&format!("{base}/management/entities/w1:action"), &body)
                .await
        }
    };
    let r = act(json!({"action": "certify", "dryRun": true, "params": {"level": "gold"}})).await;
    assert_eq!(r.status, 400, "certify declares no dry-run: {}", r.body);
    let r = act(json!({"action": "certify", "params": {"level": "platinum"}})).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = act(json!({"action": "certify", "params": {"level": "gold"}})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"], json!({"certified": "gold", "color": "red"}));
    let native = s.get(&format!("{base}/widgets/w1")).await.body;
    assert_eq!(native["overlay"]["annotations"]["certified"], "gold");
    assert_eq!(
        act(json!({"action": "deprecate", "params": {"phase": "retired"}}))
            .await
            .status,
        200
    );
    let r = act(json!({"action": "certify", "params": {"level": "basic"}})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["error"], "conflict");
    let native = s.get(&format!("{base}/widgets/w1")).await.body;
    assert_eq!(
        native["overlay"]["annotations"]["certified"], "gold",
        "a refused action changes nothing"
    );
    s.stop().await;
    env.cleanup().await;
}

/// A plugin with routes but no optional capabilities.
struct Bare;

#[async_trait]
impl CatalogPlugin for Bare {
    fn name(&self) -> &str {
        "bare"
    }
    fn version(&self) -> &str {
        "v1alpha1"
    }
    fn description(&self) -> &str {
        "No actions"
    }
    async fn init(&self, _: InitConfig) -> Result<(), PluginError> {
        Ok(())
    }
    async fn start(&self) -> Result<(), PluginError> {
        Ok(())
    }
    async fn stop(&self) -> Result<(), PluginError> {
        Ok(())
    }
    fn healthy(&self) -> bool {
        true
    }
    fn routes(&self) -> Result<axum::Router, PluginError> {
        Ok(axum::Router::new())
    }
}

async fn plugins_without_actions_answer_501(backend: Backend) {
    let env = Env::new(&backend).await;
    let registry = Registry::new(vec![(
        "bare".into(),
        Arc::new(Bare) as Arc<dyn CatalogPlugin>,
    )])
    .unwrap();
    let s = env.start_with(env.settings(), registry).await;
    let base = "/api/bare_catalog/v1alpha1/management";
    let r = s
        .post(
            &format!("{base}/entities/x:action"),
            &json!({"action": "tag"}),
        )
        .await;
    assert_eq!(r.status, 501, "{}", r.body);
    assert_eq!(
        r.body["message"],
        "plugin \"bare\" does not support actions"
    );
    for scope in ["asset", "source"] {
        let r = s.get(&format!("{base}/actions/{scope}")).await;
        assert_eq!(r.body, json!({"actions": [], "count": 0}));
    }
    let plugins = s.get("/api/plugins").await.body;
    assert_eq!(plugins["plugins"][0]["management"]["actions"], Value::Null);
    s.stop().await;
    env.cleanup().await;
}

async fn the_get_path_also_takes_actions(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let url = format!("{BASE}/mcpservers/{K8S}:action");
    let r = s
        .post(
            &url,
            &json!({"action": "tag", "params": {"tags": ["via-get-path"]}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(overlay_of(&s, K8S).await["tags"], json!(["via-get-path"]));
    let r = s
        .post(
            &url,
            &json!({"action": "tag", "params": {"tags": []}, "kind": "Agent"}),
        )
        .await;
    assert_eq!(r.status, 404, "the route fixes the kind: {}", r.body);
    let r = s
        .post(
            &format!("{BASE}/mcpservers/{K8S}"),
            &json!({"action": "tag"}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = s
        .post(
            &format!("{BASE}/mcpservers/nope:action"),
            &json!({"action": "tag", "params": {"tags": []}}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = s.post(&url, &json!({"action": "nope"})).await;
    assert_eq!(r.status, 400, "{}", r.body);
    s.stop().await;
    env.cleanup().await;
}

/// Two servers share one database (two replicas): concurrent annotations through both are all
/// stored, because each update locks its overlay row from read to write (UA-35).
async fn two_servers_on_one_database_lose_no_update(backend: Backend) {
    let env = Env::new(&backend).await;
    let a = Arc::new(env.start().await);
    let b = Arc::new(env.start().await);
    let mut tasks = Vec::new();
    for i in 0..24 {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let body =
                json!({"action": "annotate", "params": {"annotations": {format!("k{i}"): "v"}}});
            act(&s, K8S, body).await.status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    Arc::into_inner(a).unwrap().stop().await;
    Arc::into_inner(b).unwrap().stop().await;
    let s = env.start().await;
    let overlay = overlay_of(&s, K8S).await;
    assert_eq!(
        overlay["annotations"].as_object().unwrap().len(),
        24,
        "{overlay}"
    );
    s.stop().await;
    env.cleanup().await;
}
