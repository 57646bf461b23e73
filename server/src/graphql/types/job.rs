use crate::graphql::types::money::Money;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{job, job_event};

use super::contractor::Contractor;
use super::enums::{ActorKind, JobEventKind, JobStatus};
use super::lead::Lead;
use super::{app, loaders, meta};
use crate::access::records::JobRole;
use crate::events::JobUpdate;
use crate::graphql::IntoGql;
use crate::graphql::ids::to_id;
use crate::graphql::loaders::loader_error;
use crate::services;

/// The work on a lead, from first contact to completion. Readable by the contractor, admins and
/// the lead's partners.
pub struct Job(pub job::Model);

impl Job {
    async fn caller_role(&self, ctx: &Context<'_>) -> Result<Option<JobRole>> {
        let l = loaders(ctx).leads.load_one(self.0.lead_id).await.map_err(loader_error).gql()?;
        Ok(l.and_then(|l| crate::access::records::job_role(&meta(ctx).principal, &self.0, &l)))
    }

    async fn lead_return_row(&self, ctx: &Context<'_>) -> Result<Option<entities::lead_return::Model>> {
        loaders(ctx).return_by_job.load_one(self.0.id).await.map_err(loader_error).gql()
    }
}

#[Object]
impl Job {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn status(&self) -> JobStatus {
        self.0.status.into()
    }
    async fn lead_id(&self) -> ID {
        to_id(self.0.lead_id)
    }
    /// The lead, with the customer's details.
    async fn lead(&self, ctx: &Context<'_>) -> Result<Lead> {
        let l = loaders(ctx).leads.load_one(self.0.lead_id).await.map_err(loader_error).gql()?;
        let p = &meta(ctx).principal;
        match l {
            Some(l) if crate::access::records::may_read_lead(p, &l) => Ok(Lead(l)),
            // The job's own contractor, after the job was cancelled: said plainly.
            Some(_) if p.contractor_id() == Some(self.0.contractor_id) => Err(crate::error::ServiceError::NotFound(
                "this job was cancelled: its lead and customer are no longer yours to see".into(),
            ))
            .gql(),
            _ => Err(crate::error::ServiceError::not_found("lead")).gql(),
        }
    }
    async fn contractor_id(&self) -> ID {
        to_id(self.0.contractor_id)
    }
    async fn contractor(&self, ctx: &Context<'_>) -> Result<Option<Contractor>> {
        let found = loaders(ctx).contractors.load_one(self.0.contractor_id).await.map_err(loader_error).gql()?;
        Ok(found.map(Contractor))
    }
    /// AUD cents.
    async fn quote_cents(&self) -> Option<Money> {
        self.0.quote_cents.map(Money)
    }
    /// AUD cents, approved by an admin or the lead's insurer.
    async fn approved_cents(&self) -> Option<Money> {
        self.0.approved_cents.map(Money)
    }
    async fn scheduled_for(&self) -> Option<DateTime<Utc>> {
        self.0.scheduled_for
    }
    async fn contacted_at(&self) -> Option<DateTime<Utc>> {
        self.0.contacted_at
    }
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    async fn cancelled_reason(&self) -> Option<&str> {
        self.0.cancelled_reason.as_deref()
    }
    /// The customer's satisfaction, 1 to 5.
    async fn satisfaction(&self) -> Option<i32> {
        self.0.satisfaction
    }
    /// What the customer wrote with their rating, if anything.
    async fn satisfaction_comment(&self) -> Option<&str> {
        self.0.satisfaction_comment.as_deref()
    }
    /// The service level: when the customer must have been contacted.
    async fn contact_due_at(&self) -> Option<DateTime<Utc>> {
        self.0.contact_due_at
    }
    /// When the job entered its current stage.
    async fn stage_entered_at(&self) -> Option<DateTime<Utc>> {
        self.0.stage_entered_at
    }
    /// `CONTACT_OVERDUE` or `IDLE` when the job needs attention, else null.
    async fn alert(&self, ctx: &Context<'_>) -> Option<&'static str> {
        services::jobs::alert(app(ctx), &self.0, Utc::now())
    }
    /// The lead's return, if the contractor returned it (admins and the contractor).
    #[graphql(complexity = "5 + child_complexity")]
    async fn lead_return(&self, ctx: &Context<'_>) -> Result<Option<super::lead_return::LeadReturn>> {
        if !matches!(self.caller_role(ctx).await?, Some(JobRole::Admin | JobRole::Contractor)) {
            return Ok(None);
        }
        Ok(self.lead_return_row(ctx).await?.map(super::lead_return::LeadReturn))
    }
    /// Until when the contractor may return the lead (`returnLead`): 24 hours after winning it,
    /// while the job is open and not returned already. Null when it can no longer be returned,
    /// and for anyone but the contractor.
    #[graphql(complexity = 5)]
    async fn returnable_until(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        if self.caller_role(ctx).await? != Some(JobRole::Contractor) || !self.0.status.is_open() {
            return Ok(None);
        }
        let until = self.0.created_at + chrono::Duration::hours(crate::services::returns::RETURN_WINDOW_HOURS);
        if until < Utc::now() {
            return Ok(None);
        }
        Ok(self.lead_return_row(ctx).await?.is_none().then_some(until))
    }
    /// The moves you may make from here (empty when none).
    async fn allowed_transitions(&self, ctx: &Context<'_>) -> Result<Vec<JobStatus>> {
        let role = self.caller_role(ctx).await?;
        Ok(role
            .map(|r| crate::access::records::moves_for(r, self.0.status))
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }
    /// The ledger entry, once the job is completed with an approved amount (admins and the
    /// contractor).
    async fn payout(&self, ctx: &Context<'_>) -> Result<Option<super::payout::Payout>> {
        let p = &meta(ctx).principal;
        if !crate::access::records::may_follow_to_contractor(p, self.0.contractor_id)
            || !crate::access::may_see_money(p)
        {
            return Ok(None);
        }
        Ok(loaders(ctx).payout_by_job.load_one(self.0.id).await.map_err(loader_error).gql()?.map(super::payout::Payout))
    }
    /// Photos and reports, oldest first.
    #[graphql(complexity = "crate::graphql::ids::rows_cost(20, child_complexity)")]
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Vec<super::attachment::Attachment>> {
        let found = loaders(ctx).attachments_by_job.load_one(self.0.id).await.map_err(loader_error).gql()?;
        Ok(found.unwrap_or_default().into_iter().map(super::attachment::Attachment).collect())
    }
    /// Every transition, note and rating, oldest first.
    #[graphql(complexity = "crate::graphql::ids::rows_cost(30, child_complexity)")]
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<JobEvent>> {
        let found = loaders(ctx).events_by_job.load_one(self.0.id).await.map_err(loader_error).gql()?;
        Ok(found.unwrap_or_default().into_iter().map(JobEvent).collect())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// One timeline entry.
pub struct JobEvent(pub job_event::Model);

#[Object]
impl JobEvent {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn kind(&self) -> JobEventKind {
        self.0.kind.into()
    }
    async fn from_status(&self) -> Option<JobStatus> {
        self.0.from_status.map(Into::into)
    }
    async fn to_status(&self) -> Option<JobStatus> {
        self.0.to_status.map(Into::into)
    }
    async fn actor_kind(&self) -> ActorKind {
        self.0.actor_kind.into()
    }
    /// Who, in words: for NRP the person; for contractors and partners the role and company
    /// (never a staff member's email).
    async fn actor(&self, ctx: &Context<'_>) -> &str {
        if crate::access::sees_people(&super::meta(ctx).principal) {
            return self.0.actor_label.as_str();
        }
        match (&self.0.actor_public, self.0.actor_kind) {
            (Some(shown), _) => shown,
            (None, entities::ActorKind::System) => "NRP (automatic)",
            (None, _) => "a participant",
        }
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was taken on site, by the phone's clock; null when it was sent as it was taken
    /// (`createdAt` is when the server got it).
    async fn captured_at(&self) -> Option<DateTime<Utc>> {
        self.0.captured_at
    }
    /// Where it was taken, when the person allowed the phone to tell (NRP and the contractor
    /// only; null for partners).
    async fn position(&self, ctx: &async_graphql::Context<'_>) -> Option<super::Position> {
        super::Position::seen_by(ctx, self.0.latitude, self.0.longitude, self.0.accuracy_m)
    }
}

/// A job that needs an admin's attention.
#[derive(SimpleObject)]
pub struct OverdueJob {
    pub job: Job,
    /// `CONTACT_OVERDUE` (customer not contacted in time) or `IDLE` (too long in one stage).
    pub reason: String,
}

/// A job moved, or was flagged to admins (`alert`).
pub struct JobUpdateEvent(pub JobUpdate);

#[Object]
impl JobUpdateEvent {
    async fn job_id(&self) -> ID {
        to_id(self.0.job_id)
    }
    async fn lead_id(&self) -> ID {
        to_id(self.0.lead_id)
    }
    async fn status(&self) -> JobStatus {
        self.0.status.into()
    }
    async fn previous_status(&self) -> Option<JobStatus> {
        self.0.previous.map(Into::into)
    }
    async fn alert(&self) -> Option<&str> {
        self.0.alert.as_deref()
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}
