//! Request body limits: 1 MB (configurable) for ordinary requests. A multipart upload may carry
//! one attachment of up to `ATTACHMENT_MAX_BYTES` plus a little form overhead, but only when its
//! credentials are good: a stranger never gets the larger allowance.
//!
//! A body declared over the limit is refused with 413 after reading (and discarding) a bounded
//! amount of it, then the connection is closed. Closing on unread bytes would make the kernel
//! reset the connection, and common clients (Node's fetch, Python's httpx) would then report a
//! reset instead of the 413.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;

use crate::auth::Principal;
use crate::context::AppContext;

/// Room for the multipart form's other fields and boundaries.
const MULTIPART_OVERHEAD: usize = 64 * 1024;
/// At most this much of a refused body is read before answering.
const DRAIN_MAX: usize = 32 * 1024 * 1024;
/// ... and for at most this long.
const DRAIN_TIME: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Limits {
    pub body: usize,
    pub upload: usize,
    pub ctx: Arc<AppContext>,
}

/// Refuses bodies over the limit with 413 (at once when `Content-Length` says so, otherwise when
/// the stream passes it).
pub async fn limit_body(State(limits): State<Limits>, req: Request, next: Next) -> Response {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let auth = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(String::from);
    let limit = if multipart && authenticated(&limits.ctx, auth.as_deref()).await {
        limits.upload + MULTIPART_OVERHEAD
    } else {
        limits.body
    };
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if let Some(len) = declared.filter(|len| *len > limit) {
        if len <= DRAIN_MAX {
            drain(req.into_body()).await;
        }
        // The connection cannot carry another request after a refused body: say so.
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONNECTION, "close"), (header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("request body over {limit} bytes"),
        )
            .into_response();
    }
    let (parts, body) = req.into_parts();
    let limited = Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, limited)).await
}

/// Whether the request's `Authorization` names a good user or API key.
async fn authenticated(ctx: &AppContext, authorization: Option<&str>) -> bool {
    if authorization.is_none() {
        return false;
    }
    !matches!(super::request::principal_from(ctx, authorization).await, Principal::Anonymous { .. })
}

/// Reads and drops a body, bounded in size and time.
async fn drain(body: Body) {
    let mut body = body;
    let mut read = 0usize;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while let Some(Ok(frame)) = body.frame().await {
            read += frame.data_ref().map_or(0, |d| d.len());
            if read > DRAIN_MAX {
                break;
            }
        }
    })
    .await;
}
