//! `GET /attachments/{id}`: the bytes of a job's photo or report, for whoever may see the job
//! (same `Authorization` header as the API).

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::graphql::HttpState;
use super::request::request_meta;
use crate::error::ServiceError;
use crate::services;

pub async fn download(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    let Ok(id) = uuid::Uuid::parse_str(&id) else { return StatusCode::NOT_FOUND.into_response() };
    match services::attachments::download(&state.ctx, &meta, id).await {
        Ok((a, bytes)) => {
            let safe: String = a
                .filename
                .chars()
                .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' })
                .collect();
            let mut resp = Response::new(Body::from(bytes));
            let h = resp.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&a.content_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{safe}\"")) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
            if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", a.sha256)) {
                h.insert(header::ETAG, v);
            }
            resp
        }
        Err(ServiceError::Unauthenticated(message)) => (StatusCode::UNAUTHORIZED, message).into_response(),
        Err(ServiceError::NotFound(_) | ServiceError::Forbidden(_)) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "attachment download failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
