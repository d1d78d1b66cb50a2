//! `multipart/form-data` requests with text parts.

use super::{Reply, TestServer};

/// Posts `parts` as `multipart/form-data` to `path`.
pub async fn post_form(s: &TestServer, path: &str, parts: &[(&str, &str)]) -> Reply {
    let boundary = "catalog-test-boundary-7d1f";
    let mut body = String::new();
    for (name, value) in parts {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    s.send(
        s.client
            .post(format!("{}{path}", s.base))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body),
    )
    .await
}
