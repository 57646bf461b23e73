//! Calls to the GraphQL API: typed operations from `gql`, the access token attached and renewed
//! silently, and errors carried with their `extensions.code` and fields.

use futures_util::future::LocalBoxFuture;
use gloo_net::http::Request;
use graphql_client::{GraphQLQuery, Response};

use crate::session::{self, Role, Session};

/// An error to show: the server's own message, its code, and the input fields it names.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub message: String,
    pub code: String,
    pub field: Option<String>,
    /// Every bad field of a form: (`input.abn`, message).
    pub fields: Vec<(String, String)>,
}

impl ApiError {
    fn network() -> Self {
        ApiError {
            message: "Cannot reach the server. Check your connection and try again.".into(),
            code: "NETWORK".into(),
            field: None,
            fields: Vec::new(),
        }
    }

    /// An error the app itself finds in a form, on one field.
    pub fn on_field(field: &str, message: &str) -> Self {
        ApiError {
            message: message.into(),
            code: "BAD_USER_INPUT".into(),
            field: Some(field.into()),
            fields: Vec::new(),
        }
    }

    /// The message for one input field (`abn` matches `input.abn`), if the server named it.
    pub fn for_field(&self, name: &str) -> Option<String> {
        let matches = |f: &str| f == name || f.rsplit('.').next() == Some(name);
        self.fields
            .iter()
            .find(|(f, _)| matches(f))
            .map(|(_, m)| m.clone())
            .or_else(|| self.field.as_deref().filter(|f| matches(f)).map(|_| self.message.clone()))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn from_graphql(e: &graphql_client::Error) -> ApiError {
    let ext = e.extensions.as_ref();
    let text = |k: &str| ext.and_then(|x| x.get(k)).and_then(|v| v.as_str()).map(String::from);
    let fields = ext
        .and_then(|x| x.get("fieldErrors"))
        .and_then(|v| v.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|f| Some((f["field"].as_str()?.to_string(), f["message"].as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    ApiError {
        message: e.message.clone(),
        code: text("code").unwrap_or_else(|| "ERROR".into()),
        field: text("field"),
        fields,
    }
}

/// Sends one operation (already serialised) and returns its `data`. Not generic, so the network
/// code exists once in the app, not once per operation.
fn post_raw(body: String, token: Option<String>) -> LocalBoxFuture<'static, Result<serde_json::Value, ApiError>> {
    post_path("/graphql", body, token)
}

/// Posts JSON to `path` and returns the answer's `data` (GraphQL and `/auth/…` answer alike).
fn post_path(
    path: &'static str,
    body: String,
    token: Option<String>,
) -> LocalBoxFuture<'static, Result<serde_json::Value, ApiError>> {
    Box::pin(async move {
        let mut req = Request::post(path).header("Content-Type", "application/json");
        if let Some(t) = &token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let resp = req.body(body).map_err(|_| ApiError::network())?.send().await.map_err(|_| ApiError::network())?;
        let status = resp.status();
        let parsed: Response<serde_json::Value> = resp.json().await.map_err(|_| ApiError {
            message: format!("The server answered {status} and no data. Try again in a moment."),
            code: "HTTP".into(),
            field: None,
            fields: Vec::new(),
        })?;
        if let Some(e) = parsed.errors.as_ref().and_then(|e| e.first()) {
            return Err(from_graphql(e));
        }
        parsed.data.ok_or_else(|| ApiError {
            message: "The server sent no data.".into(),
            code: "HTTP".into(),
            field: None,
            fields: Vec::new(),
        })
    })
}

/// Runs an operation as the signed-in user (or anonymously). An expired access token is renewed
/// first, and once more if the server refuses it. Only the (de)serialising is per operation; the
/// rest is one boxed future shared by all, which keeps the app small.
pub async fn call<Q: GraphQLQuery>(vars: Q::Variables) -> Result<Q::ResponseData, ApiError> {
    let body = serde_json::to_string(&Q::build_query(vars)).map_err(|_| ApiError::network())?;
    let data = call_raw(body).await?;
    serde_json::from_value(data).map_err(|e| ApiError {
        message: format!("The app could not read the server's answer ({e}); reload the page."),
        code: "HTTP".into(),
        field: None,
        fields: Vec::new(),
    })
}

/// Runs one operation of a schema-checked document (`gql::x::QUERY`, `gql::x::OPERATION_NAME`)
/// with variables given as JSON, and returns its `data` as JSON. Not generic: the screens that
/// use it (accounts, staff) read a few fields, and a typed response per operation would cost the
/// phone's download more than the screens themselves.
pub async fn run(
    query: &'static str,
    operation: &'static str,
    variables: serde_json::Value,
) -> Result<serde_json::Value, ApiError> {
    let body = serde_json::json!({ "query": query, "operationName": operation, "variables": variables }).to_string();
    call_raw(body).await
}

fn call_raw(body: String) -> LocalBoxFuture<'static, Result<serde_json::Value, ApiError>> {
    Box::pin(async move {
        let token = access_token().await;
        match post_raw(body.clone(), token.clone()).await {
            Err(e) if e.code == "UNAUTHENTICATED" && token.is_some() => {
                refresh().await?;
                post_raw(body, session::current().map(|s| s.access_token)).await
            }
            other => other,
        }
    })
}

/// A valid access token, renewed when it is about to expire; `None` when signed out.
pub fn access_token() -> LocalBoxFuture<'static, Option<String>> {
    Box::pin(access_token_inner())
}

async fn access_token_inner() -> Option<String> {
    let s = session::current()?;
    if s.expires_at_ms - session::now_ms() > 30_000.0 {
        return Some(s.access_token);
    }
    refresh().await.ok()?;
    session::current().map(|s| s.access_token)
}

fn role(r: &str) -> Role {
    match r {
        "ADMIN" => Role::Admin,
        "CONTRACTOR" => Role::Contractor,
        _ => Role::Partner,
    }
}

/// Renews the session with the refresh cookie (one renewal at a time in this tab).
pub fn refresh() -> LocalBoxFuture<'static, Result<(), ApiError>> {
    Box::pin(refresh_inner())
}

