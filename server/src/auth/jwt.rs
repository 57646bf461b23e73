use std::time::Duration;

use entities::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode, errors::ErrorKind};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const ISSUER: &str = "nrp-crm";

/// The claims of an access token. Short-lived, so role changes take effect within its lifetime.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessClaims {
    pub sub: Uuid,
    pub email: String,
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cid: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pid: Option<Uuid>,
    /// The session (refresh-token family) the token was issued to: ending the session ends it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sid: Option<Uuid>,
    /// An admin that must enrol a second factor before it may act as one.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub enr: bool,
    /// Staff of its company rather than its owner.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub stf: bool,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

/// Whom an access token is issued to.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub user_id: Uuid,
    pub email: &'a str,
    pub role: Role,
    pub contractor_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub enrol_first: bool,
    pub staff: bool,
}

/// HS256 signing and verification keys derived from the configured secret.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: Duration,
    /// Signs the links NRP sends people without a login (rating, opt-out): derived from the
    /// same secret, for another purpose.
    links: [u8; 32],
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys").field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

impl JwtKeys {
    pub fn new(secret: &SecretString, ttl: Duration) -> Self {
        use hmac::Mac;
        let bytes = secret.expose_secret().as_bytes();
        let links = hmac::Hmac::<sha2::Sha256>::new_from_slice(bytes)
            .map(|m| m.chain_update(b"nrp signed links v1").finalize().into_bytes().into())
            .unwrap_or([0u8; 32]);
        JwtKeys { encoding: EncodingKey::from_secret(bytes), decoding: DecodingKey::from_secret(bytes), ttl, links }
    }

    /// The key of signed links (`auth::links`).
    pub fn link_key(&self) -> &[u8; 32] {
        &self.links
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Signs a token for the user, valid for the configured lifetime.
    pub fn issue(&self, who: &Subject<'_>) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = AccessClaims {
            sub: who.user_id,
            email: who.email.to_string(),
            role: who.role,
            cid: who.contractor_id,
            pid: who.partner_id,
            sid: who.session_id,
            enr: who.enrol_first,
            stf: who.staff,
            iat: now,
            exp: now + self.ttl.as_secs() as i64,
            iss: ISSUER.into(),
        };
        Ok(encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?)
    }

    /// Verifies signature, issuer and expiry; the error is a sentence fit for the client.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, String> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = 5;
        decode::<AccessClaims>(token, &self.decoding, &validation).map(|d| d.claims).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => "access token expired".to_string(),
            _ => "invalid access token".to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(user_id: Uuid) -> Subject<'static> {
        Subject {
            user_id,
            email: "a@b.co",
            role: Role::Admin,
            contractor_id: None,
            partner_id: None,
            session_id: None,
            enrol_first: false,
            staff: false,
        }
    }

    fn keys(secret: &str, ttl: u64) -> JwtKeys {
        JwtKeys::new(&SecretString::from(secret.to_string()), Duration::from_secs(ttl))
    }

    #[test]
    fn a_token_round_trips_with_its_claims() {
        let k = keys("0123456789abcdef0123456789abcdef", 60);
        let id = Uuid::now_v7();
        let token = k.issue(&subject(id)).unwrap();
        let claims = k.verify(&token).unwrap();
        assert_eq!(claims.sub, id);
        assert_eq!(claims.role, Role::Admin);
    }

    #[test]
    fn a_token_signed_with_another_secret_is_rejected() {
        let token = keys("0123456789abcdef0123456789abcdef", 60).issue(&subject(Uuid::now_v7())).unwrap();
        assert_eq!(keys("another-secret-another-secret-xx", 60).verify(&token).unwrap_err(), "invalid access token");
        assert!(keys("0123456789abcdef0123456789abcdef", 60).verify("garbage").is_err());
    }
}
