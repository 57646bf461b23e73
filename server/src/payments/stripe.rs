//! Stripe Connect through async-stripe: Express accounts, account links, transfers, reversals.

use async_trait::async_trait;
use secrecy::ExposeSecret;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_connect::account::{CreateAccount, CreateAccountCapabilities, CreateAccountCapabilitiesTransfers};
use stripe_connect::account::{CreateAccountBusinessProfile, CreateAccountType};
use stripe_connect::account_link::{CreateAccountLink, CreateAccountLinkType};
use stripe_connect::transfer::{CreateTransfer, ListTransfer};
use stripe_connect::transfer_reversal::CreateIdTransferReversal;
use stripe_types::Currency;

use super::{NewAccount, OnboardingLink, PaymentProvider, ProviderError, Reversal, Transfer};
use crate::config::StripeConfig;

/// Stripe Connect, NRP as the platform.
#[derive(Clone)]
pub struct StripeProvider {
    client: Client,
}

impl std::fmt::Debug for StripeProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeProvider").finish_non_exhaustive()
    }
}

impl StripeProvider {
    pub fn new(config: &StripeConfig) -> anyhow::Result<Self> {
        let client = ClientBuilder::new(config.secret_key.expose_secret())
            .url(config.api_base.clone())
            .timeout(config.timeout)
            .app_info("nrp-crm", Some(env!("CARGO_PKG_VERSION").into()), None)
            .build()
            .map_err(|e| anyhow::anyhow!("Stripe client: {e}"))?;
        Ok(Self { client })
    }
}

fn key(k: &str) -> Result<RequestStrategy, ProviderError> {
    IdempotencyKey::new(k)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| ProviderError::Refused { code: None, message: format!("idempotency key {k:?}: {e}") })
}

/// Sorts a Stripe error into "refused" (a definite no) and "unknown" (may have happened).
fn classify(e: StripeError) -> ProviderError {
    match e {
        StripeError::Stripe(api, status) => {
            let code = api.code.as_ref().map(|c| c.as_str().to_string());
            let message = api.message.clone().unwrap_or_else(|| format!("Stripe answered {status}"));
            // 409: a request with the same key is still running; 429: rate limited; 5xx: Stripe's
            // side failed mid-way. None of these says the transfer did not happen.
            if status == 409 || status == 429 || status >= 500 {
                ProviderError::Unknown(format!("Stripe answered {status}: {message}"))
            } else {
                ProviderError::Refused { code, message }
            }
        }
        StripeError::Timeout => ProviderError::Unknown("Stripe did not answer in time".into()),
        StripeError::ClientError(m) => ProviderError::Unknown(format!("could not reach Stripe: {m}")),
        StripeError::JSONDeserialize(m) => ProviderError::Unknown(format!("unreadable answer from Stripe: {m}")),
        StripeError::ConfigError(m) => ProviderError::Refused { code: None, message: format!("Stripe client: {m}") },
    }
}

fn timestamp(secs: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_else(chrono::Utc::now)
}

/// The transfer's metadata entry naming the payout attempt (its idempotency key) that made it.
pub const ATTEMPT_KEY: &str = "attempt_key";

#[async_trait]
impl PaymentProvider for StripeProvider {
    async fn create_account(&self, a: &NewAccount<'_>, idempotency_key: &str) -> Result<String, ProviderError> {
        let mut capabilities = CreateAccountCapabilities::new();
        capabilities.transfers = Some(CreateAccountCapabilitiesTransfers { requested: Some(true) });
        let mut profile = CreateAccountBusinessProfile::new();
        profile.name = Some(a.business_name.to_string());
        let account = CreateAccount::new()
            .type_(CreateAccountType::Express)
            .country("AU")
            .email(a.email)
            .business_profile(profile)
            .capabilities(capabilities)
            .metadata(
                [("contractor_id".to_string(), a.contractor_id.to_string())]
                    .into_iter()
                    .collect::<std::collections::HashMap<_, _>>(),
            )
            .customize()
            .request_strategy(key(idempotency_key)?)
            .send(&self.client)
            .await
            .map_err(classify)?;
        Ok(account.id.as_str().to_string())
    }

    async fn onboarding_link(
        &self,
        account_id: &str,
        refresh_url: &str,
        return_url: &str,
    ) -> Result<OnboardingLink, ProviderError> {
        let link = CreateAccountLink::new(account_id, CreateAccountLinkType::AccountOnboarding)
            .refresh_url(refresh_url)
            .return_url(return_url)
            .send(&self.client)
            .await
            .map_err(classify)?;
        Ok(OnboardingLink { url: link.url, expires_at: timestamp(link.expires_at) })
    }

    async fn find_transfer(&self, group: &str, attempt_key: &str) -> Result<Option<String>, ProviderError> {
        let list = ListTransfer::new().transfer_group(group).limit(100).send(&self.client).await.map_err(classify)?;
        Ok(list
            .data
            .into_iter()
            // A transfer without the entry was made before attempts were named in metadata, by
            // a first attempt, whose key is the group's name.
            .find(|t| t.metadata.get(ATTEMPT_KEY).map(String::as_str).unwrap_or(group) == attempt_key)
            .map(|t| t.id.as_str().to_string()))
    }

    async fn transfer(&self, t: &Transfer<'_>) -> Result<String, ProviderError> {
        let transfer = CreateTransfer::new(Currency::AUD, t.destination)
            .amount(t.amount_cents)
            .description(t.description)
            .transfer_group(t.group)
            .metadata(
                [
                    ("payout_id".to_string(), t.payout_id.to_string()),
                    (ATTEMPT_KEY.to_string(), t.idempotency_key.to_string()),
                ]
                .into_iter()
                .collect::<std::collections::HashMap<_, _>>(),
            )
            .customize()
            .request_strategy(key(t.idempotency_key)?)
            .send(&self.client)
            .await
            .map_err(classify)?;
        Ok(transfer.id.as_str().to_string())
    }

    async fn reverse_transfer(&self, transfer_id: &str, idempotency_key: &str) -> Result<Reversal, ProviderError> {
        let r = CreateIdTransferReversal::new(transfer_id)
            .customize()
            .request_strategy(key(idempotency_key)?)
            .send(&self.client)
            .await
            .map_err(classify)?;
        Ok(Reversal { id: r.id.as_str().to_string(), amount_cents: r.amount })
    }
}
