//! The baseline: a minimal axum endpoint answering a precomputed JSON page of the same size as the
//! server's list page. Ratios against it factor out the machine and the load generator.

use std::net::SocketAddr;

use axum::Router;
use axum::http::header;
use axum::routing::get;
use bytes::Bytes;

/// Serves `page` at `/page` on an ephemeral loopback port; returns the page URL.
pub async fn serve(page: Bytes) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let app = Router::new().route(
        "/page",
        get(move || {
            let page = page.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], page) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{addr}/page"))
}
