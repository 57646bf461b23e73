use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use async_graphql::{BatchRequest, BatchResponse, Request, Response, ServerError};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse};

use super::metrics::Metrics;
use super::request::request_meta;
use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::graphql::{AppSchema, finalize_errors, request_loaders};

/// State of the HTTP routes.
#[derive(Clone)]
pub struct HttpState {
    pub ctx: Arc<AppContext>,
    pub schema: AppSchema,
    pub metrics: Arc<Metrics>,
}

/// `POST /graphql`: single or batched operations (the batch size is capped).
pub async fn graphql(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    req: GraphQLBatchRequest,
) -> GraphQLResponse {
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    let response = match req.into_inner() {
        BatchRequest::Single(r) => BatchResponse::Single(execute(&state, &meta, r).await),
        BatchRequest::Batch(list) if list.len() > state.ctx.config.graphql_max_batch => {
            let max = state.ctx.config.graphql_max_batch;
            let mut err = ServerError::new(format!("a batch may hold at most {max} operations"), None);
            err.extensions.get_or_insert_with(Default::default).set("code", "BAD_USER_INPUT");
            state.metrics.error("BAD_USER_INPUT");
            BatchResponse::Single(Response::from_errors(vec![err]))
        }
        BatchRequest::Batch(list) => {
            let futures = list.into_iter().map(|r| execute(&state, &meta, r));
            BatchResponse::Batch(futures_util::future::join_all(futures).await)
        }
    };
    response.into()
}

async fn execute(state: &HttpState, meta: &RequestMeta, req: Request) -> Response {
    let operation = req.operation_name.clone();
    let started = Instant::now();
    let req = req.data(meta.clone()).data(request_loaders(&state.ctx.db));
    let mut resp = state.schema.execute(req).await;
    finalize_errors(&mut resp);
    state.metrics.observe(operation.as_deref(), started.elapsed(), &resp);
    resp
}

/// `GET /graphql`: the GraphiQL explorer (not in production).
pub async fn graphiql() -> impl IntoResponse {
    Html(
        async_graphql::http::GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/graphql/ws").finish(),
    )
}
