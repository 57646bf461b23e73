//! SMS through Twilio's Messages resource: `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`,
//! HTTP Basic with the account sid and auth token, a form body with `To`, `Body` and either
//! `From` or `MessagingServiceSid`. A 201 carries the message's `sid`; errors carry
//! `{ code, message, more_info, status }`.

use std::time::Duration;

use async_trait::async_trait;
use entities::{NotificationChannel, notification};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{Accepted, Channel, Refusal};

/// Twilio settings (`TWILIO_*`).
#[derive(Clone, Debug)]
pub struct TwilioConfig {
    pub account_sid: String,
    pub auth_token: SecretString,
    /// A sending number (E.164) or alphanumeric sender id; or use a messaging service.
    pub from: Option<String>,
    pub messaging_service_sid: Option<String>,
    /// `https://api.twilio.com` unless pointed elsewhere (a regional edge, or a test's fake).
    pub api_base: String,
}

pub struct TwilioChannel {
    config: TwilioConfig,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct Created {
    sid: String,
}

#[derive(Deserialize)]
struct TwilioError {
    code: Option<i64>,
    message: Option<String>,
}

impl TwilioChannel {
    pub fn new(config: TwilioConfig, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("NRP-CRM-Notifications/1")
            .build()?;
        Ok(TwilioChannel { config, http })
    }
}

#[async_trait]
impl Channel for TwilioChannel {
    fn kind(&self) -> NotificationChannel {
        NotificationChannel::Sms
    }

    async fn send(&self, n: &notification::Model) -> Result<Accepted, Refusal> {
        let c = &self.config;
        let url = format!("{}/2010-04-01/Accounts/{}/Messages.json", c.api_base.trim_end_matches('/'), c.account_sid);
        let mut form = vec![("To", n.destination.clone()), ("Body", n.body_text.clone())];
        match (&c.messaging_service_sid, &c.from) {
            (Some(service), _) => form.push(("MessagingServiceSid", service.clone())),
            (None, Some(from)) => form.push(("From", from.clone())),
            (None, None) => return Err(Refusal::Retry { why: "no SMS sender is configured".into(), after: None }),
        }
        let sent =
            self.http.post(url).basic_auth(&c.account_sid, Some(c.auth_token.expose_secret())).form(&form).send().await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return Err(Refusal::Retry { why: "the SMS provider did not answer in time".into(), after: None });
            }
            Err(_) => return Err(Refusal::Retry { why: "could not reach the SMS provider".into(), after: None }),
        };
        let status = resp.status();
        let retry_after = super::retry_after(resp.headers());
        let body = resp.text().await.unwrap_or_default();
        if status.is_success() {
            let sid = serde_json::from_str::<Created>(&body).ok().map(|c| c.sid);
            return Ok(Accepted { provider_ref: sid });
        }
        let err = serde_json::from_str::<TwilioError>(&body).ok();
        let detail = err
            .as_ref()
            .map(|e| format!("{} ({})", e.message.clone().unwrap_or_default(), e.code.unwrap_or_default()))
            .unwrap_or_else(|| status.to_string());
        let why = format!("the SMS provider answered {}: {detail}", status.as_u16()).chars().take(500).collect();
        Err(match status.as_u16() {
            429 => Refusal::Retry { why, after: retry_after },
            // NRP's own account or settings: not the recipient's fault, keep it for later.
            401 | 403 => Refusal::Retry { why, after: None },
            s if s >= 500 => Refusal::Retry { why, after: retry_after },
            // 21211 not a valid number, 21610 the recipient replied STOP, 21614 not a mobile, …
            _ => Refusal::Permanent { why },
        })
    }
}

/// Twilio's request signature (`X-Twilio-Signature`): base64 of HMAC-SHA1 under the auth token,
/// over the full URL Twilio called followed by each form parameter's name and value, sorted by
/// name.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes()) else { return String::new() };
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::twilio_signature;

    #[test]
    fn the_signature_matches_twilios_documented_example() {
        // The example in Twilio's request-validation guide (twilio-php's documentation).
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let sig = twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &params);
        assert_eq!(sig, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    }
}
