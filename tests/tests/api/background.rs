//! Background work that nobody can stall: each kind runs in its own task, webhooks go out from a
//! bounded pool with a cap per partner, and a claimed delivery is leased from its claim.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use nrp_tests::leads::*;
use nrp_tests::receiver::{BlackHole, SlowReceiver};
use nrp_tests::ws::{Frame, LEAD_UPDATES, Ws};
use nrp_tests::*;
use serde_json::json;

const SET_HOOK: &str = "mutation($u:String){ setPartnerWebhook(url:$u){ secret } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_endpoint_that_never_answers_does_not_hold_offers_past_their_expiry() {
    // A send to the black hole is given up only after two minutes: an expiry that waited for one
    // would be that late, far beyond anything the suite's load does to the sweep.
    let expiry = Duration::from_secs(2);
    let send_timeout = Duration::from_secs(120);
    let opts = TestOptions::default()
        .env("OFFER_EXPIRY_SECS", "2")
        .env("EXPIRY_SWEEP_MILLIS", "100")
        .env("WEBHOOK_TIMEOUT_MILLIS", &send_timeout.as_millis().to_string());
    let app = TestApp::spawn_with(Backend::Postgres, opts).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Black Hole Mutual").await;
    let hole = BlackHole::start().await;
    app.ok(Some(&key), SET_HOOK, json!({"u": hole.url})).await;
    for i in 0..4 {
        contractor(&app, &admin, &format!("hole{i}"), json!({"basePostcode": "2150"}), true).await;
    }
    let mut queue = Ws::connect(&app, &admin).await;
    queue.subscribe("q", LEAD_UPDATES).await;

    // 60 leads: three offers each, then the fourth contractor after the first wave expires,
    // then the queue. Every lead makes webhook deliveries to the black hole.
    let mut created = HashMap::new();
    for _ in 0..60 {
        let (id, status) = create_lead(&app, &key, lead_input()).await;
        assert_eq!(status, "OFFERING");
        created.insert(id, Instant::now());
    }
    let mut worst = Duration::ZERO;
    let mut waiting = created.len();
    while waiting > 0 {
        let Frame::Json(f) = queue.next(send_timeout / 2).await else { panic!("the admin socket closed") };
        let u = &f["payload"]["data"]["leadUpdates"];
        if u["status"] != "UNASSIGNED" {
            continue;
        }
        let Some(at) = created.get(u["leadId"].as_str().unwrap()) else { continue };
        // Two waves of expiry, then the cascade to the queue.
        let lag = at.elapsed().saturating_sub(expiry * 2);
        worst = worst.max(lag);
        waiting -= 1;
    }
    println!("offers cascaded at most {} ms after their expiry", worst.as_millis());
    // Under the whole suite's load the lag has passed 8 s; an expiry held for a whole send would
    // be two minutes late.
    assert!(worst < send_timeout / 4, "every offer expired and cascaded before a stuck send gave up (worst {worst:?})");
    assert!(hole.connections.load(std::sync::atomic::Ordering::SeqCst) > 0, "the black hole was tried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_never_have_one_webhook_in_flight_twice() {
    // Sends time out after a second, so a claim is held for two: longer than any send can take.
    let prefix = format!("lease-{}", uuid::Uuid::new_v4().simple());
    let opts = TestOptions::default()
        .with_redis(&prefix)
        .env("WEBHOOK_TIMEOUT_MILLIS", "1000")
        .env("WEBHOOK_PARTNER_CONCURRENCY", "4")
        .env("EXPIRY_SWEEP_MILLIS", "50");
    let a = TestApp::spawn_with(Backend::Postgres, opts.clone()).await;
    let b = TestApp::spawn_on(a.db.clone(), opts).await;
    seed_postcodes(&a).await;
    let admin = a.admin_token().await;
    let (_, key) = insurer_key(&a, &admin, "Slow Mutual").await;
    let receiver = SlowReceiver::default();
    let url = receiver.start(Duration::from_millis(300)).await;
    a.ok(Some(&key), SET_HOOK, json!({"u": url})).await;
    // No contractor covers these leads: each goes NEW → UNASSIGNED, two events.
    for _ in 0..25 {
        create_lead(&b, &key, lead_input()).await;
    }
    receiver.until(50).await;
    assert!(receiver.overlaps.lock().unwrap().is_empty(), "in flight twice: {:?}", receiver.overlaps.lock().unwrap());
    let mut ids = receiver.received.lock().unwrap().clone();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 50, "every event delivered once");
    a.stop().await;
    b.stop().await;
}
