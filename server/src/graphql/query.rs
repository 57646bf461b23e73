use crate::graphql::types::money::Money;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Object, Result};

use super::IntoGql;
use super::ids::{decode_cursor, encode_cursor, page_size, parse_id, partner_or_self};
use super::types::audit::AuditEntry;
use super::types::claim::Claim;
use super::types::contractor::Contractor;
use super::types::enums::{
    ClaimStatus, ContractorStatus, DamageType, JobStatus, LeadStatus, OfferStatus, PayoutStatus,
};
use super::types::enums::{DeliveryStatus, NotificationChannel, NotificationStatus};
use super::types::job::{Job, OverdueJob};
use super::types::lead::Lead;
use super::types::notification::{Notification, NotificationSettings, PushSubscription};
use super::types::offer::Offer;
use super::types::partner::Partner;
use super::types::payout::{Payout, PayoutBatch, StripeEvent};
use super::types::search::{SearchKind, SearchResult};
use super::types::user::User;
use super::types::webhook::WebhookDelivery;
use super::types::{ConnectionTotals, app, meta};
use crate::auth::Principal;
use crate::error::ServiceError;
use crate::services;
use crate::store::{audit::AuditFilter, jobs::JobFilter, payouts::PayoutFilter};

#[derive(Default)]
pub struct Query;

/// Filters for `contractors`; all optional and combined with AND.
#[derive(InputObject, Default)]
pub struct ContractorFilterInput {
    pub status: Option<ContractorStatus>,
    pub specialty: Option<DamageType>,
    /// Base postcode or an explicit service postcode.
    pub postcode: Option<String>,
    /// Matches company name, contact name, email (case-insensitive) or the start of the ABN.
    pub search: Option<String>,
    /// Joined on or after this day (NRP's clock).
    pub joined_from: Option<chrono::NaiveDate>,
    /// Joined on or before this day (NRP's clock).
    pub joined_to: Option<chrono::NaiveDate>,
}

/// Filters for `auditLog`.
#[derive(InputObject, Default)]
pub struct AuditFilterInput {
    /// e.g. `contractor`, `partner`, `user`.
    pub entity_type: Option<String>,
    pub entity_id: Option<ID>,
    pub actor_id: Option<ID>,
    /// e.g. `contractor.verified`.
    pub action: Option<String>,
    /// Recorded on or after this day (NRP's clock).
    pub from: Option<chrono::NaiveDate>,
    /// Recorded on or before this day (NRP's clock).
    pub to: Option<chrono::NaiveDate>,
}

/// Filters for `leads`.
#[derive(InputObject, Default)]
pub struct LeadFilterInput {
    /// `UNASSIGNED` is the admin queue.
    pub status: Option<LeadStatus>,
    /// Any of these statuses: `[NEW, OFFERING, UNASSIGNED, DUPLICATE]` are the leads still
    /// waiting for a contractor.
    pub status_in: Option<Vec<LeadStatus>>,
    pub damage_type: Option<DamageType>,
    pub postcode: Option<String>,
    /// Received on or after this day (NRP's clock, `REPORT_TIME_ZONE`).
    pub received_from: Option<chrono::NaiveDate>,
    /// Received on or before this day (NRP's clock).
    pub received_to: Option<chrono::NaiveDate>,
}

/// The orders `leads` can come in.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Default, Eq, PartialEq)]
pub enum LeadSort {
    /// Newest first (the default).
    #[default]
    Newest,
    Oldest,
    /// The highest estimated value first; leads without one last.
    Value,
}

impl From<LeadSort> for crate::store::leads::LeadOrder {
    fn from(s: LeadSort) -> Self {
        match s {
            LeadSort::Newest => Self::Newest,
            LeadSort::Oldest => Self::Oldest,
            LeadSort::Value => Self::Value,
        }
    }
}

/// The orders `contractors` can come in; each breaks ties newest first.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Default, Eq, PartialEq)]
pub enum ContractorSort {
    /// Newest first (the default).
    #[default]
    Newest,
    /// Company name A to Z.
    Name,
    /// The highest performance score first.
    Score,
    /// The most active jobs first.
    ActiveJobs,
}

