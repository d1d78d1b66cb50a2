//! Mapping a hub model (`GET /api/models/{id}`) to a catalog model entry (PM-63).

use serde_json::{Map, Value, json};

use crate::metadata;

/// README file names looked for among `siblings[].rfilename`, in order.
const README_FILES: &[&str] = &["README.md", "readme.md", "Readme.md", "README", "readme"];

/// `cardData` keys that may hold a license link, in order.
const LICENSE_LINK_KEYS: &[&str] = &[
    "license_link",
    "licenseLink",
    "license_url",
    "licenseUrl",
    "license",
];

/// The catalog's built-in logo for hub models.
const LOGO: &str = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxMDAgMTAwIj48Y2lyY2xlIGN4PSI1MCIgY3k9IjUwIiByPSI0NSIgZmlsbD0iI0ZGRDIxRSIvPjwvc3ZnPg==";

/// The README file to fetch, if the model has one.
pub fn readme_file(info: &Value) -> Option<&'static str> {
    let files: Vec<&str> = info["siblings"]
        .as_array()?
        .iter()
        .filter_map(|s| s["rfilename"].as_str())
        .collect();
    README_FILES.iter().copied().find(|f| files.contains(f))
}

/// The entry for the model `requested`, from its hub `info`.
pub fn entry(
    requested: &str,
    info: &Value,
    readme: Option<String>,
    synced_ms: i64,
) -> Map<String, Value> {
    let id = info["id"]
        .as_str()
        .or(info["modelId"].as_str())
        .unwrap_or(requested)
        .to_string();
    let card = &info["cardData"];
    let mut e = Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            e.insert(k.into(), v);
        }
    };
    put("name", json!(id));
    put("externalId", json!(id));
    let created = stamp(&info["createdAt"]);
    let updated = stamp(&info["lastModified"]).or(created.clone());
    put("createTimeSinceEpoch", json!(created));
    put("lastUpdateTimeSinceEpoch", json!(updated));
    let tags: Vec<&str> = info["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let license = tags.iter().find_map(|t| t.strip_prefix("license:"));
    put("license", json!(license));
    put("description", card["description"].clone());
    put(
        "language",
        match &card["language"] {
            Value::String(l) => json!([l]),
            Value::Array(l) => json!(l.iter().filter(|v| v.is_string()).collect::<Vec<_>>()),
            _ => Value::Null,
        },
    );
    let link = LICENSE_LINK_KEYS.iter().find_map(|k| {
        card[*k]
            .as_str()
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
    });
    put("licenseLink", json!(link));
    put("provider", info["author"].clone());
    put("libraryName", info["library_name"].clone());
    let mut tasks: Vec<String> = Vec::new();
    for t in [&info["task"], &info["pipeline_tag"]]
        .into_iter()
        .filter_map(Value::as_str)
    {
        if !tasks.iter().any(|x| x == t) {
            tasks.push(t.to_string());
        }
    }
    put("tasks", json!(tasks));
    put("logo", json!(LOGO));
    put("readme", json!(readme));
    let mut props = Map::new();
    let others: Vec<&str> = tags
        .iter()
        .copied()
        .filter(|t| !t.starts_with("license:"))
        .collect();
    props.insert(
        "hf_tags".into(),
        metadata::string(json!(others).to_string()),
    );
    for (key, field) in [("hf_private", "private"), ("hf_gated", "gated")] {
        match &info[field] {
            Value::Bool(b) => props.insert(key.into(), metadata::string(b.to_string())),
            Value::String(s) => props.insert(key.into(), metadata::string(s.clone())),
            _ => None,
        };
    }
    if let Some(arch) = info["config"].get("architectures") {
        props.insert(
            "hf_architectures".into(),
            metadata::string(arch.to_string()),
        );
    }
    if let Some(t) = info["config"]["model_type"].as_str() {
        props.insert("hf_model_type".into(), metadata::string(t));
    }
    props.insert(
        "last_synced".into(),
        metadata::string(synced_ms.to_string()),
    );
    put("customProperties", Value::Object(props));
    let mut artifact = json!({
        "artifactType": "model-artifact",
        "name": format!("{id}-hf-artifact"),
        "uri": format!("hf://{id}"),
        "externalId": id,
    });
    if let Some(c) = &created {
        artifact["createTimeSinceEpoch"] = json!(c);
        artifact["lastUpdateTimeSinceEpoch"] = json!(updated);
    }
    put("artifacts", json!([artifact]));
    e
}

fn stamp(v: &Value) -> Option<String> {
    v.as_str()
        .and_then(catalog_core::time::parse_rfc3339_ms)
        .map(|ms| ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_hub_fields() {
        let info = json!({
            "id": "acme/tiny-7b", "author": "acme", "library_name": "transformers",
            "createdAt": "2024-01-01T00:00:00.000Z", "pipeline_tag": "text-generation",
            "task": "text-generation", "private": false, "gated": "manual",
            "tags": ["license:apache-2.0", "llama"],
            "cardData": {"description": "tiny", "language": "en", "license_link": "https://x/l"},
            "config": {"architectures": ["LlamaForCausalLM"], "model_type": "llama"},
            "siblings": [{"rfilename": "config.json"}, {"rfilename": "README.md"}]
        });
        let e = entry("acme/tiny-7b", &info, Some("# hi".into()), 5);
        assert_eq!(e["license"], "apache-2.0");
        assert_eq!(e["tasks"], json!(["text-generation"]));
        assert_eq!(e["language"], json!(["en"]));
        assert_eq!(e["licenseLink"], "https://x/l");
        assert_eq!(e["createTimeSinceEpoch"], "1704067200000");
        assert_eq!(
            e["customProperties"]["hf_tags"]["string_value"],
            "[\"llama\"]"
        );
        assert_eq!(e["customProperties"]["hf_gated"]["string_value"], "manual");
        assert_eq!(e["artifacts"][0]["uri"], "hf://acme/tiny-7b");
        assert_eq!(readme_file(&info), Some("README.md"));
    }
}
