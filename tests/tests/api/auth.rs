use chrono::Utc;
use nrp_tests::*;
use serde_json::json;

const LOGIN: &str = "mutation($e:String!,$p:String!){ login(email:$e,password:$p){ ... on AuthPayload { accessToken refreshToken expiresIn user { id role } } } }";
const REFRESH: &str =
    "mutation($t:String!){ refreshToken(refreshToken:$t){ accessToken refreshToken expiresIn user { id role } } }";
const ME: &str = "{ me { id email role contractor { id status } } }";

on_both_databases!(a_user_logs_in_and_reads_itself_with_the_access_token, |app: TestApp| async move {
    let (contractor_id, email) = register_contractor(&app, "login").await;
    let data = app.ok(None, LOGIN, json!({"e": email.to_uppercase(), "p": CONTRACTOR_PASSWORD})).await;
    let login = &data["login"];
    assert_eq!(login["expiresIn"], 900);
    assert_eq!(login["user"]["role"], "CONTRACTOR");
    let token = login["accessToken"].as_str().unwrap();
    let me = app.ok(Some(token), ME, json!({})).await;
    assert_eq!(me["me"]["email"], email);
    assert_eq!(me["me"]["contractor"]["id"], contractor_id);
    assert_eq!(me["me"]["contractor"]["status"], "PENDING");
});

on_both_databases!(a_wrong_password_and_an_unknown_email_get_the_same_answer, |app: TestApp| async move {
    let (_, email) = register_contractor(&app, "wrongpw").await;
    let wrong = app.gql(None, LOGIN, json!({"e": email, "p": "not-the-password"})).await;
    let unknown = app.gql(None, LOGIN, json!({"e": "nobody@nowhere.example", "p": "not-the-password"})).await;
    assert_eq!(error_code(&wrong), "UNAUTHENTICATED");
    assert_eq!(wrong["errors"][0]["message"], unknown["errors"][0]["message"]);
    assert_eq!(error_code(&unknown), "UNAUTHENTICATED");
    let malformed = app.gql(None, LOGIN, json!({"e": "not an email", "p": "x"})).await;
    assert_eq!(error_code(&malformed), "BAD_USER_INPUT");
    assert_eq!(error_field(&malformed), "email");
});

on_both_databases_with!(
    a_refresh_token_rotates_and_its_reuse_revokes_the_whole_family,
    // No grace window: any second use is reuse (the window has its own test).
    TestOptions::default().env("REFRESH_REUSE_GRACE_SECS", "0"),
    |app: TestApp| async move {
        let (_, email) = register_contractor(&app, "refresh").await;
        let first = app.ok(None, LOGIN, json!({"e": email, "p": CONTRACTOR_PASSWORD})).await["login"].clone();
        let r1 = first["refreshToken"].as_str().unwrap().to_string();

        let second = app.ok(None, REFRESH, json!({"t": r1})).await["refreshToken"].clone();
        let r2 = second["refreshToken"].as_str().unwrap().to_string();
        assert_ne!(r1, r2);
        assert_eq!(second["user"]["role"], "CONTRACTOR");
        let me = app.ok(Some(second["accessToken"].as_str().unwrap()), ME, json!({})).await;
        assert_eq!(me["me"]["email"], email);

        // The old token again: reuse. It fails, and so does the new one from then on.
        let reused = app.gql(None, REFRESH, json!({"t": r1})).await;
        assert_eq!(error_code(&reused), "UNAUTHENTICATED");
        let after = app.gql(None, REFRESH, json!({"t": r2})).await;
        assert_eq!(error_code(&after), "UNAUTHENTICATED");

        // A fresh login still works.
        app.ok(None, LOGIN, json!({"e": email, "p": CONTRACTOR_PASSWORD})).await;
    }
);

on_both_databases!(logout_ends_the_session_and_a_garbage_refresh_token_is_refused, |app: TestApp| async move {
    let (_, email) = register_contractor(&app, "logout").await;
    let r = app.ok(None, LOGIN, json!({"e": email, "p": CONTRACTOR_PASSWORD})).await["login"]["refreshToken"].clone();
    let out = app.ok(None, "mutation($t:String!){ logout(refreshToken:$t) }", json!({"t": r})).await;
    assert_eq!(out["logout"], true);
    assert_eq!(error_code(&app.gql(None, REFRESH, json!({"t": r})).await), "UNAUTHENTICATED");
    assert_eq!(error_code(&app.gql(None, REFRESH, json!({"t": "garbage"})).await), "UNAUTHENTICATED");
});

