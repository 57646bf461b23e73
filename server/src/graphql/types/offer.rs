use crate::graphql::types::money::Money;
use async_graphql::{ComplexObject, Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::contractor::Contractor;
use super::enums::{DamageType, OfferEventKind, OfferStatus, Urgency};
use super::{loaders, meta};
use crate::error::ServiceError;
use crate::events::{LeadSummary as Summary, OfferSnapshot};
use crate::graphql::IntoGql;
use crate::graphql::ids::to_id;
use crate::graphql::loaders::loader_error;
use crate::services::routing::rank::ScoreTerms as Terms;

/// A lead offered to a contractor. Before it is won, a lead shows no customer details.
pub struct Offer(pub OfferSnapshot);

#[Object]
impl Offer {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn status(&self) -> OfferStatus {
        self.0.status.into()
    }
    /// When the offer lapses if nobody answers.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.responded_at
    }
    async fn decline_reason(&self) -> Option<&str> {
        self.0.decline_reason.as_deref()
    }
    /// 1 for the best candidate of the routing run that made this offer.
    async fn rank(&self) -> i32 {
        self.0.rank
    }
    async fn score(&self) -> f64 {
        self.0.score
    }
    /// Why this contractor got the offer: the published score terms.
    async fn terms(&self) -> Option<ScoreTerms> {
        serde_json::from_value::<Terms>(self.0.terms.clone()).ok().map(ScoreTerms::from)
    }
    /// Kilometres from the contractor's base to the property, when both are known.
    async fn distance_km(&self) -> Option<f64> {
        self.0.distance_km
    }
    async fn lead(&self) -> LeadSummary {
        LeadSummary(self.0.lead.clone())
    }
    /// Admins, and the contractor itself.
    async fn contractor(&self, ctx: &Context<'_>) -> Result<Contractor> {
        let p = &meta(ctx).principal;
        if !crate::access::records::may_follow_to_contractor(p, self.0.contractor_id) {
            return Err(ServiceError::forbidden()).gql();
        }
        let found = loaders(ctx).contractors.load_one(self.0.contractor_id).await.map_err(loader_error).gql()?;
        found.map(Contractor).ok_or_else(|| ServiceError::not_found("contractor")).gql()
    }
}

/// The lead as a contractor sees it in an offer: where, what, how urgent, how big. No PII.
pub struct LeadSummary(pub Summary);

#[Object]
impl LeadSummary {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn suburb(&self) -> &str {
        &self.0.suburb
    }
    async fn state(&self) -> &str {
        &self.0.state
    }
    async fn postcode(&self) -> &str {
        &self.0.postcode
    }
    async fn damage_type(&self) -> DamageType {
        self.0.damage_type.into()
    }
    async fn urgency(&self) -> Urgency {
        self.0.urgency.into()
    }
    async fn estimated_value_cents(&self) -> Option<Money> {
        self.0.estimated_value_cents.map(Money)
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
}

/// The four published score terms, each 0 to 1, and the score they make:
/// `0.4·performance + 0.3·response + 0.2·availability + 0.1·satisfaction`.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ScoreTerms {
    pub performance: f64,
    pub response: f64,
    pub availability: f64,
    pub satisfaction: f64,
}

#[ComplexObject]
impl ScoreTerms {
    async fn score(&self) -> f64 {
        Terms {
            performance: self.performance,
            response: self.response,
            availability: self.availability,
            satisfaction: self.satisfaction,
        }
        .score()
    }
}

impl From<Terms> for ScoreTerms {
    fn from(t: Terms) -> Self {
        ScoreTerms {
            performance: t.performance,
            response: t.response,
            availability: t.availability,
            satisfaction: t.satisfaction,
        }
    }
}

/// A live offer event for the subscribed contractor.
#[derive(SimpleObject)]
pub struct LeadOfferEvent {
    pub kind: OfferEventKind,
    pub offer: Offer,
}
