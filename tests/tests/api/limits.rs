//! Limits for everyone: rate budgets on all GraphQL traffic (HTTP and WebSocket, per user, per
//! API key, per address, anonymous), sign-ups per address, query cost, aliases, operations per
//! socket, and the body allowance of uploads.

use std::time::Duration;

use nrp_tests::leads::*;
use nrp_tests::ws::{Frame, LEAD_UPDATES, Ws};
use nrp_tests::*;
use serde_json::{Value, json};

/// Options with the harness's generous budgets replaced by these.
fn budgets(pairs: &[(&str, &str)]) -> TestOptions {
    let mut o = TestOptions::default();
    for (k, v) in pairs {
        o = o.env(k, v);
    }
    o
}

async fn post(app: &TestApp, token: Option<&str>, body: Value) -> reqwest::Response {
    let mut req = app.http.post(format!("{}/graphql", app.base)).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_has_a_budget_an_admin_can_raise_and_its_headers_say_where_it_stands() {
    let app = TestApp::spawn_with(Backend::Sqlite, budgets(&[("RATE_LIMIT_KEY_PER_MIN", "5")])).await;
    let admin = app.admin_token().await;
    let (partner, key) = insurer_key(&app, &admin, "Busy Mutual").await;
    let q = json!({"query": "{ partner { id name } }"});
    for left in (0..5).rev() {
        let r = post(&app, Some(&key), q.clone()).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-ratelimit-limit"], "5");
        assert_eq!(r.headers()["x-ratelimit-remaining"], left.to_string().as_str());
        assert!(r.headers()["x-ratelimit-reset"].to_str().unwrap().parse::<u64>().unwrap() <= 60);
    }
    let r = post(&app, Some(&key), q.clone()).await;
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    let body: Value = r.json().await.unwrap();
    assert_eq!(error_code(&body), "RATE_LIMITED");
    assert!(body["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap() >= 1);
    assert!(body.get("data").is_none(), "refused before running: {body}");
    // A batch counts each operation.
    let (_, other_key) = insurer_key(&app, &admin, "Batch Mutual").await;
    let batch: Vec<Value> = (0..6).map(|_| q.clone()).collect();
    assert_eq!(post(&app, Some(&other_key), json!(batch)).await.status(), 429, "six operations, budget five");

    // An admin raises the first key's budget; it works again at once, with the new limit.
    let keys = app.ok(Some(&admin), "query($p:ID!){ partner(id:$p){ apiKeys { id } } }", json!({"p": partner})).await;
    let key_id = keys["partner"]["apiKeys"][0]["id"].clone();
    let set = "mutation($id:ID!,$n:Int){ setApiKeyRateLimit(id:$id, perMinute:$n){ rateLimitPerMinute } }";
    let bad = app.gql(Some(&admin), set, json!({"id": key_id, "n": 0})).await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT");
    assert_eq!(error_field(&bad), "perMinute");
    let own = post(&app, Some(&key), json!({"query": set, "variables": {"id": key_id, "n": 1000}})).await;
    assert_eq!(own.status(), 429, "the key itself is still out of budget");
    let raised = app.ok(Some(&admin), set, json!({"id": key_id, "n": 1000})).await;
    assert_eq!(raised["setApiKeyRateLimit"]["rateLimitPerMinute"], 1000);
    let r = post(&app, Some(&key), q).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-ratelimit-limit"], "1000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_traffic_and_each_address_have_budgets() {
    let opts = budgets(&[
        ("TRUST_FORWARDED_FOR", "true"),
        ("RATE_LIMIT_ANONYMOUS_PER_MIN", "3"),
        ("RATE_LIMIT_ADDRESS_PER_MIN", "6"),
    ]);
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let from = |ip: &'static str| {
        app.http
            .post(format!("{}/graphql", app.base))
            .header("x-forwarded-for", ip)
            .json(&json!({"query": "{ __typename }"}))
    };
    for _ in 0..3 {
        assert_eq!(from("203.0.113.20").send().await.unwrap().status(), 200);
    }
    assert_eq!(from("203.0.113.20").send().await.unwrap().status(), 429, "anonymous budget per address");
    assert_eq!(from("203.0.113.21").send().await.unwrap().status(), 200, "another address is not affected");
    // A signed-in user from an address still counts against the address's own budget.
    let admin = app.admin_token().await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let r = app
            .http
            .post(format!("{}/graphql", app.base))
            .header("x-forwarded-for", "198.51.100.30")
            .bearer_auth(&admin)
            .json(&json!({"query": "{ me { id } }"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, vec![200, 200, 200, 200, 200, 200, 429, 429], "the address's budget of six");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ups_are_limited_per_address() {
    let opts = budgets(&[("TRUST_FORWARDED_FOR", "true"), ("REGISTER_LIMIT_PER_ADDRESS", "2")]);
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let register = |ip: &'static str, tag: &str| {
        app.http
            .post(format!("{}/graphql", app.base))
            .header("x-forwarded-for", ip)
            .json(&json!({"query": REGISTER, "variables": {"input": registration(tag)}}))
            .send()
    };
    for tag in ["signup1", "signup2"] {
        let body: Value = register("203.0.113.40", tag).await.unwrap().json().await.unwrap();
        assert!(body.get("errors").is_none(), "{body}");
    }
    let body: Value = register("203.0.113.40", "signup3").await.unwrap().json().await.unwrap();
    assert_eq!(error_code(&body), "RATE_LIMITED");
    let body: Value = register("203.0.113.41", "signup4").await.unwrap().json().await.unwrap();
    assert!(body.get("errors").is_none(), "another address signs up: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_counts_against_the_same_budget_and_answers_a_spent_one_with_an_error() {
    let app = TestApp::spawn_with(Backend::Sqlite, budgets(&[("RATE_LIMIT_KEY_PER_MIN", "2")])).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Socket Budget Mutual").await;
    let mut ws = Ws::connect(&app, &key).await;
    ws.subscribe_raw("1", LEAD_UPDATES).await;
    ws.subscribe_raw("2", LEAD_UPDATES).await;
    ws.subscribe_raw("3", LEAD_UPDATES).await;
    match ws.next(Duration::from_secs(5)).await {
        Frame::Json(f) => {
            assert_eq!(f["type"], "error", "{f}");
            assert_eq!(f["id"], "3");
            assert_eq!(f["payload"][0]["extensions"]["code"], "RATE_LIMITED");
        }
        other => panic!("expected an error message, got {other:?}"),
    }
    // The socket stays open, and HTTP shares the spent budget.
    assert_eq!(post(&app, Some(&key), json!({"query": "{ partner { id } }"})).await.status(), 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_runs_a_bounded_number_of_operations_at_once() {
    let app = TestApp::spawn_with(Backend::Sqlite, budgets(&[("WS_MAX_SUBSCRIPTIONS", "2")])).await;
    let admin = app.admin_token().await;
    let mut ws = Ws::connect(&app, &admin).await;
    ws.subscribe("a", LEAD_UPDATES).await;
    ws.subscribe("b", LEAD_UPDATES).await;
    ws.subscribe("c", LEAD_UPDATES).await;
    let Frame::Json(f) = ws.next(Duration::from_secs(5)).await else { panic!("socket closed") };
    assert_eq!((f["type"].as_str(), f["id"].as_str()), (Some("error"), Some("c")), "{f}");
    assert_eq!(f["payload"][0]["extensions"]["code"], "BAD_USER_INPUT");
    // Completing one frees a place.
    ws.send(json!({"id": "a", "type": "complete"})).await;
    ws.subscribe("d", LEAD_UPDATES).await;
    let (_, key) = insurer_key(&app, &admin, "Place Mutual").await;
    let (lead, _) = create_lead(&app, &key, lead_input()).await;
    let mut got = Vec::new();
    while got.len() < 2 {
        let Frame::Json(f) = ws.next(Duration::from_secs(5)).await else { panic!("socket closed") };
        if f["type"] == "complete" && f["id"] == "a" {
            continue; // the server confirms the completed one
        }
        assert_eq!(f["type"], "next", "{f}");
        assert_eq!(f["payload"]["data"]["leadUpdates"]["leadId"], json!(lead));
        got.push(f["id"].as_str().unwrap().to_string());
    }
    got.sort();
    assert_eq!(got, vec!["b", "d"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_frames_close_the_socket_and_pings_do_not_extend_the_init_deadline() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let app = TestApp::spawn_with(Backend::Sqlite, budgets(&[("WS_INIT_TIMEOUT_SECS", "1")])).await;
    let admin = app.admin_token().await;
    let mut ws = Ws::connect(&app, &admin).await;
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "{ me { id } }"}}).to_string();
    ws.socket.send(Message::Binary(sub.into_bytes().into())).await.unwrap();
    assert_eq!(ws.next(Duration::from_secs(5)).await, Frame::Closed(Some(4400)));

    let mut idle = Ws::open(&app).await;
    let started = std::time::Instant::now();
    let pinger = tokio::spawn(async move {
        loop {
            if idle.socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                return idle;
            }
            if let Ok(Frame::Closed(code)) =
                tokio::time::timeout(Duration::from_millis(200), idle.next(Duration::from_secs(5))).await
            {
                assert_eq!(code, Some(4408));
                return idle;
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(5), pinger).await.expect("closed by the deadline").unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "pings did not keep it open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_cost_counts_page_sizes_and_aliases_are_capped() {
    let opts = budgets(&[("GRAPHQL_MAX_COMPLEXITY", "2000"), ("GRAPHQL_MAX_ALIASES", "5")]);
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let admin = app.admin_token().await;
    let fields = "id companyName abn email phone status maxActiveJobs activeJobs createdAt";
    let cheap = format!("{{ contractors(first: 10) {{ edges {{ node {{ {fields} }} }} }} }}");
    app.ok(Some(&admin), &cheap, json!({})).await;
    // A hundred rows of the same fields, each with their certifications: over the limit.
    let costly = format!(
        "{{ contractors(first: 100) {{ edges {{ node {{ {fields} certifications {{ id kind number }} }} }} }} }}"
    );
    let body = app.gql(Some(&admin), &costly, json!({})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().to_lowercase().contains("complex"), "{body}");
    let aliases: String = (0..6).map(|i| format!("a{i}: me {{ id }} ")).collect();
    let body = app.gql(Some(&admin), &format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("aliases"), "{body}");
    let five: String = (0..5).map(|i| format!("a{i}: me {{ id }} ")).collect();
    app.ok(Some(&admin), &format!("{{ {five} }}"), json!({})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_authenticated_upload_gets_the_larger_body_allowance() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let big = vec![b'x'; 2 * 1024 * 1024];
    let form = || {
        reqwest::multipart::Form::new()
            .text("operations", r#"{"query":"mutation($f: Upload!){ uploadAttachment(jobId: \"x\", file: $f){ id } }","variables":{"f":null}}"#)
            .text("map", r#"{"0":["variables.f"]}"#)
            .part("0", reqwest::multipart::Part::bytes(big.clone()).file_name("photo.jpg"))
    };
    let stranger = app.http.post(format!("{}/graphql", app.base)).multipart(form()).send().await.unwrap();
    assert_eq!(stranger.status(), 413, "2 MB from a stranger is over the ordinary limit");
    let admin = app.admin_token().await;
    let signed_in =
        app.http.post(format!("{}/graphql", app.base)).bearer_auth(&admin).multipart(form()).send().await.unwrap();
    assert_ne!(signed_in.status(), 413, "signed in, the upload allowance applies");
}
