//! The web apps: static files from the Trunk builds; deep links fall back to each app's
//! `index.html` (the admin app's under `/admin`, the contractor app's everywhere else).
//! Trunk's hashed assets are cached for a year (their name changes with their content) and sent
//! gzipped when the build left a `.gz` beside them; `index.html` is never cached, so a deploy is
//! picked up at the next load.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{Html, Response};
use tower_http::services::{ServeDir, ServeFile};

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
    let serve = ServeDir::new(dist).precompressed_gzip().fallback(ServeFile::new(index));
    let mut router = Router::new();
    let admin = dist.join("admin");
    let admin_index = admin.join("index.html");
    if admin_index.is_file() {
        router = router
            .nest_service("/admin", ServeDir::new(&admin).precompressed_gzip().fallback(ServeFile::new(admin_index)));
    }
    router.fallback_service(serve).layer(middleware::from_fn(cache_control))
}

/// `nrp-web-3f9a….wasm`, `style-5f6b….css`: a Trunk asset whose name carries its content hash.
fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, ext)) = name.rsplit_once('.') else { return false };
    let hashed = stem.rsplit_once('-').is_some_and(|(_, h)| {
        let h = h.strip_suffix("_bg").unwrap_or(h);
        h.len() >= 8 && h.chars().all(|c| c.is_ascii_hexdigit())
    });
    hashed && matches!(ext, "wasm" | "js" | "css")
}

async fn cache_control(req: Request, next: Next) -> Response {
    let immutable = is_hashed_asset(req.uri().path());
    let mut resp = next.run(req).await;
    let value = if immutable && resp.status().is_success() {
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else {
        HeaderValue::from_static("no-cache")
    };
    resp.headers_mut().insert(header::CACHE_CONTROL, value);
    resp
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn only_hashed_build_assets_are_immutable() {
        assert!(is_hashed_asset("/nrp-web-2e23ba4d6b655be_bg.wasm"));
        assert!(is_hashed_asset("/nrp-web-2e23ba4d6b655be.js"));
        assert!(is_hashed_asset("/style-a0309bee72f9d9ea.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/jobs/123"));
        assert!(!is_hashed_asset("/style.css"));
        assert!(!is_hashed_asset("/my-offers.js"));
    }
}
