//! Kubernetes SubjectAccessReview authorizer (EN-31…33).

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::{API_GROUP, Authorizer, AuthzRequest, Decision};

const SA_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// How to reach the Kubernetes API (EN-32).
#[derive(Debug, Clone, Default)]
pub struct KubeAccess {
    /// API URL (`CATALOG_KUBE_API_URL`); in-cluster address when `None`.
    pub api_url: Option<String>,
    /// Service-account token file; the pod mount when `None`.
    pub token_file: Option<PathBuf>,
}

impl KubeAccess {
    /// The API base URL: the override, else the in-cluster service address.
    pub fn base_url(&self) -> Result<String, String> {
        if let Some(url) = &self.api_url {
            return Ok(url.trim_end_matches('/').to_string());
        }
        let host = std::env::var("KUBERNETES_SERVICE_HOST").map_err(|_| {
            "no Kubernetes API: set CATALOG_KUBE_API_URL or run in a cluster".to_string()
        })?;
        let port = std::env::var("KUBERNETES_SERVICE_PORT").unwrap_or_else(|_| "443".into());
        Ok(format!("https://{host}:{port}"))
    }

    fn token_path(&self) -> PathBuf {
        self.token_file
            .clone()
            .unwrap_or_else(|| PathBuf::from(SA_DIR).join("token"))
    }

    /// The service-account token, re-read on every call so rotation is picked up.
    pub fn token(&self) -> Option<String> {
        std::fs::read_to_string(self.token_path())
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
    }
}

/// Asks the Kubernetes API server whether the subject may act.
pub struct SarAuthorizer {
    url: String,
    access: KubeAccess,
    client: reqwest::Client,
}

impl SarAuthorizer {
    /// An authorizer talking to `access`.
    pub fn new(access: KubeAccess) -> Result<Self, String> {
        let url = format!(
            "{}/apis/authorization.k8s.io/v1/subjectaccessreviews",
            access.base_url()?
        );
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| format!("cannot build the Kubernetes client: {e}"))?;
        Ok(Self {
            url,
            access,
            client,
        })
    }
}

/// The review body of EN-31.
pub fn review_body(req: &AuthzRequest) -> Value {
    let (user, groups) = if req.anonymous {
        (
            "system:anonymous".to_string(),
            vec!["system:unauthenticated".to_string()],
        )
    } else {
        (req.user.clone(), req.groups.clone())
    };
    let mut attrs = json!({
        "group": API_GROUP,
        "resource": req.resource.as_str(),
        "verb": req.verb.as_str(),
    });
    if !req.namespace.is_empty() {
        attrs["namespace"] = req.namespace.clone().into();
    }
    let mut spec = json!({"user": user, "resourceAttributes": attrs});
    if !groups.is_empty() {
        spec["groups"] = groups.into();
    }
    json!({
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": spec,
    })
}

#[async_trait]
impl Authorizer for SarAuthorizer {
    async fn authorize(&self, req: &AuthzRequest) -> Decision {
        let mut call = self.client.post(&self.url).json(&review_body(req));
        if let Some(token) = self.access.token() {
            call = call.bearer_auth(token);
        }
        let response = match call.send().await {
            Ok(r) => r,
            Err(e) => return Decision::Error(format!("SubjectAccessReview request failed: {e}")),
        };
        let status = response.status();
        if !status.is_success() {
            return Decision::Error(format!("SubjectAccessReview answered {status}"));
        }
        match response.json::<Value>().await {
            Ok(body) if body["status"]["allowed"] == Value::Bool(true) => Decision::Allowed,
            Ok(body) if body["status"].is_object() => Decision::Denied,
            Ok(_) => Decision::Error("SubjectAccessReview answer has no status".into()),
            Err(e) => Decision::Error(format!("undecodable SubjectAccessReview answer: {e}")),
        }
    }
}
