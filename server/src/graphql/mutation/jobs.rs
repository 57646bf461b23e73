use crate::graphql::types::money::Money;
use async_graphql::{Context, ID, InputObject, Object, Result, Upload};
use chrono::{DateTime, Utc};

use crate::domain::{AtField, optional_text, required_text};
use crate::error::ServiceError;
use crate::graphql::IntoGql;
use crate::graphql::ids::parse_id;
use crate::graphql::types::attachment::Attachment;
use crate::graphql::types::enums::JobStatus;
use crate::graphql::types::job::{Job, JobEvent};
use crate::graphql::types::{app, meta};
use crate::services::{self, jobs::Advance};

#[derive(Default)]
pub struct JobMutation;

/// What the phone knew when a photo or note was taken on site, perhaps well before it could be
/// sent. Send the same `clientKey` again after a lost answer: the first copy is the answer, none is
/// added twice.
#[derive(InputObject)]
pub struct CaptureInput {
    /// The phone's own key for this item, 8 to 64 letters, digits, `-` or `_` (a UUID fits);
    /// unique per job.
    pub client_key: String,
    /// When it was taken, by the phone's clock (at most five minutes ahead of the server's).
    pub captured_at: DateTime<Utc>,
    /// Where, when the person allowed the phone to tell.
    pub position: Option<PositionInput>,
}

/// A position on the earth (WGS 84).
#[derive(InputObject)]
pub struct PositionInput {
    /// Degrees, -90 to 90.
    pub latitude: f64,
    /// Degrees, -180 to 180.
    pub longitude: f64,
    /// The radius the phone is confident of, in metres.
    pub accuracy_metres: Option<f64>,
}

impl From<CaptureInput> for crate::domain::capture::CaptureInput {
    fn from(c: CaptureInput) -> Self {
        Self {
            client_key: c.client_key,
            captured_at: c.captured_at,
            position: c.position.map(|p| crate::domain::capture::Position {
                latitude: p.latitude,
                longitude: p.longitude,
                accuracy_m: p.accuracy_metres,
            }),
        }
    }
}

/// A move to the next stage.
#[derive(InputObject)]
pub struct AdvanceJobInput {
    pub job_id: ID,
    /// The stage to move to; `allowedTransitions` on the job lists what you may choose.
    pub to: JobStatus,
    /// Kept on the timeline.
    pub note: Option<String>,
    /// Required when moving to `QUOTED`: the quote, AUD cents.
    pub quote_cents: Option<Money>,
    /// Required when moving to `APPROVED`: at most the quote, AUD cents.
    pub approved_cents: Option<Money>,
    /// When the work is booked, if known.
    pub scheduled_for: Option<DateTime<Utc>>,
}

#[Object]
impl JobMutation {
    /// Moves a job one stage on: the contractor works it through; an admin or the lead's insurer
    /// approves the quote. An illegal move is `BAD_USER_INPUT` naming the moves allowed from here.
    async fn advance_job(&self, ctx: &Context<'_>, input: AdvanceJobInput) -> Result<Job> {
        let id = parse_id(&input.job_id, "input.jobId").gql()?;
        let note =
            optional_text(input.note.as_deref(), "note", 2000).at("input.note").map_err(ServiceError::from).gql()?;
        let a = Advance {
            to: Some(input.to.into()),
            note,
            quote_cents: input.quote_cents.map(|m| m.0),
            approved_cents: input.approved_cents.map(|m| m.0),
            scheduled_for: input.scheduled_for,
        };
        services::jobs::advance(app(ctx), meta(ctx), id, a).await.gql().map(Job)
    }

    /// Cancels an open job, with a reason (the contractor or an admin). The lead returns to the
    /// admin queue.
    async fn cancel_job(&self, ctx: &Context<'_>, job_id: ID, reason: String) -> Result<Job> {
        let id = parse_id(&job_id, "jobId").gql()?;
        let reason = required_text(&reason, "reason", 500).at("reason").map_err(ServiceError::from).gql()?;
        services::jobs::cancel(app(ctx), meta(ctx), id, reason).await.gql().map(Job)
    }

    /// Adds a note to the job's timeline; `capture` for a note written on site (sent again after
    /// a lost answer, it is added once).
    async fn add_job_note(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
        note: String,
        capture: Option<CaptureInput>,
    ) -> Result<JobEvent> {
        let id = parse_id(&job_id, "jobId").gql()?;
        let note = required_text(&note, "note", 2000).at("note").map_err(ServiceError::from).gql()?;
        services::jobs::add_note(app(ctx), meta(ctx), id, note, capture.map(Into::into)).await.gql().map(JobEvent)
    }

    /// The contractor hands back the lead of its open job within 24 hours of winning it
    /// (`Job.returnableUntil`): bad contact details, a duplicate, or work not as described, with
    /// a note saying what is wrong. An admin upholds or rejects it (`decideLeadReturn`); until
    /// then the job stays as it is. One return per job (`CONFLICT` for a second, a closed job or
    /// a late one).
    async fn return_lead(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
        reason: crate::graphql::types::enums::ReturnReason,
        note: String,
    ) -> Result<crate::graphql::types::lead_return::LeadReturn> {
        let id = parse_id(&job_id, "jobId").gql()?;
        services::returns::request(app(ctx), meta(ctx), id, reason.into(), &note)
            .await
            .gql()
            .map(crate::graphql::types::lead_return::LeadReturn)
    }

    /// Admin: decides a pending lead return, once. Upheld: the job is cancelled, the lead routed
    /// again to the next candidates, and the job counts in no term of the contractor's
    /// performance score. Rejected: the job goes on. `note` is shown to the contractor.
    async fn decide_lead_return(
        &self,
        ctx: &Context<'_>,
        id: ID,
        uphold: bool,
        note: Option<String>,
    ) -> Result<crate::graphql::types::lead_return::LeadReturn> {
        let id = parse_id(&id, "id").gql()?;
        services::returns::decide(app(ctx), meta(ctx), id, uphold, note)
            .await
            .gql()
            .map(crate::graphql::types::lead_return::LeadReturn)
    }

    /// Records the customer's satisfaction (1–5) on a completed job, once. Admins and the lead's
    /// partners; it feeds the contractor's rating.
    async fn rate_job(&self, ctx: &Context<'_>, job_id: ID, score: i32) -> Result<Job> {
        let id = parse_id(&job_id, "jobId").gql()?;
        services::jobs::rate(app(ctx), meta(ctx), id, score).await.gql().map(Job)
    }

    /// Adds a photo (JPEG, PNG, WebP, HEIC) or report (PDF) to a job, as a GraphQL multipart
    /// upload. The type is checked from the file's bytes; the size limit is `ATTACHMENT_MAX_BYTES`.
    /// `capture` for a photo taken on site: sent again after a lost answer, it is stored once.
    async fn upload_attachment(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
        file: Upload,
        capture: Option<CaptureInput>,
    ) -> Result<Attachment> {
        let id = parse_id(&job_id, "jobId").gql()?;
        let value =
            file.value(ctx).map_err(|_| ServiceError::validation("file", "the file could not be read")).gql()?;
        services::attachments::upload(app(ctx), meta(ctx), id, &value.filename, value.content, capture.map(Into::into))
            .await
            .gql()
            .map(Attachment)
    }
}
