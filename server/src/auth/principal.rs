use std::net::IpAddr;

use entities::{ActorKind, PartnerKind, Role};
use uuid::Uuid;

use crate::error::ServiceError;

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// No credentials, or credentials that failed (`reason` says why, for a clear error).
    Anonymous { reason: Option<String> },
    /// A logged-in user (JWT access token).
    User { user_id: Uuid, email: String, role: Role, contractor_id: Option<Uuid>, partner_id: Option<Uuid> },
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

    /// `UNAUTHENTICATED` unless someone is logged in.
    pub fn require_authenticated(&self) -> Result<(), ServiceError> {
        match self {
            Principal::Anonymous { reason } => {
                Err(ServiceError::Unauthenticated(reason.clone().unwrap_or_else(|| "authentication required".into())))
            }
            _ => Ok(()),
        }
    }

    pub fn is_admin(&self) -> bool {
        matches!(self, Principal::User { role: Role::Admin, .. } | Principal::System)
    }

    /// `UNAUTHENTICATED` for anonymous callers, `FORBIDDEN` for anyone but an admin.
    pub fn require_admin(&self) -> Result<(), ServiceError> {
        self.require_authenticated()?;
        if self.is_admin() { Ok(()) } else { Err(ServiceError::forbidden()) }
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

    /// Admins may act on any contractor; a contractor's user only on its own company.
    pub fn require_contractor_access(&self, contractor_id: Uuid) -> Result<(), ServiceError> {
        self.require_authenticated()?;
        if self.is_admin() || self.contractor_id() == Some(contractor_id) {
            Ok(())
        } else {
            Err(ServiceError::forbidden())
        }
    }

    /// Admins may act on any partner; a partner only on itself.
    pub fn require_partner_access(&self, partner_id: Uuid) -> Result<(), ServiceError> {
        self.require_authenticated()?;
        if self.is_admin() || self.partner_id() == Some(partner_id) { Ok(()) } else { Err(ServiceError::forbidden()) }
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
}

impl RequestMeta {
    /// Background work, audited as SYSTEM.
    pub fn system() -> Self {
        RequestMeta { principal: Principal::System, request_id: None, client_ip: None }
    }
}
