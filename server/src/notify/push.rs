//! Web Push: messages encrypted to the device (RFC 8291, aes128gcm, through `web-push-native`),
//! signed for the push service with NRP's VAPID key (RFC 8292: an ES256 JWT naming the push
//! service's origin, with the public key beside it), and posted to the device's push service
//! (RFC 8030) with `TTL`, `Urgency` and a `Topic`, so a newer message on the same subject
//! replaces one still waiting. The endpoint is a URL a user gave us: it goes through the
//! outbound guard (public addresses only, no redirects).

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entities::{NotificationChannel, notification};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde::Deserialize;

use super::{Accepted, Channel, Refusal};

/// NRP's VAPID identity: the P-256 key push services know NRP by, and a contact for them.
#[derive(Clone)]
pub struct Vapid {
    key: SigningKey,
    public: String,
    subject: String,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid").field("public", &self.public).field("subject", &self.subject).finish_non_exhaustive()
    }
}

impl Vapid {
    /// From the private key as base64url (32 bytes, as `generate` prints it).
    pub fn from_private(private_b64: &str, subject: &str) -> Result<Self, String> {
        let raw = URL_SAFE_NO_PAD
            .decode(private_b64.trim().trim_end_matches('='))
            .map_err(|_| "is not base64url".to_string())?;
        let key = SigningKey::from_slice(&raw).map_err(|_| "is not a P-256 private key (32 bytes)".to_string())?;
        let public = URL_SAFE_NO_PAD.encode(key.verifying_key().to_encoded_point(false).as_bytes());
        if !(subject.starts_with("mailto:") || subject.starts_with("https://")) {
            return Err("VAPID_SUBJECT must be a mailto: or https: URL".into());
        }
        Ok(Vapid { key, public, subject: subject.to_string() })
    }

    /// A new key pair: (private, public), both base64url.
    pub fn generate() -> (String, String) {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let public = URL_SAFE_NO_PAD.encode(key.verifying_key().to_encoded_point(false).as_bytes());
        (URL_SAFE_NO_PAD.encode(key.to_bytes()), public)
    }

    /// The application server key browsers subscribe with (base64url, 65 bytes uncompressed).
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// `Authorization: vapid t=<JWT>, k=<public key>` for a request to this endpoint.
    pub fn authorization(&self, endpoint: &url::Url, valid: Duration) -> Result<String, String> {
        let origin = endpoint.origin().ascii_serialization();
        // At most 24 hours ahead (RFC 8292 §2); a little less, for clock skew.
        let exp = Utc::now().timestamp() + valid.as_secs().clamp(60, 12 * 3600) as i64;
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({ "aud": origin, "exp": exp, "sub": self.subject });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{claims}");
        let signature: Signature = self.key.try_sign(signing_input.as_bytes()).map_err(|e| e.to_string())?;
        let jwt = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        Ok(format!("vapid t={jwt}, k={}", self.public))
    }
}

/// What a push notification carries to the device, besides the payload (kept in the
/// notification's `data`, so a send needs nothing else).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushTarget {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    /// The JSON the service worker receives.
    pub payload: serde_json::Value,
    /// RFC 8030 `Topic`: a newer message with the same one replaces this one if still queued.
    pub topic: Option<String>,
    /// `very-low`, `low`, `normal` or `high`.
    pub urgency: String,
    /// How long the push service keeps it for an offline device, in seconds.
    pub ttl_secs: u64,
}

pub struct PushChannel {
    vapid: Vapid,
    http: reqwest::Client,
    policy: crate::outbound::OutboundPolicy,
}

impl PushChannel {
    pub fn new(vapid: Vapid, production: bool, timeout: Duration) -> anyhow::Result<Self> {
        let policy = crate::outbound::OutboundPolicy::for_production(production);
        let http = policy.client("NRP-CRM-Push/1", timeout)?;
        Ok(PushChannel { vapid, http, policy })
    }

    pub fn vapid(&self) -> &Vapid {
        &self.vapid
    }
}

fn permanent(why: &str) -> Refusal {
    Refusal::Permanent { why: why.into() }
}

#[async_trait]
impl Channel for PushChannel {
    fn kind(&self) -> NotificationChannel {
        NotificationChannel::Push
    }

    async fn send(&self, n: &notification::Model) -> Result<Accepted, Refusal> {
        let target: PushTarget = n
            .data
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok())
            .ok_or_else(|| permanent("the push notification has no target"))?;
        let endpoint =
            url::Url::parse(&target.endpoint).map_err(|_| Refusal::Gone { why: "the endpoint is not a URL".into() })?;
        crate::outbound::check_literal(&self.policy, &endpoint).map_err(|why| Refusal::Gone { why })?;
        let ua_public = URL_SAFE_NO_PAD
            .decode(&target.p256dh)
            .ok()
            .and_then(|k| p256::PublicKey::from_sec1_bytes(&k).ok())
            .ok_or_else(|| Refusal::Gone { why: "the subscription's key is not valid".into() })?;
        let auth = URL_SAFE_NO_PAD
            .decode(&target.auth)
            .ok()
            .filter(|a| a.len() == 16)
            .ok_or_else(|| Refusal::Gone { why: "the subscription's secret is not valid".into() })?;
        let secret: web_push_native::Auth =
            <[u8; 16]>::try_from(auth.as_slice()).map(Into::into).map_err(|_| permanent("bad secret"))?;
        let body = web_push_native::encrypt(target.payload.to_string().into_bytes(), &ua_public, &secret)
            .map_err(|e| permanent(&format!("the payload could not be encrypted: {e}")))?;
        let ttl = Duration::from_secs(target.ttl_secs);
        let authorization =
            self.vapid.authorization(&endpoint, ttl.max(Duration::from_secs(3600))).map_err(|e| permanent(&e))?;
        let mut req = self
            .http
            .post(endpoint)
            .header("TTL", target.ttl_secs.to_string())
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header("Urgency", &target.urgency)
            .header("Authorization", authorization)
            .body(body);
        if let Some(topic) = &target.topic {
            req = req.header("Topic", topic);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return Err(Refusal::Retry { why: "the push service did not answer in time".into(), after: None });
            }
            Err(_) => return Err(Refusal::Retry { why: "could not reach the push service".into(), after: None }),
        };
        let status = resp.status().as_u16();
        let retry_after = super::retry_after(resp.headers());
        let location = resp.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).map(String::from);
        let why = format!("the push service answered {status}");
        match status {
            200..=299 => Ok(Accepted { provider_ref: location }),
            // The device unsubscribed or the subscription expired: drop it.
            404 | 410 => Err(Refusal::Gone { why }),
            429 => Err(Refusal::Retry { why, after: retry_after }),
            s if s >= 500 => Err(Refusal::Retry { why, after: retry_after }),
            // 400 malformed, 401/403 VAPID refused, 413 too large: sending again will not help.
            _ => Err(Refusal::Permanent { why }),
        }
    }
}
