//! The second factor: TOTP enrolled by QR code or key, confirmed with a first code, backed by
//! single-use recovery codes; a sign-in with the right password gets a challenge that a code
//! completes. Every code here comes from Debian's `oathtool`, an independent RFC 6238
//! implementation, not from the crate the server verifies with.

use nrp_tests::leads::*;
use nrp_tests::*;
use serde_json::{Value, json};

const LOGIN: &str = "mutation($e:String!,$p:String!){ login(email:$e,password:$p){ __typename \
    ... on AuthPayload { accessToken refreshToken } ... on SecondFactorChallenge { challenge expiresIn } } }";
const VERIFY: &str =
    "mutation($c:String!,$k:String!){ verifySecondFactor(challenge:$c, code:$k){ accessToken refreshToken } }";
const ENROL: &str = "mutation{ enrolSecondFactor { secret uri qrSvg } }";
const CONFIRM: &str = "mutation($k:String!){ confirmSecondFactor(code:$k) }";
const STATUS: &str = "{ secondFactor { on recoveryCodesLeft required } }";
const TURN_OFF: &str = "mutation($k:String!){ turnOffSecondFactor(code:$k) }";
const RESET: &str = "mutation($u:ID!,$r:String){ resetSecondFactor(userId:$u, reason:$r) }";
const REFRESH: &str = "mutation($t:String!){ refreshToken(refreshToken:$t){ accessToken refreshToken } }";
const ME: &str = "{ me { id } }";

async fn login(app: &TestApp, email: &str, password: &str) -> Value {
    app.ok(None, LOGIN, json!({"e": email, "p": password})).await["login"].clone()
}

/// Sets up and confirms a second factor for the token's login; returns (key, recovery codes).
async fn enrol(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let e = app.ok(Some(token), ENROL, json!({})).await["enrolSecondFactor"].clone();
    let secret = e["secret"].as_str().expect("a key").to_string();
    let codes = app.ok(Some(token), CONFIRM, json!({"k": oath(&secret, 0)})).await["confirmSecondFactor"].clone();
    let codes = codes.as_array().expect("codes").iter().map(|c| c.as_str().unwrap_or_default().to_string()).collect();
    (secret, codes)
}

