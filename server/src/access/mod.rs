//! Who may still act at all: the standing of a caller's credentials, checked on every HTTP
//! request, when a WebSocket opens, before every operation started over a socket, and when a
//! revocation event names the caller. A disabled user, a deactivated partner (its keys and its
//! users), a revoked or expired API key lose access at once; a suspended contractor keeps its
//! HTTP access (it still finishes and gets paid for its jobs) but no live sockets.
//!
//! This module is where every NRP access rule lives: who may act at all (here), what each
//! role may do and which records a list shows it (here), who may read or change which record
//! (`records`), and how much anyone may ask for (`limits`). Services, resolvers, subscriptions,
//! the WebSocket guard and the HTTP routes ask here; none of them decides for itself.

pub mod limits;
pub mod records;

use chrono::Utc;
use entities::{ContractorStatus, Role};

use uuid::Uuid;

use crate::auth::Principal;
use crate::context::AppContext;
use crate::error::{ServiceError, ServiceResult};
use crate::events::Revocation;
use crate::store;

/// What each role may do, asked as questions of the caller.
impl Principal {
    /// `UNAUTHENTICATED` unless someone is logged in.
    pub fn require_authenticated(&self) -> Result<(), ServiceError> {
        match self {
            Principal::Anonymous { reason } => {
                Err(ServiceError::Unauthenticated(reason.clone().unwrap_or_else(|| "authentication required".into())))
            }
            _ => Ok(()),
        }
    }

    /// NRP: an admin (one that has passed the second factor NRP requires), or the system.
    pub fn is_admin(&self) -> bool {
        matches!(self, Principal::User { role: Role::Admin, enrol_first: false, .. } | Principal::System)
    }

    /// `UNAUTHENTICATED` for anonymous callers, `FORBIDDEN` for anyone but an admin (saying so
    /// to an admin that must enrol a second factor first).
    pub fn require_admin(&self) -> Result<(), ServiceError> {
        self.require_authenticated()?;
        if self.is_admin() {
            return Ok(());
        }
        if matches!(self, Principal::User { enrol_first: true, .. }) {
            return Err(ServiceError::Forbidden(
                "NRP requires admins to use a second factor: set one up (enrolSecondFactor), then sign in again".into(),
            ));
        }
        Err(ServiceError::forbidden())
    }

    /// Whether this is staff of a company rather than its owner.
    pub fn is_staff(&self) -> bool {
        matches!(self, Principal::User { staff: true, .. })
    }

    /// Admins may run any contractor's account; its owner only its own: the profile, service
    /// area, pauses, certifications, bank onboarding. Staff may not.
    pub fn require_company_owner(&self, contractor_id: Uuid) -> Result<(), ServiceError> {
        self.require_contractor_access(contractor_id)?;
        if self.is_staff() {
            return Err(ServiceError::Forbidden("only the company's owner can do this".into()));
        }
        Ok(())
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

    /// The contractor company this caller acts for, or `FORBIDDEN` ("only contractors {what}").
    pub fn acting_contractor(&self, what: &str) -> Result<Uuid, ServiceError> {
        self.require_authenticated()?;
        self.contractor_id().ok_or_else(|| ServiceError::Forbidden(format!("only contractors {what}")))
    }
}

/// Whose records a list shows the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// NRP (admins, background work): every record.
    Everything,
    /// A partner: the records of its own leads (as their source or their insurer).
    Partner(Uuid),
    /// A contractor company: the records of its own jobs.
    Contractor(Uuid),
}

/// The caller's scope: `UNAUTHENTICATED` for anonymous callers, `FORBIDDEN` for a login that acts
/// for no one.
pub fn scope(p: &Principal) -> ServiceResult<Scope> {
    p.require_authenticated()?;
    if p.is_admin() {
        Ok(Scope::Everything)
    } else if let Some(pid) = p.partner_id() {
        Ok(Scope::Partner(pid))
    } else if let Some(cid) = p.contractor_id() {
        Ok(Scope::Contractor(cid))
    } else {
        Err(ServiceError::forbidden())
    }
}

/// Whether the caller may read this login: admins, and the user itself.
pub fn may_read_user(p: &Principal, user_id: Uuid) -> bool {
    p.is_admin() || matches!(p, Principal::User { user_id: u, .. } if *u == user_id)
}

/// Whether the caller may run another login (disable or enable it, send its invitation again):
/// an admin any login; a company's owner its own staff.
pub fn may_run_login(p: &Principal, target: &entities::user::Model) -> bool {
    if p.is_admin() {
        return true;
    }
    let staff = target.company_role == entities::CompanyRole::Staff;
    match p {
        Principal::User { role: Role::Contractor, contractor_id: Some(c), staff: false, .. } => {
            staff && target.contractor_id == Some(*c)
        }
        Principal::User { role: Role::Partner, partner_id: Some(pid), staff: false, .. } => {
            staff && target.partner_id == Some(*pid)
        }
        _ => false,
    }
}

