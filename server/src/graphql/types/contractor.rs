use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use entities::{certification, contractor};

use super::enums::{ContractorStatus, DamageType};
use super::{loaders, meta};
use crate::access::records::may_see_terms;
use crate::domain::Abn;
use crate::graphql::IntoGql;
use crate::graphql::ids::to_id;
use crate::graphql::loaders::loader_error;
use crate::services::contractors::is_paused;

/// A contractor company in the network.
pub struct Contractor(pub contractor::Model);

#[Object]
impl Contractor {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn company_name(&self) -> &str {
        &self.0.company_name
    }
    /// Formatted the ATO way: `51 824 753 556`.
    async fn abn(&self) -> String {
        Abn::formatted(&self.0.abn)
    }
    async fn contact_name(&self) -> &str {
        &self.0.contact_name
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// E.164, e.g. `+61412345678`.
    async fn phone(&self) -> &str {
        &self.0.phone
    }
    async fn base_postcode(&self) -> &str {
        &self.0.base_postcode
    }
    async fn service_radius_km(&self) -> i32 {
        self.0.service_radius_km
    }
    /// Postcodes served whatever their distance from the base.
    async fn service_postcodes(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let found = loaders(ctx).service_postcodes.load_one(self.0.id).await.map_err(loader_error).gql()?;
        Ok(found.unwrap_or_default())
    }
    async fn specialties(&self, ctx: &Context<'_>) -> Result<Vec<DamageType>> {
        let found = loaders(ctx).specialties.load_one(self.0.id).await.map_err(loader_error).gql()?;
        Ok(found.unwrap_or_default().into_iter().map(Into::into).collect())
    }
    async fn max_active_jobs(&self) -> i32 {
        self.0.max_active_jobs
    }
    async fn daily_lead_cap(&self) -> Option<i32> {
        self.0.daily_lead_cap
    }
    /// The commission override in basis points (1500 = 15%); null means the network default.
    async fn commission_bps(&self, ctx: &Context<'_>) -> Option<i32> {
        may_see_terms(&meta(ctx).principal, self.0.id).then_some(self.0.commission_bps).flatten()
    }
    /// Stripe Connect payouts: whether the account exists, can be paid, and what Stripe still
    /// needs (the contractor and admins only; null for others).
    async fn stripe(&self, ctx: &Context<'_>) -> Option<StripeAccountState> {
        may_see_terms(&meta(ctx).principal, self.0.id).then(|| StripeAccountState {
            account_id: self.0.stripe_account_id.clone(),
            payouts_enabled: self.0.stripe_payouts_enabled,
            details_submitted: self.0.stripe_details_submitted,
            requirements_due: self
                .0
                .stripe_requirements
                .as_deref()
                .map(|r| r.split(',').map(String::from).collect())
                .unwrap_or_default(),
            synced_at: self.0.stripe_synced_at,
        })
    }
    #[graphql(complexity = "crate::graphql::ids::rows_cost(10, child_complexity)")]
    async fn certifications(&self, ctx: &Context<'_>) -> Result<Vec<Certification>> {
        let found = loaders(ctx).certifications.load_one(self.0.id).await.map_err(loader_error).gql()?;
        Ok(found.unwrap_or_default().into_iter().map(Certification).collect())
    }
    async fn status(&self) -> ContractorStatus {
        self.0.status.into()
    }
    /// Why the contractor was suspended, when it was.
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }
    async fn paused_until(&self) -> Option<DateTime<Utc>> {
        self.0.paused_until
    }
    /// True while a self-imposed pause is in force; offers resume by themselves after it.
    async fn is_paused(&self) -> bool {
        is_paused(&self.0, Utc::now())
    }
    /// 0 to 1.
    async fn performance_score(&self) -> f64 {
        self.0.performance_score
    }
    /// How NRP scores the contractor: the published formula and weights, its own terms, the
    /// adjustment an admin made and why, and the daily trend over the window. The contractor
    /// and admins only; null for others.
    #[graphql(complexity = "10 + child_complexity")]
    async fn scoring(&self, ctx: &Context<'_>) -> Result<Option<PerformanceScoring>> {
        if !may_see_terms(&meta(ctx).principal, self.0.id) {
            return Ok(None);
        }
        let app = super::app(ctx);
        let b = crate::services::scoring::breakdown(app, &self.0).await.gql()?;
        Ok(Some(PerformanceScoring {
            breakdown: b,
            contractor: self.0.clone(),
            window_days: i32::try_from(app.config.score_window.as_secs() / 86_400).unwrap_or(i32::MAX),
            prior_weight: app.config.score_prior_weight,
        }))
    }
    /// The average business-hours response to offers, in seconds (see `scoring.businessHours`).
    async fn avg_response_seconds(&self) -> Option<i64> {
        self.0.avg_response_secs
    }
    /// 0 to 1.
    async fn acceptance_rate(&self) -> Option<f64> {
        self.0.acceptance_rate
    }
    /// 1 to 5.
    async fn avg_rating(&self) -> Option<f64> {
        self.0.avg_rating
    }
    async fn rating_count(&self) -> i32 {
        self.0.rating_count
    }
    async fn active_jobs(&self) -> i32 {
        self.0.active_jobs
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn verified_at(&self) -> Option<DateTime<Utc>> {
        self.0.verified_at
    }
}

/// A licence or certificate; an expired one stops offers.
pub struct Certification(pub certification::Model);

#[Object]
impl Certification {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn number(&self) -> &str {
        &self.0.number
    }
    async fn issuer(&self) -> &str {
        &self.0.issuer
    }
    async fn expires_on(&self) -> Option<NaiveDate> {
        self.0.expires_on
    }
    /// Past its expiry date on the company's clock (good through the date itself).
    async fn expired(&self, ctx: &Context<'_>) -> Result<bool> {
        let Some(d) = self.0.expires_on else { return Ok(false) };
        let found = loaders(ctx).contractors.load_one(self.0.contractor_id).await.map_err(loader_error).gql()?;
        let zone = found
            .map(|c| crate::domain::zones::zone_of_postcode(&c.base_postcode))
            .unwrap_or(chrono_tz::Australia::Sydney);
        Ok(d < crate::domain::zones::local_date(Utc::now(), zone))
    }
}

/// A contractor's Stripe Connect (Express) account, as Stripe last reported it.
#[derive(async_graphql::SimpleObject)]
pub struct StripeAccountState {
    /// `acct_…`; null until the contractor first asks for an onboarding link.
    pub account_id: Option<String>,
    /// Payouts are transferred only when this is true.
    pub payouts_enabled: bool,
    pub details_submitted: bool,
    /// What Stripe still needs (`requirements.currently_due`), e.g. `external_account`.
    pub requirements_due: Vec<String>,
    /// When Stripe's last account update was created.
    pub synced_at: Option<DateTime<Utc>>,
}

/// How NRP scores a contractor ("How NRP scores you").
pub struct PerformanceScoring {
    breakdown: crate::services::scoring::Breakdown,
    contractor: contractor::Model,
    window_days: i32,
    prior_weight: f64,
}

/// One part of the performance score.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq)]
pub enum PerformanceTermKind {
    /// The customer contacted by the service-level deadline.
    Contact,
    /// Finished jobs completed rather than cancelled.
    Completion,
    /// Time to complete against the network's median for the damage type.
    Cycle,
    /// Approved amount against the quote.
    Accuracy,
    /// The customer's rating.
    Rating,
    /// Offers accepted, declined or left to expire.
    Offers,
}

impl From<crate::domain::score::Term> for PerformanceTermKind {
    fn from(t: crate::domain::score::Term) -> Self {
        use crate::domain::score::Term;
        match t {
            Term::Contact => PerformanceTermKind::Contact,
            Term::Completion => PerformanceTermKind::Completion,
            Term::Cycle => PerformanceTermKind::Cycle,
            Term::Accuracy => PerformanceTermKind::Accuracy,
            Term::Rating => PerformanceTermKind::Rating,
            Term::Offers => PerformanceTermKind::Offers,
        }
    }
}

/// One term of the performance score, with the contractor's own record.
#[derive(async_graphql::SimpleObject)]
pub struct PerformanceTerm {
    pub kind: PerformanceTermKind,
    pub label: String,
    /// What one observation counts.
    pub explanation: String,
    /// The published weight (the weights add up to 1).
    pub weight: f64,
    /// Observations in the window.
    pub observations: i32,
    /// Their plain average (null without any).
    pub mean: Option<f64>,
    /// The Bayesian average with the neutral prior, 0 to 1.
    pub value: f64,
    /// `weight × value`: what this term adds to the score.
    pub contribution: f64,
}

/// The score on one local day (its last computation that day).
#[derive(async_graphql::SimpleObject)]
pub struct ScorePoint {
    pub day: NaiveDate,
    pub score: f64,
}

/// A term of the routing formula that ranks contractors for a lead.
#[derive(async_graphql::SimpleObject)]
pub struct RoutingTerm {
    pub key: String,
    pub weight: f64,
    pub explanation: String,
}

#[Object]
impl PerformanceScoring {
    /// The performance score routing uses, 0 to 1: what was earned plus the adjustment.
    async fn score(&self) -> f64 {
        self.breakdown.score.score
    }
    /// The weighted sum of the terms, before any adjustment.
    async fn earned(&self) -> f64 {
        self.breakdown.score.earned
    }
    /// An admin's adjustment (−0.5 to 0.5; 0 for none), with its reason and date.
    async fn adjustment(&self) -> f64 {
        self.contractor.score_adjustment
    }
    async fn adjustment_reason(&self) -> Option<&str> {
        self.contractor.score_adjustment_reason.as_deref()
    }
    async fn adjusted_at(&self) -> Option<DateTime<Utc>> {
        self.contractor.score_adjusted_at
    }
    /// When the score was last computed (null: never, the newcomer's prior).
    async fn computed_at(&self) -> Option<DateTime<Utc>> {
        self.breakdown.computed_at
    }
    /// The rolling window the record is read over, in days.
    async fn window_days(&self) -> i32 {
        self.window_days
    }
    /// Where every term starts (0.5), and how many observations that start is worth: a term's
    /// value is `(priorWeight × priorValue + sum of observations) / (priorWeight + observations)`.
    async fn prior_value(&self) -> f64 {
        crate::services::scoring::PRIOR_VALUE
    }
    async fn prior_weight(&self) -> f64 {
        self.prior_weight
    }
    async fn terms(&self) -> Vec<PerformanceTerm> {
        self.breakdown
            .score
            .terms
            .iter()
            .map(|t| PerformanceTerm {
                kind: t.term.into(),
                label: t.term.label().into(),
                explanation: t.term.explanation().into(),
                weight: t.term.weight(),
                observations: i32::try_from(t.observations).unwrap_or(i32::MAX),
                mean: t.mean,
                value: t.value,
                contribution: t.term.weight() * t.value,
            })
            .collect()
    }
    /// One point per day the score was computed, oldest first, over the window's last 90 days.
    #[graphql(complexity = "crate::graphql::ids::rows_cost(90, child_complexity)")]
    async fn trend(&self) -> Vec<ScorePoint> {
        self.breakdown.trend.iter().map(|(day, score)| ScorePoint { day: *day, score: *score }).collect()
    }
    /// When response times count: business hours on the contractor's own clock.
    async fn business_hours(&self) -> String {
        let zone = crate::domain::zones::zone_of_postcode(&self.contractor.base_postcode);
        format!(
            "Monday to Friday, {:02}:00 to {:02}:00 {} time",
            crate::domain::score::BUSINESS_OPENS,
            crate::domain::score::BUSINESS_CLOSES,
            zone.name()
        )
    }
    /// The routing formula the performance score is one term of.
    async fn routing(&self) -> Vec<RoutingTerm> {
        let t = |key: &str, weight: f64, explanation: &str| RoutingTerm {
            key: key.into(),
            weight,
            explanation: explanation.into(),
        };
        vec![
            t("performance", 0.4, "This performance score."),
            t(
                "response",
                0.3,
                "(24 h − your average business-hours response) / 24 h for urgent leads, 48 h otherwise; 0.5 before your first answer.",
            ),
            t("availability", 0.2, "1 − active jobs / the most jobs you take at once."),
            t("satisfaction", 0.1, "(average rating − 1) / 4; 0.5 before your first rating."),
        ]
    }
}
