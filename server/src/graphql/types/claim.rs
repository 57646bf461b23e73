use crate::graphql::types::money::Money;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use entities::claim;

use super::enums::ClaimStatus;
use super::lead::Lead;
use super::partner::Partner;
use super::{loaders, meta};
use crate::error::ServiceError;
use crate::graphql::IntoGql;
use crate::graphql::ids::to_id;
use crate::graphql::loaders::loader_error;
use crate::services;

/// The insurer's claim for a lead's property. Amounts in AUD cents.
pub struct Claim(pub claim::Model);

#[Object]
impl Claim {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn lead_id(&self) -> ID {
        to_id(self.0.lead_id)
    }
    async fn lead(&self, ctx: &Context<'_>) -> Result<Lead> {
        let l = loaders(ctx).leads.load_one(self.0.lead_id).await.map_err(loader_error).gql()?;
        match l {
            Some(l) if crate::access::records::may_read_lead(&meta(ctx).principal, &l) => Ok(Lead(l)),
            _ => Err(ServiceError::not_found("lead")).gql(),
        }
    }
    async fn insurer(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        Ok(loaders(ctx).partners.load_one(self.0.insurer_id).await.map_err(loader_error).gql()?.map(Partner))
    }
    async fn claim_number(&self) -> &str {
        &self.0.claim_number
    }
    async fn status(&self) -> ClaimStatus {
        self.0.status.into()
    }
    async fn claimed_cents(&self) -> Money {
        Money(self.0.claimed_cents)
    }
    /// Set by the decision: the claimed amount when `APPROVED`, less when `PARTIALLY_APPROVED`,
    /// 0 when `DECLINED`.
    async fn approved_cents(&self) -> Option<Money> {
        self.0.approved_cents.map(Money)
    }
    /// The excess the customer pays.
    async fn excess_cents(&self) -> Money {
        Money(self.0.excess_cents)
    }
    async fn decision_note(&self) -> Option<&str> {
        self.0.decision_note.as_deref()
    }
    async fn lodged_at(&self) -> DateTime<Utc> {
        self.0.lodged_at
    }
    /// 10 business days after the lodgement date on the property's clock (weekends excluded).
    async fn decision_due_on(&self) -> NaiveDate {
        self.0.decision_due_on
    }
    /// Undecided past its decision date: flagged under the General Insurance Code of Practice.
    async fn decision_overdue(&self) -> bool {
        services::claims::decision_overdue(&self.0, Utc::now())
    }
    /// When the decision deadline passes: the end of `decisionDueOn` on the property's clock.
    async fn decision_due_at(&self) -> Option<DateTime<Utc>> {
        self.0.decision_due_at
    }
    /// The Code of Practice clock: business days from today (on the property's clock) to the
    /// decision date; 0 on the day itself, negative once the date has passed (at least -1);
    /// null once decided.
    async fn decision_business_days_left(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        if self.0.status.is_decided() {
            return Ok(None);
        }
        let l = loaders(ctx).leads.load_one(self.0.lead_id).await.map_err(loader_error).gql()?;
        let zone = l.map_or(chrono_tz::Australia::Sydney, |l| crate::domain::zones::zone_of(&l.state, &l.postcode));
        let today = crate::domain::zones::local_date(Utc::now(), zone);
        let mut left = crate::domain::business_days_between(today, self.0.decision_due_on);
        if today > self.0.decision_due_on {
            // Due on a Friday and read at the weekend: no business day has passed, but the
            // deadline has.
            left = left.min(-1);
        }
        Ok(Some(i32::try_from(left).unwrap_or(if left < 0 { i32::MIN } else { i32::MAX })))
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    async fn settled_at(&self) -> Option<DateTime<Utc>> {
        self.0.settled_at
    }
    /// The statuses you may move the claim to (empty unless you are its insurer or an admin).
    async fn allowed_transitions(&self, ctx: &Context<'_>) -> Vec<ClaimStatus> {
        if !crate::access::records::may_update_claim(&meta(ctx).principal, &self.0) {
            return vec![];
        }
        self.0.status.allowed_next().into_iter().map(Into::into).collect()
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
