//! Outbound requests only where they belong: a partner cannot point NRP's webhooks at NRP's own
//! network, not when setting the URL, not through DNS later, not through a redirect.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode, header};
use nrp_tests::leads::*;
use nrp_tests::receiver::{BlackHole, Receiver};
use nrp_tests::*;
use serde_json::{Value, json};

const SET_HOOK: &str = "mutation($u:String){ setPartnerWebhook(url:$u){ secret partner { webhookUrl } } }";
const DELIVERIES: &str = "{ webhookDeliveries { edges { node { status attempts lastStatusCode lastError } } } }";

fn production() -> TestOptions {
    // (Production requires admins' second factor; these tests are about outbound addresses.)
    TestOptions::default()
        .env("NRP_ENV", "production")
        .env("ADMIN_SECOND_FACTOR", "optional")
        .env("EXPIRY_SWEEP_MILLIS", "50")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_urls_to_internal_addresses_are_refused_when_set() {
    let app = TestApp::spawn_with(Backend::Sqlite, production()).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Probing Mutual").await;
    for url in [
        "https://127.0.0.1/hook",
        "https://127.9.9.9:8443/hook",
        "https://10.0.0.5/hook",
        "https://172.20.1.1/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.100.100.200/",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
        "https://2130706433/hook",
        "https://localhost/hook",
        "https://localhost./hook",
        "https://vm/hook",
        "http://hooks.insurer.example/nrp",
        "https://user:pw@hooks.insurer.example/nrp",
        "ftp://hooks.insurer.example/nrp",
    ] {
        let body = app.gql(Some(&key), SET_HOOK, json!({"u": url})).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{url}: {body}");
        assert_eq!(error_field(&body), "url", "{url}");
    }
    let created = app
        .gql(
            Some(&admin),
            "mutation { createPartner(input:{name:\"Meta Mutual\", kind:INSURER, webhookUrl:\"https://169.254.169.254/\"}){ id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&created), "BAD_USER_INPUT");
    assert_eq!(error_field(&created), "input.webhookUrl");
    let audit = app.ok(Some(&admin), "{ auditLog(first: 50) { edges { node { action } } } }", json!({})).await;
    let actions = audit.to_string();
    assert!(!actions.contains("partner.webhook_set"), "nothing was written");
}

/// Waits until the partner's first delivery has at least one attempt; returns it.
async fn first_attempt(app: &TestApp, key: &str) -> Value {
    for _ in 0..300 {
        let log = app.ok(Some(key), DELIVERIES, json!({})).await;
        let edges = log["webhookDeliveries"]["edges"].as_array().unwrap().clone();
        if let Some(e) = edges.iter().find(|e| e["node"]["attempts"].as_i64().unwrap_or(0) > 0) {
            return e["node"].clone();
        }
        // The delivery log has no push channel; poll it.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no delivery attempt was recorded");
}

/// Points the partner's stored webhook at `url` directly, as if its host had been re-pointed after
/// the URL was checked (DNS rebinding), bypassing the check on set.
async fn store_url(app: &TestApp, partner: &str, url: &str) {
    use entities::partner;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    partner::Entity::update_many()
        .col_expr(partner::Column::WebhookUrl, Some(url.to_string()).into())
        .col_expr(partner::Column::WebhookSecret, Some("whsec_x".to_string()).into())
        .filter(partner::Column::Id.eq(uuid::Uuid::parse_str(partner).unwrap()))
        .exec(&app.ctx.db)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_send_time_a_host_that_resolves_inside_is_never_contacted() {
    let app = TestApp::spawn_with(Backend::Sqlite, production()).await;
    let admin = app.admin_token().await;
    let (partner, key) = insurer_key(&app, &admin, "Rebinding Mutual").await;
    let inside = BlackHole::start().await;
    // A name that now resolves to loopback, then a literal loopback address.
    store_url(&app, &partner, &format!("https://localhost:{}/hook", inside.port())).await;
    create_lead(&app, &key, lead_input()).await;
    let attempt = first_attempt(&app, &key).await;
    assert_eq!(attempt["status"], "PENDING", "{attempt}");
    assert!(attempt["lastStatusCode"].is_null());
    assert!(attempt["lastError"].as_str().unwrap().contains("does not resolve to a public address"), "{attempt}");
    assert_eq!(inside.connections.load(Ordering::SeqCst), 0, "no connection was ever opened");

    let app = TestApp::spawn_with(Backend::Sqlite, production()).await;
    let admin = app.admin_token().await;
    let (partner, key) = insurer_key(&app, &admin, "Literal Mutual").await;
    store_url(&app, &partner, &format!("https://127.0.0.1:{}/hook", inside.port())).await;
    create_lead(&app, &key, lead_input()).await;
    let attempt = first_attempt(&app, &key).await;
    assert!(attempt["lastError"].as_str().unwrap().contains("public address"), "{attempt}");
    assert_eq!(inside.connections.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_from_the_receiver_is_not_followed() {
    let app = TestApp::spawn_with(Backend::Sqlite, TestOptions::default().env("EXPIRY_SWEEP_MILLIS", "50")).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Redirect Mutual").await;
    let target = Receiver::default();
    let target_url = target.start().await;
    let redirector = {
        let to = target_url.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move || {
                let to = to.clone();
                async move {
                    let mut h = HeaderMap::new();
                    h.insert(header::LOCATION, to.parse().unwrap());
                    (StatusCode::TEMPORARY_REDIRECT, h)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/hook")
    };
    app.ok(Some(&key), SET_HOOK, json!({"u": redirector})).await;
    create_lead(&app, &key, lead_input()).await;
    let attempt = first_attempt(&app, &key).await;
    assert_eq!(attempt["lastStatusCode"], 307);
    assert!(attempt["lastError"].as_str().unwrap().contains("redirects are not followed"), "{attempt}");
    assert_eq!(attempt["status"], "PENDING", "retried later, like any failure");
    assert!(target.got.lock().await.is_empty(), "the redirect's target was never called");
}