impl From<ContractorSort> for crate::store::contractors::ContractorOrder {
    fn from(s: ContractorSort) -> Self {
        match s {
            ContractorSort::Newest => Self::Newest,
            ContractorSort::Name => Self::Name,
            ContractorSort::Score => Self::Score,
            ContractorSort::ActiveJobs => Self::Load,
        }
    }
}

/// The orders `jobs` can come in.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Default, Eq, PartialEq)]
pub enum JobSort {
    /// Newest first (the default).
    #[default]
    Newest,
    Oldest,
}

impl From<JobSort> for crate::store::jobs::JobOrder {
    fn from(s: JobSort) -> Self {
        match s {
            JobSort::Newest => Self::Newest,
            JobSort::Oldest => Self::Oldest,
        }
    }
}

/// The orders `payouts` can come in.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Default, Eq, PartialEq)]
pub enum PayoutSort {
    /// Newest first (the default).
    #[default]
    Newest,
    Oldest,
    /// The largest payout to the contractor first.
    Largest,
}

impl From<PayoutSort> for crate::store::payouts::PayoutOrder {
    fn from(s: PayoutSort) -> Self {
        match s {
            PayoutSort::Newest => Self::Newest,
            PayoutSort::Oldest => Self::Oldest,
            PayoutSort::Largest => Self::Largest,
        }
    }
}

/// The orders `auditLog` can come in.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Default, Eq, PartialEq)]
pub enum AuditSort {
    /// Newest first (the default).
    #[default]
    Newest,
    /// Oldest first: a record's history in the order it happened.
    Oldest,
}

/// The orders `claims` can come in.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Default, Eq, PartialEq)]
pub enum ClaimSort {
    /// Newest first (the default).
    #[default]
    Newest,
    /// The soonest decision date first (the Code of Practice clock).
    DecisionDue,
}

impl From<ClaimSort> for crate::store::claims::ClaimOrder {
    fn from(s: ClaimSort) -> Self {
        match s {
            ClaimSort::Newest => Self::Newest,
            ClaimSort::DecisionDue => Self::DecisionDue,
        }
    }
}

/// Filters for `notifications`; all optional and combined with AND.
#[derive(InputObject, Default)]
pub struct NotificationFilterInput {
    pub channel: Option<NotificationChannel>,
    pub status: Option<NotificationStatus>,
    /// e.g. `customer.assigned`.
    pub template: Option<String>,
    pub user_id: Option<ID>,
    pub lead_id: Option<ID>,
    /// An exact email address or E.164 phone number.
    pub recipient: Option<String>,
    /// Written on or after this day (NRP's clock, `REPORT_TIME_ZONE`).
    pub created_from: Option<chrono::NaiveDate>,
    /// Written on or before this day (NRP's clock).
    pub created_to: Option<chrono::NaiveDate>,
}

type Page<N> = Connection<String, N, ConnectionTotals, EmptyFields>;

fn to_page<M, N>(
    rows: Vec<M>,
    total: u64,
    limit: u64,
    after: bool,
    id: impl Fn(&M) -> uuid::Uuid,
    node: impl Fn(M) -> N,
) -> Page<N>
where
    N: async_graphql::OutputType,
{
    let has_next = rows.len() as u64 > limit;
    let mut conn = Connection::with_additional_fields(after, has_next, ConnectionTotals { total_count: total });
    conn.edges.extend(rows.into_iter().take(limit as usize).map(|m| Edge::new(encode_cursor(id(&m)), node(m))));
    conn
}

/// Which logins to list.
#[derive(InputObject, Default)]
pub struct UserFilterInput {
    /// Part of the email, any case.
    pub search: Option<String>,
    pub role: Option<crate::graphql::types::enums::Role>,
    pub status: Option<crate::graphql::types::enums::UserStatus>,
    /// Added (created or invited) on or after this day (NRP's clock).
    pub added_from: Option<chrono::NaiveDate>,
    /// Added on or before this day (NRP's clock).
    pub added_to: Option<chrono::NaiveDate>,
}

