//! The notification pipeline with real channels: email over SMTP to aiosmtpd, SMS to a fake of
//! Twilio's Messages resource. The customer hears who will call and by when, each stage, and gets
//! a rating link; opt-outs are honoured; failures retry, dead-letter and can be sent again; a
//! sender that dies after its claim loses nothing; two instances never send one message twice.

use std::time::Duration;

use nrp_tests::leads::*;
use nrp_tests::notify::*;
use nrp_tests::*;
use sea_orm::EntityTrait;
use serde_json::json;

/// A server whose email goes to `smtp` and SMS to `twilio`.
fn channels(smtp: &SmtpSink, twilio: &str) -> TestOptions {
    TestOptions::default()
        .env("SMTP_URL", &smtp.url())
        .env("EMAIL_FROM", "NRP Alerts <alerts@nrp.example>")
        .env("TWILIO_ACCOUNT_SID", TWILIO_SID)
        .env("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
        .env("TWILIO_FROM", TWILIO_FROM)
        .env("TWILIO_API_BASE", twilio)
        .env("NOTIFY_RETRY_BASE_MILLIS", "100")
        .env("NOTIFY_MAX_ATTEMPTS", "3")
        .env("EXPIRY_SWEEP_MILLIS", "100")
}

/// The path of a link (`/rate/…`) found in a text.
fn link(text: &str, prefix: &str) -> String {
    let at = text.find(prefix).unwrap_or_else(|| panic!("no {prefix} link in {text}"));
    text[at..].split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>').next().unwrap().to_string()
}

fn path_of(url: &str) -> String {
    let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    format!("/{}", after_scheme.split_once('/').map(|(_, p)| p).unwrap_or(""))
}

async fn customer_journey(backend: Backend) {
    let mut smtp = SmtpSink::start(0).await;
    let twilio = FakeTwilio::default();
    let base = twilio.start().await;
    let app = TestApp::spawn_with(backend, channels(&smtp, &base)).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Journey Mutual").await;
    let c = contractor(
        &app,
        &admin,
        "journey",
        json!({
            "basePostcode": "2150",
            "companyName": "Dry & Sons Restorations",
            "phone": "02 9876 5432",
            "specialties": ["WATER", "STORM"],
        }),
        true,
    )
    .await;
    let mut input = lead_input();
    input["customer"]["name"] = json!("Robin Q Customer");
    let phone = format!("+61{}", &input["customer"]["phone"].as_str().unwrap()[1..]);
    let (lead, _) = create_lead(&app, &key, input).await;
    let offers = open_offers(&lead_detail(&app, &admin, &lead).await);
    let (offer, _) = offers.into_iter().find(|(_, cid)| *cid == c.id).unwrap();
    let won = app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await;
    let job = won["acceptOffer"]["job"]["id"].as_str().unwrap().to_string();

    // Assigned: an SMS and an email to the customer, who will call and by when.
    let sms = twilio.until(|got| got.iter().any(|s| s.field("To") == Some(phone.as_str()))).await;
    let sms = sms.iter().find(|s| s.field("To") == Some(phone.as_str())).unwrap();
    assert_eq!(sms.field("From"), Some(TWILIO_FROM));
    let text = sms.field("Body").unwrap();
    assert!(text.contains("Dry & Sons Restorations will contact you about the water damage at Sydney by"), "{text}");
    assert!(text.contains("+61298765432"), "the company's number: {text}");
    assert!(text.starts_with("National Recovery Partners: Hi Robin,"), "{text}");
    assert!(text.contains("/stop/"), "an opt-out link: {text}");
    // The deadline is the contact service level, on Sydney's clock.
    let due = app.ok(Some(&admin), "query($j:ID!){ job(id:$j){ contactDueAt } }", json!({"j": job})).await["job"]
        ["contactDueAt"]
        .as_str()
        .unwrap()
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap();
    let local = due.with_timezone(&chrono_tz::Australia::Sydney).format("%-I:%M %P %a %-d %b").to_string();
    assert!(text.contains(&local), "by {local} Sydney time: {text}");

    let mail = smtp.next().await;
    assert_eq!(mail.to, vec!["pat@home.example".to_string()]);
    let parsed = mail.parsed();
    assert_eq!(parsed.subject(), Some("Dry & Sons Restorations will contact you about your water damage"));
    assert_eq!(parsed.from().and_then(|f| f.first()).and_then(|a| a.address()), Some("alerts@nrp.example"));
    let plain = parsed.body_text(0).unwrap().to_string();
    let html = parsed.body_html(0).unwrap().to_string();
    assert!(plain.contains("by ") && plain.contains("+61298765432"), "{plain}");
    assert!(html.contains("Dry &amp; Sons Restorations"), "escaped in HTML: {html}");
    let unsubscribe = parsed.header_raw("List-Unsubscribe").expect("List-Unsubscribe").trim().to_string();
    assert!(unsubscribe.starts_with('<') && unsubscribe.contains("/stop/"), "{unsubscribe}");
    assert_eq!(parsed.header_raw("List-Unsubscribe-Post").map(str::trim), Some("List-Unsubscribe=One-Click"));

    // The log: both SENT, with the provider's ids; the email's Message-ID is the notification's.
    let rows = notification_log_until(&app, &admin, json!({"leadId": lead}), |r| {
        r.len() == 2 && r.iter().all(|n| n["status"] == "SENT")
    })
    .await;
    let email_row = rows.iter().find(|n| n["channel"] == "EMAIL").unwrap();
    let sms_row = rows.iter().find(|n| n["channel"] == "SMS").unwrap();
    assert_eq!(email_row["template"], "customer.assigned");
    assert_eq!(email_row["audience"], "CUSTOMER");
    assert_eq!(sms_row["recipient"], json!(phone));
    assert!(sms_row["providerRef"].as_str().unwrap().starts_with("SM"));
    let message_id = parsed.message_id().unwrap().to_string();
    assert!(message_id.starts_with(email_row["id"].as_str().unwrap()), "{message_id} names {}", email_row["id"]);
    assert_eq!(email_row["providerRef"], json!(format!("<{message_id}>")));

    // The stages a customer cares about, each once; the booking time on the property's clock.
    let visit = "2026-12-08T23:30:00Z"; // 10:30 am Wed 9 Dec in Sydney (daylight saving)
    app.ok(Some(&c.token), ADVANCE, json!({"input": {"jobId": job, "to": "CONTACTED", "scheduledFor": visit}})).await;
    let booked = twilio.until(|got| got.len() >= 2).await;
    let booked = booked[1].field("Body").unwrap().to_string();
    assert!(booked.contains("has booked your inspection at Sydney for 10:30 am Wed 9 Dec"), "{booked}");
    app.ok(Some(&c.token), ADVANCE, json!({"input": {"jobId": job, "to": "INSPECTED"}})).await;
    app.ok(Some(&c.token), ADVANCE, json!({"input": {"jobId": job, "to": "QUOTED", "quoteCents": "100000"}})).await;
    app.ok(Some(&admin), ADVANCE, json!({"input": {"jobId": job, "to": "APPROVED", "approvedCents": "90000"}})).await;
    app.ok(Some(&c.token), ADVANCE, json!({"input": {"jobId": job, "to": "IN_PROGRESS"}})).await;
    app.ok(Some(&c.token), ADVANCE, json!({"input": {"jobId": job, "to": "COMPLETED"}})).await;
    let all = twilio.until(|got| got.len() >= 4).await;
    let texts: Vec<&str> = all.iter().map(|s| s.field("Body").unwrap()).collect();
    assert!(texts.iter().any(|t| t.contains("has started the work at Sydney")), "{texts:?}");
    let finished = *texts.iter().find(|t| t.contains("has finished the work at Sydney")).expect("a completion text");
    assert!(finished.contains("/rate/"), "{finished}");
    for t in &texts {
        assert!(!t.contains("Robin Q") && !t.contains("1 George St"), "no full name or address in a text: {t}");
    }
    let rows = notification_log_until(&app, &admin, json!({"leadId": lead, "channel": "EMAIL"}), |r| {
        r.len() == 4 && r.iter().all(|n| n["status"] == "SENT")
    })
    .await;
    assert_eq!(rows.iter().filter(|n| n["template"] == "customer.stage").count(), 3, "{rows:#?}");
    let mut stage_mails = Vec::new();
    for _ in 0..3 {
        stage_mails.push(smtp.next().await);
    }
    let finished_html = stage_mails
        .iter()
        .filter_map(|m| m.parsed().body_html(0).map(|h| h.to_string()))
        .find(|h| h.contains("/rate/"))
        .expect("the completion email links to the rating page");
    assert!(finished_html.contains("Rate the work"), "{finished_html}");

    // The rating page: a form, no login; one rating, recorded with its comment.
    let rate = path_of(&link(finished, "http"));
    let rate = rate[rate.find("/rate/").unwrap()..].to_string();
    let form = app.http.get(format!("{}{rate}", app.base)).send().await.unwrap();
    assert_eq!(form.status(), 200);
    assert!(form.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = form.text().await.unwrap();
    assert!(page.contains("How did Dry &amp; Sons Restorations do?") && page.contains("name=\"score\""), "{page}");
    let bad = app.http.post(format!("{}{rate}", app.base)).form(&[("score", "9")]).send().await.unwrap();
    assert_eq!(bad.status(), 400, "a score outside 1 to 5 is refused");
    // The insurer records a rating first (a phone survey): the customer's own word replaces it.
    app.ok(Some(&key), "mutation($j:ID!){ rateJob(jobId:$j, score: 1){ satisfaction } }", json!({"j": job})).await;
    let sent = app
        .http
        .post(format!("{}{rate}", app.base))
        .form(&[("score", "4"), ("comment", "Quick & tidy <b>work</b>")])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let again = app.http.post(format!("{}{rate}", app.base)).form(&[("score", "1")]).send().await.unwrap();
    assert_eq!(again.status(), 409, "a link rates once");
    let j = app
        .ok(
            Some(&admin),
            "query($j:ID!){ job(id:$j){ satisfaction satisfactionComment contractor { avgRating ratingCount } } }",
            json!({"j": job}),
        )
        .await;
    assert_eq!(j["job"]["satisfaction"], 4);
    assert_eq!(j["job"]["satisfactionComment"], "Quick & tidy <b>work</b>");
    assert_eq!(j["job"]["contractor"]["ratingCount"], 1, "it feeds the routing formula's satisfaction term");
    assert_eq!(j["job"]["contractor"]["avgRating"], 4.0, "the customer's 4 replaced the insurer's 1");
    let mut tampered = rate.clone();
    tampered.push('A');
    let refused = app.http.get(format!("{}{tampered}", app.base)).send().await.unwrap();
    assert_eq!(refused.status(), 400);

    // Opting out by the link in the text: confirmed with a POST (a preview's GET changes nothing).
    let stop = path_of(&link(texts[0], "http"));
    let stop = stop[stop.find("/stop/").unwrap()..].to_string();
    let confirm = app.http.get(format!("{}{stop}", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(confirm.contains("Stop text messages") || confirm.contains("text messages"), "{confirm}");
    assert!(!confirm.contains(&phone), "the page masks the number: {confirm}");
    let done = app.http.post(format!("{}{stop}", app.base)).send().await.unwrap();
    assert_eq!(done.status(), 200);
    // Once more is fine (idempotent), and audited once.
    assert_eq!(app.http.post(format!("{}{stop}", app.base)).send().await.unwrap().status(), 200);
    let audit = app
        .ok(Some(&admin), "{ auditLog(first: 10, filter: {action: \"customer.opted_out\"}){ totalCount } }", json!({}))
        .await;
    assert_eq!(audit["auditLog"]["totalCount"], 1);

    // The same customer's next lead: no SMS (opted out), the email still goes.
    let mut next = lead_input();
    next["customer"]["phone"] = json!(phone);
    next["damageType"] = json!("STORM");
    let (lead2, _) = create_lead(&app, &key, next).await;
    let offers = open_offers(&lead_detail(&app, &admin, &lead2).await);
    let (offer, _) = offers.into_iter().find(|(_, cid)| *cid == c.id).unwrap();
    app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await;
    let mail = smtp.next().await;
    assert!(mail.parsed().subject().unwrap().contains("storm"));
    let rows = notification_log(&app, &admin, json!({"leadId": lead2})).await;
    assert_eq!(rows.len(), 1, "only the email: {rows:#?}");
    assert_eq!(rows[0]["channel"], "EMAIL");
    assert_eq!(twilio.accepted.lock().await.len(), 4, "no SMS after the opt-out");

    // The log is NRP's: nobody else reads it.
    for token in [&c.token, &key] {
        assert_eq!(error_code(&app.gql(Some(token), NOTIFICATION_LOG, json!({})).await), "FORBIDDEN");
    }
    assert_eq!(error_code(&app.gql(None, NOTIFICATION_LOG, json!({})).await), "UNAUTHENTICATED");
    drop(smtp);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_hears_each_step_rates_the_job_and_can_opt_out_on_sqlite() {
    customer_journey(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_hears_each_step_rates_the_job_and_can_opt_out_on_postgres() {
    customer_journey(Backend::Postgres).await;
}

/// An assigned lead for a fresh contractor; returns the lead id and its customer's number.
async fn assigned_lead(app: &TestApp, admin: &str, key: &str, c: &Contractor, email: Option<&str>) -> (String, String) {
    let mut input = lead_input();
    input["customer"]["email"] = json!(email);
    let phone = format!("+61{}", &input["customer"]["phone"].as_str().unwrap()[1..]);
    let (lead, _) = create_lead(app, key, input).await;
    let offers = open_offers(&lead_detail(app, admin, &lead).await);
    let (offer, _) = offers.into_iter().find(|(_, cid)| *cid == c.id).unwrap();
    app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await;
    (lead, phone)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_retry_then_dead_letter_and_an_admin_sends_them_again() {
    let mut smtp = SmtpSink::start(1).await;
    let twilio = FakeTwilio::default();
    let base = twilio.start().await;
    let app = TestApp::spawn_with(Backend::Postgres, channels(&smtp, &base)).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Faulty Mutual").await;
    let c = contractor(&app, &admin, "faults", json!({"basePostcode": "2150"}), true).await;

    // SMS: a 500, then a 429 asking for a second, then accepted; the SMTP server's first answer is
    // a 451. Both end SENT, having retried.
    twilio.answer([Answer::ServerError, Answer::TooMany(1)]).await;
    let (lead, phone) = assigned_lead(&app, &admin, &key, &c, Some("first@home.example")).await;
    twilio.until(|got| got.iter().any(|s| s.field("To") == Some(phone.as_str()))).await;
    let requests = twilio.requests.lock().await.clone();
    assert_eq!(requests.len(), 3, "500, 429, 201");
    let mail = smtp.next().await;
    assert_eq!(mail.to, vec!["first@home.example".to_string()]);
    let rows =
        notification_log_until(&app, &admin, json!({"leadId": lead}), |r| r.iter().all(|n| n["status"] == "SENT"))
            .await;
    let sms = rows.iter().find(|n| n["channel"] == "SMS").unwrap();
    assert_eq!(sms["attempts"], 3);
    assert_eq!(rows.iter().find(|n| n["channel"] == "EMAIL").unwrap()["attempts"], 2);

    // A number Twilio will never take, and a mailbox the server refuses (550): dead letters at
    // once, with the reason; no retries are spent on them.
    twilio.answer([Answer::Invalid(21211)]).await;
    let (lead, _) = assigned_lead(&app, &admin, &key, &c, Some("refuse-me@home.example")).await;
    let rows = notification_log_until(&app, &admin, json!({"leadId": lead}), |r| {
        r.len() == 2 && r.iter().all(|n| n["status"] == "FAILED")
    })
    .await;
    for n in &rows {
        assert_eq!(n["attempts"], 1, "refused for good on the first try: {n}");
    }
    let sms = rows.iter().find(|n| n["channel"] == "SMS").unwrap();
    assert!(sms["lastError"].as_str().unwrap().contains("21211"), "{sms}");
    let email = rows.iter().find(|n| n["channel"] == "EMAIL").unwrap();
    assert!(email["lastError"].as_str().unwrap().contains("550"), "{email}");
    let dead = notification_log(&app, &admin, json!({"status": "FAILED"})).await;
    assert_eq!(dead.len(), 2, "the dead letters, by status");

    // By the day written, on NRP's clock; an inverted range names its field.
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Australia::Sydney).date_naive();
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let y = today.pred_opt().unwrap();
    let f = json!({"status": "FAILED", "createdFrom": day(today), "createdTo": day(today)});
    assert_eq!(notification_log(&app, &admin, f).await.len(), 2);
    assert!(notification_log(&app, &admin, json!({"createdTo": day(y)})).await.is_empty());
    let bad =
        app.gql(Some(&admin), NOTIFICATION_LOG, json!({"f": {"createdFrom": day(today), "createdTo": day(y)}})).await;
    assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "filter.createdTo"));

    // The CSV is the list as shown, without bodies; a code still waiting to go keeps its subject
    // out of it as the list does.
    let now = chrono::Utc::now();
    let waiting_code = entities::notification::ActiveModel {
        id: sea_orm::Set(uuid::Uuid::now_v7()),
        channel: sea_orm::Set(entities::NotificationChannel::Email),
        template: sea_orm::Set("contact.verify".into()),
        audience: sea_orm::Set(entities::NotificationAudience::User),
        destination: sea_orm::Set("code-owner@nrp.example".into()),
        subject: sea_orm::Set(Some("Your code: 424242".into())),
        body_text: sea_orm::Set("Your code is 424242".into()),
        status: sea_orm::Set(entities::NotificationStatus::Pending),
        attempts: sea_orm::Set(0),
        next_attempt_at: sea_orm::Set(now + chrono::Duration::days(1)),
        created_at: sea_orm::Set(now),
        ..Default::default()
    };
    sea_orm::ActiveModelTrait::insert(waiting_code, &app.ctx.db).await.unwrap();
    let csv = app.get_text(&admin, &format!("/reports/notifications.csv?status=FAILED&from={}", day(today))).await;
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let head = r.headers().unwrap().clone();
    assert_eq!((&head[2], &head[8], &head[10]), ("channel", "status", "last_error"));
    assert!(!head.iter().any(|h| h.contains("body")), "no bodies: {head:?}");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let mut ids: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    let mut expected: Vec<String> = dead.iter().map(|n| n["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    expected.sort();
    assert_eq!(ids, expected, "{csv}");
    assert!(rows.iter().any(|r| r[10].contains("21211")) && rows.iter().any(|r| r[10].contains("550")), "{csv}");
    let pending =
        app.get_text(&admin, "/reports/notifications.csv?status=PENDING&recipient=code-owner@nrp.example").await;
    assert!(pending.contains("contact.verify") && !pending.contains("424242"), "{pending}");
    let none = app.get_text(&admin, &format!("/reports/notifications.csv?to={}", day(y))).await;
    assert_eq!(none.lines().count(), 1, "only the header");
    for bad in ["status=LOST", "channel=PIGEON", "from=soon", &format!("from={}&to={}", day(today), day(y))] {
        let resp = app
            .http
            .get(format!("{}/reports/notifications.csv?{bad}", app.base))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
    }
    for (token, status) in [(Some(key.as_str()), 403), (Some(c.token.as_str()), 403), (None, 401)] {
        let mut req = app.http.get(format!("{}/reports/notifications.csv", app.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        assert_eq!(req.send().await.unwrap().status(), status);
    }

    // Retries run out: three 500s make a dead letter after NOTIFY_MAX_ATTEMPTS.
    twilio.answer([Answer::ServerError, Answer::ServerError, Answer::ServerError]).await;
    let (lead, phone) = assigned_lead(&app, &admin, &key, &c, None).await;
    let rows =
        notification_log_until(&app, &admin, json!({"leadId": lead}), |r| r.len() == 1 && r[0]["status"] == "FAILED")
            .await;
    assert_eq!(rows[0]["attempts"], 3);
    // "Send again": a new entry naming the original, which is sent now that Twilio takes it.
    let again = app
        .ok(
            Some(&admin),
            "mutation($id:ID!){ resendNotification(id:$id){ id status resentFrom } }",
            json!({"id": rows[0]["id"]}),
        )
        .await["resendNotification"]
        .clone();
    assert_eq!(again["resentFrom"], rows[0]["id"]);
    twilio.until(|got| got.iter().any(|s| s.field("To") == Some(phone.as_str()))).await;
    let rows = notification_log_until(&app, &admin, json!({"leadId": lead}), |r| {
        r.len() == 2 && r.iter().any(|n| n["status"] == "SENT")
    })
    .await;
    assert!(rows.iter().any(|n| n["status"] == "FAILED"), "the original keeps its history");
    // Bad asks: an unknown id, a malformed one, a non-admin.
    let unknown = app
        .gql(Some(&admin), "mutation($id:ID!){ resendNotification(id:$id){ id } }", json!({"id": uuid::Uuid::now_v7()}))
        .await;
    assert_eq!(error_code(&unknown), "NOT_FOUND");
    let bad_filter = app.gql(Some(&admin), NOTIFICATION_LOG, json!({"f": {"userId": "not-an-id"}})).await;
    assert_eq!((error_code(&bad_filter), error_field(&bad_filter)), ("BAD_USER_INPUT", "filter.userId"));
    let garbage = app.gql(Some(&admin), "mutation{ resendNotification(id:\"x\"){ id } }", json!({})).await;
    assert_eq!(error_code(&garbage), "BAD_USER_INPUT");
    assert_eq!(error_field(&garbage), "id");
    let as_contractor = app
        .gql(Some(&c.token), "mutation($id:ID!){ resendNotification(id:$id){ id } }", json!({"id": again["id"]}))
        .await;
    assert_eq!(error_code(&as_contractor), "FORBIDDEN");
    assert!(smtp.quiet_for(Duration::from_millis(300)).await.is_none(), "nothing else was mailed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_that_dies_after_its_claim_loses_nothing_and_two_instances_never_send_twice() {
    let smtp = SmtpSink::start(0).await;
    let twilio = FakeTwilio::default();
    let base = twilio.start().await;
    // A slow provider, and a short lease (twice the send timeout).
    *twilio.delay.lock().await = Duration::from_millis(150);
    let opts = channels(&smtp, &base).env("NOTIFY_TIMEOUT_MILLIS", "1000");
    let db = std::sync::Arc::new(TestDatabase::create(Backend::Postgres).await);
    let one = TestApp::spawn_on(db.clone(), opts.clone()).await;
    let two = TestApp::spawn_on(db.clone(), opts).await;
    seed_postcodes(&one).await;
    let admin = one.admin_token().await;
    let (_, key) = insurer_key(&one, &admin, "Twin Mutual").await;
    let c = contractor(&one, &admin, "twins", json!({"basePostcode": "2150"}), true).await;

    // A notification claimed by a sender that then died: written, claimed, never sent.
    let ctx = &one.ctx;
    let mut orphan = nrp_server::services::notifications::Outgoing::new(
        entities::NotificationChannel::Sms,
        "customer.assigned",
        entities::NotificationAudience::Customer,
        "+61499999999".into(),
        nrp_server::services::notifications::Rendered { subject: "s".into(), text: "orphaned".into(), html: None },
    );
    orphan.dedupe_key = Some(format!("orphan:{}", uuid::Uuid::now_v7()));
    // Not due for an hour, so no live sender takes it before the dead one claims it.
    orphan.due_at = chrono::Utc::now() + chrono::Duration::hours(1);
    nrp_server::services::notifications::enqueue(ctx, &ctx.db, vec![orphan.clone()]).await.unwrap();
    let row = entities::notification::Entity::find_by_id(orphan.id).one(&ctx.db).await.unwrap().unwrap();
    let claimed = nrp_server::services::notifications::claim(ctx, &row).await.unwrap();
    assert!(claimed.is_some());
    let claimed_at = std::time::Instant::now();

    // Leads from both instances, so both senders have work.
    let mut phones = Vec::new();
    for i in 0..12 {
        let app = if i % 2 == 0 { &one } else { &two };
        let (_, phone) = assigned_lead(app, &admin, &key, &c, None).await;
        phones.push(phone);
    }
    let got = twilio.until(|got| phones.iter().all(|p| got.iter().any(|s| s.field("To") == Some(p.as_str())))).await;
    for p in &phones {
        assert_eq!(got.iter().filter(|s| s.field("To") == Some(p.as_str())).count(), 1, "{p} got one SMS");
    }
    // The orphan goes once its lease lapses: not lost, not sent twice.
    let got = twilio.until(|got| got.iter().any(|s| s.field("To") == Some("+61499999999"))).await;
    assert!(claimed_at.elapsed() >= Duration::from_millis(1500), "not before the dead sender's lease ran out");
    assert_eq!(got.iter().filter(|s| s.field("To") == Some("+61499999999")).count(), 1);
    let total = twilio.requests.lock().await.len();
    assert_eq!(total, phones.len() + 1, "every request accepted once; none repeated");
    one.stop().await;
    two.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_configured_channel_nothing_is_queued_for_it() {
    let twilio = FakeTwilio::default();
    let base = twilio.start().await;
    let opts = TestOptions::default()
        .env("TWILIO_ACCOUNT_SID", TWILIO_SID)
        .env("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
        .env("TWILIO_MESSAGING_SERVICE_SID", "MG00000000000000000000000000000001")
        .env("TWILIO_API_BASE", &base);
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Quiet Mutual").await;
    let c = contractor(&app, &admin, "quiet", json!({"basePostcode": "2150"}), true).await;
    let (lead, phone) = assigned_lead(&app, &admin, &key, &c, Some("has@email.example")).await;
    let got = twilio.until(|got| got.iter().any(|s| s.field("To") == Some(phone.as_str()))).await;
    assert_eq!(got[0].field("MessagingServiceSid"), Some("MG00000000000000000000000000000001"));
    assert_eq!(got[0].field("From"), None, "a messaging service, not a number");
    let rows = notification_log(&app, &admin, json!({"leadId": lead})).await;
    assert_eq!(rows.len(), 1, "no email without SMTP_URL: {rows:#?}");
    assert_eq!(rows[0]["channel"], "SMS");
    // Nothing can be set up on a channel that is off.
    let email = app.gql(Some(&c.token), "mutation{ requestContactVerification(channel: EMAIL) }", json!({})).await;
    assert_eq!((error_code(&email), error_field(&email)), ("BAD_USER_INPUT", "channel"));
    let device = json!({"i": {"endpoint": "https://push.example/x", "p256dh": "x", "auth": "x"}});
    let push = app
        .gql(
            Some(&c.token),
            "mutation($i: PushSubscriptionInput!){ registerPushSubscription(input: $i){ id } }",
            device,
        )
        .await;
    assert_eq!(error_code(&push), "CONFLICT", "push is off: {push}");
    assert_eq!(app.ok(Some(&c.token), "{ webPushPublicKey }", json!({})).await["webPushPublicKey"], json!(null));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_hears_of_a_lead_nobody_took_once_their_email_is_proven() {
    let mut smtp = SmtpSink::start(0).await;
    let twilio = FakeTwilio::default();
    let base = twilio.start().await;
    let app = TestApp::spawn_with(Backend::Sqlite, channels(&smtp, &base)).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Queue Mutual").await;

    // Not proven yet: a lead with nobody to take it sends the admin nothing.
    let mut input = lead_input();
    input["customer"]["email"] = json!(null);
    let (first, status) = create_lead(&app, &key, input.clone()).await;
    assert_eq!(status, "UNASSIGNED", "no contractors at all");
    assert!(notification_log(&app, &admin, json!({"leadId": first})).await.is_empty());

    // Proving the email: a code by email; a bad code, a push "verification", then the right one.
    let push = app.gql(Some(&admin), "mutation{ requestContactVerification(channel: PUSH) }", json!({})).await;
    assert_eq!((error_code(&push), error_field(&push)), ("BAD_USER_INPUT", "channel"));
    app.ok(Some(&admin), "mutation{ requestContactVerification(channel: EMAIL) }", json!({})).await;
    let mail = smtp.next().await;
    let parsed = mail.parsed();
    let subject = parsed.subject().unwrap().to_string();
    let code: String = subject.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6, "{subject}");
    let confirm = "mutation($c:String!){ confirmContactVerification(channel: EMAIL, code: $c){ emailVerified } }";
    let bad = app.gql(Some(&admin), confirm, json!({"c": "12ab56"})).await;
    assert_eq!(error_field(&bad), "code");
    let ok = app.ok(Some(&admin), confirm, json!({"c": code})).await;
    assert_eq!(ok["confirmContactVerification"]["emailVerified"], true);
    // The code is nobody's to read in the log, and it is never sent again.
    let sent = notification_log_until(&app, &admin, json!({"template": "contact.verify"}), |r| {
        r.iter().any(|n| n["status"] == "SENT")
    })
    .await;
    assert!(!sent[0].to_string().contains(&code), "the log keeps no code: {}", sent[0]);
    let again = app
        .gql(Some(&admin), "mutation($id:ID!){ resendNotification(id:$id){ id } }", json!({"id": sent[0]["id"]}))
        .await;
    assert_eq!(error_code(&again), "CONFLICT");
    assert_eq!(
        error_code(&app.gql(Some(&key), "{ notificationSettings { emailVerified } }", json!({})).await),
        "FORBIDDEN",
        "an API key has no alert settings"
    );

    // Now the queue reaches the admin by email, linking to the lead.
    let mut next = lead_input();
    next["customer"]["email"] = json!(null);
    let (lead, _) = create_lead(&app, &key, next).await;
    let mail = smtp.next().await;
    let parsed = mail.parsed();
    assert_eq!(parsed.subject(), Some("Lead needs a contractor: water damage in Sydney"));
    let text = parsed.body_text(0).unwrap().to_string();
    assert!(text.contains(&format!("/admin/leads/{lead}")), "{text}");
    assert!(!text.contains("Pat"), "no customer in an alert: {text}");
    let rows =
        notification_log_until(&app, &admin, json!({"leadId": lead}), |r| r.iter().any(|n| n["status"] == "SENT"))
            .await;
    assert_eq!(rows[0]["template"], "admin.unassigned_lead");
    // Turning email off for it stops the next one.
    app.ok(
        Some(&admin),
        "mutation{ updateNotificationSettings(input: {choices: [{event: UNASSIGNED_LEAD, channels: [PUSH]}]}){ phone } }",
        json!({}),
    )
    .await;
    let mut third = lead_input();
    third["customer"]["email"] = json!(null);
    let (lead3, _) = create_lead(&app, &key, third).await;
    assert!(notification_log(&app, &admin, json!({"leadId": lead3})).await.is_empty());
    assert!(smtp.quiet_for(Duration::from_millis(300)).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contractor_hears_of_its_overdue_job_by_email_once() {
    let mut smtp = SmtpSink::start(0).await;
    let twilio = FakeTwilio::default();
    let base = twilio.start().await;
    let opts = channels(&smtp, &base).env("CONTACT_SLA_MINS_HIGH", "0").env("EXPIRY_SWEEP_MILLIS", "50");
    let app = TestApp::spawn_with(Backend::Postgres, opts).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Late Mutual").await;
    let c = contractor(&app, &admin, "late", json!({"basePostcode": "2000"}), true).await;
    // The contractor proves its email; the code is the only mail so far.
    app.ok(Some(&c.token), "mutation{ requestContactVerification(channel: EMAIL) }", json!({})).await;
    let code_mail = smtp.next().await;
    assert_eq!(code_mail.to, vec![c.email.clone()]);
    let subject = code_mail.parsed().subject().unwrap().to_string();
    let code: String = subject.chars().filter(char::is_ascii_digit).collect();
    app.ok(
        Some(&c.token),
        "mutation($c:String!){ confirmContactVerification(channel: EMAIL, code: $c){ emailVerified } }",
        json!({"c": code}),
    )
    .await;

    // A won job nobody contacts: past its (zero-minute) deadline it is flagged once, and the
    // company's people hear of it; the customer's own messages go to the customer.
    let mut input = lead_input();
    input["customer"]["email"] = json!(null);
    let (lead, _) = create_lead(&app, &key, input).await;
    let offers = open_offers(&lead_detail(&app, &admin, &lead).await);
    let (offer, _) = offers.into_iter().find(|(_, cid)| *cid == c.id).unwrap();
    let won = app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await;
    let job = won["acceptOffer"]["job"]["id"].as_str().unwrap().to_string();
    let mail = smtp.next().await;
    assert_eq!(mail.to, vec![c.email.clone()]);
    let parsed = mail.parsed();
    assert_eq!(parsed.subject(), Some("Job overdue: water damage in Sydney"));
    let text = parsed.body_text(0).unwrap().to_string();
    assert!(
        text.contains("the customer has not been contacted in time") && text.contains(&format!("/jobs/{job}")),
        "{text}"
    );
    let rows = notification_log_until(&app, &admin, json!({"leadId": lead, "channel": "EMAIL"}), |r| {
        r.iter().any(|n| n["template"] == "job.overdue" && n["status"] == "SENT")
    })
    .await;
    assert_eq!(rows.iter().filter(|n| n["template"] == "job.overdue").count(), 1, "once: {rows:#?}");
    assert!(smtp.quiet_for(Duration::from_millis(500)).await.is_none(), "flagged once, told once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_at_a_code_share_its_five_tries_and_long_names_never_block_a_job() {
    let mut smtp = SmtpSink::start(0).await;
    let twilio = FakeTwilio::default();
    let base = twilio.start().await;
    let app = TestApp::spawn_with(Backend::Postgres, channels(&smtp, &base)).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Guess Mutual").await;
    let name = format!("{} Restorations", "Very Long Name ".repeat(12)).chars().take(200).collect::<String>();
    let c = contractor(&app, &admin, "guess", json!({"basePostcode": "2000", "companyName": name}), true).await;
    app.ok(Some(&c.token), "mutation{ requestContactVerification(channel: EMAIL) }", json!({})).await;
    let subject = smtp.next().await.parsed().subject().unwrap().to_string();
    let code: String = subject.chars().filter(char::is_ascii_digit).collect();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm = "mutation($c:String!){ confirmContactVerification(channel: EMAIL, code: $c){ emailVerified } }";
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(12));
    let guesses = (0..12).map(|_| {
        let (app, barrier, token) = (&app, barrier.clone(), c.token.clone());
        async move {
            barrier.wait().await;
            app.gql(Some(&token), confirm, json!({"c": wrong})).await
        }
    });
    let answers = futures_util::future::join_all(guesses).await;
    assert!(answers.iter().all(|a| error_field(a) == "code"), "{answers:?}");
    let counted = answers.iter().filter(|a| a["errors"][0]["message"].as_str().unwrap().contains("not right")).count();
    assert!(counted <= 5, "at most five tries are counted, however many arrive at once: {counted}");
    let late = app.gql(Some(&c.token), confirm, json!({"c": code})).await;
    assert_eq!(error_field(&late), "code", "the tries are spent, even for the right code: {late}");

    // A 200-character company name: the customer's messages are queued (subjects clipped to
    // fit), and the job is won.
    let (lead, _) = create_lead(&app, &key, lead_input()).await;
    let offer =
        open_offers(&lead_detail(&app, &admin, &lead).await).into_iter().find(|(_, cid)| *cid == c.id).unwrap().0;
    let won = app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await;
    assert!(won["acceptOffer"]["job"]["id"].is_string());
    let rows = notification_log_until(&app, &admin, json!({"leadId": lead}), |r| r.len() == 2).await;
    assert!(rows.iter().all(|n| n["subject"].as_str().unwrap().chars().count() <= 200));
}

/// Posts a text a customer sent to NRP's number, as Twilio's inbound webhook does (signed).
async fn text_back(app: &TestApp, from: &str, body: &str, sign: bool) -> (u16, String) {
    let params = vec![
        ("AccountSid".to_string(), TWILIO_SID.to_string()),
        ("Body".to_string(), body.to_string()),
        ("From".to_string(), from.to_string()),
        ("MessageSid".to_string(), format!("SM{}", uuid::Uuid::new_v4().simple())),
        ("To".to_string(), TWILIO_FROM.to_string()),
    ];
    let url = format!("{}/webhooks/twilio/sms", app.ctx.config.public_base_url);
    let signature =
        if sign { nrp_server::notify::twilio_signature(TWILIO_TOKEN, &url, &params) } else { "forged".to_string() };
    let resp = app
        .http
        .post(format!("{}/webhooks/twilio/sms", app.base))
        .header("x-twilio-signature", signature)
        .form(&params)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_who_texts_stop_gets_no_more_texts_until_start() {
    let smtp = SmtpSink::start(0).await;
    let twilio = FakeTwilio::default();
    let base = twilio.start().await;
    let app = TestApp::spawn_with(Backend::Postgres, channels(&smtp, &base)).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Reply Mutual").await;
    let c = contractor(
        &app,
        &admin,
        "reply",
        json!({"basePostcode": "2000", "specialties": ["WATER", "STORM", "FIRE"]}),
        true,
    )
    .await;
    let phone = "+61488777666";
    let lead_for = |damage: &str| {
        let mut input = lead_input();
        input["customer"]["phone"] = json!("0488 777 666");
        input["customer"]["email"] = json!(null);
        input["damageType"] = json!(damage);
        input
    };
    let assign = |input: serde_json::Value| {
        let (app, admin, key, c) = (&app, &admin, &key, &c);
        async move {
            let (lead, _) = create_lead(app, key, input).await;
            let offer =
                open_offers(&lead_detail(app, admin, &lead).await).into_iter().find(|(_, cid)| *cid == c.id).unwrap().0;
            app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await;
            lead
        }
    };

    // Forged requests change nothing.
    assert_eq!(text_back(&app, phone, "STOP", false).await.0, 403);
    let (status, twiml) = text_back(&app, "0488 777 666", "Stop.", true).await;
    assert_eq!(status, 200);
    assert!(twiml.contains("<Response>"), "{twiml}");
    let audit = app
        .ok(
            Some(&admin),
            "{ auditLog(first: 5, filter: {action: \"customer.opted_out\"}){ nodes { changes } } }",
            json!({}),
        )
        .await;
    assert_eq!(audit["auditLog"]["nodes"][0]["changes"]["via"], "REPLY");
    let lead = assign(lead_for("WATER")).await;
    assert!(notification_log(&app, &admin, json!({"leadId": lead})).await.is_empty(), "no text after STOP");

    // Something else is not a keyword; START opts back in.
    assert_eq!(text_back(&app, phone, "thanks, see you Tuesday", true).await.0, 200);
    assert_eq!(text_back(&app, phone, "START", true).await.0, 200);
    let lead = assign(lead_for("STORM")).await;
    twilio.until(|got| got.iter().any(|s| s.field("To") == Some(phone))).await;
    let rows =
        notification_log_until(&app, &admin, json!({"leadId": lead}), |r| r.iter().any(|n| n["status"] == "SENT"))
            .await;
    assert_eq!(rows[0]["channel"], "SMS");
}
