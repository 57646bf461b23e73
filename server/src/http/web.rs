//! The web apps: static files from the Trunk builds; deep links fall back to each app's
//! `index.html` (the admin app's under `/admin`, the account app's under `/account`, the
//! contractor app's everywhere else).
//! Trunk's hashed assets are cached for a year (their name changes with their content) and sent
//! gzipped when the build left a `.gz` beside them; `index.html` is never cached, so a deploy is
//! picked up at the next load.
//!
//! The pages get a content security policy that lets only the apps' own scripts run: the files
//! from this origin, WebAssembly compiled from them, and the one inline module script Trunk writes
//! into each `index.html`, allowed by its SHA-256 (computed from the build at start-up).

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
    let policy =
        page_policy(&[index.clone(), dist.join("admin").join("index.html"), dist.join("account").join("index.html")]);
    let serve = ServeDir::new(dist).precompressed_br().precompressed_gzip().fallback(ServeFile::new(index));
    let mut router = Router::new();
    for app in ["admin", "account"] {
        let root = dist.join(app);
        let app_index = root.join("index.html");
        if app_index.is_file() {
            router = router.nest_service(
                &format!("/{app}"),
                ServeDir::new(&root).precompressed_br().precompressed_gzip().fallback(ServeFile::new(app_index)),
            );
        }
    }
    router.fallback_service(serve).layer(middleware::from_fn(move |req: Request, next: Next| {
        let policy = policy.clone();
        async move { headers(req, next, policy).await }
    }))
}

/// The script and connection rules every API response gets too (the pages add their hashes).
pub const BASE_POLICY: &str =
    "frame-ancestors 'none'; base-uri 'self'; object-src 'none'; script-src 'self'; connect-src 'self'";

/// The pages' policy: scripts from this origin, WebAssembly, and the inline scripts of these
/// HTML files by hash; connections (GraphQL over HTTP and WebSocket) to this origin only.
fn page_policy(pages: &[std::path::PathBuf]) -> HeaderValue {
    use base64::Engine;
    use sha2::Digest;
    let mut hashes: Vec<String> = pages
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|html| {
            inline_scripts(&html)
                .into_iter()
                .map(|s| base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(s.as_bytes())))
                .map(|h| format!("'sha256-{h}'"))
                .collect::<Vec<_>>()
        })
        .collect();
    hashes.sort();
    hashes.dedup();
    let policy = format!(
        "frame-ancestors 'none'; base-uri 'self'; object-src 'none'; script-src 'self' 'wasm-unsafe-eval' {}; \
         connect-src 'self'",
        hashes.join(" ")
    );
    HeaderValue::from_str(&policy).unwrap_or_else(|_| HeaderValue::from_static(BASE_POLICY))
}

/// The bodies of the `<script>` elements without a `src`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else { break };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script>") else { break };
        if !tag.contains("src=") {
            out.push(&after[body_start..body_start + close]);
        }
        rest = &after[body_start + close..];
    }
    out
}

/// Every response of the web apps gets the pages' policy: a `304 Not Modified` for a cached page
/// carries no content type, yet the browser takes its policy for the page it keeps.
async fn headers(req: Request, next: Next, policy: HeaderValue) -> Response {
    let mut resp = cache_control(req, next).await;
    resp.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
    resp
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
    if immutable {
        // The same path is sent brotli, gzip or plain by what the browser takes: a shared cache
        // must keep them apart.
        resp.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::{inline_scripts, is_hashed_asset};

    #[test]
    fn inline_scripts_are_found_and_linked_ones_are_not() {
        let html = "<head><script type=\"module\">\nimport init from '/a.js';\n</script><script src=\"/b.js\"></script>\
                    <script>x()</script></head>";
        assert_eq!(inline_scripts(html), vec!["\nimport init from '/a.js';\n", "x()"]);
    }

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
