//! Offers reach a contractor's devices by Web Push: encrypted to each device (RFC 8291), signed
//! with NRP's VAPID key (RFC 8292), replaced when the offer closes, dropped when the push service
//! says the device is gone; an urgent offer left unopened is followed by an SMS to a verified
//! phone; quiet hours hold back everything but emergencies.

use std::time::Duration;

use nrp_tests::leads::*;
use nrp_tests::notify::*;
use nrp_tests::push::*;
use nrp_tests::*;
use serde_json::{Value, json};

const REGISTER_DEVICE: &str =
    "mutation($i: PushSubscriptionInput!){ registerPushSubscription(input: $i){ id endpoint label } }";

fn push_options(vapid_private: &str) -> TestOptions {
    TestOptions::default()
        .env("VAPID_PRIVATE_KEY", vapid_private)
        .env("VAPID_SUBJECT", "mailto:alerts@nrp.example")
        .env("NOTIFY_RETRY_BASE_MILLIS", "100")
        .env("EXPIRY_SWEEP_MILLIS", "100")
}

async fn register(app: &TestApp, token: &str, push: &FakePushService, d: &Device) -> Value {
    let input =
        json!({"endpoint": push.endpoint(d).await, "p256dh": d.p256dh(), "auth": d.auth_b64(), "label": d.name});
    app.ok(Some(token), REGISTER_DEVICE, json!({"i": input})).await["registerPushSubscription"].clone()
}

fn payload(d: &Device, p: &Push) -> Value {
    serde_json::from_slice(&d.decrypt(&p.body)).expect("the payload is JSON")
}

