//! The `http` provider (PA §7.4): fetches one data document from a URL with connect and total
//! timeouts, a size cap, and conditional requests (`If-None-Match` / `If-Modified-Since`).

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::StatusCode;
use reqwest::header::{
    AUTHORIZATION, ETAG, HeaderMap, HeaderName, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED,
};
use serde_json::{Map, Value};

use super::yaml::MAX_DATA_FILE_BYTES;
use super::{
    DataFile, FetchRequest, Fetched, FieldProblem, SourceError, SourceProvider, SyncMemo,
    parse_duration, string_property, sync_interval,
};

/// Default period of background syncs.
pub const DEFAULT_SYNC_INTERVAL: Duration = Duration::from_secs(24 * 3600);
/// Default bound on the whole request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts per sync for transient failures (PA-79).
const ATTEMPTS: u32 = 3;
/// Default bound on establishing the connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The `http` source type: `url`, `syncInterval`, `timeout`, `connectTimeout`, `authToken`,
/// `headers`, `maxBytes`.
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpProvider;

/// Validated settings of one `http` source.
struct Settings {
    url: reqwest::Url,
    timeout: Duration,
    connect_timeout: Duration,
    max_bytes: u64,
    headers: HeaderMap,
}

impl Settings {
    fn parse(properties: Option<&Map<String, Value>>) -> Result<Self, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let url = match string_property(properties, "url").map(reqwest::Url::parse) {
            Some(Ok(u)) if matches!(u.scheme(), "http" | "https") && u.has_host() => Some(u),
            Some(_) => {
                problems.push(FieldProblem::property(
                    "url",
                    "must be an absolute http:// or https:// URL",
                ));
                None
            }
            None => {
                problems.push(FieldProblem::property(
                    "url",
                    "url is required for type http",
                ));
                None
            }
        };
        let mut duration = |key: &str, default: Duration| match properties.and_then(|p| p.get(key))
        {
            None | Some(Value::Null) => default,
            Some(Value::String(s)) => parse_duration(s).unwrap_or_else(|m| {
                problems.push(FieldProblem::property(key, m));
                default
            }),
            Some(_) => {
                problems.push(FieldProblem::property(
                    key,
                    "must be a duration like \"30s\"",
                ));
                default
            }
        };
        let timeout = duration("timeout", DEFAULT_TIMEOUT);
        let connect_timeout = duration("connectTimeout", DEFAULT_CONNECT_TIMEOUT);
        let max_bytes = match properties.and_then(|p| p.get("maxBytes")) {
            None | Some(Value::Null) => MAX_DATA_FILE_BYTES,
            Some(v) => match v.as_u64() {
                Some(n) if n > 0 && n <= MAX_DATA_FILE_BYTES => n,
                _ => {
                    problems.push(FieldProblem::property(
                        "maxBytes",
                        format!("must be an integer from 1 to {MAX_DATA_FILE_BYTES}"),
                    ));
                    MAX_DATA_FILE_BYTES
                }
            },
        };
        let mut headers = HeaderMap::new();
        match properties.and_then(|p| p.get("headers")) {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (k, v) in map {
                    let name = HeaderName::from_bytes(k.as_bytes());
                    let value = v.as_str().map(HeaderValue::from_str);
                    match (name, value) {
                        (Ok(n), Some(Ok(mut v))) => {
                            v.set_sensitive(true);
                            headers.insert(n, v);
                        }
                        _ => problems.push(FieldProblem::property(
                            &format!("headers.{k}"),
                            "must be a valid header name with a string value",
                        )),
                    }
                }
            }
            Some(_) => problems.push(FieldProblem::property("headers", "must be a map")),
        }
        match properties.and_then(|p| p.get("authToken")) {
            None | Some(Value::Null) => {}
            Some(Value::String(token)) => {
                match HeaderValue::from_str(&format!("Bearer {}", token.trim())) {
                    Ok(mut v) => {
                        v.set_sensitive(true);
                        headers.insert(AUTHORIZATION, v);
                    }
                    Err(_) => problems.push(FieldProblem::property(
                        "authToken",
                        "contains characters not allowed in a header",
                    )),
                }
            }
            Some(v) if catalog_config::secret_ref(v).is_some() => problems.push(
                FieldProblem::property("authToken", "secret reference was not resolved"),
            ),
            Some(_) => problems.push(FieldProblem::property(
                "authToken",
                "must be a secret reference {name, key} or a string",
            )),
        }
        for unsupported in ["insecureSkipVerify", "caBundlePath"] {
            if properties.is_some_and(|p| p.contains_key(unsupported)) {
                problems.push(FieldProblem::property(
                    unsupported,
                    "is not supported by this server build",
                ));
            }
        }
        if let Err(e) = sync_interval(properties, DEFAULT_SYNC_INTERVAL) {
            problems.push(e);
        }
        match url {
            Some(url) if problems.is_empty() => Ok(Self {
                url,
                timeout,
                connect_timeout,
                max_bytes,
                headers,
            }),
            _ => Err(problems),
        }
    }
}

