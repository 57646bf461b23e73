//! Real endpoints for the notification channels: an SMTP server (aiosmtpd, run as a process) and
//! a fake of Twilio's Messages resource that checks each request the way Twilio documents it.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{Mutex, Notify, mpsc};

/// One message the SMTP server accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// The message exactly as received.
    pub raw: Vec<u8>,
}

impl Mail {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(&self.raw).expect("a parsable message")
    }
}

/// Options for servers that send email to this sink.
pub fn mail_options(smtp: &SmtpSink) -> crate::TestOptions {
    crate::TestOptions::default().env("SMTP_URL", &smtp.url()).env("EMAIL_FROM", "NRP <accounts@nrp.example>")
}

/// The token of the link to `page` (`/reset-password?token=…`) in an email's text.
pub fn link_token(mail: &Mail, page: &str) -> String {
    let text = mail.parsed().body_text(0).expect("a text body").to_string();
    let marker = format!("/{page}?token=");
    let at = text.find(&marker).unwrap_or_else(|| panic!("no {page} link in: {text}")) + marker.len();
    text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

/// The subject of the email that confirms a sign-up's address.
pub const SIGN_UP_CONFIRMATION: &str = "Confirm your email for NRP";

/// aiosmtpd on a free port, for as long as this lives.
pub struct SmtpSink {
    pub port: u16,
    child: tokio::process::Child,
    mails: mpsc::UnboundedReceiver<Mail>,
}

impl SmtpSink {
    /// Starts the server; the first `temp_failures` messages are answered 451.
    pub async fn start(temp_failures: u32) -> SmtpSink {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/smtp/sink.py");
        let mut child = tokio::process::Command::new("python3")
            .arg(script)
            .arg("--temp-failures")
            .arg(temp_failures.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 with aiosmtpd (scripts/test-tools.sh installs it)");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the SMTP server starts")
            .expect("its output")
            .expect("a READY line");
        let port = ready.strip_prefix("READY ").and_then(|p| p.parse().ok()).expect("READY <port>");
        let (tx, mails) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let v: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
                let raw = base64::engine::general_purpose::STANDARD.decode(v["data"].as_str().unwrap_or("")).unwrap();
                let to = v["to"].as_array().map(|a| a.iter().filter_map(|t| t.as_str().map(String::from)).collect());
                let _ =
                    tx.send(Mail { from: v["from"].as_str().unwrap_or("").into(), to: to.unwrap_or_default(), raw });
            }
        });
        SmtpSink { port, child, mails }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next message accepted (awaited, not polled), leaving out the confirmation email every
    /// company signed up through the form gets (`SIGN_UP_CONFIRMATION`): only the accounts tests
    /// wait for that one, with [`SmtpSink::next_any`].
    pub async fn next(&mut self) -> Mail {
        loop {
            let m = self.next_any().await;
            if m.parsed().subject() != Some(SIGN_UP_CONFIRMATION) {
                return m;
            }
        }
    }

    /// The next message accepted, whatever it is.
    pub async fn next_any(&mut self) -> Mail {
        tokio::time::timeout(Duration::from_secs(20), self.mails.recv())
            .await
            .expect("an email arrived in time")
            .expect("the SMTP server is running")
    }

    /// Whether a message arrives within `wait` (for "nothing more is sent").
    /// (Sign-up confirmations do not count, as for [`SmtpSink::next`].)
    pub async fn quiet_for(&mut self, wait: Duration) -> Option<Mail> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let m = tokio::time::timeout_at(deadline, self.mails.recv()).await.ok().flatten()?;
            if m.parsed().subject() != Some(SIGN_UP_CONFIRMATION) {
                return Some(m);
            }
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Waits, woken by `arrived` (never on a clock), until `pred` holds for what `got` holds; panics
/// after 20 s saying how many of `what` came.
pub async fn arrivals_until<T: Clone>(
    got: &Mutex<Vec<T>>,
    arrived: &Notify,
    what: &str,
    pred: impl Fn(&[T]) -> bool,
) -> Vec<T> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let notified = arrived.notified();
        {
            let now = got.lock().await;
            if pred(&now) {
                return now.clone();
            }
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            panic!("{what} did not arrive in time: {} so far", got.lock().await.len());
        }
    }
}

/// One request to the fake Twilio.
#[derive(Debug, Clone)]
pub struct Sms {
    pub account: String,
    pub form: Vec<(String, String)>,
    pub basic_auth: Option<(String, String)>,
}

