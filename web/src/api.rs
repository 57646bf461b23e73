//! Calls to the GraphQL API: typed operations from `gql`, the access token attached and renewed
//! silently, and errors carried with their `extensions.code` and fields.

use gloo_net::http::Request;
use graphql_client::{GraphQLQuery, QueryBody, Response};
use serde::Serialize;

use crate::gql;
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
async fn post_raw(body: String, token: Option<&str>) -> Result<serde_json::Value, ApiError> {
    let mut req = Request::post("/graphql").header("Content-Type", "application/json");
    if let Some(t) = token {
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
}

async fn post<V: Serialize, D: serde::de::DeserializeOwned>(
    body: &QueryBody<V>,
    token: Option<&str>,
) -> Result<D, ApiError> {
    let text = serde_json::to_string(body).map_err(|_| ApiError::network())?;
    let data = post_raw(text, token).await?;
    serde_json::from_value(data).map_err(|e| ApiError {
        message: format!("The app could not read the server's answer ({e}); reload the page."),
        code: "HTTP".into(),
        field: None,
        fields: Vec::new(),
    })
}

/// Runs an operation as the signed-in user (or anonymously). An expired access token is renewed
/// first, and once more if the server refuses it.
pub async fn call<Q: GraphQLQuery>(vars: Q::Variables) -> Result<Q::ResponseData, ApiError>
where
    Q::Variables: Clone,
{
    let body = Q::build_query(vars);
    let token = access_token().await;
    match post::<_, Q::ResponseData>(&body, token.as_deref()).await {
        Err(e) if e.code == "UNAUTHENTICATED" && token.is_some() => {
            refresh().await?;
            let token = session::current().map(|s| s.access_token);
            post(&body, token.as_deref()).await
        }
        other => other,
    }
}

/// A valid access token, renewed when it is about to expire; `None` when signed out.
pub async fn access_token() -> Option<String> {
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

/// Renews the session with the refresh token (one renewal at a time, app-wide).
pub async fn refresh() -> Result<(), ApiError> {
    let lock = session::refresh_lock();
    let _guard = lock.lock().await;
    // Another caller may have renewed while this one waited.
    if let Some(s) = session::current()
        && s.expires_at_ms - session::now_ms() > 30_000.0
    {
        return Ok(());
    }
    let Some(token) = session::stored_refresh_token().or_else(|| session::current().map(|s| s.refresh_token)) else {
        return Err(ApiError {
            message: "Please sign in.".into(),
            code: "UNAUTHENTICATED".into(),
            field: None,
            fields: vec![],
        });
    };
    let body = gql::Refresh::build_query(gql::refresh::Variables { token });
    match post::<_, gql::refresh::ResponseData>(&body, None).await {
        Ok(d) => {
            let r = d.refresh_token;
            session::set(Some(Session {
                access_token: r.access_token,
                refresh_token: r.refresh_token,
                expires_at_ms: session::now_ms() + r.expires_in as f64 * 1000.0,
                email: r.user.email,
                role: role(&crate::ui::constant(&r.user.role)),
                contractor_id: r.user.contractor_id,
            }));
            Ok(())
        }
        Err(e) if e.code == "NETWORK" => Err(e),
        Err(e) => {
            session::set(None);
            Err(ApiError { message: "Your session ended. Please sign in again.".into(), ..e })
        }
    }
}

/// Signs in with email and password.
pub async fn login(email: String, password: String) -> Result<(), ApiError> {
    let d = call::<gql::Login>(gql::login::Variables { email, password }).await?;
    let l = d.login;
    session::set(Some(Session {
        access_token: l.access_token,
        refresh_token: l.refresh_token,
        expires_at_ms: session::now_ms() + l.expires_in as f64 * 1000.0,
        email: l.user.email,
        role: role(&crate::ui::constant(&l.user.role)),
        contractor_id: l.user.contractor_id,
    }));
    Ok(())
}

/// Signs out here at once; the server revokes the refresh token in the background.
pub fn logout() {
    if let Some(s) = session::current() {
        leptos::task::spawn_local(async move {
            let _ = call::<gql::Logout>(gql::logout::Variables { token: s.refresh_token }).await;
        });
    }
    session::set(None);
}

/// Uploads a photo or report to a job (GraphQL multipart request).
pub async fn upload_attachment(job_id: &str, file: web_sys::File) -> Result<(), ApiError> {
    let operations = serde_json::json!({
        "query": "mutation($jobId: ID!, $file: Upload!){ uploadAttachment(jobId: $jobId, file: $file){ id } }",
        "variables": { "jobId": job_id, "file": null }
    });
    let form = web_sys::FormData::new().map_err(|_| ApiError::network())?;
    let _ = form.append_with_str("operations", &operations.to_string());
    let _ = form.append_with_str("map", r#"{"0":["variables.file"]}"#);
    let _ = form.append_with_blob_and_filename("0", &file, &file.name());
    let token = access_token().await.unwrap_or_default();
    let resp = Request::post("/graphql")
        .header("Authorization", &format!("Bearer {token}"))
        .body(form)
        .map_err(|_| ApiError::network())?
        .send()
        .await
        .map_err(|_| ApiError::network())?;
    let parsed: Response<serde_json::Value> = resp.json().await.map_err(|_| ApiError::network())?;
    match parsed.errors.as_ref().and_then(|e| e.first()) {
        Some(e) => Err(from_graphql(e)),
        None => Ok(()),
    }
}
