//! The GraphQL API. Resolvers are adapters: authorise, parse input into domain types, call one
//! service function, map the result to an output type. No SQL and no business rule here.

mod error;
pub(crate) mod ids;
mod limits;
mod live;
mod loaders;
mod mutation;
mod query;
mod subscription;
mod types;

use std::sync::Arc;

use async_graphql::Schema;

use crate::context::AppContext;

pub use error::{IntoGql, finalize_errors};
pub use live::Sockets;
pub use loaders::request_loaders;
pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

/// The schema type served over HTTP and WebSocket.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema with the configured limits: depth, complexity (paged fields count their
/// page size times their subtree), aliases, directives. Introspection and field suggestions
/// ("did you mean …", which map the schema for a prober) are off in production.
pub fn build_schema(ctx: Arc<AppContext>) -> AppSchema {
    let cfg = ctx.config.clone();
    let mut builder = Schema::build(Query, Mutation::default(), Subscription)
        .limit_depth(cfg.graphql_max_depth)
        .limit_complexity(cfg.graphql_max_complexity)
        .limit_recursive_depth(32)
        .limit_directives(10)
        .extension(limits::QueryShape { max_aliases: cfg.graphql_max_aliases })
        .data(ctx);
    if cfg.is_production() {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query, Mutation::default(), Subscription).finish().sdl()
}