impl Sms {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// What the fake answers the next request with.
#[derive(Debug, Clone)]
pub enum Answer {
    Created,
    ServerError,
    /// 429 with `Retry-After` seconds.
    TooMany(u64),
    /// 400 with a Twilio error code (e.g. 21211, not a valid number).
    Invalid(i64),
}

/// A fake of `POST /2010-04-01/Accounts/{sid}/Messages.json`.
#[derive(Clone, Default)]
pub struct FakeTwilio {
    pub accepted: Arc<Mutex<Vec<Sms>>>,
    pub requests: Arc<Mutex<Vec<Sms>>>,
    pub script: Arc<Mutex<VecDeque<Answer>>>,
    pub arrived: Arc<Notify>,
    /// Held before answering (a slow provider).
    pub delay: Arc<Mutex<Duration>>,
}

pub const TWILIO_SID: &str = "AC00000000000000000000000000000001";
pub const TWILIO_TOKEN: &str = "test-auth-token";
pub const TWILIO_FROM: &str = "+61400000000";

impl FakeTwilio {
    pub async fn start(&self) -> String {
        let app = axum::Router::new()
            .route("/2010-04-01/Accounts/{account}/Messages.json", axum::routing::post(create))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }

    pub async fn answer(&self, answers: impl IntoIterator<Item = Answer>) {
        self.script.lock().await.extend(answers);
    }

    /// Waits (on arrivals) until `pred` holds for the accepted messages.
    pub async fn until(&self, pred: impl Fn(&[Sms]) -> bool) -> Vec<Sms> {
        arrivals_until(&self.accepted, &self.arrived, "SMS", pred).await
    }
}

fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get("authorization")?.to_str().ok()?.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(v).ok()?).ok()?;
    let (u, p) = decoded.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

async fn create(
    State(fake): State<FakeTwilio>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let delay = *fake.delay.lock().await;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let sms = Sms { account: account.clone(), form, basic_auth: basic(&headers) };
    let content_type_ok = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    fake.requests.lock().await.push(sms.clone());
    let answer = fake.script.lock().await.pop_front().unwrap_or(Answer::Created);
    let response = if sms.basic_auth != Some((TWILIO_SID.into(), TWILIO_TOKEN.into())) || account != TWILIO_SID {
        error(StatusCode::UNAUTHORIZED, 20003, "Authenticate")
    } else if !content_type_ok || sms.field("To").is_none() || sms.field("Body").is_none() {
        error(StatusCode::BAD_REQUEST, 21604, "A 'To' phone number and a 'Body' are required.")
    } else if sms.field("From").is_none() && sms.field("MessagingServiceSid").is_none() {
        error(StatusCode::BAD_REQUEST, 21603, "A 'From' or 'MessagingServiceSid' parameter is required")
    } else {
        match answer {
            Answer::Created => {
                let sid = format!("SM{}", uuid::Uuid::new_v4().simple());
                fake.accepted.lock().await.push(sms.clone());
                let body = serde_json::json!({
                    "sid": sid, "status": "queued", "to": sms.field("To"), "from": sms.field("From"),
                    "body": sms.field("Body"), "num_segments": "1", "error_code": null, "error_message": null,
                });
                (StatusCode::CREATED, axum::Json(body)).into_response()
            }
            Answer::ServerError => error(StatusCode::INTERNAL_SERVER_ERROR, 20500, "Internal Server Error"),
            Answer::TooMany(secs) => {
                let mut r = error(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests");
                r.headers_mut().insert("retry-after", secs.to_string().parse().unwrap());
                r
            }
            Answer::Invalid(code) => {
                error(StatusCode::BAD_REQUEST, code, "The 'To' number is not a valid phone number.")
            }
        }
    };
    fake.arrived.notify_waiters();
    response
}

fn error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = serde_json::json!({
        "code": code, "message": message, "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status.as_u16(),
    });
    (status, axum::Json(body)).into_response()
}

/// The admins' notification log query, with every field the tests read.
pub const NOTIFICATION_LOG: &str = "query($f: NotificationFilterInput){ notifications(first: 50, filter: $f){ \
    totalCount nodes { id channel template audience recipient leadId jobId subject body status attempts lastError \
    providerRef resentFrom sentAt nextAttemptAt } } }";

/// The log's rows for this filter, newest first.
pub async fn notification_log(app: &crate::TestApp, admin: &str, filter: serde_json::Value) -> Vec<serde_json::Value> {
    let body = app.ok(Some(admin), NOTIFICATION_LOG, serde_json::json!({"f": filter})).await;
    body["notifications"]["nodes"].as_array().cloned().unwrap_or_default()
}

/// Waits until `pred` holds for the log: read again each time the sender records an outcome.
pub async fn notification_log_until(
    app: &crate::TestApp,
    admin: &str,
    filter: serde_json::Value,
    pred: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut recorded = app.ctx.notification_outcomes.subscribe();
    loop {
        recorded.mark_unchanged();
        let rows = notification_log(app, admin, filter.clone()).await;
        if pred(&rows) {
            return rows;
        }
        if tokio::time::timeout_at(deadline, recorded.changed()).await.is_err() {
            panic!("the notification log never got there: {rows:#?}");
        }
    }
}
