//! Paying contractors: a payment-provider trait and its Stripe Connect implementation.
//!
//! The services decide *what* to pay and record it; a provider only moves money. Every call that
//! moves money carries an idempotency key chosen by the caller, so a retry after a timeout or a
//! crash can never pay twice.

pub mod signature;
mod stripe;

use std::sync::Arc;

use async_trait::async_trait;

pub use self::stripe::{ATTEMPT_KEY, StripeProvider};
use crate::config::Config;

/// A contractor's new connected account.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub contractor_id: uuid::Uuid,
    pub email: &'a str,
    pub business_name: &'a str,
}

/// A link the contractor follows to finish onboarding with the provider.
#[derive(Debug, Clone)]
pub struct OnboardingLink {
    pub url: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Money to move to a connected account.
#[derive(Debug, Clone)]
pub struct Transfer<'a> {
    pub payout_id: uuid::Uuid,
    /// AUD cents, positive.
    pub amount_cents: i64,
    pub destination: &'a str,
    /// Groups every attempt for one payout, so the provider can be asked what it already did.
    pub group: &'a str,
    pub idempotency_key: &'a str,
    pub description: &'a str,
}

/// Money taken back from a transfer.
#[derive(Debug, Clone)]
pub struct Reversal {
    pub id: String,
    pub amount_cents: i64,
}

/// How a provider call failed; the two kinds call for opposite handling.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    /// The provider answered no: nothing happened. A retry needs the cause fixed and a new key.
    #[error("{message}")]
    Refused { code: Option<String>, message: String },
    /// No usable answer (timeout, connection lost, provider error, a concurrent request with the
    /// same key): it may or may not have happened. Retry with the *same* key to find out.
    #[error("{0}")]
    Unknown(String),
}

/// What NRP needs from a payment provider.
#[async_trait]
pub trait PaymentProvider: Send + Sync + std::fmt::Debug {
    /// Creates a connected account for the contractor; the key makes a repeated call return the
    /// same account.
    async fn create_account(&self, account: &NewAccount<'_>, idempotency_key: &str) -> Result<String, ProviderError>;

    /// A fresh onboarding link for an account.
    async fn onboarding_link(
        &self,
        account_id: &str,
        refresh_url: &str,
        return_url: &str,
    ) -> Result<OnboardingLink, ProviderError>;

    /// The transfer already made in a payout's group by the attempt with this key, if any (for
    /// settling an unknown outcome). Transfers of earlier attempts do not count.
    async fn find_transfer(&self, group: &str, attempt_key: &str) -> Result<Option<String>, ProviderError>;

    /// Moves money; returns the provider's transfer id.
    async fn transfer(&self, transfer: &Transfer<'_>) -> Result<String, ProviderError>;

    /// Reverses a whole transfer.
    async fn reverse_transfer(&self, transfer_id: &str, idempotency_key: &str) -> Result<Reversal, ProviderError>;
}

/// The configured provider, or `None` (payouts then wait as `PENDING`).
pub fn from_config(config: &Config) -> anyhow::Result<Option<Arc<dyn PaymentProvider>>> {
    match &config.stripe {
        None => Ok(None),
        Some(s) => Ok(Some(Arc::new(StripeProvider::new(s)?))),
    }
}