async fn refresh_inner() -> Result<(), ApiError> {
    let lock = session::refresh_lock();
    let _guard = lock.lock().await;
    // Another caller may have renewed while this one waited.
    if let Some(s) = session::current()
        && s.expires_at_ms - session::now_ms() > 30_000.0
    {
        return Ok(());
    }
    match post_path("/auth/refresh", "{}".into(), None).await {
        Ok(d) => {
            session::set(Some(signed_in(&d)));
            Ok(())
        }
        Err(e) if e.code == "NETWORK" => Err(e),
        Err(e) => {
            session::set(None);
            Err(ApiError { message: "Your session ended. Please sign in again.".into(), ..e })
        }
    }
}

/// The session an `/auth/…` answer describes.
fn signed_in(d: &serde_json::Value) -> Session {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    Session {
        access_token: text(&d["accessToken"]),
        expires_at_ms: session::now_ms() + d["expiresIn"].as_f64().unwrap_or(0.0) * 1000.0,
        email: text(&d["user"]["email"]),
        role: role(d["user"]["role"].as_str().unwrap_or_default()),
        contractor_id: d["user"]["contractorId"].as_str().map(String::from),
        staff: d["user"]["companyRole"] == "STAFF",
    }
}

/// Where a sign-in stands after the password.
pub enum SignIn {
    /// Signed in.
    Done,
    /// The login has a second factor: send a code with this challenge (`second_factor`).
    Code(String),
}

/// Signs in with email and password (the refresh token comes back as an HttpOnly cookie), or
/// learns that a second-factor code is needed first.
pub async fn login(email: String, password: String) -> Result<SignIn, ApiError> {
    let body = serde_json::json!({ "email": email, "password": password }).to_string();
    let d = post_path("/auth/login", body, None).await?;
    if let Some(challenge) = d["secondFactor"]["challenge"].as_str() {
        return Ok(SignIn::Code(challenge.to_string()));
    }
    session::set(Some(signed_in(&d)));
    Ok(SignIn::Done)
}