/// Whether the caller may end a login's session: its own, or anyone's for NRP.
pub fn may_end_session(p: &Principal, owner: Uuid) -> bool {
    may_read_user(p, owner)
}

/// Whether the caller may see money between NRP and a company (payouts, statements): not its
/// staff.
pub fn may_see_money(p: &Principal) -> bool {
    !p.is_staff()
}

/// Whether the caller sees NRP's people by name (staff emails in timelines and uploads): NRP only.
/// Everyone else sees an actor's role and company (`public_actor`, `public_role`).
pub fn sees_people(p: &Principal) -> bool {
    p.is_admin()
}

/// Whether the caller sees where a photo or note was taken: the position of the contractor's
/// phone is for NRP and the contractor's own company, not for partners.
pub fn sees_capture_position(p: &Principal) -> bool {
    p.is_admin() || p.contractor_id().is_some()
}

/// Whether the caller may set a contractor's terms: its legal name, ABN, commission, and a job
/// ceiling above the self-service one. NRP admins only.
pub fn may_set_terms(p: &Principal) -> bool {
    p.is_admin()
}

/// Whether the caller is bounded as an anonymous sign-up (everyone but NRP).
pub fn signs_up_throttled(p: &Principal) -> bool {
    !p.is_admin()
}

/// Where a caller's credentials stand right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Good for everything its role allows.
    Good,
    /// Good over HTTP, but not for live sockets (a suspended contractor).
    NoLiveAccess(&'static str),
    /// No longer valid (say why): treat as not signed in.
    Revoked(&'static str),
}

impl Standing {
    /// Good enough for a live socket.
    pub fn live(&self) -> bool {
        *self == Standing::Good
    }
}

/// Reads the credentials' standing from the database.
pub async fn standing(ctx: &AppContext, principal: &Principal) -> ServiceResult<Standing> {
    match principal {
        Principal::Anonymous { .. } => Ok(Standing::Revoked("authentication required")),
        Principal::System => Ok(Standing::Good),
        Principal::User { user_id, role, contractor_id, partner_id, session_id, .. } => {
            let Some(user) = store::users::find(&ctx.db, *user_id).await? else {
                return Ok(Standing::Revoked("this account no longer exists"));
            };
            if user.disabled {
                return Ok(Standing::Revoked("this account is disabled"));
            }
            // An access token lives no longer than its session: signing out, a new password or
            // "sign out everywhere" ends it at once, not when it expires.
            if let Some(sid) = session_id
                && !store::tokens::family_live(&ctx.db, *sid).await?
            {
                return Ok(Standing::Revoked("this session has ended; please sign in again"));
            }
            if *role == Role::Partner
                && let Some(pid) = partner_id
                && !store::partners::find(&ctx.db, *pid).await?.is_some_and(|p| p.active)
            {
                return Ok(Standing::Revoked("this partner is deactivated"));
            }
            if *role == Role::Contractor
                && let Some(cid) = contractor_id
                && store::contractors::find(&ctx.db, *cid)
                    .await?
                    .is_some_and(|c| c.status == ContractorStatus::Suspended)
            {
                return Ok(Standing::NoLiveAccess("this company is suspended"));
            }
            Ok(Standing::Good)
        }
        Principal::ApiKey { key_id, partner_id, .. } => {
            let Some(key) = store::partners::find_api_key(&ctx.db, *key_id).await? else {
                return Ok(Standing::Revoked("invalid API key"));
            };
            if key.revoked_at.is_some() {
                return Ok(Standing::Revoked("API key revoked"));
            }
            if key.expires_at.is_some_and(|e| e <= Utc::now()) {
                return Ok(Standing::Revoked("API key expired"));
            }
            if !store::partners::find(&ctx.db, *partner_id).await?.is_some_and(|p| p.active) {
                return Ok(Standing::Revoked("partner deactivated"));
            }
            Ok(Standing::Good)
        }
    }
}

/// Whether the caller may see a partner beyond its id and name (its kind, settings, keys):
/// admins, and the partner itself. To every other partner or contractor a partner is a name.
pub fn sees_partner(principal: &Principal, partner_id: Uuid) -> bool {
    principal.is_admin() || principal.partner_id() == Some(partner_id)
}

/// Whether the caller may link a lead to an insurer other than itself: admins only. A lead
/// source naming an insurer would both hand that insurer's events to a stranger and let the
/// source probe the insurer's claim numbers through the duplicate rule.
pub fn may_link_any_insurer(principal: &Principal) -> bool {
    principal.is_admin()
}

/// The leads a caller's duplicate rule looks among: every lead for admins, the partner's own
/// leads for a partner (so a duplicate never tells one partner about another's customer). An
/// admin's lead linked to an insurer looks among that insurer's leads (the caller adds that).
pub fn duplicate_scope(principal: &Principal) -> Option<Uuid> {
    if principal.is_admin() { None } else { principal.partner_id() }
}

/// How an actor is shown to someone outside NRP: by role and company, never by a person's email.
pub async fn public_actor(db: &impl sea_orm::ConnectionTrait, principal: &Principal) -> ServiceResult<String> {
    Ok(match principal {
        Principal::Anonymous { .. } => "anonymous".into(),
        Principal::System => "NRP (automatic)".into(),
        Principal::User { role: Role::Admin, .. } => "NRP".into(),
        Principal::User { role: Role::Contractor, contractor_id, .. } => match contractor_id {
            Some(id) => store::contractors::find(db, *id).await?.map(|c| c.company_name),
            None => None,
        }
        .unwrap_or_else(|| "the contractor".into()),
        Principal::User { role: Role::Partner, partner_id, .. } => match partner_id {
            Some(id) => store::partners::find(db, *id).await?.map(|p| p.name),
            None => None,
        }
        .unwrap_or_else(|| "the partner".into()),
        Principal::ApiKey { partner_id, .. } => {
            store::partners::find(db, *partner_id).await?.map(|p| p.name).unwrap_or_else(|| "the partner".into())
        }
    })
}

/// The role an audit label (`admin a@b`, `contractor …`, `api key …`, `system`) names, for
/// outsiders who must not see who.
pub fn public_role(label: &str) -> &'static str {
    match label.split(' ').next().unwrap_or("") {
        "admin" | "system" => "NRP",
        "contractor" => "the contractor",
        "partner" | "api" => "the partner",
        _ => "a participant",
    }
}

