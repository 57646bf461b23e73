//! A push service for the tests (RFC 8030's side of it) and a device that subscribes to it: the
//! service records each push and answers as told; the test checks the VAPID signature the way a
//! push service does (RFC 8292) and decrypts the payload with the device's key (RFC 8291), by
//! hand from the RFC's steps, so a mistake in NRP's encryption cannot hide behind the same crate.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use p256::ecdsa::signature::Verifier;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use sha2::Sha256;
use tokio::sync::{Mutex, Notify};

/// A browser's subscription keys.
pub struct Device {
    pub name: String,
    secret: p256::SecretKey,
    pub auth: [u8; 16],
}

impl Device {
    pub fn new(name: &str) -> Self {
        let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
        Device { name: name.into(), secret, auth: rand::random() }
    }

    pub fn p256dh(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.secret.public_key().to_encoded_point(false).as_bytes())
    }

    pub fn auth_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.auth)
    }

    /// RFC 8291 §3.4 and RFC 8188: the plaintext of an `aes128gcm` body sent to this device.
    pub fn decrypt(&self, body: &[u8]) -> Vec<u8> {
        assert!(body.len() > 21, "an aes128gcm body has a header");
        let salt = &body[..16];
        let rs = u32::from_be_bytes(body[16..20].try_into().unwrap()) as usize;
        let idlen = body[20] as usize;
        let as_public = p256::PublicKey::from_sec1_bytes(&body[21..21 + idlen]).expect("keyid is the sender's key");
        let ciphertext = &body[21 + idlen..];
        assert!(ciphertext.len() <= rs, "one record");
        let shared = p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), as_public.as_affine());
        let ua_public = self.secret.public_key().to_encoded_point(false);
        let mut info = b"WebPush: info\0".to_vec();
        info.extend_from_slice(ua_public.as_bytes());
        info.extend_from_slice(as_public.to_encoded_point(false).as_bytes());
        let mut ikm = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&self.auth), shared.raw_secret_bytes()).expand(&info, &mut ikm).unwrap();
        let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let (mut cek, mut nonce) = ([0u8; 16], [0u8; 12]);
        prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek).unwrap();
        prk.expand(b"Content-Encoding: nonce\0", &mut nonce).unwrap();
        let mut plain = Aes128Gcm::new_from_slice(&cek)
            .unwrap()
            .decrypt(&Nonce::from(nonce), ciphertext)
            .expect("the payload decrypts with the device's key");
        // The last record ends with a 0x02 delimiter, then optional zero padding.
        while plain.last() == Some(&0) {
            plain.pop();
        }
        assert_eq!(plain.pop(), Some(2), "the final record's delimiter");
        plain
    }
}

/// One push as the push service received it.
#[derive(Debug, Clone)]
pub struct Push {
    pub device: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Push {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How the push service answers the next push.
#[derive(Debug, Clone, Copy)]
pub enum PushAnswer {
    Created,
    ServerError,
    TooMany(u64),
    Gone,
}

#[derive(Clone, Default)]
pub struct FakePushService {
    pub accepted: Arc<Mutex<Vec<Push>>>,
    pub requests: Arc<Mutex<Vec<Push>>>,
    script: Arc<Mutex<HashMap<String, VecDeque<PushAnswer>>>>,
    pub arrived: Arc<Notify>,
    pub base: Arc<Mutex<String>>,
}

impl FakePushService {
    pub async fn start(&self) -> String {
        let app = axum::Router::new().route("/push/{device}", axum::routing::post(receive)).with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let base = format!("http://localhost:{}", addr.port());
        *self.base.lock().await = base.clone();
        base
    }

    pub async fn endpoint(&self, device: &Device) -> String {
        format!("{}/push/{}", self.base.lock().await, device.name)
    }

    /// How the next pushes to this device are answered (then `Created`).
    pub async fn answer(&self, device: &Device, answers: impl IntoIterator<Item = PushAnswer>) {
        self.script.lock().await.entry(device.name.clone()).or_default().extend(answers);
    }

    /// How many pushes to this device were accepted.
    pub async fn accepted_for(&self, device: &Device) -> usize {
        self.accepted.lock().await.iter().filter(|p| p.device == device.name).count()
    }

    /// How many pushes to this device were tried.
    pub async fn requests_for(&self, device: &Device) -> usize {
        self.requests.lock().await.iter().filter(|p| p.device == device.name).count()
    }

    /// Waits (on arrivals) until `pred` holds for the accepted pushes.
    pub async fn until(&self, pred: impl Fn(&[Push]) -> bool) -> Vec<Push> {
        crate::notify::arrivals_until(&self.accepted, &self.arrived, "pushes", pred).await
    }
}

async fn receive(
    State(fake): State<FakePushService>,
    Path(device): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let push = Push { device, headers, body: body.to_vec(), at: Instant::now() };
    fake.requests.lock().await.push(push.clone());
    let answer =
        fake.script.lock().await.get_mut(&push.device).and_then(VecDeque::pop_front).unwrap_or(PushAnswer::Created);
    let response = match answer {
        PushAnswer::Created => {
            fake.accepted.lock().await.push(push);
            (StatusCode::CREATED, [("location", format!("/m/{}", uuid::Uuid::new_v4()))]).into_response()
        }
        PushAnswer::ServerError => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        PushAnswer::TooMany(s) => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", s.to_string())]).into_response(),
        PushAnswer::Gone => StatusCode::GONE.into_response(),
    };
    fake.arrived.notify_waiters();
    response
}

/// Checks a push's `Authorization: vapid t=…, k=…` as a push service does (RFC 8292): the key is
/// the server's, the JWT is ES256 over its header and claims with that key, its audience is this
/// push service's origin, it expires within a day, and it names a contact. Returns the claims.
pub fn verify_vapid(push: &Push, origin: &str, server_key: &str) -> serde_json::Value {
    let auth = push.header("authorization").expect("an Authorization header");
    let rest = auth.strip_prefix("vapid ").expect("the vapid scheme");
    let mut t = None;
    let mut k = None;
    for part in rest.split(',') {
        let (name, value) = part.trim().split_once('=').expect("name=value");
        match name {
            "t" => t = Some(value.to_string()),
            "k" => k = Some(value.to_string()),
            _ => {}
        }
    }
    let (t, k) = (t.expect("t="), k.expect("k="));
    assert_eq!(k, server_key, "k is the server's public key");
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(&k).unwrap()).expect("a P-256 key");
    let parts: Vec<&str> = t.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWS compact serialisation");
    let header: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256");
    let signature = p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).expect("r‖s");
    key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature).expect("the signature verifies");
    let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["aud"], origin, "the audience is the push service's origin");
    let exp = claims["exp"].as_i64().expect("exp");
    let now = chrono::Utc::now().timestamp();
    assert!(exp > now && exp <= now + 24 * 3600, "expires within 24 hours: {exp} vs {now}");
    assert!(claims["sub"].as_str().unwrap().starts_with("mailto:"), "a contact: {claims}");
    claims
}