#[async_trait]
impl SourceProvider for HttpProvider {
    fn source_type(&self) -> &'static str {
        "http"
    }

    fn validate(&self, properties: Option<&Map<String, Value>>) -> Vec<FieldProblem> {
        Settings::parse(properties).err().unwrap_or_default()
    }

    fn sync_interval(&self, properties: Option<&Map<String, Value>>) -> Option<Duration> {
        sync_interval(properties, DEFAULT_SYNC_INTERVAL).ok()
    }

    async fn fetch(&self, request: FetchRequest<'_>) -> Result<Fetched, SourceError> {
        let settings = Settings::parse(request.source.properties.as_ref())
            .map_err(|p| SourceError(super::describe(&p)))?;
        let shown = redacted(&settings.url);
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("catalog-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SourceError(format!("{shown}: cannot build HTTP client: {e}")))?;
        let mut req = client.get(settings.url.clone()).headers(settings.headers);
        if !request.manual {
            if let Some(etag) = &request.memo.etag {
                req = req.header(IF_NONE_MATCH, etag);
            }
            if let Some(modified) = &request.memo.last_modified {
                req = req.header(IF_MODIFIED_SINCE, modified);
            }
        }
        let failed = |e: reqwest::Error| {
            let what = if e.is_timeout() {
                "TransientNetwork: timed out"
            } else if e.is_connect() {
                "TransientNetwork: cannot connect"
            } else {
                "TransientNetwork: request failed"
            };
            SourceError(format!("{shown}: {what}"))
        };
        // Timeouts, connection errors and 5xx are retried: 3 attempts, 1 s then 2 s apart.
        let mut attempt = 0;
        let mut resp = loop {
            attempt += 1;
            let retry = req.try_clone().filter(|_| attempt < ATTEMPTS);
            let outcome = req.send().await;
            let transient = match &outcome {
                Ok(r) => r.status().is_server_error(),
                Err(e) => e.is_timeout() || e.is_connect(),
            };
            match retry {
                Some(next) if transient => {
                    tokio::time::sleep(Duration::from_secs(1 << (attempt - 1))).await;
                    req = next;
                }
                _ => break outcome.map_err(failed)?,
            }
        };
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched {
                unchanged: true,
                memo: request.memo.clone(),
                ..Fetched::default()
            });
        }
        if status != StatusCode::OK {
            return Err(SourceError(format!(
                "{shown}: {}: HTTP {status}",
                category(status)
            )));
        }
        if resp
            .content_length()
            .is_some_and(|n| n > settings.max_bytes)
        {
            return Err(too_large(&shown, settings.max_bytes));
        }
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let memo = SyncMemo {
            commit: None,
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(failed)? {
            if (body.len() + chunk.len()) as u64 > settings.max_bytes {
                return Err(too_large(&shown, settings.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(body)
            .map_err(|_| SourceError(format!("{shown}: ValidationError: body is not UTF-8")))?;
        Ok(Fetched {
            files: vec![DataFile {
                origin: PathBuf::from(shown),
                text,
            }],
            unchanged: false,
            warn_missing_key: false,
            memo,
        })
    }
}

fn too_large(shown: &str, max: u64) -> SourceError {
    SourceError(format!(
        "{shown}: ValidationError: body is larger than maxBytes ({max} bytes)"
    ))
}

/// The PA-63 error category of a non-200 status.
fn category(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 | 403 => "AuthError",
        404 | 410 => "NotFound",
        429 => "RateLimited",
        500.. => "TransientNetwork",
        _ => "ConfigError",
    }
}

/// The URL without user info, query or fragment, for messages and status.
fn redacted(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Vec<String> {
        HttpProvider
            .validate(v.as_object())
            .into_iter()
            .map(|p| p.field)
            .collect()
    }

    #[test]
    fn validation_names_each_bad_property() {
        assert!(fields(json!({"url": "https://example.com/a.yaml"})).is_empty());
        assert_eq!(fields(json!({})), ["properties.url"]);
        assert_eq!(fields(json!({"url": "/relative"})), ["properties.url"]);
        assert_eq!(fields(json!({"url": "ftp://x/a"})), ["properties.url"]);
        assert_eq!(
            fields(
                json!({"url": "http://h/a", "timeout": "soon", "maxBytes": 0,
                          "headers": {"bad name": "x"}, "syncInterval": "0s"})
            ),
            [
                "properties.timeout",
                "properties.maxBytes",
                "properties.headers.bad name",
                "properties.syncInterval"
            ]
        );
    }

    #[test]
    fn shown_urls_carry_no_credentials() {
        let u = reqwest::Url::parse("https://u:p@h.example/a.yaml?token=x").unwrap();
        assert_eq!(redacted(&u), "https://h.example/a.yaml");
    }
}
