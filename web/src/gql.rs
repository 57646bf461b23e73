//! Every GraphQL operation the app sends, generated at build time from the `.graphql` files in
//! `web/graphql/` and checked against the server's `schema.graphql`: a schema change that breaks
//! an operation breaks the build.
#![allow(clippy::upper_case_acronyms)]

use graphql_client::GraphQLQuery;

/// RFC 3339 timestamps, as the server sends them.
pub type DateTime = String;
/// Free-form JSON (audit changes).
pub type JSON = serde_json::Value;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct Login;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct Refresh;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct Logout;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct Register;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/offers.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct LeadOffers;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/offers.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct AcceptOffer;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/offers.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct DeclineOffer;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/jobs.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct MyJobs;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/jobs.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct JobDetail;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/jobs.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct AdvanceJob;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/jobs.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct AddJobNote;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct Contractors;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct VerifyContractor;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct SuspendContractor;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct ReinstateContractor;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct AuditLog;
