//! Accounts people run themselves: a forgotten password reset by a single-use emailed link, a
//! changed password, an email proven by a link before NRP verifies the company, a sign-up and a
//! reset request that tell a stranger nothing about who is registered, and sessions seen and
//! ended (their tokens and sockets with them, on every instance). Email goes through a real SMTP
//! server.

use std::time::{Duration, Instant};

use nrp_tests::leads::*;
use nrp_tests::notify::*;
use nrp_tests::ws::{Frame, LEAD_OFFERS, Ws};
use nrp_tests::*;
use serde_json::{Value, json};

const ME: &str = "{ me { id email emailVerified } }";
const LOGIN: &str =
    "mutation($e:String!,$p:String!){ login(email:$e,password:$p){ ... on AuthPayload { accessToken refreshToken } } }";
const REFRESH: &str = "mutation($t:String!){ refreshToken(refreshToken:$t){ accessToken refreshToken } }";
const FORGOT: &str = "mutation($e:String!){ requestPasswordReset(email:$e) }";
const RESET: &str = "mutation($t:String!,$p:String!){ resetPassword(token:$t, password:$p) }";
const CHANGE: &str = "mutation($c:String!,$n:String!){ changePassword(currentPassword:$c, newPassword:$n) }";
const VERIFY_EMAIL: &str = "mutation($t:String!){ verifyEmail(token:$t) }";
const SESSIONS: &str = "{ mySessions { id userAgent ipAddress createdAt lastUsedAt current } }";
const END: &str = "mutation($id:ID!){ endSession(id:$id) }";
const END_OTHERS: &str = "mutation{ endOtherSessions }";
const NEW_PASSWORD: &str = "a brand new passphrase";

/// The next email with this subject (others, such as the sign-up's confirmation, are skipped).
async fn mail_titled(smtp: &mut SmtpSink, subject: &str) -> Mail {
    loop {
        let m = smtp.next_any().await;
        if m.parsed().subject() == Some(subject) {
            return m;
        }
    }
}

/// Waits for the socket to close and returns its close code.
async fn closed(ws: &mut Ws) -> Option<u16> {
    loop {
        match ws.next(Duration::from_secs(10)).await {
            Frame::Closed(code) => return code,
            Frame::Json(_) => continue,
        }
    }
}

/// Signs in once more (a new session), as the given browser.
async fn sign_in_as(app: &TestApp, email: &str, password: &str, agent: &str) -> Value {
    let body: Value = app
        .http
        .post(format!("{}/graphql", app.base))
        .header("user-agent", agent)
        .json(&json!({"query": LOGIN, "variables": {"e": email, "p": password}}))
        .send()
        .await
        .expect("login sent")
        .json()
        .await
        .expect("login JSON");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["login"].clone()
}

fn token(session: &Value) -> String {
    session["accessToken"].as_str().expect("access token").to_string()
}

