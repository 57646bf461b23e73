use std::sync::atomic::Ordering;

use nrp_tests::leads::*;
use nrp_tests::receiver::{Receiver, types, verify};
use nrp_tests::*;
use serde_json::{Value, json};

const SET_HOOK: &str = "mutation($u:String){ setPartnerWebhook(url:$u){ secret partner { webhookUrl } } }";

fn fast() -> TestOptions {
    TestOptions::default().env("WEBHOOK_RETRY_BASE_MILLIS", "100").env("EXPIRY_SWEEP_MILLIS", "50")
}

on_both_databases_with!(an_insurer_receives_every_event_of_its_own_leads_signed, fast(), |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Hooked Mutual").await;
    let (_, other_key) = insurer_key(&app, &admin, "Unhooked Mutual").await;
    let receiver = Receiver::default();
    let url = receiver.start().await;
    let set = app.ok(Some(&key), SET_HOOK, json!({"u": url})).await["setPartnerWebhook"].clone();
    let secret = set["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    let c = contractor(&app, &admin, "hooked", json!({"basePostcode": "2150"}), true).await;

    create_lead(&app, &other_key, lead_input()).await; // someone else's lead: never sent here
    let (lead_id, job_id) = won_job(&app, &admin, &key, &c).await;
    app.ok(Some(&c.token), ADVANCE, json!({"input": {"jobId": job_id, "to": "CONTACTED"}})).await;
    let got = receiver
        .until(|g| {
            types(g).iter().filter(|t| *t == "lead.status_changed").count() >= 3
                && types(g).contains(&"job.status_changed".to_string())
        })
        .await;
    // Deliveries are independent, so arrival order is not promised: receivers order by `createdAt`.
    let mut got = got;
    got.sort_by_key(|(_, b)| serde_json::from_str::<Value>(b).unwrap()["createdAt"].as_str().unwrap().to_string());
    let mut statuses = Vec::new();
    for (headers, body) in &got {
        assert!(verify(&secret, headers, body), "the receiver can verify the signature");
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            headers["x-nrp-event-id"].to_str().unwrap(),
            v["id"].as_str().unwrap(),
            "the event id is in the header and the body"
        );
        assert_eq!(v["data"]["leadId"], json!(lead_id), "only this insurer's lead");
        statuses.push(format!("{}:{}", v["type"].as_str().unwrap(), v["data"]["status"].as_str().unwrap()));
    }
    assert_eq!(
        statuses,
        vec![
            "lead.status_changed:NEW",
            "lead.status_changed:OFFERING",
            "lead.status_changed:ASSIGNED",
            "job.status_changed:CONTACTED"
        ]
    );
    // A forged body does not verify.
    let (h, body) = &got[0];
    assert!(!verify(&secret, h, &body.replace("NEW", "CANCELLED")));
    // The last delivery is marked once the receiver's answer is back at the server.
    let log = app
        .ok_until(
            Some(&key),
            "{ webhookDeliveries { totalCount edges { node { status attempts lastStatusCode } } } }",
            json!({}),
            |d| {
                d["webhookDeliveries"]["edges"]
                    .as_array()
                    .is_some_and(|e| e.iter().all(|e| e["node"]["status"] != "PENDING"))
            },
        )
        .await;
    assert_eq!(log["webhookDeliveries"]["totalCount"], 4);
    assert!(
        log["webhookDeliveries"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["status"] == "DELIVERED" && e["node"]["lastStatusCode"] == 200),
        "{log}"
    );
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_is_retried_with_back_off_and_every_attempt_is_logged() {
    let app = TestApp::spawn_with(Backend::Sqlite, fast()).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (pid, key) = insurer_key(&app, &admin, "Flaky Mutual").await;
    let receiver = Receiver::default();
    receiver.fail_next.store(2, Ordering::SeqCst);
    let url = receiver.start().await;
    app.ok(Some(&key), SET_HOOK, json!({"u": url})).await;
    let mut input = lead_input();
    input["claimNumber"] = json!("FLAKY-1");
    let (lead_id, _) = create_lead(&app, &key, input).await;
    app.ok(
        Some(&key),
        "mutation($l:ID!){ createClaim(input:{leadId:$l, claimedCents: 100000}){ id } }",
        json!({"l": lead_id}),
    )
    .await;
    // Deliveries are independent: the two failures fall on the first deliveries, which are
    // retried while later ones go through. Receivers order by timestamp and de-duplicate by id.
    let got = receiver
        .until(|g| {
            let bodies: Vec<String> = g.iter().map(|(_, b)| b.clone()).collect();
            ["\"NEW\"", "\"UNASSIGNED\"", "claim.lodged"].iter().all(|needle| bodies.iter().any(|b| b.contains(needle)))
        })
        .await;
    let ids: std::collections::HashSet<String> =
        got.iter().map(|(h, _)| h["x-nrp-event-id"].to_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), got.len(), "each event arrived once");
    let q = "query($p:ID){ webhookDeliveries(partnerId:$p){ edges { node { eventType status attempts attemptLog { attempt statusCode } } } } }";
    let settled = |d: &Value| {
        d["webhookDeliveries"]["edges"].as_array().is_some_and(|e| e.iter().all(|e| e["node"]["status"] != "PENDING"))
    };
    let log = app.ok_until(Some(&admin), q, json!({"p": pid}), settled).await;
    let nodes: Vec<Value> =
        log["webhookDeliveries"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect();
    assert!(nodes.iter().all(|n| n["status"] == "DELIVERED"), "{nodes:?}");
    let codes: Vec<i64> = nodes
        .iter()
        .flat_map(|n| n["attemptLog"].as_array().unwrap().iter().map(|a| a["statusCode"].as_i64().unwrap()))
        .collect();
    assert_eq!(codes.iter().filter(|c| **c == 503).count(), 2, "both failures are logged");
    for n in &nodes {
        let log = n["attemptLog"].as_array().unwrap();
        assert_eq!(log.last().unwrap()["statusCode"], 200);
        assert_eq!(n["attempts"].as_i64().unwrap() as usize, log.len());
    }
    // Another partner cannot read this log.
    let (_, stranger) = insurer_key(&app, &admin, "Nosy Mutual").await;
    assert_eq!(error_code(&app.gql(Some(&stranger), q, json!({"p": pid})).await), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_pending_when_the_server_stops_are_sent_after_it_restarts() {
    let app = TestApp::spawn_with(Backend::Postgres, fast().env("WEBHOOK_RETRY_BASE_MILLIS", "60000")).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Patient Mutual").await;
    let receiver = Receiver::default();
    receiver.fail_next.store(1_000, Ordering::SeqCst); // down for now
    let url = receiver.start().await;
    app.ok(Some(&key), SET_HOOK, json!({"u": url})).await;
    let (lead_id, _) = create_lead(&app, &key, lead_input()).await;
    let db = app.db.clone();
    app.stop().await;

    // The receiver recovers; a new server on the same database picks the outbox up.
    receiver.fail_next.store(0, Ordering::SeqCst);
    {
        use sea_orm::{EntityTrait, sea_query::Expr};
        // The first attempt scheduled a retry a minute out; bring it due so the test need not wait.
        let ctx = nrp_server::startup::build_context(
            nrp_server::Config::from_lookup(|k| (k == "DATABASE_URL").then(|| db.url.clone())).unwrap(),
        )
        .await
        .unwrap();
        entities::webhook_delivery::Entity::update_many()
            .col_expr(entities::webhook_delivery::Column::NextAttemptAt, Expr::value(chrono::Utc::now()))
            .exec(&ctx.db)
            .await
            .unwrap();
    }
    let again = TestApp::spawn_on(db, fast()).await;
    let got = receiver.until(|g| g.len() >= 2).await;
    let bodies: Vec<Value> = got.iter().map(|(_, b)| serde_json::from_str(b).unwrap()).collect();
    assert!(bodies.iter().all(|b| b["data"]["leadId"] == json!(lead_id)));
    let mut statuses: Vec<&str> = bodies.iter().map(|b| b["data"]["status"].as_str().unwrap()).collect();
    statuses.sort();
    assert_eq!(statuses, vec!["NEW", "UNASSIGNED"], "nothing lost across the restart");
    drop(again);
}

/// A partner's signing secret as the database holds it.
async fn stored_secret(app: &TestApp, partner: &str) -> String {
    use sea_orm::EntityTrait;
    entities::partner::Entity::find_by_id(uuid::Uuid::parse_str(partner).unwrap())
        .one(&app.ctx.db)
        .await
        .unwrap()
        .unwrap()
        .webhook_secret
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_secrets_are_sealed_at_rest_and_survive_a_key_rotation() {
    let app = TestApp::spawn_with(Backend::Postgres, fast()).await;
    let db = app.db.clone();
    let admin = app.admin_token().await;
    let (partner, key) = insurer_key(&app, &admin, "Sealed Mutual").await;
    let receiver = Receiver::default();
    let url = receiver.start().await;
    let secret = app.ok(Some(&key), SET_HOOK, json!({"u": url})).await["setPartnerWebhook"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let at_rest = stored_secret(&app, &partner).await;
    assert!(at_rest.starts_with("v1:t1:"), "{at_rest}");
    assert!(!at_rest.contains(&secret[6..]), "a database dump does not hold the secret");
    create_lead(&app, &key, lead_input()).await;
    let got = receiver.until(|g| !g.is_empty()).await;
    assert!(verify(&secret, &got[0].0, &got[0].1), "signed with the secret the partner was given");
    // An admin's TOTP key is sealed with the same keys.
    let totp = app.ok(Some(&admin), "mutation{ enrolSecondFactor { secret } }", json!({})).await["enrolSecondFactor"]
        ["secret"]
        .as_str()
        .unwrap()
        .to_string();
    app.ok(Some(&admin), "mutation($k:String!){ confirmSecondFactor(code:$k) }", json!({"k": oath(&totp, 0)})).await;
    let admin_email =
        app.ok(Some(&admin), "{ me { email } }", json!({})).await["me"]["email"].as_str().unwrap().to_string();
    app.stop().await;

    // A new key goes first; the old one still opens; re-sealing moves every secret to the new one.
    let new_key = "t2:YW5vdGhlci1zZWFsaW5nLWtleS0zMi1ieXRlcy1vayE=";
    let rotated = fast().env("WEBHOOK_SECRET_KEYS", &format!("{new_key},{TEST_SEALING_KEYS}"));
    let app = TestApp::spawn_on(db.clone(), rotated).await;
    assert_eq!(nrp_server::services::webhooks::reseal_secrets(&app.ctx).await.unwrap(), 2, "the webhook and TOTP keys");
    assert!(stored_secret(&app, &partner).await.starts_with("v1:t2:"));
    app.stop().await;

    // Only the new key now: deliveries are still signed with the partner's same secret.
    let app = TestApp::spawn_on(db.clone(), fast().env("WEBHOOK_SECRET_KEYS", new_key)).await;
    let before = receiver.got.lock().await.len();
    create_lead(&app, &key, lead_input()).await;
    let got = receiver.until(|g| g.len() > before).await;
    assert!(got[before..].iter().all(|(h, b)| verify(&secret, h, b)));
    let login =
        "mutation($e:String!,$p:String!){ login(email:$e,password:$p){ ... on SecondFactorChallenge { challenge } } }";
    let ch = app.ok(None, login, json!({"e": admin_email, "p": ADMIN_PASSWORD})).await["login"]["challenge"].clone();
    let verify_code = "mutation($c:String!,$k:String!){ verifySecondFactor(challenge:$c, code:$k){ accessToken } }";
    app.ok(None, verify_code, json!({"c": ch, "k": oath(&totp, 1)})).await;
    app.stop().await;

    // With a key that never sealed it, nothing unsigned goes out: the attempt says why.
    let wrong = fast().env("WEBHOOK_SECRET_KEYS", "t9:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    let app = TestApp::spawn_on(db, wrong).await;
    let count = receiver.got.lock().await.len();
    let (lead, _) = create_lead(&app, &key, lead_input()).await;
    let log = "{ webhookDeliveries { edges { node { attempts lastError payload } } } }";
    let mut error = None;
    for _ in 0..200 {
        let l = app.ok(Some(&key), log, json!({})).await;
        error = l["webhookDeliveries"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| !e["node"]["lastError"].is_null() && e["node"]["payload"].as_str().unwrap_or("").contains(&lead))
            .map(|e| e["node"].clone());
        if error.is_some() {
            break;
        }
        // The delivery log has no push channel; poll it.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let node = error.unwrap();
    assert!(node["lastError"].as_str().unwrap().contains("cannot sign"), "{node}");
    assert_eq!(node["attempts"], 0, "NRP's own problem does not use up the partner's retries");
    assert_eq!(receiver.got.lock().await.len(), count, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_is_sent_again_once_with_its_event_id() {
    let opts = fast().env("WEBHOOK_MAX_ATTEMPTS", "2");
    let app = TestApp::spawn_with(Backend::Postgres, opts).await;
    let admin = app.admin_token().await;
    let (pid, key) = insurer_key(&app, &admin, "Dead Letter Mutual").await;
    let receiver = Receiver::default();
    receiver.fail_next.store(1_000, Ordering::SeqCst);
    let url = receiver.start().await;
    app.ok(Some(&key), SET_HOOK, json!({"u": url})).await;
    let (lead, _) = create_lead(&app, &key, lead_input()).await;

    // Every delivery fails twice and is given up: dead letters.
    let q = "query($p:ID){ webhookDeliveries(partnerId:$p, status: FAILED){ totalCount edges { node { id status attempts attemptLog { attempt } } } } }";
    let mut dead = Value::Null;
    for _ in 0..400 {
        dead = app.ok(Some(&admin), q, json!({"p": pid})).await["webhookDeliveries"].clone();
        let pending = app
            .ok(
                Some(&admin),
                "query($p:ID){ webhookDeliveries(partnerId:$p, status: PENDING){ totalCount } }",
                json!({"p": pid}),
            )
            .await;
        if dead["totalCount"].as_u64().unwrap_or(0) > 0 && pending["webhookDeliveries"]["totalCount"] == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let first = dead["edges"][0]["node"].clone();
    assert_eq!(first["attempts"], 2, "{dead}");
    let id = first["id"].as_str().unwrap().to_string();

    // The receiver is fixed; two admins press "deliver again" at once: one round, one arrival.
    receiver.fail_next.store(0, Ordering::SeqCst);
    let again = "mutation($d:ID!){ redeliverWebhook(deliveryId:$d){ id status attempts } }";
    let (a, b) =
        tokio::join!(app.gql(Some(&admin), again, json!({"d": id})), app.gql(Some(&key), again, json!({"d": id})));
    let wins: Vec<&Value> = [&a, &b].into_iter().filter(|r| r.get("errors").is_none()).collect();
    assert_eq!(wins.len(), 1, "{a} {b}");
    assert_eq!(wins[0]["data"]["redeliverWebhook"]["status"], "PENDING");
    let lost = if a.get("errors").is_some() { &a } else { &b };
    assert_eq!(error_code(lost), "CONFLICT");
    let got = receiver.until(|g| g.iter().any(|(h, _)| h["x-nrp-event-id"].to_str().unwrap_or("") == id)).await;
    let arrivals = got.iter().filter(|(h, _)| h["x-nrp-event-id"].to_str().unwrap_or("") == id).count();
    assert_eq!(arrivals, 1, "the same event id, once");
    assert!(got.iter().any(|(_, body)| body.contains(&lead)));

    // The success is recorded just after the receiver answers.
    let status =
        "query($p:ID){ webhookDeliveries(partnerId:$p){ edges { node { id status attemptLog { attempt } } } } }";
    let mut node = Value::Null;
    for _ in 0..400 {
        let log = app.ok(Some(&admin), status, json!({"p": pid})).await;
        node = log["webhookDeliveries"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["id"] == json!(id))
            .unwrap()["node"]
            .clone();
        if node["status"] == "DELIVERED" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(node["status"], "DELIVERED");
    // Only a dead letter goes again; another partner's is unknown; the log keeps every attempt.
    assert_eq!(error_code(&app.gql(Some(&admin), again, json!({"d": id})).await), "CONFLICT", "delivered already");
    assert_eq!(node["attemptLog"].as_array().unwrap().len(), 3, "two failures and the success: {node}");
    let (_, stranger) = insurer_key(&app, &admin, "Other Mutual").await;
    assert_eq!(error_code(&app.gql(Some(&stranger), again, json!({"d": id})).await), "NOT_FOUND");
    assert_eq!(error_field(&app.gql(Some(&admin), again, json!({"d": "nope"})).await), "deliveryId");
    let audit = app.ok(Some(&admin), "{ auditLog(first: 50) { edges { node { action } } } }", json!({})).await;
    assert!(audit.to_string().contains("webhook.redelivered"));
}

on_both_databases_with!(
    the_delivery_log_filters_by_day_and_exports_only_a_partners_own,
    fast(),
    |app: TestApp| async move {
        seed_postcodes(&app).await;
        let admin = app.admin_token().await;
        let (pid, key) = insurer_key(&app, &admin, "Logged Mutual").await;
        let (other_pid, other_key) = insurer_key(&app, &admin, "Quiet Mutual").await;
        let receiver = Receiver::default();
        let url = receiver.start().await;
        app.ok(Some(&key), SET_HOOK, json!({"u": url})).await;
        app.ok(Some(&other_key), SET_HOOK, json!({"u": url})).await;
        let (lead, _) = create_lead(&app, &key, lead_input()).await;
        create_lead(&app, &other_key, lead_input()).await;
        let q = "query($f:NaiveDate,$t:NaiveDate){ webhookDeliveries(createdFrom:$f, createdTo:$t){ totalCount nodes { id status } } }";
        let settled = |d: &Value| {
            d["webhookDeliveries"]["nodes"]
                .as_array()
                .is_some_and(|n| !n.is_empty() && n.iter().all(|n| n["status"] != "PENDING"))
        };
        let all = app.ok_until(Some(&key), q, json!({}), settled).await["webhookDeliveries"].clone();
        let total = all["totalCount"].as_i64().unwrap();
        let today = chrono::Utc::now().with_timezone(&chrono_tz::Australia::Sydney).date_naive();
        let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        let (y, t) = (today - chrono::Duration::days(1), today + chrono::Duration::days(1));
        let count = |v: Value| {
            let app = &app;
            let key = &key;
            async move { app.ok(Some(key), q, v).await["webhookDeliveries"]["totalCount"].as_i64().unwrap() }
        };
        assert_eq!(count(json!({"f": day(today), "t": day(today)})).await, total, "written today, on NRP's clock");
        assert_eq!(count(json!({"f": day(t)})).await, 0);
        assert_eq!(count(json!({"t": day(y)})).await, 0);
        let bad = app.gql(Some(&key), q, json!({"f": day(today), "t": day(y)})).await;
        assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "createdTo"));

        // The CSV: the partner's own log as listed, newest first, without the signed bodies.
        let csv = app.get_text(&key, &format!("/reports/deliveries.csv?from={}", day(today))).await;
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let head = r.headers().unwrap().clone();
        assert_eq!((&head[0], &head[3], &head[5]), ("delivery_id", "status", "last_status_code"));
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        let listed: Vec<&str> = all["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(rows.iter().map(|r| &r[0]).collect::<Vec<_>>(), listed, "{csv}");
        assert!(rows.iter().all(|r| &r[3] == "DELIVERED" && &r[5] == "200"), "{csv}");
        assert!(!csv.contains(&lead), "no bodies (the lead's details stay out): {csv}");
        let admin_csv =
            app.get_text(&admin, &format!("/reports/deliveries.csv?partnerId={pid}&status=DELIVERED")).await;
        assert_eq!(admin_csv.lines().count(), rows.len() + 1, "an admin names the partner: {admin_csv}");
        // Nobody reads another partner's log; an admin must say whose; bad filters are refused.
        let status_of = |token: String, query: String| {
            let app = &app;
            async move {
                let resp =
                    app.http.get(format!("{}/reports/deliveries.csv?{query}", app.base)).bearer_auth(token).send();
                resp.await.unwrap().status().as_u16()
            }
        };
        assert_eq!(status_of(key.clone(), format!("partnerId={other_pid}")).await, 403);
        assert_eq!(status_of(admin.clone(), String::new()).await, 400);
        for bad in ["status=LOST", "from=soon", "partnerId=nope", &format!("from={}&to={}", day(today), day(y))] {
            assert_eq!(status_of(key.clone(), bad.to_string()).await, 400, "{bad}");
        }
    }
);