/// Whether a revocation concerns these credentials.
pub fn revokes(revocation: &Revocation, principal: &Principal) -> bool {
    match (revocation, principal) {
        (Revocation::User { user_id }, Principal::User { user_id: u, .. }) => user_id == u,
        (Revocation::Partner { partner_id }, p) => p.partner_id() == Some(*partner_id),
        (Revocation::ApiKey { key_id }, Principal::ApiKey { key_id: k, .. }) => key_id == k,
        (Revocation::Contractor { contractor_id }, p) => p.contractor_id() == Some(*contractor_id),
        (Revocation::Session { session_id }, p) => p.session_id() == Some(*session_id),
        (Revocation::Sessions { user_id, except }, Principal::User { user_id: u, session_id, .. }) => {
            user_id == u && (except.is_none() || session_id != except)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use entities::PartnerKind;

    use super::*;

    #[test]
    fn a_revocation_names_exactly_the_credentials_it_ends() {
        let (u, c, p, k) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let contractor = Principal::User {
            user_id: u,
            email: "c@x.example".into(),
            role: Role::Contractor,
            contractor_id: Some(c),
            partner_id: None,
            session_id: Some(k),
            enrol_first: false,
            staff: false,
        };
        let partner_user = Principal::User {
            user_id: u,
            email: "p@x.example".into(),
            role: Role::Partner,
            contractor_id: None,
            partner_id: Some(p),
            session_id: None,
            enrol_first: false,
            staff: false,
        };
        let key = Principal::ApiKey {
            key_id: k,
            partner_id: p,
            partner_kind: PartnerKind::Insurer,
            label: "k".into(),
            rate_limit_per_minute: None,
        };
        assert!(revokes(&Revocation::User { user_id: u }, &contractor));
        assert!(!revokes(&Revocation::User { user_id: Uuid::now_v7() }, &contractor));
        assert!(revokes(&Revocation::Contractor { contractor_id: c }, &contractor));
        assert!(!revokes(&Revocation::Contractor { contractor_id: c }, &partner_user));
        assert!(revokes(&Revocation::Partner { partner_id: p }, &partner_user));
        assert!(revokes(&Revocation::Partner { partner_id: p }, &key));
        assert!(revokes(&Revocation::ApiKey { key_id: k }, &key));
        assert!(!revokes(&Revocation::ApiKey { key_id: k }, &partner_user));
        assert!(!revokes(&Revocation::User { user_id: u }, &key));
        // Sessions: the one named, or all of a login's but the one kept.
        assert!(revokes(&Revocation::Session { session_id: k }, &contractor));
        assert!(!revokes(&Revocation::Session { session_id: c }, &contractor));
        assert!(revokes(&Revocation::Sessions { user_id: u, except: None }, &contractor));
        assert!(!revokes(&Revocation::Sessions { user_id: u, except: Some(k) }, &contractor));
        assert!(revokes(&Revocation::Sessions { user_id: u, except: Some(k) }, &partner_user));
        assert!(!revokes(&Revocation::Sessions { user_id: p, except: None }, &contractor));
        assert!(!revokes(&Revocation::Sessions { user_id: u, except: None }, &key));
    }
}
