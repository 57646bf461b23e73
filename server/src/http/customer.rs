//! The two pages a customer reaches from NRP's messages, without a login: rating a finished job
//! (`/rate/{token}`) and opting out of messages (`/stop/{token}`). Server-rendered, small, no
//! script, readable on any phone; the signed token in the path is the only credential. A POST to
//! `/stop/{token}` with no form (RFC 8058 one-click, as mail clients send it) opts out too.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::graphql::HttpState;
use crate::error::ServiceError;
use crate::services::notifications::customers;
use crate::services::notifications::templates::escape;

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en-AU\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{t} · National Recovery \
         Partners</title><style>body{{font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;max-width:32em;\
         margin:0 auto;padding:1.2em}}h1{{font-size:1.4em}}fieldset{{border:0;padding:0;margin:1em 0;display:flex;\
         gap:.4em}}label.star{{flex:1}}label.star input{{position:absolute;opacity:0}}label.star span{{display:block;\
         text-align:center;padding:.8em 0;border:2px solid #0b5cab;border-radius:.4em;font-size:1.2em}}\
         label.star input:checked+span{{background:#0b5cab;color:#fff}}label.star input:focus-visible+span{{outline:\
         3px solid #f5a623}}textarea{{width:100%;min-height:6em;font:inherit;box-sizing:border-box}}button{{font:\
         inherit;font-size:1.1em;padding:.7em 1.4em;background:#0b5cab;color:#fff;border:0;border-radius:.4em;\
         margin-top:1em;min-height:48px}}.muted{{color:#555}}</style></head><body><h1>{t}</h1>{body}\
         <p class=\"muted\">National Recovery Partners</p></body></html>",
        t = escape(title)
    );
    (status, [("cache-control", "no-store"), ("referrer-policy", "no-referrer")], Html(html)).into_response()
}

fn problem(e: ServiceError) -> Response {
    match e {
        ServiceError::Validation { message, .. } => {
            page(StatusCode::BAD_REQUEST, "This link does not work", &format!("<p>{}.</p>", escape(&message)))
        }
        ServiceError::NotFound(_) => {
            page(StatusCode::NOT_FOUND, "This link does not work", "<p>We could not find what it points to.</p>")
        }
        ServiceError::Conflict { message, .. } => {
            page(StatusCode::CONFLICT, "Already done", &format!("<p>{}.</p>", escape(&message)))
        }
        other => {
            tracing::error!(error = ?other, "customer page failed");
            page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "<p>Please try again in a minute.</p>")
        }
    }
}

fn rating_form(company: &str, error: Option<&str>) -> String {
    let stars: String = (1..=5)
        .map(|n| {
            format!(
                "<label class=\"star\"><input type=\"radio\" name=\"score\" value=\"{n}\" required \
                 aria-label=\"{n} out of 5\"><span>{n}</span></label>"
            )
        })
        .collect();
    let err = error.map(|e| format!("<p role=\"alert\" style=\"color:#a40000\">{}</p>", escape(e))).unwrap_or_default();
    format!(
        "<p>How did {c} do? 1 is poor, 5 is excellent.</p>{err}<form method=\"post\"><fieldset><legend \
         class=\"muted\">Your rating</legend>{stars}</fieldset><label for=\"comment\">Anything to add? (optional)</label>\
         <textarea id=\"comment\" name=\"comment\" maxlength=\"2000\"></textarea><button type=\"submit\">Send rating\
         </button></form>",
        c = escape(company)
    )
}

async fn company_of(state: &HttpState, contractor_id: uuid::Uuid) -> String {
    crate::store::contractors::find(&state.ctx.db, contractor_id)
        .await
        .ok()
        .flatten()
        .map(|c| c.company_name)
        .unwrap_or_else(|| "the company".into())
}

/// `GET /rate/{token}`: the rating form.
pub async fn rate_form(State(state): State<HttpState>, Path(token): Path<String>) -> Response {
    match crate::services::jobs::rating_job(&state.ctx, &token).await {
        Ok(j) if j.satisfaction_by.as_deref() == Some("CUSTOMER") => {
            page(StatusCode::OK, "Thanks, you've rated this job", "<p>Your rating has been recorded.</p>")
        }
        Ok(j) => page(StatusCode::OK, "Rate the work", &rating_form(&company_of(&state, j.contractor_id).await, None)),
        Err(e) => problem(e),
    }
}

#[derive(Deserialize)]
pub struct RatingForm {
    score: Option<String>,
    comment: Option<String>,
}

/// `POST /rate/{token}`: records the rating once.
pub async fn rate_submit(
    State(state): State<HttpState>,
    Path(token): Path<String>,
    Form(form): Form<RatingForm>,
) -> Response {
    let score = form.score.as_deref().and_then(|s| s.trim().parse::<i32>().ok()).unwrap_or(0);
    match crate::services::jobs::rate_by_customer(&state.ctx, &token, score, form.comment).await {
        Ok(_) => page(
            StatusCode::OK,
            "Thank you",
            "<p>Your rating has been recorded. It helps us send the right people.</p>",
        ),
        Err(ServiceError::Validation { field, message }) if field == "score" || field == "comment" => {
            match crate::services::jobs::rating_job(&state.ctx, &token).await {
                Ok(j) => page(
                    StatusCode::BAD_REQUEST,
                    "Rate the work",
                    &rating_form(&company_of(&state, j.contractor_id).await, Some(&message)),
                ),
                Err(e) => problem(e),
            }
        }
        Err(e) => problem(e),
    }
}

fn channel_words(c: entities::NotificationChannel) -> &'static str {
    match c {
        entities::NotificationChannel::Sms => "text messages",
        entities::NotificationChannel::Email => "emails",
        entities::NotificationChannel::Push => "notifications",
    }
}

/// `GET /stop/{token}`: asks to confirm (a link preview or a scanner must not opt anyone out).
pub async fn stop_form(State(state): State<HttpState>, Path(token): Path<String>) -> Response {
    match customers::opt_out_target(&state.ctx, &token).await {
        Ok(t) => page(
            StatusCode::OK,
            "Stop messages",
            &format!(
                "<p>Stop {} from National Recovery Partners to {}?</p><form method=\"post\"><button type=\"submit\">\
                 Stop messages</button></form>",
                channel_words(t.channel),
                escape(&t.shown_as)
            ),
        ),
        Err(e) => problem(e),
    }
}

/// `POST /stop/{token}`: records the opt-out (from the form, or a mail client's one-click).
pub async fn stop_submit(State(state): State<HttpState>, Path(token): Path<String>) -> Response {
    match customers::opt_out_by_link(&state.ctx, &token).await {
        Ok(t) => page(
            StatusCode::OK,
            "You won't hear from us again",
            &format!("<p>We've stopped {} to {}.</p>", channel_words(t.channel), escape(&t.shown_as)),
        ),
        Err(e) => problem(e),
    }
}
