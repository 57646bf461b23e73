//! Sending notifications: one trait for every channel (Web Push, SMS, email) and the channels
//! configured for this instance. A channel only carries a message it is handed; what to send, to
//! whom and when is decided by `services::notifications`, which keeps the outbox and the log.

mod email;
mod push;
mod sms;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use entities::{NotificationChannel, notification};
use secrecy::ExposeSecret;

pub use self::email::SmtpChannel;
pub use self::push::{PushChannel, PushTarget, Vapid};
pub use self::sms::{TwilioChannel, TwilioConfig, twilio_signature};
use crate::config::Config;

/// The provider took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The provider's id for it (an SMS sid, an email's Message-ID), for the log.
    pub provider_ref: Option<String>,
}

/// Why a message did not go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Worth another try later (a timeout, a 5xx, a 4xx SMTP reply, a rate limit); `after` is
    /// the provider's own hint (`Retry-After`).
    Retry { why: String, after: Option<Duration> },
    /// The provider will never take this one (a bad number, a 5xx SMTP reply): a dead letter.
    Permanent { why: String },
    /// The destination no longer exists (a push subscription the service has dropped).
    Gone { why: String },
}

impl Refusal {
    pub fn why(&self) -> &str {
        match self {
            Refusal::Retry { why, .. } | Refusal::Permanent { why } | Refusal::Gone { why } => why,
        }
    }
}

/// A provider's `Retry-After` in seconds, if it sent one.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// One way of reaching a person.
#[async_trait]
pub trait Channel: Send + Sync {
    fn kind(&self) -> NotificationChannel;
    /// Sends one message. The notification's id goes with it where the provider keeps one
    /// (an email's Message-ID), so a repeat after a lost answer can be recognised.
    async fn send(&self, n: &notification::Model) -> Result<Accepted, Refusal>;
}

/// The channels this instance may send on; each is off until configured.
#[derive(Clone, Default)]
pub struct Channels {
    pub email: Option<Arc<dyn Channel>>,
    pub sms: Option<Arc<dyn Channel>>,
    pub push: Option<Arc<dyn Channel>>,
    /// The key browsers subscribe with, when push is on.
    pub vapid: Option<Vapid>,
}

impl Channels {
    /// The channels the configuration turns on.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let email = match &config.smtp_url {
            Some(url) => {
                Some(Arc::new(SmtpChannel::new(url.expose_secret(), &config.email_from, config.notify_timeout)?)
                    as Arc<dyn Channel>)
            }
            None => None,
        };
        let sms = match &config.twilio {
            Some(t) => Some(Arc::new(TwilioChannel::new(t.clone(), config.notify_timeout)?) as Arc<dyn Channel>),
            None => None,
        };
        let push = match &config.vapid {
            Some(v) => Some(Arc::new(PushChannel::new(v.clone(), config.is_production(), config.notify_timeout)?)
                as Arc<dyn Channel>),
            None => None,
        };
        Ok(Channels { email, sms, push, vapid: config.vapid.clone() })
    }

    pub fn get(&self, kind: NotificationChannel) -> Option<&Arc<dyn Channel>> {
        match kind {
            NotificationChannel::Email => self.email.as_ref(),
            NotificationChannel::Sms => self.sms.as_ref(),
            NotificationChannel::Push => self.push.as_ref(),
        }
    }

    pub fn has(&self, kind: NotificationChannel) -> bool {
        self.get(kind).is_some()
    }
}

impl std::fmt::Debug for Channels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channels")
            .field("email", &self.email.is_some())
            .field("sms", &self.sms.is_some())
            .field("push", &self.push.is_some())
            .finish()
    }
}
