//! Email over SMTP (lettre, rustls). `SMTP_URL` names the server: `smtps://user:pass@host:465`
//! (implicit TLS), `smtp://user:pass@host:587?tls=required` (STARTTLS, never downgraded), or
//! `smtp://host:port` (no TLS: a relay on the same machine or a test server).

use std::time::Duration;

use async_trait::async_trait;
use entities::{NotificationChannel, notification};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{Accepted, Channel, Refusal};

pub struct SmtpChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain of our Message-IDs (the sender's).
    domain: String,
}

impl SmtpChannel {
    pub fn new(url: &str, from: &str, timeout: Duration) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("SMTP_URL is not usable: {e}"))?
            .timeout(Some(timeout))
            .build();
        let from: Mailbox = from.parse().map_err(|e| anyhow::anyhow!("EMAIL_FROM is not an address: {e}"))?;
        let domain = from.email.domain().to_string();
        Ok(SmtpChannel { transport, from, domain })
    }

    /// The message for one notification: plain text, with an HTML alternative when it has one;
    /// a Message-ID made from the notification's id (the same on every attempt); one-click
    /// unsubscribe headers when the message carries an opt-out link.
    pub fn message(&self, n: &notification::Model) -> Result<Message, Refusal> {
        let to: Mailbox =
            n.destination.parse().map_err(|_| Refusal::Permanent { why: "the email address is not valid".into() })?;
        let mut b = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(n.subject.clone().unwrap_or_else(|| "National Recovery Partners".into()))
            .message_id(Some(format!("<{}@{}>", n.id, self.domain)));
        let data: serde_json::Value = n.data.as_deref().and_then(|d| serde_json::from_str(d).ok()).unwrap_or_default();
        if let Some(stop) = data["unsubscribe"].as_str() {
            b = b
                .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{stop}>")))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".into(),
                ));
        }
        let built = match &n.body_html {
            Some(html) => b.multipart(MultiPart::alternative_plain_html(n.body_text.clone(), html.clone())),
            None => b.singlepart(SinglePart::plain(n.body_text.clone())),
        };
        built.map_err(|e| Refusal::Permanent { why: format!("the message could not be built: {e}") })
    }
}

#[async_trait]
impl Channel for SmtpChannel {
    fn kind(&self) -> NotificationChannel {
        NotificationChannel::Email
    }

    async fn send(&self, n: &notification::Model) -> Result<Accepted, Refusal> {
        let message = self.message(n)?;
        let id = message.headers().get_raw("Message-ID").map(str::to_string);
        match self.transport.send(message).await {
            Ok(_) => Ok(Accepted { provider_ref: id }),
            // 5xx: this server will never take it.
            Err(e) if e.is_permanent() => {
                Err(Refusal::Permanent { why: short(&format!("the mail server refused it: {e}")) })
            }
            // 4xx, timeouts, refused connections, TLS trouble: try again later.
            Err(e) => Err(Refusal::Retry { why: short(&format!("the mail server did not take it: {e}")), after: None }),
        }
    }
}

fn short(s: &str) -> String {
    s.chars().take(500).collect()
}
