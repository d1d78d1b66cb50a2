//! The Kubernetes `coordination.k8s.io/v1` Lease backend (EN-79): read the Lease, create it
//! when absent, renew it when ours, take it over (with the read `resourceVersion`) only when
//! its record has not changed for a lease duration on this replica's clock; `409` = lost.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::Lease;
use crate::authz::KubeAccess;

/// A Lease object reached through the Kubernetes API.
pub struct KubeLease {
    client: reqwest::Client,
    access: KubeAccess,
    collection: String,
    name: String,
    namespace: String,
    /// The other holder's record as last seen, and when it was first seen that way.
    observed: Mutex<Option<(String, Instant)>>,
}

/// `MicroTime`: RFC 3339 with six fractional digits.
fn micro_now() -> String {
    let ms = crate::time::rfc3339_ms(crate::store::now_ms());
    format!("{}000Z", ms.trim_end_matches('Z'))
}

impl KubeLease {
    /// The Lease `name` in `namespace`.
    pub fn new(access: KubeAccess, namespace: &str, name: &str) -> Result<Self, String> {
        let collection = format!(
            "{}/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases",
            access.base_url()?
        );
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| format!("cannot build the Kubernetes client: {e}"))?;
        Ok(Self {
            client,
            access,
            collection,
            name: name.to_string(),
            namespace: namespace.to_string(),
            observed: Mutex::new(None),
        })
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.access.token() {
            Some(token) => req.bearer_auth(token),
            None => req,
        }
    }

    async fn read(&self) -> Result<Option<Value>, String> {
        let url = format!("{}/{}", self.collection, self.name);
        let response = self
            .auth(self.client.get(url))
            .send()
            .await
            .map_err(|e| format!("reading the lease failed: {e}"))?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => response
                .json()
                .await
                .map(Some)
                .map_err(|e| format!("undecodable lease: {e}")),
            s => Err(format!("reading the lease answered {s}")),
        }
    }

    /// Writes `lease` (PUT with its resourceVersion, or POST to create); `false` on 409.
    async fn write(&self, lease: &Value, create: bool) -> Result<bool, String> {
        let req = if create {
            self.client.post(&self.collection)
        } else {
            self.client
                .put(format!("{}/{}", self.collection, self.name))
        };
        let response = self
            .auth(req.json(lease))
            .send()
            .await
            .map_err(|e| format!("writing the lease failed: {e}"))?;
        match response.status() {
            StatusCode::CONFLICT => Ok(false),
            s if s.is_success() => Ok(true),
            s => Err(format!("writing the lease answered {s}")),
        }
    }

    /// Whether another holder's record has stayed unchanged for `duration` on our clock.
    fn expired(&self, record: String, duration: Duration) -> bool {
        let mut observed = self.observed.lock().unwrap_or_else(|p| p.into_inner());
        match &*observed {
            Some((seen, since)) if *seen == record => since.elapsed() >= duration,
            _ => {
                *observed = Some((record, Instant::now()));
                false
            }
        }
    }
}

#[async_trait]
impl Lease for KubeLease {
    async fn try_acquire(&self, identity: &str, duration: Duration) -> Result<bool, String> {
        let now = micro_now();
        let seconds = duration.as_secs().max(1);
        let Some(mut lease) = self.read().await? else {
            let lease = json!({
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": self.name, "namespace": self.namespace},
                "spec": {"holderIdentity": identity, "leaseDurationSeconds": seconds,
                         "acquireTime": now, "renewTime": now, "leaseTransitions": 0},
            });
            return self.write(&lease, true).await;
        };
        let spec = &lease["spec"];
        let holder = spec["holderIdentity"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if holder != identity && !holder.is_empty() {
            let their = spec["leaseDurationSeconds"].as_u64().unwrap_or(seconds);
            let record = format!("{holder}|{}", spec["renewTime"]);
            if !self.expired(record, Duration::from_secs(their)) {
                return Ok(false);
            }
        }
        let spec = &mut lease["spec"];
        if holder != identity {
            let transitions = spec["leaseTransitions"].as_i64().unwrap_or(0);
            spec["holderIdentity"] = identity.into();
            spec["acquireTime"] = now.clone().into();
            spec["leaseTransitions"] = (transitions + 1).into();
        }
        spec["renewTime"] = now.into();
        spec["leaseDurationSeconds"] = seconds.into();
        self.write(&lease, false).await
    }

    async fn release(&self, identity: &str) -> Result<(), String> {
        if let Some(mut lease) = self.read().await?
            && lease["spec"]["holderIdentity"] == identity
        {
            lease["spec"]["holderIdentity"] = "".into();
            lease["spec"]["leaseDurationSeconds"] = 1.into();
            self.write(&lease, false).await?;
        }
        Ok(())
    }
}
