//! Request body limits: 1 MB (configurable) for ordinary requests; multipart uploads may carry
//! one attachment of up to `ATTACHMENT_MAX_BYTES` plus a little form overhead.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Room for the multipart form's other fields and boundaries.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

#[derive(Clone, Copy)]
pub struct Limits {
    pub body: usize,
    pub upload: usize,
}

/// Refuses bodies over the limit with 413 (at once when `Content-Length` says so, otherwise when
/// the stream passes it).
pub async fn limit_body(State(limits): State<Limits>, req: Request, next: Next) -> Response {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let limit = if multipart { limits.upload + MULTIPART_OVERHEAD } else { limits.body };
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        // The body is left unread, so this connection cannot carry another request: say so, or a
        // client would send its next request on it and lose it.
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONNECTION, "close")],
            format!("request body over {limit} bytes"),
        )
            .into_response();
    }
    let (parts, body) = req.into_parts();
    let limited = Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, limited)).await
}
