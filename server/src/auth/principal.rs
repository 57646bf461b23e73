use std::net::IpAddr;

use entities::{ActorKind, PartnerKind, Role};
use uuid::Uuid;

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// No credentials, or credentials that failed (`reason` says why, for a clear error).
    Anonymous { reason: Option<String> },
    /// A logged-in user (JWT access token).
    User {
        user_id: Uuid,
        email: String,
        role: Role,
        contractor_id: Option<Uuid>,
        partner_id: Option<Uuid>,
        /// The session its access token belongs to (none for a token issued before sessions).
        session_id: Option<Uuid>,
        /// An admin that must enrol a second factor before acting as one (NRP requires one).
        enrol_first: bool,
        /// Staff of its company (not its owner): no money, settings or staff of its own.
        staff: bool,
    },
    /// A partner calling with an API key.
    ApiKey {
        key_id: Uuid,
        partner_id: Uuid,
        partner_kind: PartnerKind,
        label: String,
        /// Operations per minute an admin allowed this key; `None` = the default budget.
        rate_limit_per_minute: Option<i32>,
    },
    /// Background work.
    System,
}

impl Principal {
    pub fn anonymous() -> Self {
        Principal::Anonymous { reason: None }
    }

    /// The session of a signed-in user's access token.
    pub fn session_id(&self) -> Option<Uuid> {
        match self {
            Principal::User { session_id, .. } => *session_id,
            _ => None,
        }
    }

    /// The contractor company this caller acts for, if any.
    pub fn contractor_id(&self) -> Option<Uuid> {
        match self {
            Principal::User { role: Role::Contractor, contractor_id, .. } => *contractor_id,
            _ => None,
        }
    }

    /// The partner this caller acts for, if any (an API key, or a partner's user).
    pub fn partner_id(&self) -> Option<Uuid> {
        match self {
            Principal::ApiKey { partner_id, .. } => Some(*partner_id),
            Principal::User { role: Role::Partner, partner_id, .. } => *partner_id,
            _ => None,
        }
    }

    /// How this caller is named in the audit log.
    pub fn audit_actor(&self) -> (ActorKind, Option<Uuid>, String) {
        match self {
            Principal::Anonymous { .. } => (ActorKind::Anonymous, None, "anonymous".into()),
            Principal::User { user_id, email, role, .. } => {
                (ActorKind::User, Some(*user_id), format!("{} {email}", role_name(*role)))
            }
            Principal::ApiKey { key_id, label, .. } => (ActorKind::ApiKey, Some(*key_id), format!("api key {label}")),
            Principal::System => (ActorKind::System, None, "system".into()),
        }
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Contractor => "contractor",
        Role::Partner => "partner",
    }
}

/// What services need to know about the request beyond its arguments.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub principal: Principal,
    pub request_id: Option<String>,
    pub client_ip: Option<IpAddr>,
    /// The client's `User-Agent`, for naming a new session's device.
    pub user_agent: Option<String>,
}

impl RequestMeta {
    /// Background work, audited as SYSTEM.
    pub fn system() -> Self {
        RequestMeta { principal: Principal::System, request_id: None, client_ip: None, user_agent: None }
    }
}
