//! Checking one MCP server entry (PM-68, §3.5): deployment mode, and the shapes of the richer
//! optional metadata (tools, endpoints, artifacts, security indicators, transports).

use catalog_core::catalog::extension::{
    check_bool, check_list, check_mapping, check_one_of, check_string,
};
use serde_json::{Map, Value};

use crate::{DEPLOYMENT_MODES, TRANSPORTS};

type Problems = Vec<(String, String)>;

const TOOL_KEYS: &[&str] = &[
    "name",
    "description",
    "accessType",
    "parameters",
    "revoked",
    "revokedReason",
];
const PARAMETER_KEYS: &[&str] = &["name", "type", "description", "required"];
const ACCESS_TYPES: &[&str] = &["read_only", "read_write", "execute"];
const SECURITY_KEYS: &[&str] = &["verifiedSource", "secureEndpoint", "sast", "readOnlyTools"];
const ARTIFACT_KEYS: &[&str] = &["uri", "createTimeSinceEpoch", "lastUpdateTimeSinceEpoch"];
/// Transports of the `transports` list (§3.5).
const LIST_TRANSPORTS: &[&str] = &["stdio", "http", "sse"];

/// The MCP plugin's per-entry check; fills `toolCount` from `tools` when absent (PM-70).
pub fn prepare(entry: &mut Map<String, Value>, problems: &mut Problems) {
    check_one_of(
        entry.get("deploymentMode"),
        "deploymentMode",
        DEPLOYMENT_MODES,
        problems,
    );
    check_one_of(
        entry.get("transportType"),
        "transportType",
        TRANSPORTS,
        problems,
    );
    check_list(entry.get("tags"), "tags", problems, |v, p, out| {
        check_string(Some(v), p, out)
    });
    check_list(
        entry.get("transports"),
        "transports",
        problems,
        |v, p, out| check_one_of(Some(v), p, LIST_TRANSPORTS, out),
    );
    if let Some(endpoints) = entry.get("endpoints")
        && let Some(map) = check_mapping(endpoints, "endpoints", &["http", "sse"], problems)
    {
        for k in ["http", "sse"] {
            check_string(map.get(k), &format!("endpoints.{k}"), problems);
        }
    }
    if let Some(security) = entry.get("securityIndicators")
        && let Some(map) = check_mapping(security, "securityIndicators", SECURITY_KEYS, problems)
    {
        for k in SECURITY_KEYS {
            check_bool(map.get(*k), &format!("securityIndicators.{k}"), problems);
        }
    }
    check_list(
        entry.get("artifacts"),
        "artifacts",
        problems,
        |v, p, out| {
            if let Some(map) = check_mapping(v, p, ARTIFACT_KEYS, out) {
                if !map.get("uri").is_some_and(Value::is_string) {
                    out.push((
                        format!("{p}.uri"),
                        "is required and must be a string".into(),
                    ));
                }
                for k in &ARTIFACT_KEYS[1..] {
                    check_string(map.get(*k), &format!("{p}.{k}"), out);
                }
            }
        },
    );
    let tools = check_list(entry.get("tools"), "tools", problems, check_tool);
    if let Some(n) = tools
        && entry.get("toolCount").is_none_or(Value::is_null)
    {
        entry.insert("toolCount".into(), Value::from(n));
    }
}

fn check_tool(tool: &Value, path: &str, problems: &mut Problems) {
    let Some(map) = check_mapping(tool, path, TOOL_KEYS, problems) else {
        return;
    };
    if map
        .get("name")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        problems.push((format!("{path}.name"), "is required".into()));
    }
    check_string(
        map.get("description"),
        &format!("{path}.description"),
        problems,
    );
    check_string(
        map.get("revokedReason"),
        &format!("{path}.revokedReason"),
        problems,
    );
    check_bool(map.get("revoked"), &format!("{path}.revoked"), problems);
    match map.get("accessType") {
        None => problems.push((format!("{path}.accessType"), "is required".into())),
        v => check_one_of(v, &format!("{path}.accessType"), ACCESS_TYPES, problems),
    }
    check_list(
        map.get("parameters"),
        &format!("{path}.parameters"),
        problems,
        |v, p, out| {
            if let Some(param) = check_mapping(v, p, PARAMETER_KEYS, out) {
                for k in ["name", "type"] {
                    if !param.get(k).is_some_and(Value::is_string) {
                        out.push((
                            format!("{p}.{k}"),
                            "is required and must be a string".into(),
                        ));
                    }
                }
                check_string(param.get("description"), &format!("{p}.description"), out);
                check_bool(param.get("required"), &format!("{p}.required"), out);
            }
        },
    );
}
