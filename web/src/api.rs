//! The GraphQL calls the app makes.

use gloo_net::http::Request;
use serde_json::{Value, json};

/// A signed-in user.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub email: String,
    pub role: String,
}

async fn graphql(query: &str, variables: Value) -> Result<Value, String> {
    let resp = Request::post("/graphql")
        .json(&json!({ "query": query, "variables": variables }))
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|_| "Cannot reach the server. Check your connection and try again.".to_string())?;
    let body: Value = resp.json().await.map_err(|_| format!("The server answered {}.", resp.status()))?;
    if let Some(message) = body["errors"][0]["message"].as_str() {
        return Err(message.to_string());
    }
    Ok(body["data"].clone())
}

pub async fn login(email: &str, password: &str) -> Result<Session, String> {
    let data = graphql(
        "mutation Login($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken user { email role } } }",
        json!({ "e": email, "p": password }),
    )
    .await?;
    let l = &data["login"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    Ok(Session {
        access_token: text(&l["accessToken"]),
        refresh_token: text(&l["refreshToken"]),
        email: text(&l["user"]["email"]),
        role: text(&l["user"]["role"]),
    })
}

pub async fn logout(refresh_token: &str) -> Result<(), String> {
    graphql("mutation Logout($t: String!) { logout(refreshToken: $t) }", json!({ "t": refresh_token }))
        .await
        .map(|_| ())
}