on_both_databases!(a_sign_in_with_a_second_factor_takes_one_fresh_code_per_challenge, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let c = contractor(&app, &admin, "totp", json!({}), false).await;
    assert_eq!(
        app.ok(Some(&c.token), STATUS, json!({})).await["secondFactor"],
        json!({"on": false, "recoveryCodesLeft": 0, "required": false})
    );

    // Enrolment: a key to type, the same key in the QR code's address, and nothing in force yet.
    let e = app.ok(Some(&c.token), ENROL, json!({})).await["enrolSecondFactor"].clone();
    let secret = e["secret"].as_str().unwrap().to_string();
    let uri = e["uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/NRP:") && uri.contains(&format!("secret={secret}")), "{uri}");
    // SHA-1, six digits and 30 s are what authenticator apps take when the address names none.
    assert!(uri.contains("issuer=NRP") && !uri.contains("algorithm=") && !uri.contains("digits="), "{uri}");
    assert!(e["qrSvg"].as_str().unwrap().contains("<svg"), "an SVG QR code");
    assert_eq!(login(&app, &c.email, CONTRACTOR_PASSWORD).await["__typename"], "AuthPayload", "not on until confirmed");
    let wrong = app.gql(Some(&c.token), CONFIRM, json!({"k": "000000"})).await;
    assert_eq!((error_code(&wrong), error_field(&wrong)), ("BAD_USER_INPUT", "code"));
    let first = oath(&secret, 0);
    let codes = app.ok(Some(&c.token), CONFIRM, json!({"k": first})).await["confirmSecondFactor"].clone();
    let codes: Vec<String> = codes.as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(codes.iter().collect::<std::collections::BTreeSet<_>>().len(), 10, "all different");
    assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'), "{codes:?}");
    assert_eq!(app.ok(Some(&c.token), STATUS, json!({})).await["secondFactor"]["recoveryCodesLeft"], 10);
    assert_eq!(error_code(&app.gql(Some(&c.token), ENROL, json!({})).await), "CONFLICT", "one at a time");

    // The password alone now gets a challenge; the code used to confirm cannot be replayed.
    let ch = login(&app, &c.email, CONTRACTOR_PASSWORD).await;
    assert_eq!(ch["__typename"], "SecondFactorChallenge");
    assert_eq!(ch["expiresIn"], 300);
    let challenge = ch["challenge"].as_str().unwrap().to_string();
    let replay = app.gql(None, VERIFY, json!({"c": challenge, "k": first})).await;
    assert_eq!(error_code(&replay), "BAD_USER_INPUT");
    assert!(replay["errors"][0]["message"].as_str().unwrap().contains("used already"), "{replay}");
    let next = oath(&secret, 1);
    let session = app.ok(None, VERIFY, json!({"c": challenge, "k": next})).await["verifySecondFactor"].clone();
    app.ok(Some(session["accessToken"].as_str().unwrap()), ME, json!({})).await;
    let again = app.gql(None, VERIFY, json!({"c": challenge, "k": oath(&secret, 1)})).await;
    assert_eq!(error_code(&again), "UNAUTHENTICATED", "a challenge is spent by its sign-in");
    assert_eq!(error_code(&app.gql(None, VERIFY, json!({"c": "made-up", "k": next})).await), "UNAUTHENTICATED");

    // Five wrong codes end a challenge, even before a right one.
    let ch = login(&app, &c.email, CONTRACTOR_PASSWORD).await["challenge"].as_str().unwrap().to_string();
    for n in 1..=5 {
        let body = app.gql(None, VERIFY, json!({"c": ch, "k": "123456"})).await;
        assert_eq!(error_field(&body), "code");
        let said = body["errors"][0]["message"].as_str().unwrap().to_string();
        assert!(
            if n < 5 { said.contains(&format!("{} tries left", 5 - n)) } else { said.contains("sign in again") },
            "{said}"
        );
    }
    assert_eq!(error_code(&app.gql(None, VERIFY, json!({"c": ch, "k": oath(&secret, 0)})).await), "UNAUTHENTICATED");

    // A recovery code signs in once, in any case and with or without its dash.
    let ch = login(&app, &c.email, CONTRACTOR_PASSWORD).await["challenge"].as_str().unwrap().to_string();
    let typed = codes[0].to_uppercase().replace('-', " ");
    app.ok(None, VERIFY, json!({"c": ch, "k": typed})).await;
    let ch = login(&app, &c.email, CONTRACTOR_PASSWORD).await["challenge"].as_str().unwrap().to_string();
    let used = app.gql(None, VERIFY, json!({"c": ch, "k": codes[0]})).await;
    assert_eq!(error_field(&used), "code");
    assert_eq!(app.ok(Some(&c.token), STATUS, json!({})).await["secondFactor"]["recoveryCodesLeft"], 9);

    // Off, with proof; then the password alone signs in again.
    let body = app.gql(Some(&c.token), TURN_OFF, json!({"k": "999999"})).await;
    assert_eq!(error_field(&body), "code");
    app.ok(Some(&c.token), TURN_OFF, json!({"k": codes[1]})).await;
    assert_eq!(login(&app, &c.email, CONTRACTOR_PASSWORD).await["__typename"], "AuthPayload");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_sign_in_asks_for_the_code_before_it_sets_the_session_cookie() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let admin = app.admin_token().await;
    let c = contractor(&app, &admin, "cookie2fa", json!({}), false).await;
    let (secret, _) = enrol(&app, &c.token).await;
    let post = |path: &str, body: Value| app.http.post(format!("{}{path}", app.base)).json(&body).send();
    let r = post("/auth/login", json!({"email": c.email, "password": CONTRACTOR_PASSWORD})).await.unwrap();
    assert!(r.headers().get("set-cookie").is_none(), "no session before the code");
    let body: Value = r.json().await.unwrap();
    let challenge = body["data"]["secondFactor"]["challenge"].as_str().expect("a challenge").to_string();
    let r = post("/auth/second-factor", json!({"challenge": challenge, "code": "000000"})).await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("set-cookie").is_none());
    let r = post("/auth/second-factor", json!({"challenge": challenge, "code": oath(&secret, 1)})).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["set-cookie"].to_str().unwrap().starts_with("nrp_refresh="));
    let body: Value = r.json().await.unwrap();
    app.ok(Some(body["data"]["accessToken"].as_str().unwrap()), ME, json!({})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_attempts_are_limited_per_login_across_challenges() {
    let opts = TestOptions::default().env("LOGIN_LIMIT_PER_ADDRESS_EMAIL", "4");
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let admin = app.admin_token().await;
    let c = contractor(&app, &admin, "limit2fa", json!({}), false).await;
    let (secret, _) = enrol(&app, &c.token).await;
    let mut codes = vec![];
    for _ in 0..3 {
        let ch = login(&app, &c.email, CONTRACTOR_PASSWORD).await["challenge"].as_str().unwrap().to_string();
        codes.push(error_code(&app.gql(None, VERIFY, json!({"c": ch, "k": "111111"})).await).to_string());
    }
    let ch = login(&app, &c.email, CONTRACTOR_PASSWORD).await["challenge"].as_str().unwrap().to_string();
    codes.push(error_code(&app.gql(None, VERIFY, json!({"c": ch, "k": oath(&secret, 1)})).await).to_string());
    // The confirmation counted too: four attempts in the window, the fifth is refused.
    assert_eq!(codes, vec!["BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "RATE_LIMITED"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_must_enrol_before_acting_and_another_admin_resets_a_lost_one() {
    let opts = TestOptions::default().env("ADMIN_SECOND_FACTOR", "required");
    let app = TestApp::spawn_with(Backend::Postgres, opts).await;
    let email = format!("admin-2fa-{}@nrp.example", uuid::Uuid::new_v4().simple());
    create_admin(&app.ctx, &email, ADMIN_PASSWORD).await;
    let first = login(&app, &email, ADMIN_PASSWORD).await;
    let token = first["accessToken"].as_str().unwrap().to_string();
    let refused = app.gql(Some(&token), "{ contractors { totalCount } }", json!({})).await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("second factor"), "{refused}");
    app.ok(Some(&token), ME, json!({})).await;
    assert_eq!(app.ok(Some(&token), STATUS, json!({})).await["secondFactor"]["required"], true);

    // Enrolled in this session: a refreshed token acts as an admin.
    let (secret, codes) = enrol(&app, &token).await;
    let fresh = app.ok(None, REFRESH, json!({"t": first["refreshToken"]})).await["refreshToken"]["accessToken"].clone();
    let fresh = fresh.as_str().unwrap().to_string();
    app.ok(Some(&fresh), "{ contractors { totalCount } }", json!({})).await;
    assert_eq!(error_code(&app.gql(Some(&fresh), TURN_OFF, json!({"k": codes[0]})).await), "CONFLICT", "required");
    let ch = login(&app, &email, ADMIN_PASSWORD).await["challenge"].as_str().unwrap().to_string();
    let signed = app.ok(None, VERIFY, json!({"c": ch, "k": oath(&secret, 1)})).await["verifySecondFactor"].clone();
    app.ok(Some(signed["accessToken"].as_str().unwrap()), "{ contractors { totalCount } }", json!({})).await;

    // A second admin resets the first's factor: its sessions end, and it must enrol again.
    let other = format!("admin-2fa-b-{}@nrp.example", uuid::Uuid::new_v4().simple());
    create_admin(&app.ctx, &other, ADMIN_PASSWORD).await;
    let b = login(&app, &other, ADMIN_PASSWORD).await["accessToken"].as_str().unwrap().to_string();
    let (b_secret, _) = enrol(&app, &b).await;
    let b_refresh = login(&app, &other, ADMIN_PASSWORD).await;
    assert_eq!(b_refresh["__typename"], "SecondFactorChallenge");
    let me = app.user_id(&fresh).await;
    assert_eq!(
        error_code(&app.gql(Some(&b), RESET, json!({"u": me})).await),
        "FORBIDDEN",
        "b's token predates its factor"
    );
    let ch = b_refresh["challenge"].as_str().unwrap().to_string();
    let b2 = app.ok(None, VERIFY, json!({"c": ch, "k": oath(&b_secret, 1)})).await["verifySecondFactor"]["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let c = contractor(&app, &b2, "nosy", json!({}), false).await;
    assert_eq!(error_code(&app.gql(Some(&c.token), RESET, json!({"u": me})).await), "FORBIDDEN");
    let own = app.gql(Some(&b2), RESET, json!({"u": app.user_id(&b2).await})).await;
    assert_eq!(error_field(&own), "userId");
    assert_eq!(app.ok(Some(&b2), RESET, json!({"u": me, "r": "lost phone"})).await["resetSecondFactor"], true);
    assert_eq!(error_code(&app.gql(Some(&fresh), ME, json!({})).await), "UNAUTHENTICATED", "its sessions ended");
    let after = login(&app, &email, ADMIN_PASSWORD).await;
    assert_eq!(after["__typename"], "AuthPayload");
    let again =
        app.gql(Some(after["accessToken"].as_str().unwrap()), "{ contractors { totalCount } }", json!({})).await;
    assert_eq!(error_code(&again), "FORBIDDEN", "must enrol again");
    let audit = app.ok(Some(&b2), "{ auditLog(first: 100) { edges { node { action } } } }", json!({})).await;
    assert!(audit.to_string().contains("auth.second_factor_reset"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_factor_steps_out_of_order_or_by_the_wrong_caller_are_refused_with_a_code() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Factorless Mutual").await;
    let c = contractor(&app, &admin, "ordering", json!({}), false).await;
    assert_eq!(error_code(&app.gql(None, ENROL, json!({})).await), "UNAUTHENTICATED");
    assert_eq!(error_code(&app.gql(Some(&key), ENROL, json!({})).await), "FORBIDDEN", "an API key has no factor");
    assert_eq!(error_code(&app.gql(Some(&key), STATUS, json!({})).await), "FORBIDDEN");
    // Nothing set up yet: nothing to confirm, replace or turn off.
    let replace = "mutation($k:String!){ replaceRecoveryCodes(code:$k) }";
    for q in [CONFIRM, TURN_OFF, replace] {
        assert_eq!(error_code(&app.gql(Some(&c.token), q, json!({"k": "123456"})).await), "CONFLICT", "{q}");
    }
    let user = app.user_id(&c.token).await;
    assert_eq!(error_code(&app.gql(Some(&admin), RESET, json!({"u": user})).await), "CONFLICT", "no factor to reset");
    assert_eq!(error_field(&app.gql(Some(&admin), RESET, json!({"u": "nope"})).await), "userId");
    let unknown = app.gql(Some(&admin), RESET, json!({"u": uuid::Uuid::now_v7()})).await;
    assert_eq!(error_code(&unknown), "NOT_FOUND");
    assert_eq!(error_code(&app.gql(None, VERIFY, json!({"c": "", "k": "123456"})).await), "UNAUTHENTICATED");
    // A code that is neither six digits nor a recovery code is said to be so, on `code`.
    let (secret, _) = enrol(&app, &c.token).await;
    let ch = login(&app, &c.email, CONTRACTOR_PASSWORD).await["challenge"].as_str().unwrap().to_string();
    let odd = app.gql(None, VERIFY, json!({"c": ch, "k": "12-34"})).await;
    assert_eq!(error_field(&odd), "code");
    app.ok(None, VERIFY, json!({"c": ch, "k": oath(&secret, 1)})).await;
}