on_both_databases!(bad_and_expired_access_tokens_are_unauthenticated_with_a_reason, |app: TestApp| async move {
    let none = app.gql(None, ME, json!({})).await;
    assert_eq!(error_code(&none), "UNAUTHENTICATED");
    let garbage = app.gql(Some("not-a-jwt"), ME, json!({})).await;
    assert_eq!(error_code(&garbage), "UNAUTHENTICATED");
    assert_eq!(garbage["errors"][0]["message"], "invalid access token");

    let now = Utc::now().timestamp();
    let claims = json!({"sub": uuid::Uuid::now_v7(), "email": "x@y.example", "role": "ADMIN", "iat": now - 3600, "exp": now - 600, "iss": "nrp-crm"});
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes()),
    )
    .unwrap();
    let body = app.gql(Some(&expired), ME, json!({})).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    assert_eq!(body["errors"][0]["message"], "access token expired");

    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": uuid::Uuid::now_v7(), "email": "x@y.example", "role": "ADMIN", "iat": now, "exp": now + 600, "iss": "nrp-crm"}),
        &jsonwebtoken::EncodingKey::from_secret(b"someone-elses-secret-someone-elses-secret"),
    )
    .unwrap();
    assert_eq!(
        error_code(&app.gql(Some(&forged), "{ contractors { totalCount } }", json!({})).await),
        "UNAUTHENTICATED"
    );
});

