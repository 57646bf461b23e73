//! The one place that turns service errors into GraphQL errors with `extensions.code`.

use async_graphql::{ErrorExtensions, Response, ServerError};

use crate::error::ServiceError;

/// `.gql()` on a service result: maps the error with its code (and field, where there is one).
pub trait IntoGql<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> IntoGql<T> for Result<T, ServiceError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_gql)
    }
}

fn to_gql(e: ServiceError) -> async_graphql::Error {
    if let ServiceError::Internal(cause) = &e {
        tracing::error!(error = format!("{cause:#}"), "internal error");
    }
    let code = e.code();
    let message = e.to_string();
    async_graphql::Error::new(message).extend_with(|_, ext| {
        ext.set("code", code);
        match &e {
            ServiceError::Validation { field, .. } => ext.set("field", field.as_str()),
            ServiceError::InvalidInput(errors) => {
                if let Some(first) = errors.first() {
                    ext.set("field", first.field.as_str());
                }
                let list: Vec<async_graphql::Value> = errors
                    .iter()
                    .map(|e| {
                        let mut m = async_graphql::indexmap::IndexMap::new();
                        m.insert(async_graphql::Name::new("field"), async_graphql::Value::from(e.field.as_str()));
                        m.insert(async_graphql::Name::new("message"), async_graphql::Value::from(e.message.as_str()));
                        async_graphql::Value::Object(m)
                    })
                    .collect();
                ext.set("fieldErrors", async_graphql::Value::List(list));
            }
            ServiceError::Conflict { field: Some(field), .. } => ext.set("field", field.as_str()),
            ServiceError::RateLimited { retry_after_secs } => ext.set("retryAfterSeconds", *retry_after_secs),
            _ => {}
        }
    })
}

/// Makes sure every error that leaves the server has a code and leaks nothing:
/// request-level errors (syntax, validation, limits, variables) become `BAD_USER_INPUT`; an
/// error raised in a resolver without a code is an internal one and is hidden.
pub fn finalize_errors(resp: &mut Response) {
    for err in &mut resp.errors {
        if has_code(err) {
            continue;
        }
        let input_problem = err.path.is_empty()
            || err.message.starts_with("Failed to parse")
            || err.message.starts_with("Invalid value for argument");
        if input_problem {
            set_code(err, "BAD_USER_INPUT");
        } else {
            tracing::error!(message = %err.message, path = ?err.path, "resolver error without a code");
            err.message = "internal error".into();
            set_code(err, "INTERNAL");
        }
    }
}

fn has_code(err: &ServerError) -> bool {
    err.extensions.as_ref().is_some_and(|e| e.get("code").is_some())
}

fn set_code(err: &mut ServerError, code: &str) {
    err.extensions.get_or_insert_with(Default::default).set("code", code);
}
