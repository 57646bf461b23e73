//! `POST /webhooks/twilio/sms`: texts customers send back to NRP's number (point the number's
//! "A message comes in" webhook here). The request must carry Twilio's signature for this URL
//! (`PUBLIC_BASE_URL` + the path) under the auth token. `STOP` (and its synonyms) opts the number
//! out of NRP's texts; `START` opts it back in. The answer is empty TwiML (Twilio's own opt-out
//! handling sends the confirmation text).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;

use super::graphql::HttpState;
use crate::services::notifications::customers;

const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

pub async fn inbound_sms(State(state): State<HttpState>, headers: HeaderMap, body: String) -> Response {
    let Some(twilio) = state.ctx.config.twilio.as_ref() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "SMS is not configured on this server").into_response();
    };
    let params: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let url = format!("{}/webhooks/twilio/sms", state.ctx.config.public_base_url);
    let expected = crate::notify::twilio_signature(twilio.auth_token.expose_secret(), &url, &params);
    let given = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if expected.is_empty() || !crate::auth::constant_time_eq(expected.as_bytes(), given.as_bytes()) {
        tracing::warn!("refused an inbound SMS webhook without a valid Twilio signature");
        return (StatusCode::FORBIDDEN, "invalid signature").into_response();
    }
    let field = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default();
    match customers::reply(&state.ctx, field("From"), field("Body")).await {
        Ok(_) => (StatusCode::OK, [("content-type", "text/xml")], EMPTY_TWIML).into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "recording an SMS reply failed");
            // Twilio retries on a 5xx.
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