async fn audit_actions(app: &TestApp, admin: &str) -> Vec<String> {
    let audit = app.ok(Some(admin), "{ auditLog(first: 100) { edges { node { action } } } }", json!({})).await;
    audit["auditLog"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_once_by_the_newest_link_and_every_session_ends_everywhere() {
    let mut smtp = SmtpSink::start(0).await;
    let opts = mail_options(&smtp).with_redis(&format!("reset-{}", uuid::Uuid::new_v4().simple()));
    let a = TestApp::spawn_with(Backend::Postgres, opts.clone()).await;
    let b = TestApp::spawn_on(a.db.clone(), opts).await;
    seed_postcodes(&a).await;
    let admin = a.admin_token().await;
    let c = contractor(&a, &admin, "forgot", json!({"basePostcode": "2150"}), true).await;
    let phone = sign_in_as(&a, &c.email, CONTRACTOR_PASSWORD, "Phone").await;
    let mut on_a = Ws::connect(&a, &c.token).await;
    on_a.subscribe("1", LEAD_OFFERS).await;
    let mut on_b = Ws::connect(&b, &token(&phone)).await;
    on_b.subscribe("1", LEAD_OFFERS).await;

    // Two requests: only the newer link works.
    assert_eq!(a.ok(None, FORGOT, json!({"e": c.email})).await["requestPasswordReset"], true);
    let first = link_token(&mail_titled(&mut smtp, "Reset your NRP password").await, "reset-password");
    a.ok(None, FORGOT, json!({"e": c.email.to_uppercase()})).await;
    let mail = mail_titled(&mut smtp, "Reset your NRP password").await;
    assert_eq!(mail.to, vec![c.email.clone()]);
    let second = link_token(&mail, "reset-password");
    assert_ne!(first, second);
    let old = a.gql(None, RESET, json!({"t": first, "p": NEW_PASSWORD})).await;
    assert_eq!(error_code(&old), "BAD_USER_INPUT");
    assert_eq!(error_field(&old), "token");
    assert!(old["errors"][0]["message"].as_str().unwrap().contains("newer"), "{old}");

    // Bad inputs change nothing: a weak password keeps the link usable.
    let weak = a.gql(None, RESET, json!({"t": second, "p": "short"})).await;
    assert_eq!((error_code(&weak), error_field(&weak)), ("BAD_USER_INPUT", "password"));
    for bad in ["", "not-a-token", &"x".repeat(500)] {
        let body = a.gql(None, RESET, json!({"t": bad, "p": NEW_PASSWORD})).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "token"), "{bad}");
    }
    a.login(&c.email, CONTRACTOR_PASSWORD).await;

    // The reset: every session ends, on both instances, at once.
    assert_eq!(b.ok(None, RESET, json!({"t": second, "p": NEW_PASSWORD})).await["resetPassword"], true);
    assert_eq!(closed(&mut on_a).await, Some(4403), "the socket on the other instance closes");
    assert_eq!(closed(&mut on_b).await, Some(4403));
    let me = a.gql(Some(&c.token), ME, json!({})).await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED", "an access token of an ended session stops at once: {me}");
    assert_eq!(error_code(&a.gql(None, REFRESH, json!({"t": phone["refreshToken"]})).await), "UNAUTHENTICATED");
    assert_eq!(
        error_code(&a.gql(None, LOGIN, json!({"e": c.email, "p": CONTRACTOR_PASSWORD})).await),
        "UNAUTHENTICATED"
    );
    let fresh = a.login(&c.email, NEW_PASSWORD).await;
    assert_eq!(a.ok(Some(&fresh), ME, json!({})).await["me"]["emailVerified"], true, "the link proved the address");
    let again = a.gql(None, RESET, json!({"t": second, "p": "yet another passphrase"})).await;
    assert_eq!(error_code(&again), "BAD_USER_INPUT", "a link works once");
    assert!(again["errors"][0]["message"].as_str().unwrap().contains("used"), "{again}");

    // The owner hears of it; the log keeps no link.
    let told = mail_titled(&mut smtp, "Your NRP password was changed").await;
    assert!(told.parsed().body_text(0).unwrap().contains("reset"), "says how");
    let log = notification_log(&a, &admin, json!({"template": "account.reset"})).await;
    assert_eq!(log.len(), 2);
    for n in &log {
        assert!(!n.to_string().contains(&second) && !n.to_string().contains(&first), "no link kept: {n}");
    }
    let actions = audit_actions(&a, &admin).await;
    assert!(actions.iter().filter(|a| *a == "auth.password_reset_requested").count() == 2, "{actions:?}");
    assert!(actions.contains(&"auth.password_reset".to_string()), "{actions:?}");
}

