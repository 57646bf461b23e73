//! Secrets NRP must be able to read back (partner webhook signing secrets) are kept sealed with
//! AES-256-GCM under a key from configuration (`WEBHOOK_SECRET_KEYS`), so a database dump alone
//! cannot forge NRP's signatures. A sealed value reads `v1:<key id>:<base64 of nonce and
//! ciphertext>`; the row's id is bound in as associated data, so a sealed value moved to another
//! row does not open. Keys rotate: the first configured key seals, every configured key opens,
//! and `nrp-server reseal-secrets` re-seals everything under the first.

use std::collections::HashMap;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

/// The keys secrets are sealed with; empty in development when none is configured (values are
/// then kept as they are, and the server says so at start-up).
#[derive(Clone, Default)]
pub struct SecretBox {
    current: Option<String>,
    keys: HashMap<String, Aes256Gcm>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretBox").field("current", &self.current).field("keys", &self.keys.len()).finish()
    }
}

const PREFIX: &str = "v1:";

impl SecretBox {
    /// Parses `id:base64key[,id:base64key…]` (each key 32 bytes); the first one seals.
    pub fn parse(config: &SecretString) -> Result<Self, String> {
        let mut b = SecretBox::default();
        for item in config.expose_secret().split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (id, key) = item.split_once(':').ok_or("each key is id:base64 (32 bytes)")?;
            if id.is_empty()
                || id.len() > 32
                || !id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            {
                return Err(format!("key id {id:?}: letters, digits, - and _ only, at most 32"));
            }
            let bytes = STANDARD.decode(key.trim()).map_err(|_| format!("key {id}: not base64"))?;
            if bytes.len() != 32 {
                return Err(format!("key {id}: must be 32 bytes (openssl rand -base64 32)"));
            }
            let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| format!("key {id}: must be 32 bytes"))?;
            if b.keys.insert(id.to_string(), cipher).is_some() {
                return Err(format!("key id {id} appears twice"));
            }
            b.current.get_or_insert_with(|| id.to_string());
        }
        if b.current.is_none() {
            return Err("no key given".into());
        }
        Ok(b)
    }

    /// Whether secrets are sealed at all.
    pub fn is_configured(&self) -> bool {
        self.current.is_some()
    }

    /// Seals `plain` for the row `owner`.
    pub fn seal(&self, owner: Uuid, plain: &str) -> Result<String, String> {
        let Some(id) = &self.current else { return Ok(plain.to_string()) };
        let cipher = self.keys.get(id).ok_or("the sealing key is missing")?;
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, Payload { msg: plain.as_bytes(), aad: owner.as_bytes() })
            .map_err(|_| "sealing failed".to_string())?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{id}:{}", STANDARD.encode(out)))
    }

    /// Opens a value stored for the row `owner`. A value from before sealing was configured
    /// (not `v1:`) is returned as it is.
    pub fn open(&self, owner: Uuid, stored: &str) -> Result<String, String> {
        let Some(rest) = stored.strip_prefix(PREFIX) else { return Ok(stored.to_string()) };
        let (id, body) = rest.split_once(':').ok_or("a sealed secret is malformed")?;
        let cipher =
            self.keys.get(id).ok_or_else(|| format!("the key {id} that sealed this secret is not configured"))?;
        let bytes = STANDARD.decode(body).map_err(|_| "a sealed secret is malformed".to_string())?;
        if bytes.len() < 12 {
            return Err("a sealed secret is malformed".into());
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| "a sealed secret is malformed".to_string())?;
        let plain = cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: ciphertext, aad: owner.as_bytes() })
            .map_err(|_| "a sealed secret does not open with its key".to_string())?;
        String::from_utf8(plain).map_err(|_| "a sealed secret is not text".into())
    }

    /// Whether a stored value is sealed under the current key already.
    pub fn is_current(&self, stored: &str) -> bool {
        match &self.current {
            None => true,
            Some(id) => stored.strip_prefix(PREFIX).and_then(|r| r.split_once(':')).is_some_and(|(k, _)| k == id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(s: &str) -> SecretBox {
        SecretBox::parse(&SecretString::from(s.to_string())).unwrap()
    }

    const A: &str = "a:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const B: &str = "b:HxwdHhscGRoXGBUWExQREg8QDQ4LDAkKBwgFBgMEAQI=";

    #[test]
    fn a_sealed_secret_opens_for_its_row_only_and_survives_rotation() {
        let (row, other) = (Uuid::now_v7(), Uuid::now_v7());
        let old = keys(A);
        let sealed = old.seal(row, "whsec_abc").unwrap();
        assert!(sealed.starts_with("v1:a:") && !sealed.contains("whsec_abc"));
        assert_ne!(sealed, old.seal(row, "whsec_abc").unwrap(), "a fresh nonce each time");
        assert_eq!(old.open(row, &sealed).unwrap(), "whsec_abc");
        assert!(old.open(other, &sealed).is_err(), "moved to another row, it does not open");
        // Rotation: b seals from now on, a still opens what it sealed.
        let rotated = keys(&format!("{B},{A}"));
        assert_eq!(rotated.open(row, &sealed).unwrap(), "whsec_abc");
        assert!(!rotated.is_current(&sealed));
        let resealed = rotated.seal(row, "whsec_abc").unwrap();
        assert!(resealed.starts_with("v1:b:") && rotated.is_current(&resealed));
        // Without the key that sealed it, nothing opens.
        assert!(keys(B).open(row, &sealed).unwrap_err().contains("not configured"));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(old.open(row, &tampered).is_err());
        // A value from before sealing reads as it is.
        assert_eq!(old.open(row, "whsec_plain").unwrap(), "whsec_plain");
    }

    #[test]
    fn bad_key_lists_are_refused() {
        for bad in [
            "",
            "a",
            "a:notbase64!",
            "a:AAECAw==",
            &format!("{A},{A}"),
            "bad id:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        ] {
            assert!(SecretBox::parse(&SecretString::from(bad.to_string())).is_err(), "{bad:?}");
        }
    }
}
