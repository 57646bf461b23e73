//! The single-page app: static files from the Trunk build, deep links fall back to `index.html`.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Html;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// Serves `dist` when it holds a build; otherwise a page saying how to build it.
pub fn router(dist: &Path) -> Router {
    let index = dist.join("index.html");
    if !index.is_file() {
        return Router::new().fallback(|| async {
            Html(
                "<!doctype html><title>NRP CRM</title><h1>NRP CRM API</h1>\
                 <p>The web app is not built (see the README). The GraphQL API is at \
                 <a href=\"/graphql\">/graphql</a>.</p>",
            )
        });
    }
    let serve = ServeDir::new(dist).fallback(ServeFile::new(index));
    Router::new()
        .fallback_service(serve)
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
}
