//! A small client for the Hugging Face hub API: credentials check, paged model listing
//! (cursor in the `Link` header), model info and README, with retries on HTTP 429.

use std::time::Duration;

use catalog_core::provider::SourceError;
use reqwest::{Response, StatusCode};
use serde_json::Value;

/// Page size of the hub's listing.
pub const PAGE: usize = 100;
/// Attempts per request when the hub answers 429.
const ATTEMPTS: u32 = 5;
/// First backoff delay; doubled per retry unless the hub sends `Retry-After`.
const BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait honoured from `Retry-After`.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// Why a hub request failed.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// 404.
    #[error("not found")]
    NotFound,
    /// Still 429 after every retry.
    #[error("rate limited by the hub (HTTP 429) after {ATTEMPTS} attempts")]
    RateLimited,
    /// Any other status.
    #[error("hub answered HTTP {0}")]
    Status(u16),
    /// Network or decoding problem.
    #[error("{0}")]
    Transport(String),
}

/// One hub.
pub struct Hub {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Hub {
    /// A client for `base` (no trailing `/`), authenticating with `token` when given.
    pub fn new(base: &str, token: Option<String>) -> Result<Self, SourceError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("catalog-server/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| SourceError(format!("cannot build HTTP client: {e}")))?;
        Ok(Self {
            base: base.to_string(),
            token,
            http,
        })
    }

    /// With a token, `GET /api/whoami-v2` must succeed (PM-59).
    pub async fn check_credentials(&self) -> Result<(), SourceError> {
        if self.token.is_none() {
            return Ok(());
        }
        match self.get("/api/whoami-v2", &[]).await {
            Ok(_) => Ok(()),
            Err(HubError::Status(401)) => Err(SourceError(
                "invalid Hugging Face credentials (whoami-v2 answered 401)".into(),
            )),
            Err(e) => Err(SourceError(format!("credentials check failed: {e}"))),
        }
    }

    /// One listing page of `author`'s models; returns the ids and the next cursor.
    pub async fn list_page(
        &self,
        author: &str,
        search: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<(Vec<String>, Option<String>), HubError> {
        let limit = PAGE.to_string();
        let mut query = vec![("author", author), ("limit", limit.as_str())];
        if let Some(s) = search {
            query.push(("search", s));
        }
        if let Some(c) = cursor {
            query.push(("cursor", c));
        }
        let resp = self.get("/api/models", &query).await?;
        let next = next_cursor(&resp);
        let body: Value = resp
            .json()
            .await
            .map_err(|e| HubError::Transport(format!("listing is not JSON: {e}")))?;
        let ids = body
            .as_array()
            .ok_or_else(|| HubError::Transport("listing is not a JSON array".into()))?
            .iter()
            .filter_map(|m| m.get("id").or_else(|| m.get("modelId")))
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        Ok((ids, next))
    }

    /// `GET /api/models/{id}`.
    pub async fn model(&self, id: &str) -> Result<Value, HubError> {
        self.get(&format!("/api/models/{id}"), &[])
            .await?
            .json()
            .await
            .map_err(|e| HubError::Transport(format!("model info is not JSON: {e}")))
    }

    /// `GET /{id}/raw/main/{file}`.
    pub async fn readme(&self, id: &str, file: &str) -> Result<String, HubError> {
        self.get(&format!("/{id}/raw/main/{file}"), &[])
            .await?
            .text()
            .await
            .map_err(|e| HubError::Transport(e.to_string()))
    }

    /// A GET with the token, retrying 429 with exponential backoff (or `Retry-After`).
    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Response, HubError> {
        let url = format!("{}{path}", self.base);
        let mut delay = BACKOFF;
        for attempt in 1..=ATTEMPTS {
            let mut req = self.http.get(&url).query(query);
            if let Some(t) = &self.token {
                req = req.bearer_auth(t);
            }
            let resp = req
                .send()
                .await
                .map_err(|e| HubError::Transport(format!("request to {url} failed: {e}")))?;
            match resp.status() {
                s if s.is_success() => return Ok(resp),
                StatusCode::NOT_FOUND => return Err(HubError::NotFound),
                StatusCode::TOO_MANY_REQUESTS if attempt < ATTEMPTS => {
                    let wait = retry_after(&resp).unwrap_or(delay).min(MAX_WAIT);
                    tracing::info!(url, attempt, ?wait, "hub rate limit; retrying");
                    tokio::time::sleep(wait).await;
                    delay *= 2;
                }
                StatusCode::TOO_MANY_REQUESTS => return Err(HubError::RateLimited),
                s => return Err(HubError::Status(s.as_u16())),
            }
        }
        Err(HubError::RateLimited)
    }
}

fn retry_after(resp: &Response) -> Option<Duration> {
    let secs: u64 = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs))
}

/// The `cursor` query value of the `Link` entry with `rel="next"`.
fn next_cursor(resp: &Response) -> Option<String> {
    let link = resp.headers().get(reqwest::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|entry| {
        let (target, params) = entry.split_once(';')?;
        if !params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
        {
            return None;
        }
        let url = target.trim().trim_start_matches('<').trim_end_matches('>');
        let query = url.split_once('?')?.1;
        serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == "cursor")
            .map(|(_, v)| v)
    })
}
