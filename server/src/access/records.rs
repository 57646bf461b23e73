//! Who may read or do what with NRP's records: leads (and their customers), claims, jobs and
//! their moves, contractors' commercial terms, and the live events about each. Services,
//! resolvers, subscriptions and the HTTP routes all ask here.

use entities::{JobStatus, claim, job, lead};
use uuid::Uuid;

use crate::auth::Principal;
use crate::events::{JobUpdate, LeadUpdate};

/// Whether the caller may see this lead at all, and its customer details.
pub fn may_read_lead(p: &Principal, l: &lead::Model) -> bool {
    p.is_admin()
        || p.partner_id().is_some_and(|pid| l.source_partner_id == Some(pid) || l.insurer_id == Some(pid))
        || p.contractor_id().is_some_and(|cid| l.assigned_contractor_id == Some(cid))
}

/// Whether the caller may update this claim: admins and the claim's insurer.
pub fn may_update_claim(p: &Principal, c: &claim::Model) -> bool {
    p.is_admin() || p.partner_id() == Some(c.insurer_id)
}

/// Whether the caller may lodge a claim for a lead of this insurer: admins and the insurer itself.
pub fn may_lodge_claim(p: &Principal, insurer_id: Uuid) -> bool {
    p.is_admin() || p.partner_id() == Some(insurer_id)
}

/// Whether the caller may read this claim: those who may update it, the lead's partners, and the
/// contractor assigned to the lead.
pub fn may_read_claim(p: &Principal, c: &claim::Model, l: &lead::Model) -> bool {
    may_update_claim(p, c) || may_read_lead(p, l)
}

/// Whether the caller may see a contractor's commercial terms (commission, Stripe account).
pub fn may_see_terms(p: &Principal, contractor_id: Uuid) -> bool {
    p.is_admin() || (p.contractor_id() == Some(contractor_id) && !p.is_staff())
}

/// Whether the caller may follow an offer to its contractor's record, and see a job's payout:
/// admins and the contractor itself. (Partners meet the company on their lead and its job.)
pub fn may_follow_to_contractor(p: &Principal, contractor_id: Uuid) -> bool {
    may_see_terms(p, contractor_id)
}

/// Who is acting on a job, as far as the state machine cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobRole {
    Admin,
    /// The contractor the job belongs to.
    Contractor,
    /// The insurer of the job's lead.
    Insurer,
    /// The partner that sent the lead in (reads, notes and ratings only).
    Source,
}

/// The caller's role on this job, or `None` if it may not see it.
pub fn job_role(p: &Principal, j: &job::Model, l: &lead::Model) -> Option<JobRole> {
    if p.is_admin() {
        Some(JobRole::Admin)
    } else if p.contractor_id() == Some(j.contractor_id) {
        Some(JobRole::Contractor)
    } else if p.partner_id().is_some() && p.partner_id() == l.insurer_id {
        Some(JobRole::Insurer)
    } else if p.partner_id().is_some() && p.partner_id() == l.source_partner_id {
        Some(JobRole::Source)
    } else {
        None
    }
}

/// Who may make a move: admins any; the contractor the work steps; the insurer approves quotes.
/// Cancelling has its own call (`cancel`), for admins and the contractor.
pub fn may_move(role: JobRole, to: JobStatus) -> bool {
    use JobStatus::*;
    match role {
        JobRole::Admin => true,
        JobRole::Contractor => matches!(to, Contacted | Inspected | Quoted | InProgress | Completed | Cancelled),
        JobRole::Insurer => to == Approved,
        JobRole::Source => false,
    }
}

/// Whether this role works the job itself: cancels it and adds its photos and reports (admins and
/// the contractor).
pub fn works_job(role: JobRole) -> bool {
    matches!(role, JobRole::Admin | JobRole::Contractor)
}

/// Whether this role may rate a completed job: the customer's side (admins and the lead's
/// partners), never the contractor rating itself.
pub fn may_rate(role: JobRole) -> bool {
    role != JobRole::Contractor
}

/// The moves this role may make from the job's current status.
pub fn moves_for(role: JobRole, status: JobStatus) -> Vec<JobStatus> {
    status.allowed_next().into_iter().filter(|to| may_move(role, *to)).collect()
}

/// Whether a lead's live update reaches this caller: admins all, a partner its own leads'.
pub fn sees_lead_update(p: &Principal, u: &LeadUpdate) -> bool {
    p.is_admin() || p.partner_id().is_some_and(|pid| u.partner_ids.contains(&pid))
}

/// Whether a job's live update reaches this caller: admins all (alerts included); the job's
/// contractor and the lead's partners its moves.
pub fn sees_job_update(p: &Principal, u: &JobUpdate) -> bool {
    p.is_admin()
        || (u.alert.is_none()
            && (p.contractor_id() == Some(u.contractor_id)
                || p.partner_id().is_some_and(|pid| u.partner_ids.contains(&pid))))
}