#[Object]
impl Query {
    /// The signed-in person's live sessions (devices), most recently used first; `current`
    /// marks the one asking.
    async fn my_sessions(&self, ctx: &Context<'_>) -> Result<Vec<crate::graphql::types::auth::Session>> {
        let rows = services::accounts::my_sessions(app(ctx), meta(ctx)).await.gql()?;
        Ok(rows.into_iter().map(crate::graphql::types::auth::Session).collect())
    }

    /// Logins, newest first: every one for admins, its own company's for a company's owner.
    /// `search` matches part of the email.
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<UserFilterInput>,
    ) -> Result<Page<User>> {
        let limit = page_size(first).gql()?;
        let before = decode_cursor(after.as_deref()).gql()?;
        let f = filter.unwrap_or_default();
        let standing = f.status.map(Into::into);
        let added = (app(ctx).config.report_zone, f.added_from, f.added_to, "filter.addedTo");
        let filter = services::users::filter(f.search.as_deref(), f.role.map(Into::into), standing, added).gql()?;
        let (rows, total) = services::users::list(app(ctx), meta(ctx), filter, before, limit + 1).await.gql()?;
        Ok(to_page(rows, total, limit, after.is_some(), |m| m.id, User))
    }

    /// The signed-in person's second factor.
    async fn second_factor(&self, ctx: &Context<'_>) -> Result<crate::graphql::types::auth::SecondFactorStatus> {
        let s = services::second_factor::status(app(ctx), meta(ctx)).await.gql()?;
        Ok(crate::graphql::types::auth::SecondFactorStatus {
            on: s.on,
            recovery_codes_left: s.recovery_codes_left,
            required: s.required,
        })
    }

    /// Admin: a login's live sessions.
    async fn user_sessions(&self, ctx: &Context<'_>, user_id: ID) -> Result<Vec<crate::graphql::types::auth::Session>> {
        let id = crate::graphql::ids::parse_id(&user_id, "userId").gql()?;
        let rows = services::accounts::user_sessions(app(ctx), meta(ctx), id).await.gql()?;
        Ok(rows.into_iter().map(crate::graphql::types::auth::Session).collect())
    }

    /// The logged-in user. `UNAUTHENTICATED` without a valid access token; an API key has no user.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let meta = meta(ctx);
        match &meta.principal {
            Principal::User { user_id, .. } => services::users::get(app(ctx), meta, *user_id).await.gql().map(User),
            Principal::ApiKey { .. } => {
                Err(ServiceError::Forbidden("an API key has no user; use `partner`".into())).gql()
            }
            _ => Err(meta.principal.require_authenticated().err().unwrap_or_else(ServiceError::unauthenticated)).gql(),
        }
    }

    /// One contractor: admins see any, a contractor's users only their own.
    async fn contractor(&self, ctx: &Context<'_>, id: ID) -> Result<Contractor> {
        let id = parse_id(&id, "id").gql()?;
        services::contractors::get(app(ctx), meta(ctx), id).await.gql().map(Contractor)
    }

    /// One search box for leads, jobs, claims and contractors: customer name, phone number (any
    /// spacing, `04…` or `+61…`, or part of one), email, claim number, street address, suburb,
    /// postcode, company name or ABN. Every word must match (anywhere in the text from three
    /// characters; one or two match the start of a word); newest first. Admins search
    /// everything, a partner its own leads with their jobs and claims, a contractor its own
    /// jobs. `kinds` narrows what is found (all by default). A query with nothing to search for,
    /// over 200 characters or over 8 words is `BAD_USER_INPUT` on `query`. Paged by cursor only:
    /// a search does not count its matches.
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        kinds: Option<Vec<SearchKind>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, SearchResult, EmptyFields, EmptyFields>> {
        let limit = page_size(first).gql()?;
        let position = services::search::decode_position(after.as_deref()).gql()?;
        let kinds: Vec<crate::store::search::Kind> = kinds.unwrap_or_default().into_iter().map(Into::into).collect();
        let (hits, found) =
            services::search::run(app(ctx), meta(ctx), &query, &kinds, limit + 1, position).await.gql()?;
        let has_next = found as u64 > limit;
        let mut conn = Connection::new(after.is_some(), has_next);
        conn.edges.extend(
            hits.into_iter()
                .take(limit as usize)
                .map(|(at, hit)| Edge::new(services::search::encode_position(at), SearchResult::from(hit))),
        );
        Ok(conn)
    }

    /// Contractors (admins), newest first unless sorted. `GET /reports/contractors.csv` exports
    /// the same list.
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    async fn contractors(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ContractorFilterInput>,
        sort: Option<ContractorSort>,
    ) -> Result<Page<Contractor>> {
        let limit = page_size(first).gql()?;
        let order = sort.unwrap_or_default().into();
        let position = services::contractors::decode_position(after.as_deref(), order).gql()?;
        let f = filter.unwrap_or_default();
        let (status, specialty) = (f.status.map(Into::into), f.specialty.map(Into::into));
        let joined = (app(ctx).config.report_zone, f.joined_from, f.joined_to, "filter.joinedTo");
        let filter =
            services::contractors::filter(status, specialty, f.postcode.as_deref(), f.search.as_deref(), joined)
                .gql()?;
        let (rows, total) =
            services::contractors::list(app(ctx), meta(ctx), &filter, order, position.as_ref(), limit + 1)
                .await
                .gql()?;
        let has_next = rows.len() as u64 > limit;
        let mut conn =
            Connection::with_additional_fields(after.is_some(), has_next, ConnectionTotals { total_count: total });
        conn.edges.extend(
            rows.into_iter()
                .take(limit as usize)
                .map(|m| Edge::new(services::contractors::encode_position(&m, order), Contractor(m))),
        );
        Ok(conn)
    }

    /// Partners: admins see all, a partner sees itself.
    #[graphql(complexity = "crate::graphql::ids::rows_cost(50, child_complexity)")]
    async fn partners(&self, ctx: &Context<'_>) -> Result<Vec<Partner>> {
        Ok(services::partners::list(app(ctx), meta(ctx)).await.gql()?.into_iter().map(Partner).collect())
    }

    /// One partner: admins see any; a partner (API key or partner user) only itself.
    async fn partner(&self, ctx: &Context<'_>, id: Option<ID>) -> Result<Partner> {
        let meta = meta(ctx);
        let id = partner_or_self(&meta.principal, id.as_ref(), "id").gql()?;
        services::partners::get(app(ctx), meta, id).await.gql().map(Partner)
    }

    /// The audit log (admins), newest first unless sorted. `GET /reports/audit.csv` exports the
    /// same list.
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditFilterInput>,
        sort: Option<AuditSort>,
    ) -> Result<Page<AuditEntry>> {
        let limit = page_size(first).gql()?;
        let before = decode_cursor(after.as_deref()).gql()?;
        let f = filter.unwrap_or_default();
        let base = AuditFilter {
            entity_type: f.entity_type,
            entity_id: f.entity_id.as_ref().map(|i| parse_id(i, "filter.entityId")).transpose().gql()?,
            actor_id: f.actor_id.as_ref().map(|i| parse_id(i, "filter.actorId")).transpose().gql()?,
            action: f.action,
            ..Default::default()
        };
        let zone = app(ctx).config.report_zone;
        let filter = services::audit::with_days(zone, base, f.from, f.to, "filter.to").gql()?;
        let oldest_first = sort == Some(AuditSort::Oldest);
        let (rows, total) =
            services::audit::list(app(ctx), meta(ctx), &filter, oldest_first, before, limit + 1).await.gql()?;
        Ok(to_page(rows, total, limit, after.is_some(), |m| m.id, AuditEntry))
    }

    /// Your company's missed leads: the leads of the last 30 days in your area that you did not
    /// get, newest first, each with why (your offer's fate, your rank, or the rule that left you
    /// out) and the score that won. Contractors only.
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    async fn missed_leads(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<super::types::lead_return::MissedLead>> {
        let limit = page_size(first).gql()?;
        let before = decode_cursor(after.as_deref()).gql()?;
        let (rows, total) =
            services::missed::list(app(ctx), meta(ctx), before, limit + 1, chrono::Utc::now()).await.gql()?;
        Ok(to_page(rows, total, limit, after.is_some(), |m| m.lead.id, super::types::lead_return::MissedLead))
    }

    /// Lead returns, newest first: every one for admins (`status: PENDING` is the queue to
    /// decide), a company's own for its users.
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    async fn lead_returns(
        &self,
        ctx: &Context<'_>,
        status: Option<super::types::enums::ReturnStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<super::types::lead_return::LeadReturn>> {
        let limit = page_size(first).gql()?;
        let before = decode_cursor(after.as_deref()).gql()?;
        let (rows, total) =
            services::returns::list(app(ctx), meta(ctx), status.map(Into::into), before, limit + 1).await.gql()?;
        Ok(to_page(rows, total, limit, after.is_some(), |m| m.id, super::types::lead_return::LeadReturn))
    }

    /// One lead: admins; the partner that sent it in or insures it; the contractor it is
    /// assigned to. Anyone else gets `NOT_FOUND`.
    async fn lead(&self, ctx: &Context<'_>, id: ID) -> Result<Lead> {
        let id = parse_id(&id, "id").gql()?;
        services::leads::get(app(ctx), meta(ctx), id).await.gql().map(Lead)
    }

    /// Leads, newest first unless `sort` says otherwise: all for admins, their own for partners,
    /// assigned ones for contractors. `GET /reports/leads.csv` exports the same list.
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    async fn leads(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<LeadFilterInput>,
        sort: Option<LeadSort>,
    ) -> Result<Page<Lead>> {
        let limit = page_size(first).gql()?;
        let position = services::leads::decode_position(after.as_deref()).gql()?;
        let f = filter.unwrap_or_default();
        let zone = app(ctx).config.report_zone;
        let (status, damage) = (f.status.map(Into::into), f.damage_type.map(Into::into));
        let mut filter =
            services::leads::filter(zone, status, damage, f.postcode.as_deref(), f.received_from, f.received_to)
                .gql()?;
        filter.status_in = f.status_in.unwrap_or_default().into_iter().map(Into::into).collect();
        let (rows, total) =
            services::leads::list(app(ctx), meta(ctx), filter, sort.unwrap_or_default().into(), position, limit + 1)
                .await
                .gql()?;
        let has_next = rows.len() as u64 > limit;
        let mut conn =
            Connection::with_additional_fields(after.is_some(), has_next, ConnectionTotals { total_count: total });
        conn.edges.extend(
            rows.into_iter().take(limit as usize).map(|m| Edge::new(services::leads::encode_position(&m), Lead(m))),
        );
        Ok(conn)
    }

    /// Your offers, newest first (contractors), optionally in one status.
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    async fn my_offers(
        &self,
        ctx: &Context<'_>,
        status: Option<OfferStatus>,
        first: Option<i32>,
    ) -> Result<Vec<Offer>> {
        let limit = page_size(first).gql()?;
        let found = services::offers::mine(app(ctx), meta(ctx), status.map(Into::into), limit).await.gql()?;
        Ok(found.into_iter().map(Offer).collect())
    }

    /// One job: its contractor, admins, and the lead's partners.
    async fn job(&self, ctx: &Context<'_>, id: ID) -> Result<Job> {
        let id = parse_id(&id, "id").gql()?;
        services::jobs::get(app(ctx), meta(ctx), id).await.gql().map(|(j, _)| Job(j))
    }

    /// Jobs, newest first unless `sort` says otherwise: all for admins (filter by contractor), the lead's jobs for partners,
    /// your own for contractors (cancelled ones only with `status: CANCELLED`).
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)] // the list's filters are its GraphQL arguments
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<JobStatus>,
        contractor_id: Option<ID>,
        #[graphql(desc = "Created on or after this day (NRP's clock).")] created_from: Option<chrono::NaiveDate>,
        #[graphql(desc = "Created on or before this day (NRP's clock).")] created_to: Option<chrono::NaiveDate>,
        sort: Option<JobSort>,
        #[graphql(desc = "Only the jobs still being worked (neither completed nor cancelled).")] open: Option<bool>,
    ) -> Result<Page<Job>> {
        let limit = page_size(first).gql()?;
        let before = decode_cursor(after.as_deref()).gql()?;
        let contractor = contractor_id.as_ref().map(|i| parse_id(i, "contractorId")).transpose().gql()?;
        let zone = app(ctx).config.report_zone;
        let mut filter =
            services::jobs::filter(zone, status.map(Into::into), contractor, created_from, created_to, "createdTo")
                .gql()?;
        filter.open_only = open == Some(true);
        let order = sort.unwrap_or_default().into();
        let (rows, total) = services::jobs::list(app(ctx), meta(ctx), filter, order, before, limit + 1).await.gql()?;
        Ok(to_page(rows, total, limit, after.is_some(), |m| m.id, Job))
    }

    /// Your jobs, newest first (contractors): those in progress and done; cancelled ones only with
    /// `status: CANCELLED` (a cancelled job's lead, with its customer, is no longer yours to read).
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    async fn my_jobs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<JobStatus>,
        #[graphql(desc = "Only the jobs still being worked (neither completed nor cancelled).")] open: Option<bool>,
    ) -> Result<Page<Job>> {
        let m = meta(ctx);
        let cid = m.principal.acting_contractor("have jobs").gql()?;
        let limit = page_size(first).gql()?;
        let before = decode_cursor(after.as_deref()).gql()?;
        let filter = JobFilter {
            status: status.map(Into::into),
            contractor_id: Some(cid),
            open_only: open == Some(true),
            ..Default::default()
        };
        let (rows, total) =
            services::jobs::list(app(ctx), m, filter, Default::default(), before, limit + 1).await.gql()?;
        Ok(to_page(rows, total, limit, after.is_some(), |m| m.id, Job))
    }

    /// Open jobs past their contact deadline or idle too long in one stage (admins).
    async fn overdue_jobs(&self, ctx: &Context<'_>) -> Result<Vec<OverdueJob>> {
        let found = services::jobs::overdue(app(ctx), meta(ctx)).await.gql()?;
        Ok(found.into_iter().map(|(j, reason)| OverdueJob { job: Job(j), reason: reason.into() }).collect())
    }

    /// One claim: its insurer, admins, the lead's partners, the contractor of its job.
    async fn claim(&self, ctx: &Context<'_>, id: ID) -> Result<Claim> {
        let id = parse_id(&id, "id").gql()?;
        services::claims::get(app(ctx), meta(ctx), id).await.gql().map(|(c, _)| Claim(c))
    }

    /// Claims, newest first unless `sort` says otherwise, as far as you may see them. `decisionOverdue: true` lists the
    /// undecided ones past their decision date. `GET /reports/claims.csv` exports the same list.
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)] // the list's filters are its GraphQL arguments
    async fn claims(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<ClaimStatus>,
        decision_overdue: Option<bool>,
        #[graphql(desc = "Lodged on or after this day (NRP's clock).")] lodged_from: Option<chrono::NaiveDate>,
        #[graphql(desc = "Lodged on or before this day (NRP's clock).")] lodged_to: Option<chrono::NaiveDate>,
        sort: Option<ClaimSort>,
    ) -> Result<Page<Claim>> {
        let limit = page_size(first).gql()?;
        let position = services::claims::decode_position(after.as_deref()).gql()?;
        let (zone, overdue) = (app(ctx).config.report_zone, decision_overdue.unwrap_or(false));
        let filter =
            services::claims::filter(zone, status.map(Into::into), overdue, lodged_from, lodged_to, "lodgedTo")
                .gql()?;
        let order = sort.unwrap_or_default().into();
        let (rows, total) =
            services::claims::list(app(ctx), meta(ctx), filter, order, position, limit + 1).await.gql()?;
        let has_next = rows.len() as u64 > limit;
        let mut conn =
            Connection::with_additional_fields(after.is_some(), has_next, ConnectionTotals { total_count: total });
        conn.edges.extend(
            rows.into_iter().take(limit as usize).map(|m| Edge::new(services::claims::encode_position(&m), Claim(m))),
        );
        Ok(conn)
    }

    /// Payouts, newest first unless sorted: all for admins (filter by contractor), your own for
    /// contractors.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    async fn payouts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<PayoutStatus>,
        contractor_id: Option<ID>,
        #[graphql(desc = "Created at or after.")] from: Option<chrono::DateTime<chrono::Utc>>,
        #[graphql(desc = "Created before.")] to: Option<chrono::DateTime<chrono::Utc>>,
        sort: Option<PayoutSort>,
    ) -> Result<Page<Payout>> {
        let limit = page_size(first).gql()?;
        let position = services::payouts::decode_position(after.as_deref()).gql()?;
        if let (Some(f), Some(t)) = (from, to)
            && t <= f
        {
            return Err(ServiceError::validation("to", "the period must end after it starts")).gql();
        }
        let filter = PayoutFilter {
            status: status.map(Into::into),
            contractor_id: contractor_id.as_ref().map(|i| parse_id(i, "contractorId")).transpose().gql()?,
            from,
            to,
        };
        let order = sort.unwrap_or_default().into();
        let (rows, total) =
            services::payouts::list(app(ctx), meta(ctx), filter, order, position, limit + 1).await.gql()?;
        let has_next = rows.len() as u64 > limit;
        let mut conn =
            Connection::with_additional_fields(after.is_some(), has_next, ConnectionTotals { total_count: total });
        conn.edges.extend(
            rows.into_iter().take(limit as usize).map(|m| Edge::new(services::payouts::encode_position(&m), Payout(m))),
        );
        Ok(conn)
    }

    /// Admin: the dashboard's figures for the last `days` days (default 30, at most 365).
    async fn dashboard(&self, ctx: &Context<'_>, days: Option<i32>) -> Result<super::types::dashboard::Dashboard> {
        let days = i64::from(days.unwrap_or(30));
        services::dashboard::summary(app(ctx), meta(ctx), days).await.gql().map(Into::into)
    }

    /// Admin: the latest payout batches, newest first (at most 100).
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    async fn payout_batches(&self, ctx: &Context<'_>, first: Option<i32>) -> Result<Vec<PayoutBatch>> {
        let limit = page_size(first).gql()?;
        let rows = services::payouts::batches(app(ctx), meta(ctx), limit).await.gql()?;
        Ok(rows.into_iter().map(PayoutBatch).collect())
    }

    /// Admin: the latest Stripe webhook events received and what each did, newest first.
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    async fn stripe_events(&self, ctx: &Context<'_>, first: Option<i32>) -> Result<Vec<StripeEvent>> {
        let limit = page_size(first).gql()?;
        let rows = services::stripe::recent_events(app(ctx), meta(ctx), limit).await.gql()?;
        Ok(rows.into_iter().map(StripeEvent).collect())
    }

    /// A partner's webhook deliveries, newest first: the delivery log (admins for any partner,
    /// a partner for itself), of one status when given, written on the days from `createdFrom`
    /// to `createdTo` (inclusive, on NRP's clock) when given. `GET /reports/deliveries.csv`
    /// exports the same list.
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        partner_id: Option<ID>,
        status: Option<DeliveryStatus>,
        created_from: Option<chrono::NaiveDate>,
        created_to: Option<chrono::NaiveDate>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<WebhookDelivery>> {
        let m = meta(ctx);
        let id = partner_or_self(&m.principal, partner_id.as_ref(), "partnerId").gql()?;
        let (created_from, created_to) =
            crate::domain::zones::day_range(app(ctx).config.report_zone, created_from, created_to, "createdTo")
                .map_err(ServiceError::from)
                .gql()?;
        let filter =
            crate::services::webhooks::DeliveryFilter { status: status.map(Into::into), created_from, created_to };
        let limit = page_size(first).gql()?;
        let before = decode_cursor(after.as_deref()).gql()?;
        let (rows, total) =
            crate::services::webhooks::deliveries(app(ctx), m, id, &filter, before, limit + 1).await.gql()?;
        Ok(to_page(rows, total, limit, after.is_some(), |d| d.id, WebhookDelivery))
    }

    /// The key a browser subscribes to push alerts with (`applicationServerKey`, base64url), or
    /// null when push alerts are not set up on this server.
    async fn web_push_public_key(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        meta(ctx).principal.require_authenticated().gql()?;
        Ok(app(ctx).channels.vapid.as_ref().map(|v| v.public_key().to_string()))
    }

    /// Your devices that receive push alerts.
    async fn push_subscriptions(&self, ctx: &Context<'_>) -> Result<Vec<PushSubscription>> {
        let rows = services::notifications::devices::list(app(ctx), meta(ctx)).await.gql()?;
        Ok(rows.into_iter().map(PushSubscription).collect())
    }

    /// Your alert settings: channels per event, quiet hours, verified phone and email.
    async fn notification_settings(&self, ctx: &Context<'_>) -> Result<NotificationSettings> {
        services::notifications::settings::get(app(ctx), meta(ctx)).await.gql().map(NotificationSettings)
    }

    /// The notification log, newest first (admins): every message on every channel, with its
    /// status, attempts and last error. `status: FAILED` lists the dead letters.
    #[graphql(complexity = "crate::graphql::ids::list_cost(first, child_complexity)")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<NotificationFilterInput>,
    ) -> Result<Page<Notification>> {
        let f = filter.unwrap_or_default();
        let (created_from, created_to) = crate::domain::zones::day_range(
            app(ctx).config.report_zone,
            f.created_from,
            f.created_to,
            "filter.createdTo",
        )
        .map_err(ServiceError::from)
        .gql()?;
        let filter = services::notifications::NotificationFilter {
            channel: f.channel.map(Into::into),
            status: f.status.map(Into::into),
            template: f.template,
            user_id: f.user_id.as_ref().map(|id| parse_id(id, "filter.userId")).transpose().gql()?,
            lead_id: f.lead_id.as_ref().map(|id| parse_id(id, "filter.leadId")).transpose().gql()?,
            destination: f.recipient,
            created_from,
            created_to,
        };
        let limit = page_size(first).gql()?;
        let before = decode_cursor(after.as_deref()).gql()?;
        let (rows, total) =
            services::notifications::list(app(ctx), meta(ctx), filter, before, limit + 1).await.gql()?;
        Ok(to_page(rows, total, limit, after.is_some(), |n| n.id, Notification))
    }

    /// Totals of the payouts created in a period (`from` inclusive, `to` exclusive), optionally in
    /// one status: all for admins, your own for contractors. The same rows download as CSV from
    /// `GET /reports/payouts.csv?from=…&to=…&status=…`.
    async fn payout_totals(
        &self,
        ctx: &Context<'_>,
        from: Option<chrono::DateTime<chrono::Utc>>,
        to: Option<chrono::DateTime<chrono::Utc>>,
        status: Option<PayoutStatus>,
    ) -> Result<PayoutTotals> {
        let filter = PayoutFilter { status: status.map(Into::into), from, to, ..Default::default() };
        let (_, t) = services::payouts::report(app(ctx), meta(ctx), filter).await.gql()?;
        Ok(PayoutTotals {
            count: t.count,
            gross_cents: Money(t.gross_cents),
            commission_cents: Money(t.commission_cents),
            payout_cents: Money(t.payout_cents),
        })
    }
}

/// Sums over a set of payouts, AUD cents: `grossCents = commissionCents + payoutCents`.
#[derive(async_graphql::SimpleObject)]
pub struct PayoutTotals {
    pub count: i64,
    pub gross_cents: Money,
    pub commission_cents: Money,
    pub payout_cents: Money,
}