/// Completes a sign-in with the second factor's code (or a recovery code).
pub async fn second_factor(challenge: String, code: String) -> Result<(), ApiError> {
    let body = serde_json::json!({ "challenge": challenge, "code": code }).to_string();
    let d = post_path("/auth/second-factor", body, None).await?;
    session::set(Some(signed_in(&d)));
    Ok(())
}

/// Renews the access token now (after something about the session changed, such as a second
/// factor set up in it).
pub async fn renew() -> Result<(), ApiError> {
    let d = post_path("/auth/refresh", "{}".into(), None).await?;
    session::set(Some(signed_in(&d)));
    Ok(())
}

/// Signs out here at once; the server ends the session and clears the cookie in the background.
pub fn logout() {
    leptos::task::spawn_local(async move {
        let _ = post_path("/auth/logout", "{}".into(), None).await;
    });
    session::set(None);
}

/// Uploads a photo or report to a job (GraphQL multipart request).
/// Sends a photo or report as a GraphQL multipart request; `capture` for one taken on site (its
/// key makes a resend after a lost answer harmless).
pub async fn upload_attachment(
    vars: crate::gql::upload_attachment::Variables,
    file: &web_sys::Blob,
    filename: &str,
) -> Result<(), ApiError> {
    use crate::gql::UploadAttachment;
    let operations = serde_json::to_string(&UploadAttachment::build_query(vars)).map_err(|_| ApiError::network())?;
    let form = web_sys::FormData::new().map_err(|_| ApiError::network())?;
    let _ = form.append_with_str("operations", &operations);
    let _ = form.append_with_str("map", r#"{"0":["variables.file"]}"#);
    let _ = form.append_with_blob_and_filename("0", file, filename);
    let send = |token: String| {
        let form = form.clone();
        async move {
            Request::post("/graphql")
                .header("Authorization", &format!("Bearer {token}"))
                .body(form)
                .map_err(|_| ApiError::network())?
                .send()
                .await
                .map_err(|_| ApiError::network())
        }
    };
    let mut resp = send(access_token().await.unwrap_or_default()).await?;
    if resp.status() == 413 {
        // The server takes a large body only with a valid token: renew a stale one, then judge.
        refresh().await?;
        resp = send(session::current().map(|s| s.access_token).unwrap_or_default()).await?;
        if resp.status() == 413 {
            return Err(ApiError::on_field("file", "The file is larger than the server takes."));
        }
    }
    let parsed: Response<serde_json::Value> = resp.json().await.map_err(|_| ApiError::network())?;
    match parsed.errors.as_ref().and_then(|e| e.first()) {
        Some(e) => Err(from_graphql(e)),
        None => Ok(()),
    }
}

/// Fetches a file the API guards (`/attachments/…`, `/reports/…`) with the session's token and
/// returns a `blob:` URL for it, for an `<img>`, a new tab or a download. Revoke it with
/// `Url::revoke_object_url`. A refusal carries the server's own words. `kind` is the file's type
/// as the caller knows it (the attachment's, `text/csv`).
pub async fn blob_url(path: &str, kind: &str) -> Result<String, ApiError> {
    let token = access_token().await.unwrap_or_default();
    let resp = Request::get(path)
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .map_err(|_| ApiError::network())?;
    if !resp.ok() {
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        return Err(ApiError {
            message: if text.trim().is_empty() { format!("The server answered {status}.") } else { text },
            code: "HTTP".into(),
            field: None,
            fields: vec![],
        });
    }
    let bytes = resp.binary().await.map_err(|_| ApiError::network())?;
    let array = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(kind);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&array, &opts).map_err(|_| ApiError::network())?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| ApiError::network())
}

/// Downloads `path` (e.g. `/reports/payouts.csv?…`) with the session's token and saves it as
/// `filename` through the browser.
pub async fn download(path: &str, filename: &str) -> Result<(), ApiError> {
    use wasm_bindgen::JsCast;
    let url = blob_url(path, "text/csv").await?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(ApiError::network)?;
    let a = document
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        .ok_or_else(ApiError::network)?;
    a.set_href(&url);
    a.set_download(filename);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}