/// A login attempt from a given client address (the proxy's `X-Forwarded-For`).
async fn login_from(app: &TestApp, from: &str, email: &str, password: &str) -> serde_json::Value {
    app.http
        .post(format!("{}/graphql", app.base))
        .header("x-forwarded-for", from)
        .json(&json!({"query": LOGIN, "variables": {"e": email, "p": password}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_from_a_stranger_are_throttled_without_locking_the_owner_out() {
    let opts = TestOptions::default()
        .env("TRUST_FORWARDED_FOR", "true")
        .env("LOGIN_LIMIT_PER_ADDRESS_EMAIL", "3")
        .env("LOGIN_LIMIT_PER_IP", "6");
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let (_, email) = register_contractor(&app, "limit").await;
    let attacker = "203.0.113.9";
    for _ in 0..3 {
        assert_eq!(error_code(&login_from(&app, attacker, &email, "wrong-password").await), "UNAUTHENTICATED");
    }
    let limited = login_from(&app, attacker, &email, CONTRACTOR_PASSWORD).await;
    assert_eq!(error_code(&limited), "RATE_LIMITED", "the guesser is throttled, even with the right password");
    assert!(limited["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap() > 0);
    // The owner, from its own address, is not locked out.
    let owner = login_from(&app, "198.51.100.7", &email, CONTRACTOR_PASSWORD).await;
    assert!(owner.get("errors").is_none(), "{owner}");
    // The guesser's address runs out across emails too.
    for i in 0..2 {
        let body = login_from(&app, attacker, &format!("other{i}@x.example"), "wrong-password").await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
    }
    assert_eq!(error_code(&login_from(&app, attacker, "other9@x.example", "x").await), "RATE_LIMITED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_clients_are_counted_by_their_64() {
    let opts = TestOptions::default().env("TRUST_FORWARDED_FOR", "true").env("LOGIN_LIMIT_PER_IP", "3");
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    for i in 1..=3 {
        let body = login_from(&app, &format!("2001:db8:7:7::{i:x}"), "v6@x.example", "wrong-password").await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
    }
    let same_64 = login_from(&app, "2001:db8:7:7:ffff:1:2:3", "v6@x.example", "wrong-password").await;
    assert_eq!(error_code(&same_64), "RATE_LIMITED", "another address in the same /64");
    let other_64 = login_from(&app, "2001:db8:7:8::1", "v6@x.example", "wrong-password").await;
    assert_eq!(error_code(&other_64), "UNAUTHENTICATED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_attempts_are_limited_per_client_address() {
    let app = TestApp::spawn_with(Backend::Sqlite, TestOptions::default().env("LOGIN_LIMIT_PER_IP", "4")).await;
    for i in 0..4 {
        let body = app.gql(None, LOGIN, json!({"e": format!("user{i}@x.example"), "p": "wrong-password"})).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
    }
    let limited = app.gql(None, LOGIN, json!({"e": "user9@x.example", "p": "wrong-password"})).await;
    assert_eq!(error_code(&limited), "RATE_LIMITED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_limit_holds_across_two_instances_sharing_redis() {
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let opts = TestOptions::default().with_redis(&prefix).env("LOGIN_LIMIT_PER_ADDRESS_EMAIL", "4");
    let a = TestApp::spawn_with(Backend::Postgres, opts.clone()).await;
    let b = TestApp::spawn_on(a.db.clone(), opts).await;
    let (_, email) = register_contractor(&a, "redislimit").await;
    for app in [&a, &b, &a, &b] {
        assert_eq!(
            error_code(&app.gql(None, LOGIN, json!({"e": email, "p": "wrong-password"})).await),
            "UNAUTHENTICATED"
        );
    }
    // Each instance alone has seen only two attempts; together they have seen four.
    assert_eq!(error_code(&b.gql(None, LOGIN, json!({"e": email, "p": CONTRACTOR_PASSWORD})).await), "RATE_LIMITED");
    assert_eq!(error_code(&a.gql(None, LOGIN, json!({"e": email, "p": CONTRACTOR_PASSWORD})).await), "RATE_LIMITED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_issued_by_one_instance_works_on_the_other() {
    let a = TestApp::spawn(Backend::Postgres).await;
    let b = TestApp::spawn_on(a.db.clone(), TestOptions::default()).await;
    let (_, email) = register_contractor(&a, "twoinst").await;
    let token = a.login(&email, CONTRACTOR_PASSWORD).await;
    let me = b.ok(Some(&token), ME, json!({})).await;
    assert_eq!(me["me"]["email"], email);
}

/// The web apps' session endpoints keep the refresh token in an HttpOnly cookie.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_session_lives_in_an_http_only_cookie_scoped_to_auth() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, email) = register_contractor(&app, "cookie").await;
    let url = |p: &str| format!("{}/auth/{p}", app.base);
    let login = app
        .http
        .post(url("login"))
        .json(&json!({"email": email, "password": CONTRACTOR_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
    for part in ["nrp_refresh=", "HttpOnly", "SameSite=Strict", "Path=/auth", "Max-Age=604800"] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    let body: serde_json::Value = login.json().await.unwrap();
    let token = body["data"]["accessToken"].as_str().unwrap().to_string();
    assert!(body["data"].get("refreshToken").is_none(), "the refresh token is not in the body: {body}");
    assert_eq!(app.ok(Some(&token), ME, json!({})).await["me"]["email"], json!(email));
    let pair = cookie.split(';').next().unwrap().to_string();

    // Only JSON requests (a cross-site form cannot send one), and only with the cookie.
    let form = app.http.post(url("refresh")).header("cookie", &pair).body("x=1").send().await.unwrap();
    assert_eq!(form.status(), 400);
    let none = app.http.post(url("refresh")).json(&json!({})).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let renewed = app.http.post(url("refresh")).header("cookie", &pair).json(&json!({})).send().await.unwrap();
    assert_eq!(renewed.status(), 200);
    let rotated = renewed.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    assert_ne!(rotated, pair, "the cookie rotates");
    let wrong =
        app.http.post(url("login")).json(&json!({"email": email, "password": "nope-nope-nope"})).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let b: serde_json::Value = wrong.json().await.unwrap();
    assert_eq!(b["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    let out = app.http.post(url("logout")).header("cookie", &rotated).json(&json!({})).send().await.unwrap();
    assert_eq!(out.status(), 200);
    assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"), "the cookie is cleared");
    let after = app.http.post(url("refresh")).header("cookie", &rotated).json(&json!({})).send().await.unwrap();
    assert_eq!(after.status(), 401, "the session ended");
}
