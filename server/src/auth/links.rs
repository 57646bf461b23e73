//! Signed links for people without a login: a customer's rating page and opt-out. A link names
//! one record and its purpose, expires, and is signed (HMAC-SHA256, truncated to 128 bits) with
//! a key derived from the JWT secret; it is short enough for an SMS.
//!
//! Layout before base64url: purpose (1 byte) ‖ record id (16) ‖ expiry, Unix seconds (8) ‖ tag (16).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

/// What a link is for; a link for one purpose never opens another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Rate a completed job (names the job).
    Rate = 1,
    /// Stop messages to the address a notification went to (names the notification).
    OptOut = 2,
}

const BODY: usize = 1 + 16 + 8;
const TAG: usize = 16;

fn tag(key: &[u8; 32], body: &[u8]) -> [u8; TAG] {
    let mut out = [0u8; TAG];
    if let Ok(mac) = Hmac::<Sha256>::new_from_slice(key) {
        out.copy_from_slice(&mac.chain_update(body).finalize().into_bytes()[..TAG]);
    }
    out
}

/// A link token for `id` and `purpose`, good until `expires`.
pub fn sign(key: &[u8; 32], purpose: Purpose, id: Uuid, expires: DateTime<Utc>) -> String {
    let mut raw = Vec::with_capacity(BODY + TAG);
    raw.push(purpose as u8);
    raw.extend_from_slice(id.as_bytes());
    raw.extend_from_slice(&expires.timestamp().to_be_bytes());
    let t = tag(key, &raw);
    raw.extend_from_slice(&t);
    URL_SAFE_NO_PAD.encode(raw)
}

/// Why a link does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not a link of ours (malformed, altered, or for another purpose).
    Invalid,
    /// Ours, but past its date.
    Expired,
}

/// The record a token names, if it is ours, for this purpose, and still good at `now`.
pub fn open(key: &[u8; 32], purpose: Purpose, token: &str, now: DateTime<Utc>) -> Result<Uuid, Refused> {
    let raw = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| Refused::Invalid)?;
    if raw.len() != BODY + TAG || raw[0] != purpose as u8 {
        return Err(Refused::Invalid);
    }
    let (body, given) = raw.split_at(BODY);
    if !crate::auth::constant_time_eq(&tag(key, body), given) {
        return Err(Refused::Invalid);
    }
    let id = Uuid::from_slice(&body[1..17]).map_err(|_| Refused::Invalid)?;
    let mut exp = [0u8; 8];
    exp.copy_from_slice(&body[17..25]);
    if i64::from_be_bytes(exp) < now.timestamp() {
        return Err(Refused::Expired);
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_opens_for_its_purpose_until_it_expires_and_not_once_altered() {
        let key = [7u8; 32];
        let id = Uuid::now_v7();
        let now = Utc::now();
        let t = sign(&key, Purpose::Rate, id, now + chrono::Duration::days(1));
        assert!(t.len() <= 56, "short enough for an SMS: {t}");
        assert_eq!(open(&key, Purpose::Rate, &t, now), Ok(id));
        assert_eq!(open(&key, Purpose::OptOut, &t, now), Err(Refused::Invalid));
        assert_eq!(open(&[8u8; 32], Purpose::Rate, &t, now), Err(Refused::Invalid));
        assert_eq!(open(&key, Purpose::Rate, &t, now + chrono::Duration::days(2)), Err(Refused::Expired));
        let mut altered: Vec<char> = t.chars().collect();
        altered[5] = if altered[5] == 'A' { 'B' } else { 'A' };
        assert_eq!(open(&key, Purpose::Rate, &altered.into_iter().collect::<String>(), now), Err(Refused::Invalid));
        assert_eq!(open(&key, Purpose::Rate, "not a token", now), Err(Refused::Invalid));
    }
}
