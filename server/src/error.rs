//! The service layer's error. `graphql::error` is the one place that maps it to `extensions.code`.

use sea_orm::{DbErr, SqlErr};

/// What a service can fail with. `Internal` keeps its cause for the logs and shows nothing of it.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A value the caller sent is wrong; `field` is its path in the input, e.g. `input.abn`.
    #[error("{message}")]
    Validation { field: String, message: String },
    /// Several values are wrong at once (a form): the first one leads, all are listed.
    #[error("{}", .0.first().map(|e| e.message.as_str()).unwrap_or("invalid input"))]
    InvalidInput(Vec<crate::domain::ValidationError>),
    #[error("{0}")]
    NotFound(String),
    /// The request is valid but clashes with the current state (duplicate, stale transition).
    #[error("{message}")]
    Conflict { message: String, field: Option<String> },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// The services' result type.
pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation { field: field.into(), message: message.into() }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict { message: message.into(), field: None }
    }

    pub fn conflict_on(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict { message: message.into(), field: Some(field.into()) }
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn forbidden() -> Self {
        Self::Forbidden("you are not allowed to do this".into())
    }

    pub fn unauthenticated() -> Self {
        Self::Unauthenticated("authentication required".into())
    }

    /// The code clients see in `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation { .. } | Self::InvalidInput(_) => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict { .. } => "CONFLICT",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Internal(_) => "INTERNAL",
        }
    }
}

impl From<DbErr> for ServiceError {
    fn from(e: DbErr) -> Self {
        // A unique index that fires means a concurrent writer got there first.
        if let Some(SqlErr::UniqueConstraintViolation(_)) = e.sql_err() {
            return Self::conflict("a record with the same unique value already exists");
        }
        Self::Internal(anyhow::Error::new(e))
    }
}

impl From<anyhow::Error> for ServiceError {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

impl From<crate::domain::ValidationError> for ServiceError {
    fn from(e: crate::domain::ValidationError) -> Self {
        Self::Validation { field: e.field, message: e.message }
    }
}
