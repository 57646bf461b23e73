//! The `Stripe-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">[,v1=…]`.
//! Several `v1` values appear while Stripe rolls a secret; any one matching is enough.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Stripe's own default: an event older (or newer) than this is refused as a replay.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing Stripe-Signature header")]
    Missing,
    #[error("malformed Stripe-Signature header")]
    Malformed,
    #[error("timestamp outside the {TOLERANCE_SECS}-second tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// Checks `header` against `body` and `secret` at time `now` (unix seconds).
pub fn verify(header: Option<&str>, body: &[u8], secret: &str, now: i64) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = Some(v.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            Some(("v1", v)) => signatures.push(hex::decode(v).map_err(|_| SignatureError::Malformed)?),
            Some(_) => {}
            None => return Err(SignatureError::Malformed),
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - t).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let matches = signatures.iter().any(|sig| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(sig).is_ok()
    });
    if matches { Ok(()) } else { Err(SignatureError::Mismatch) }
}

/// The header Stripe would send for `body` at `t`: for tests and tooling.
pub fn sign(body: &[u8], secret: &str, t: i64) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return format!("t={t}"),
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";

    #[test]
    fn a_fresh_correct_signature_passes() {
        let h = sign(b"{}", SECRET, 1_000);
        assert_eq!(verify(Some(&h), b"{}", SECRET, 1_000 + TOLERANCE_SECS), Ok(()));
        assert_eq!(verify(Some(&h), b"{}", SECRET, 1_000 - TOLERANCE_SECS), Ok(()));
    }

    #[test]
    fn any_of_several_signatures_may_match() {
        let good = sign(b"{}", SECRET, 10);
        let v1 = good.split_once(",v1=").unwrap().1;
        let h = format!("t=10,v1={},v1={v1},v0=abc", "00".repeat(32));
        assert_eq!(verify(Some(&h), b"{}", SECRET, 10), Ok(()));
    }

    #[test]
    fn tampering_staleness_and_garbage_are_refused() {
        let h = sign(b"{}", SECRET, 1_000);
        assert_eq!(verify(Some(&h), b"{ }", SECRET, 1_000), Err(SignatureError::Mismatch));
        assert_eq!(verify(Some(&h), b"{}", "whsec_other", 1_000), Err(SignatureError::Mismatch));
        assert_eq!(verify(Some(&h), b"{}", SECRET, 1_000 + TOLERANCE_SECS + 1), Err(SignatureError::Stale));
        assert_eq!(verify(None, b"{}", SECRET, 1_000), Err(SignatureError::Missing));
        assert_eq!(verify(Some("t=abc,v1=00"), b"{}", SECRET, 1_000), Err(SignatureError::Malformed));
        assert_eq!(verify(Some("t=1000"), b"{}", SECRET, 1_000), Err(SignatureError::Malformed));
        assert_eq!(verify(Some("v1=zz"), b"{}", SECRET, 1_000), Err(SignatureError::Malformed));
        assert_eq!(verify(Some("garbage"), b"{}", SECRET, 1_000), Err(SignatureError::Malformed));
    }
}