async fn offers_reach_devices(backend: Backend) {
    let (private, public) = nrp_server::notify::Vapid::generate();
    let push = FakePushService::default();
    let origin = push.start().await;
    let app = TestApp::spawn_with(backend, push_options(&private)).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Push Mutual").await;
    let a = contractor(&app, &admin, "pusha", json!({"basePostcode": "2000"}), true).await;
    let b = contractor(&app, &admin, "pushb", json!({"basePostcode": "2000"}), true).await;

    let served = app.ok(Some(&a.token), "{ webPushPublicKey }", json!({})).await;
    assert_eq!(served["webPushPublicKey"], json!(public), "the app subscribes with the server's key");
    let (phone, laptop) = (Device::new("a-phone"), Device::new("a-laptop"));
    register(&app, &a.token, &push, &phone).await;
    register(&app, &a.token, &push, &laptop).await;
    let b_phone = Device::new("b-phone");
    register(&app, &b.token, &push, &b_phone).await;

    // Bad subscriptions are refused field by field; only logins register devices.
    let good = json!({"endpoint": push.endpoint(&phone).await, "p256dh": phone.p256dh(), "auth": phone.auth_b64()});
    for (field, value, path) in [
        ("endpoint", json!("https://10.1.2.3/push/x"), "input.endpoint"),
        ("endpoint", json!("https://169.254.169.254/latest"), "input.endpoint"),
        ("endpoint", json!("not a url"), "input.endpoint"),
        ("p256dh", json!("AAAA"), "input.p256dh"),
        ("auth", json!("c2hvcnQ"), "input.auth"),
    ] {
        let mut input = good.clone();
        input[field] = value;
        let body = app.gql(Some(&a.token), REGISTER_DEVICE, json!({"i": input})).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{field}: {body}");
        assert_eq!(error_field(&body), path);
    }
    assert_eq!(error_code(&app.gql(Some(&key), REGISTER_DEVICE, json!({"i": good})).await), "FORBIDDEN");
    assert_eq!(error_code(&app.gql(None, REGISTER_DEVICE, json!({"i": good})).await), "UNAUTHENTICATED");
    let mine = app.ok(Some(&a.token), "{ pushSubscriptions { label } }", json!({})).await;
    assert_eq!(mine["pushSubscriptions"].as_array().unwrap().len(), 2, "a's two devices, not b's: {mine}");

    // A lead: each offered contractor's devices get the offer at once.
    let (lead, _) = create_lead(&app, &key, lead_input()).await;
    let got = push.until(|p| p.len() >= 3).await;
    let detail = lead_detail(&app, &admin, &lead).await;
    let offers = open_offers(&detail);
    let offer_a = offers.iter().find(|(_, c)| *c == a.id).unwrap().0.clone();
    for d in [&phone, &laptop] {
        let p = got.iter().find(|p| p.device == d.name).expect("each device got one");
        let claims = verify_vapid(p, &origin, &public);
        assert_eq!(claims["sub"], "mailto:alerts@nrp.example");
        assert_eq!(p.header("content-encoding"), Some("aes128gcm"));
        assert_eq!(p.header("urgency"), Some("high"));
        let ttl: u64 = p.header("ttl").unwrap().parse().unwrap();
        assert!(ttl > 0 && ttl <= 15 * 60, "kept no longer than the offer is open: {ttl}");
        assert_eq!(p.header("topic"), Some(uuid::Uuid::parse_str(&offer_a).unwrap().simple().to_string().as_str()));
        let body = payload(d, p);
        assert_eq!(body["kind"], "offer");
        assert_eq!(body["offerId"], json!(offer_a));
        assert_eq!(body["url"], json!(format!("/offers/{offer_a}")));
        assert_eq!(body["tag"], json!(format!("offer-{offer_a}")));
        assert_eq!(body["title"], "New water job in Sydney");
        let text = body["body"].as_str().unwrap();
        assert!(text.contains("High") && text.contains("est. $12,500") && text.contains("answer by"), "{text}");
        let all = body.to_string();
        for secret in ["Pat", "Homeowner", "George St", "pat@home.example"] {
            assert!(!all.contains(secret), "no customer details before the lead is won: {all}");
        }
    }
    // Another device's key cannot read it.
    let p = got.iter().find(|p| p.device == "a-phone").unwrap();
    assert!(std::panic::catch_unwind(|| laptop.decrypt(&p.body)).is_err(), "encrypted to the phone only");

    // b takes the lead: a's devices get a push with the same tag that replaces the offer.
    let offer_b = offers.iter().find(|(_, c)| *c == b.id).unwrap().0.clone();
    app.ok(Some(&b.token), ACCEPT, json!({"id": offer_b})).await;
    let got = push.until(|p| p.len() >= 6).await;
    for d in [&phone, &laptop] {
        let closed =
            got.iter().filter(|p| p.device == d.name).map(|p| payload(d, p)).find(|b| b["kind"] == "offer.closed");
        let closed = closed.expect("a closing push for each of a's devices");
        assert_eq!(closed["tag"], json!(format!("offer-{offer_a}")), "same tag: it replaces the offer");
        assert_eq!(closed["title"], "Offer taken");
        assert_eq!(closed["status"], "TAKEN");
    }
    let won = got
        .iter()
        .filter(|p| p.device == "b-phone")
        .map(|p| payload(&b_phone, p))
        .find(|b| b["kind"] == "offer.closed");
    assert_eq!(won.expect("b's own device hears it won")["title"], "Job won");

    // The push service drops the laptop (410), and fails (500) then is busy (429) for the phone:
    // the laptop is removed, the phone's push is retried until it goes.
    push.answer(&laptop, [PushAnswer::Gone]).await;
    push.answer(&phone, [PushAnswer::ServerError, PushAnswer::TooMany(1)]).await;
    let (phone_before, laptop_before) = (push.accepted_for(&phone).await, push.requests_for(&laptop).await);
    let (lead2, _) = create_lead(&app, &key, lead_input()).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let notified = push.arrived.notified();
        if push.accepted_for(&phone).await > phone_before && push.requests_for(&laptop).await > laptop_before {
            break;
        }
        tokio::time::timeout_at(deadline, notified).await.expect("the pushes and the retry arrive");
    }
    assert_eq!(push.requests_for(&phone).await, phone_before + 3, "500, 429, then accepted");
    let rows = notification_log_until(&app, &admin, json!({"leadId": lead2, "channel": "PUSH"}), |r| {
        r.iter().any(|n| n["status"] == "FAILED")
    })
    .await;
    let failed = rows.iter().find(|n| n["status"] == "FAILED").unwrap();
    assert!(failed["lastError"].as_str().unwrap().contains("410"), "{rows:#?}");
    let mine = app.ok(Some(&a.token), "{ pushSubscriptions { label } }", json!({})).await;
    assert_eq!(mine["pushSubscriptions"], json!([{"label": "a-phone"}]), "the device the push service dropped is gone");

    // Signing out removes the device by its endpoint; once gone, again is false.
    let remove = "mutation($e:String){ removePushSubscription(endpoint: $e) }";
    let neither = app.gql(Some(&a.token), "mutation{ removePushSubscription }", json!({})).await;
    assert_eq!((error_code(&neither), error_field(&neither)), ("BAD_USER_INPUT", "id"));
    let e = push.endpoint(&phone).await;
    let gone = app.ok(Some(&b.token), remove, json!({"e": e})).await;
    assert_eq!(gone["removePushSubscription"], false, "someone else's device is never touched");
    assert_eq!(app.ok(Some(&a.token), remove, json!({"e": e})).await["removePushSubscription"], true);
    assert_eq!(app.ok(Some(&a.token), remove, json!({"e": e})).await["removePushSubscription"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_reaches_every_device_encrypted_and_signed_and_closing_replaces_it_on_sqlite() {
    offers_reach_devices(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_reaches_every_device_encrypted_and_signed_and_closing_replaces_it_on_postgres() {
    offers_reach_devices(Backend::Postgres).await;
}

const SETTINGS: &str = "mutation($i: NotificationSettingsInput!){ updateNotificationSettings(input: $i){ phone phoneVerified \
    timeZone quietHours { start end } choices { event channels } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_urgent_offer_left_unopened_is_followed_by_an_sms_to_a_verified_phone() {
    let (private, _) = nrp_server::notify::Vapid::generate();
    let push = FakePushService::default();
    push.start().await;
    let twilio = FakeTwilio::default();
    let base = twilio.start().await;
    let opts = push_options(&private)
        .env("TWILIO_ACCOUNT_SID", TWILIO_SID)
        .env("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
        .env("TWILIO_FROM", TWILIO_FROM)
        .env("TWILIO_API_BASE", &base)
        .env("OFFER_SMS_AFTER_SECS", "1");
    let app = TestApp::spawn_with(Backend::Postgres, opts).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Reminder Mutual").await;
    let c = contractor(&app, &admin, "remind", json!({"basePostcode": "2000"}), true).await;
    let device = Device::new("remind-phone");
    register(&app, &c.token, &push, &device).await;

    // The phone: bad inputs, then a code by SMS; wrong codes count down; the right one verifies.
    let bad = app.gql(Some(&c.token), SETTINGS, json!({"i": {"phone": "12345"}})).await;
    assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "input.phone"));
    let bad = app.gql(Some(&c.token), SETTINGS, json!({"i": {"timeZone": "Mars/Olympus"}})).await;
    assert_eq!(error_field(&bad), "input.timeZone");
    let bad = app.gql(Some(&c.token), SETTINGS, json!({"i": {"quietHours": {"start": "25:00", "end": "07:00"}}})).await;
    assert_eq!(error_field(&bad), "input.quietHours.start");
    let bad =
        app.gql(Some(&c.token), SETTINGS, json!({"i": {"choices": [{"event": "OFFER", "channels": ["EMAIL"]}]}})).await;
    assert_eq!(error_field(&bad), "input.choices", "offers keep push or SMS");
    let both = app
        .gql(
            Some(&c.token),
            SETTINGS,
            json!({"i": {"clearQuietHours": true, "quietHours": {"start": "22:00", "end": "07:00"}}}),
        )
        .await;
    assert_eq!(error_field(&both), "input.clearQuietHours");
    let same =
        app.gql(Some(&c.token), SETTINGS, json!({"i": {"quietHours": {"start": "22:00", "end": "22:00"}}})).await;
    assert_eq!(error_field(&same), "input.quietHours.end");
    let s = app.ok(Some(&c.token), SETTINGS, json!({"i": {"phone": "0499 111 222"}})).await;
    assert_eq!(s["updateNotificationSettings"]["phone"], "+61499111222");
    assert_eq!(s["updateNotificationSettings"]["phoneVerified"], false);
    let masked = app.ok(Some(&c.token), "mutation{ requestContactVerification(channel: SMS) }", json!({})).await;
    assert!(masked["requestContactVerification"].as_str().unwrap().ends_with("222"));
    let sms = twilio.until(|got| got.iter().any(|s| s.field("To") == Some("+61499111222"))).await;
    let text = sms[0].field("Body").unwrap();
    let code: String = text.chars().filter(char::is_ascii_digit).take(6).collect();
    assert!(text.contains(&code) && code.len() == 6, "{text}");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm = "mutation($c:String!){ confirmContactVerification(channel: SMS, code: $c){ phoneVerified } }";
    let no = app.gql(Some(&c.token), confirm, json!({"c": wrong})).await;
    assert_eq!((error_code(&no), error_field(&no)), ("BAD_USER_INPUT", "code"));
    assert!(no["errors"][0]["message"].as_str().unwrap().contains("4 tries left"), "{no}");
    let yes = app.ok(Some(&c.token), confirm, json!({"c": code})).await;
    assert_eq!(yes["confirmContactVerification"]["phoneVerified"], true);
    assert_eq!(
        error_code(&app.gql(Some(&c.token), confirm, json!({"c": code})).await),
        "BAD_USER_INPUT",
        "a code works once"
    );

    // An urgent offer nobody opens: the push at once, the SMS a second later.
    let (lead, _) = create_lead(&app, &key, lead_input()).await;
    let reminder =
        twilio.until(|got| got.iter().any(|s| s.field("Body").is_some_and(|b| b.contains("New water job")))).await;
    let reminder = reminder.iter().find(|s| s.field("Body").unwrap().contains("New water job")).unwrap();
    assert_eq!(reminder.field("To"), Some("+61499111222"));
    let body = reminder.field("Body").unwrap();
    assert!(body.contains("/offers/") && !body.contains("Pat"), "{body}");
    push.until(|p| !p.is_empty()).await;
    let rows = notification_log(&app, &admin, json!({"leadId": lead})).await;
    assert!(rows.iter().any(|n| n["channel"] == "PUSH" && n["template"] == "offer.new"), "{rows:#?}");

    // The next one is opened at once: its SMS is cancelled, not sent.
    let (lead2, _) = create_lead(&app, &key, lead_input()).await;
    let offer =
        open_offers(&lead_detail(&app, &admin, &lead2).await).into_iter().find(|(_, cid)| *cid == c.id).unwrap().0;
    let seen = "mutation($id:ID!){ markOfferSeen(id:$id) }";
    assert_eq!(app.ok(Some(&c.token), seen, json!({"id": offer})).await["markOfferSeen"], true);
    assert_eq!(
        app.ok(Some(&c.token), seen, json!({"id": offer})).await["markOfferSeen"],
        false,
        "the first time counts"
    );
    assert_eq!(error_code(&app.gql(Some(&admin), seen, json!({"id": offer})).await), "FORBIDDEN", "contractors only");
    let rows = notification_log_until(&app, &admin, json!({"leadId": lead2, "channel": "SMS"}), |r| {
        r.iter().any(|n| n["status"] != "PENDING")
    })
    .await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["status"], "CANCELLED");
    assert_eq!(rows[0]["lastError"], "the offer was opened in the app");

    // Quiet hours now, on the contractor's clock: a HIGH offer waits in silence, an EMERGENCY
    // one comes through.
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Australia::Perth);
    let start = (now - chrono::Duration::hours(1)).format("%H:%M").to_string();
    let end = (now + chrono::Duration::hours(1)).format("%H:%M").to_string();
    let quiet = json!({"i": {"timeZone": "Australia/Perth", "quietHours": {"start": start, "end": end}}});
    let s = app.ok(Some(&c.token), SETTINGS, quiet).await;
    assert_eq!(s["updateNotificationSettings"]["quietHours"]["start"], json!(start));
    let pushes_before = push.accepted.lock().await.len();
    let (lead3, _) = create_lead(&app, &key, lead_input()).await;
    let mut urgent = lead_input();
    urgent["urgency"] = json!("EMERGENCY");
    let (lead4, _) = create_lead(&app, &key, urgent).await;
    let got = push.until(|p| p.len() > pushes_before).await;
    let newest = payload(&device, got.last().unwrap());
    let offer4 =
        open_offers(&lead_detail(&app, &admin, &lead4).await).into_iter().find(|(_, cid)| *cid == c.id).unwrap().0;
    assert_eq!(newest["offerId"], json!(offer4), "the emergency comes through");
    let quiet_log = app
        .ok(
            Some(&admin),
            "query($l:ID){ notifications(first: 10, filter: {leadId: $l}){ totalCount } }",
            json!({"l": lead3}),
        )
        .await;
    assert_eq!(quiet_log["notifications"]["totalCount"], 0, "nothing for the HIGH offer in quiet hours");
    let read =
        app.ok(Some(&c.token), "{ notificationSettings { timeZone choices { event channels } } }", json!({})).await;
    let choices = read["notificationSettings"]["choices"].as_array().unwrap();
    assert!(choices.iter().any(|c| c["event"] == "OFFER" && c["channels"] == json!(["PUSH", "SMS"])), "{read}");
}