async fn an_expired_reset_link_is_refused_and_sets_nothing(backend: Backend) {
    let mut smtp = SmtpSink::start(0).await;
    let app = TestApp::spawn_with(backend, mail_options(&smtp)).await;
    let admin = app.admin_token().await;
    let c = contractor(&app, &admin, "expired", json!({}), false).await;
    app.ok(None, FORGOT, json!({"e": c.email})).await;
    let t = link_token(&mail_titled(&mut smtp, "Reset your NRP password").await, "reset-password");
    // Thirty minutes pass.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entities::account_link::Entity::update_many()
        .col_expr(entities::account_link::Column::ExpiresAt, (chrono::Utc::now() - chrono::Duration::seconds(1)).into())
        .filter(entities::account_link::Column::Purpose.eq(entities::LinkPurpose::Reset))
        .exec(&app.ctx.db)
        .await
        .unwrap();
    let body = app.gql(None, RESET, json!({"t": t, "p": NEW_PASSWORD})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("expired"), "{body}");
    app.login(&c.email, CONTRACTOR_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_reset_link_is_refused_on_sqlite() {
    an_expired_reset_link_is_refused_and_sets_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_reset_link_is_refused_on_postgres() {
    an_expired_reset_link_is_refused_and_sets_nothing(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_request_answers_alike_for_known_and_unknown_addresses_and_mails_an_address_five_times_an_hour() {
    let mut smtp = SmtpSink::start(0).await;
    let opts = mail_options(&smtp).env("LOGIN_LIMIT_PER_IP", "200");
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let admin = app.admin_token().await;
    let c = contractor(&app, &admin, "enumerate", json!({}), false).await;
    let unknown = format!("nobody-{}@nowhere.example", uuid::Uuid::new_v4().simple());

    let post = |email: String| {
        let req =
            app.http.post(format!("{}/graphql", app.base)).json(&json!({"query": FORGOT, "variables": {"e": email}}));
        async move {
            let started = Instant::now();
            let r = req.send().await.expect("sent");
            let status = r.status();
            let body = r.text().await.expect("body");
            (status, body, started.elapsed())
        }
    };
    let (mut known_times, mut unknown_times) = (vec![], vec![]);
    let mut bodies = std::collections::BTreeSet::new();
    for _ in 0..8 {
        let (s1, b1, t1) = post(c.email.clone()).await;
        let (s2, b2, t2) = post(unknown.clone()).await;
        assert_eq!((s1, s2), (reqwest::StatusCode::OK, reqwest::StatusCode::OK));
        bodies.insert(b1);
        bodies.insert(b2);
        known_times.push(t1);
        unknown_times.push(t2);
    }
    assert_eq!(bodies.len(), 1, "one body for both: {bodies:?}");
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    println!(
        "requestPasswordReset median: registered {:?}, unknown {:?}",
        median(&mut known_times),
        median(&mut unknown_times)
    );

    // Every request has been looked up; five emails reached the address, none went elsewhere.
    let mut done = app.ctx.reset_requests_done.subscribe();
    tokio::time::timeout(Duration::from_secs(20), done.wait_for(|n| *n >= 16)).await.unwrap().unwrap();
    for _ in 0..5 {
        mail_titled(&mut smtp, "Reset your NRP password").await;
    }
    let log = notification_log(&app, &admin, json!({"template": "account.reset"})).await;
    assert_eq!(log.len(), 5, "five an hour to one address");
    assert!(notification_log(&app, &admin, json!({"recipient": unknown})).await.is_empty());
    assert_eq!(error_field(&app.gql(None, FORGOT, json!({"e": "not an email"})).await), "email");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_email_a_reset_says_it_cannot_be_done_here() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let body = app.gql(None, FORGOT, json!({"e": "someone@x.example"})).await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("SMTP_URL"), "{body}");
}

on_both_databases!(
    a_password_change_needs_the_current_one_and_ends_only_the_other_sessions,
    |app: TestApp| async move {
        let admin = app.admin_token().await;
        let c = contractor(&app, &admin, "change", json!({}), false).await;
        let here = sign_in_as(&app, &c.email, CONTRACTOR_PASSWORD, "Laptop").await;
        let other = sign_in_as(&app, &c.email, CONTRACTOR_PASSWORD, "Tablet").await;
        let wrong = app.gql(Some(&token(&here)), CHANGE, json!({"c": "not my password", "n": NEW_PASSWORD})).await;
        assert_eq!((error_code(&wrong), error_field(&wrong)), ("BAD_USER_INPUT", "currentPassword"));
        let weak = app.gql(Some(&token(&here)), CHANGE, json!({"c": CONTRACTOR_PASSWORD, "n": "aaaaaaaaaaaa"})).await;
        assert_eq!((error_code(&weak), error_field(&weak)), ("BAD_USER_INPUT", "newPassword"));
        let same =
            app.gql(Some(&token(&here)), CHANGE, json!({"c": CONTRACTOR_PASSWORD, "n": CONTRACTOR_PASSWORD})).await;
        assert_eq!(error_field(&same), "newPassword");
        assert_eq!(error_code(&app.gql(None, CHANGE, json!({"c": "x", "n": NEW_PASSWORD})).await), "UNAUTHENTICATED");
        let (_, key) = insurer_key(&app, &admin, "Keyed Mutual").await;
        assert_eq!(error_code(&app.gql(Some(&key), CHANGE, json!({"c": "x", "n": NEW_PASSWORD})).await), "FORBIDDEN");
        app.login(&c.email, CONTRACTOR_PASSWORD).await;

        app.ok(Some(&token(&here)), CHANGE, json!({"c": CONTRACTOR_PASSWORD, "n": NEW_PASSWORD})).await;
        app.ok(Some(&token(&here)), ME, json!({})).await;
        app.ok(None, REFRESH, json!({"t": here["refreshToken"]})).await;
        assert_eq!(error_code(&app.gql(Some(&token(&other)), ME, json!({})).await), "UNAUTHENTICATED");
        assert_eq!(error_code(&app.gql(Some(&c.token), ME, json!({})).await), "UNAUTHENTICATED");
        assert_eq!(error_code(&app.gql(None, REFRESH, json!({"t": other["refreshToken"]})).await), "UNAUTHENTICATED");
        app.login(&c.email, NEW_PASSWORD).await;
        assert!(audit_actions(&app, &admin).await.contains(&"auth.password_changed".to_string()));
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_up_proves_its_email_by_link_before_nrp_verifies_it_and_a_taken_address_hears_of_the_attempt() {
    let mut smtp = SmtpSink::start(0).await;
    let app = TestApp::spawn_with(Backend::Postgres, mail_options(&smtp)).await;
    let admin = app.admin_token().await;
    let input = registration("prove");
    let email = input["email"].as_str().unwrap().to_string();
    let started = Instant::now();
    let answer = app.ok(None, REGISTER, json!({"input": input})).await;
    let new_took = started.elapsed();
    let id =
        nrp_server::store::users::find_by_email(&app.ctx.db, &email).await.unwrap().unwrap().contractor_id.unwrap();
    let mail = mail_titled(&mut smtp, SIGN_UP_CONFIRMATION).await;
    assert_eq!(mail.to, vec![email.clone()]);
    let t = link_token(&mail, "verify-email");

    let verify = "mutation($id:ID!){ verifyContractor(id:$id){ status } }";
    let early = app.gql(Some(&admin), verify, json!({"id": id})).await;
    assert_eq!(error_code(&early), "CONFLICT", "not before the email is confirmed: {early}");
    assert!(early["errors"][0]["message"].as_str().unwrap().contains("confirmed"), "{early}");
    let token = app.login(&email, CONTRACTOR_PASSWORD).await;
    assert_eq!(app.ok(Some(&token), ME, json!({})).await["me"]["emailVerified"], false);
    for bad in ["", "wrong"] {
        let body = app.gql(None, VERIFY_EMAIL, json!({"t": bad})).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "token"));
    }
    assert_eq!(app.ok(None, VERIFY_EMAIL, json!({"t": t})).await["verifyEmail"], json!(email));
    assert_eq!(error_code(&app.gql(None, VERIFY_EMAIL, json!({"t": t})).await), "BAD_USER_INPUT", "once");
    assert_eq!(app.ok(Some(&token), ME, json!({})).await["me"]["emailVerified"], true);
    assert_eq!(app.ok(Some(&admin), verify, json!({"id": id})).await["verifyContractor"]["status"], "ACTIVE");
    let resend = app.gql(Some(&token), "mutation{ resendEmailVerification }", json!({})).await;
    assert_eq!(error_code(&resend), "CONFLICT", "nothing to confirm any more");

    // The same address again, with another company: the same answer, and a word to the owner.
    let mut again = registration("prove2");
    again["email"] = json!(email);
    let started = Instant::now();
    let second = app.ok(None, REGISTER, json!({"input": again})).await;
    println!("registerContractor: new address {new_took:?}, taken address {:?}", started.elapsed());
    assert_eq!(second, answer);
    let told = mail_titled(&mut smtp, "Someone tried to sign up with your email").await;
    assert_eq!(told.to, vec![email.clone()]);
    assert!(told.parsed().body_text(0).unwrap().contains("/forgot-password"));
    let count = app.ok(Some(&admin), "{ contractors { totalCount } }", json!({})).await;
    assert_eq!(count["contractors"]["totalCount"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_listed_with_their_device_and_ended_one_at_a_time_or_all_but_this_one() {
    let opts = TestOptions::default().with_redis(&format!("sessions-{}", uuid::Uuid::new_v4().simple()));
    let a = TestApp::spawn_with(Backend::Postgres, opts.clone()).await;
    let b = TestApp::spawn_on(a.db.clone(), opts).await;
    let admin = a.admin_token().await;
    let c = contractor(&a, &admin, "sessions", json!({}), false).await;
    let laptop = sign_in_as(&a, &c.email, CONTRACTOR_PASSWORD, "Mozilla/5.0 (X11; Linux) Laptop").await;
    let phone = sign_in_as(&a, &c.email, CONTRACTOR_PASSWORD, "Mozilla/5.0 (iPhone) Phone").await;
    let list = a.ok(Some(&token(&laptop)), SESSIONS, json!({})).await["mySessions"].clone();
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 3, "the helper's own sign-in, the laptop and the phone: {list}");
    let mine: Vec<_> = rows.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["userAgent"], "Mozilla/5.0 (X11; Linux) Laptop");
    assert_eq!(mine[0]["ipAddress"], "127.0.0.1");
    let phone_id = rows.iter().find(|s| s["userAgent"] == "Mozilla/5.0 (iPhone) Phone").unwrap()["id"].clone();

    // Someone else cannot see or end them.
    let other = contractor(&a, &admin, "stranger", json!({}), false).await;
    assert_eq!(error_code(&a.gql(Some(&other.token), END, json!({"id": phone_id})).await), "NOT_FOUND");
    let (_, key) = insurer_key(&a, &admin, "Session Mutual").await;
    assert_eq!(error_code(&a.gql(Some(&key), SESSIONS, json!({})).await), "FORBIDDEN");
    assert_eq!(error_code(&a.gql(None, SESSIONS, json!({})).await), "UNAUTHENTICATED");
    let user = a.user_id(&c.token).await;
    let theirs = "query($u:ID!){ userSessions(userId:$u){ id } }";
    assert_eq!(error_code(&a.gql(Some(&c.token), theirs, json!({"u": user})).await), "FORBIDDEN");
    assert_eq!(a.ok(Some(&admin), theirs, json!({"u": user})).await["userSessions"].as_array().unwrap().len(), 3);
    assert_eq!(error_field(&a.gql(Some(&c.token), END, json!({"id": "nope"})).await), "id");

    // Ending the phone's session closes its socket on the other instance, and its token stops.
    let mut phone_ws = Ws::connect(&b, &token(&phone)).await;
    phone_ws.subscribe("1", LEAD_OFFERS).await;
    assert_eq!(a.ok(Some(&token(&laptop)), END, json!({"id": phone_id})).await["endSession"], true);
    assert_eq!(closed(&mut phone_ws).await, Some(4403));
    assert_eq!(error_code(&a.gql(Some(&token(&phone)), ME, json!({})).await), "UNAUTHENTICATED");
    assert_eq!(error_code(&a.gql(None, REFRESH, json!({"t": phone["refreshToken"]})).await), "UNAUTHENTICATED");
    assert_eq!(error_code(&a.gql(Some(&token(&laptop)), END, json!({"id": phone_id})).await), "NOT_FOUND", "ended");

    // Everywhere else: the laptop stays, the helper's session goes.
    let mut laptop_ws = Ws::connect(&b, &token(&laptop)).await;
    laptop_ws.subscribe("1", LEAD_OFFERS).await;
    assert_eq!(a.ok(Some(&token(&laptop)), END_OTHERS, json!({})).await["endOtherSessions"], 1);
    assert_eq!(error_code(&a.gql(Some(&c.token), ME, json!({})).await), "UNAUTHENTICATED");
    let left = a.ok(Some(&token(&laptop)), SESSIONS, json!({})).await["mySessions"].clone();
    assert_eq!(left.as_array().unwrap().len(), 1);
    let refreshed =
        a.ok(None, REFRESH, json!({"t": laptop["refreshToken"]})).await["refreshToken"]["refreshToken"].clone();

    // An admin ends them all; signing out ends the access token too.
    assert_eq!(
        a.ok(Some(&admin), "mutation($u:ID!){ endUserSessions(userId:$u) }", json!({"u": user})).await["endUserSessions"],
        1
    );
    assert_eq!(closed(&mut laptop_ws).await, Some(4403));
    assert_eq!(error_code(&a.gql(None, REFRESH, json!({"t": refreshed})).await), "UNAUTHENTICATED");
    let again = sign_in_as(&a, &c.email, CONTRACTOR_PASSWORD, "Laptop").await;
    a.ok(None, "mutation($t:String!){ logout(refreshToken:$t) }", json!({"t": again["refreshToken"]})).await;
    assert_eq!(error_code(&a.gql(Some(&token(&again)), ME, json!({})).await), "UNAUTHENTICATED");
    let actions = audit_actions(&a, &admin).await;
    assert!(
        actions.contains(&"auth.session_ended".to_string()) && actions.contains(&"auth.sessions_ended".to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_moves_to_a_new_address_only_once_the_new_address_confirms() {
    let mut smtp = SmtpSink::start(0).await;
    let app = TestApp::spawn_with(Backend::Postgres, mail_options(&smtp)).await;
    let admin = app.admin_token().await;
    let c = contractor(&app, &admin, "moving", json!({}), true).await;
    let change = "mutation($p:String!,$e:String!){ changeEmail(password:$p, email:$e) }";
    let new = format!("moved-{}@contractor.example", uuid::Uuid::new_v4().simple());
    let admin_email = app.ok(Some(&admin), "{ me { email } }", json!({})).await["me"]["email"].clone();
    let cases = [
        (json!({"p": "not my password", "e": new}), "BAD_USER_INPUT", "password"),
        (json!({"p": CONTRACTOR_PASSWORD, "e": c.email}), "BAD_USER_INPUT", "email"),
        (json!({"p": CONTRACTOR_PASSWORD, "e": "no at sign"}), "BAD_USER_INPUT", "email"),
        (json!({"p": CONTRACTOR_PASSWORD, "e": admin_email}), "CONFLICT", "email"),
    ];
    for (vars, code, field) in cases {
        let body = app.gql(Some(&c.token), change, vars.clone()).await;
        assert_eq!((error_code(&body), error_field(&body)), (code, field), "{vars}");
    }
    app.ok(Some(&c.token), change, json!({"p": CONTRACTOR_PASSWORD, "e": new})).await;
    // (The sign-up's own confirmation went to the old address first.)
    let mail = loop {
        let m = mail_titled(&mut smtp, SIGN_UP_CONFIRMATION).await;
        if m.to != vec![c.email.clone()] {
            break m;
        }
    };
    assert_eq!(mail.to, vec![new.clone()], "the link goes to the new address");
    let t = link_token(&mail, "verify-email");
    // Nothing moves until the new address answers.
    app.login(&c.email, CONTRACTOR_PASSWORD).await;
    assert_eq!(app.ok(None, VERIFY_EMAIL, json!({"t": t})).await["verifyEmail"], json!(new));
    assert_eq!(error_code(&app.gql(None, VERIFY_EMAIL, json!({"t": t})).await), "BAD_USER_INPUT", "once");
    let token = app.login(&new, CONTRACTOR_PASSWORD).await;
    assert_eq!(app.ok(Some(&token), ME, json!({})).await["me"]["emailVerified"], true);
    let old = app.gql(None, LOGIN, json!({"e": c.email, "p": CONTRACTOR_PASSWORD})).await;
    assert_eq!(error_code(&old), "UNAUTHENTICATED");
    let told = mail_titled(&mut smtp, "Your NRP login email was changed").await;
    assert_eq!(told.to, vec![c.email.clone()], "the old address is told");
    assert!(audit_actions(&app, &admin).await.contains(&"auth.email_changed".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_email_the_steps_that_send_a_link_say_they_cannot_be_done_here() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let admin = app.admin_token().await;
    let c = contractor(&app, &admin, "nomail", json!({}), true).await;
    let steps = [
        ("mutation{ resendEmailVerification }", json!({})),
        (
            "mutation($p:String!,$e:String!){ changeEmail(password:$p, email:$e) }",
            json!({"p": CONTRACTOR_PASSWORD, "e": "new@contractor.example"}),
        ),
        (
            "mutation($i:InviteUserInput!){ inviteUser(input:$i){ id } }",
            json!({"i": {"email": "tech@contractor.example"}}),
        ),
    ];
    for (q, vars) in steps {
        let body = app.gql(Some(&c.token), q, vars).await;
        assert_eq!(error_code(&body), "CONFLICT", "{q}: {body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("SMTP_URL"), "{body}");
    }
}
