//! Several server instances on one PostgreSQL and one Redis, as behind a load balancer.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use nrp_tests::leads::*;
use nrp_tests::ws::{LEAD_OFFERS, Ws};
use nrp_tests::*;
use serde_json::json;

async fn pair(extra: &[(&str, &str)]) -> (TestApp, TestApp) {
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let mut opts = TestOptions::default().with_redis(&prefix);
    for (k, v) in extra {
        opts = opts.env(k, v);
    }
    let a = TestApp::spawn_with(Backend::Postgres, opts.clone()).await;
    let b = TestApp::spawn_on(a.db.clone(), opts).await;
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_raised_on_one_instance_reaches_subscribers_on_the_other() {
    let (a, b) = pair(&[]).await;
    seed_postcodes(&a).await;
    let admin = a.admin_token().await;
    let (_, key) = insurer_key(&a, &admin, "Two Instance Mutual").await;
    let mut cs = Vec::new();
    for i in 0..3 {
        cs.push(contractor(&a, &admin, &format!("inst{i}"), json!({"basePostcode": "2150"}), true).await);
    }
    let mut sockets = Vec::new();
    for c in &cs {
        let mut ws = Ws::connect(&a, &c.token).await;
        ws.subscribe("offers", LEAD_OFFERS).await;
        sockets.push(ws);
    }
    let (lead_id, status) = create_lead(&b, &key, lead_input()).await;
    assert_eq!(status, "OFFERING");
    let mut offer_ids = Vec::new();
    for ws in &mut sockets {
        let d = ws.next_data(Duration::from_secs(5)).await;
        assert_eq!(d["leadOffers"]["kind"], "OFFERED");
        assert_eq!(d["leadOffers"]["offer"]["lead"]["id"], json!(lead_id));
        offer_ids.push(d["leadOffers"]["offer"]["id"].as_str().unwrap().to_string());
    }
    // The second contractor accepts through instance B; A's sockets hear the outcome.
    let won = b.ok(Some(&cs[1].token), ACCEPT, json!({"id": offer_ids[1]})).await;
    assert_eq!(won["acceptOffer"]["lead"]["status"], "ASSIGNED");
    for (i, ws) in sockets.iter_mut().enumerate() {
        let d = ws.next_data(Duration::from_secs(5)).await;
        let expected = if i == 1 { "ACCEPTED" } else { "TAKEN" };
        assert_eq!(d["leadOffers"]["kind"], expected, "contractor {i}");
        assert_eq!(d["leadOffers"]["offer"]["status"], expected);
    }
}

/// Every offered contractor of every lead accepts at the same moment, through both instances.
async fn race(apps: [&TestApp; 2], leads: usize) -> (usize, usize) {
    let a = apps[0];
    seed_postcodes(a).await;
    let admin = a.admin_token().await;
    let (_, key) = insurer_key(a, &admin, "Race Mutual").await;
    let mut tokens = HashMap::new();
    for i in 0..6 {
        let c =
            contractor(a, &admin, &format!("race{i}"), json!({"basePostcode": "2150", "maxActiveJobs": 1000}), true)
                .await;
        tokens.insert(c.id.clone(), c.token);
    }
    let tokens = Arc::new(tokens);
    let mut lead_ids = Vec::new();
    for _ in 0..leads {
        lead_ids.push(create_lead(a, &key, lead_input()).await.0);
    }
    let mut attempts = Vec::new();
    for (n, lead_id) in lead_ids.iter().enumerate() {
        let offers = open_offers(&lead_detail(a, &admin, lead_id).await);
        assert_eq!(offers.len(), 3, "three open offers per lead");
        for (i, (offer_id, contractor_id)) in offers.into_iter().enumerate() {
            attempts.push((apps[(n + i) % 2], offer_id, tokens[&contractor_id].clone()));
        }
    }
    // Fire everything at once.
    let barrier = Arc::new(tokio::sync::Barrier::new(attempts.len()));
    let futures = attempts.into_iter().map(|(app, offer_id, token)| {
        let barrier = barrier.clone();
        async move {
            barrier.wait().await;
            let body = app.gql(Some(&token), ACCEPT, json!({"id": offer_id})).await;
            match body.get("errors") {
                None => true,
                Some(_) => {
                    assert_eq!(error_code(&body), "CONFLICT", "a losing accept is a CONFLICT: {body}");
                    false
                }
            }
        }
    });
    let results = futures_util::future::join_all(futures).await;
    let wins = results.iter().filter(|w| **w).count();

    // Exactly one job per lead, and every lead assigned to the contractor whose offer was accepted.
    let jobs = {
        use sea_orm::{EntityTrait, PaginatorTrait};
        entities::job::Entity::find().count(&a.ctx.db).await.unwrap() as usize
    };
    for lead_id in &lead_ids {
        let d = lead_detail(a, &admin, lead_id).await;
        assert_eq!(d["status"], "ASSIGNED");
        let accepted: Vec<_> = d["offers"].as_array().unwrap().iter().filter(|o| o["status"] == "ACCEPTED").collect();
        assert_eq!(accepted.len(), 1, "one accepted offer for {lead_id}");
        assert_eq!(accepted[0]["contractor"]["id"], d["assignedContractor"]["id"]);
    }
    (wins, jobs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_leads_accepted_by_everyone_at_once_across_two_instances_have_one_winner_each() {
    let (a, b) = pair(&[]).await;
    let (wins, jobs) = race([&a, &b], 200).await;
    assert_eq!(wins, 200);
    assert_eq!(jobs, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_accepts_on_sqlite_have_one_winner_per_lead() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (wins, jobs) = race([&app, &app], 50).await;
    assert_eq!(wins, 50);
    assert_eq!(jobs, 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_expire_each_offer_exactly_once_and_cascade_once() {
    let (a, b) =
        pair(&[("OFFER_EXPIRY_SECS_HIGH", "1"), ("EXPIRY_SWEEP_MILLIS", "50"), ("OFFER_WAVE_SIZE", "2")]).await;
    seed_postcodes(&a).await;
    let admin = a.admin_token().await;
    let (_, key) = insurer_key(&a, &admin, "Expiry Mutual").await;
    for i in 0..5 {
        contractor(&a, &admin, &format!("exp{i}"), json!({"basePostcode": "2150"}), true).await;
    }
    let mut admin_ws = Ws::connect(&b, &admin).await;
    admin_ws.subscribe("u", nrp_tests::ws::LEAD_UPDATES).await;
    let mut lead_ids = Vec::new();
    for _ in 0..4 {
        lead_ids.push(create_lead(&a, &key, lead_input()).await.0);
    }
    // Every offer of every lead expires in turn (2 + 2 + 1 per lead) until the leads are unassigned.
    let mut unassigned = 0;
    while unassigned < lead_ids.len() {
        let d = admin_ws.next_data(Duration::from_secs(20)).await;
        if d["leadUpdates"]["status"] == "UNASSIGNED" {
            unassigned += 1;
        }
    }
    drop(b);
    for lead_id in &lead_ids {
        let d = lead_detail(&a, &admin, lead_id).await;
        let offers = d["offers"].as_array().unwrap();
        assert_eq!(offers.len(), 5, "each contractor offered exactly once");
        assert!(offers.iter().all(|o| o["status"] == "EXPIRED"));
        let log = a
            .ok(
                Some(&admin),
                "query($id:ID!){ auditLog(first:100, filter:{entityId:$id, action:\"offer.expired\"}){ totalCount } }",
                json!({"id": lead_id}),
            )
            .await;
        assert_eq!(log["auditLog"]["totalCount"], 5, "each expiry recorded once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_redis_for_a_moment_loses_no_offer() {
    let mut redis = OwnRedis::start(None).await;
    let opts = TestOptions::default().env("REDIS_URL", &redis.url()).env("REDIS_KEY_PREFIX", "outage");
    let app = TestApp::spawn_with(Backend::Postgres, opts).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Outage Mutual").await;
    let c = contractor(&app, &admin, "outage", json!({"basePostcode": "2150"}), true).await;
    let mut ws = Ws::connect(&app, &c.token).await;
    ws.subscribe("1", LEAD_OFFERS).await;

    redis.stop();
    // Redis is gone: the lead is still taken in, routed and stored; this instance's own
    // subscribers still hear about it.
    let (during, status) = create_lead(&app, &key, lead_input()).await;
    assert_eq!(status, "OFFERING");
    let d = ws.next_data(Duration::from_secs(10)).await;
    assert_eq!(d["leadOffers"]["offer"]["lead"]["id"], json!(during));

    // Redis comes back on the same port; the instance resubscribes by itself.
    let port = redis.port;
    let _redis = OwnRedis::start(Some(port)).await;
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let mut subscribed = false;
    for _ in 0..200 {
        let (_, n): (String, i64) =
            redis::cmd("PUBSUB").arg("NUMSUB").arg("outage:events").query_async(&mut conn).await.unwrap();
        if n > 0 {
            subscribed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(subscribed, "the instance resubscribed to Redis");
    let (after, _) = create_lead(&app, &key, lead_input()).await;
    let d = ws.next_data(Duration::from_secs(10)).await;
    assert_eq!(d["leadOffers"]["offer"]["lead"]["id"], json!(after));

    // A contractor that reconnects gets both open offers first.
    let mut again = Ws::connect(&app, &c.token).await;
    again.subscribe("1", LEAD_OFFERS).await;
    let mut ids = vec![
        again.next_data(Duration::from_secs(5)).await["leadOffers"]["offer"]["lead"]["id"]
            .as_str()
            .unwrap()
            .to_string(),
        again.next_data(Duration::from_secs(5)).await["leadOffers"]["offer"]["lead"]["id"]
            .as_str()
            .unwrap()
            .to_string(),
    ];
    ids.sort();
    let mut expected = vec![during, after];
    expected.sort();
    assert_eq!(ids, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_published_while_an_instances_redis_link_was_down_still_reaches_its_sockets() {
    use nrp_tests::proxy::Proxy;
    let redis = OwnRedis::start(None).await;
    let link = Proxy::start(([127, 0, 0, 1], redis.port).into()).await;
    let via_link = link.base.replace("http://", "redis://");
    let prefix = format!("resync-{}", uuid::Uuid::new_v4().simple());
    let a = TestApp::spawn_with(
        Backend::Postgres,
        TestOptions::default().env("REDIS_URL", &redis.url()).env("REDIS_KEY_PREFIX", &prefix),
    )
    .await;
    let b = TestApp::spawn_on(
        a.db.clone(),
        TestOptions::default().env("REDIS_URL", &via_link).env("REDIS_KEY_PREFIX", &prefix),
    )
    .await;
    seed_postcodes(&a).await;
    let admin = a.admin_token().await;
    let (_, key) = insurer_key(&a, &admin, "Resync Mutual").await;
    let c = contractor(&a, &admin, "resync", json!({"basePostcode": "2150"}), true).await;
    let mut ws = Ws::connect(&b, &c.token).await;
    ws.subscribe("1", LEAD_OFFERS).await;

    // B's link to Redis drops; A takes in a lead and publishes its offer, which B never hears.
    link.cut();
    let (lead, status) = create_lead(&a, &key, lead_input()).await;
    assert_eq!(status, "OFFERING");
    // The link comes back; B resubscribes and tells its subscribers to re-read what is open.
    link.restore();
    let d = ws.next_data(Duration::from_secs(20)).await;
    assert_eq!(d["leadOffers"]["kind"], "OFFERED");
    assert_eq!(d["leadOffers"]["offer"]["lead"]["id"], json!(lead), "the socket stayed open and got the offer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_legacy_graphql_ws_protocol_still_works() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let app = TestApp::spawn(Backend::Sqlite).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Legacy Mutual").await;
    let c = contractor(&app, &admin, "legacy", json!({"basePostcode": "2150"}), true).await;
    let mut req = format!("ws://{}/graphql/ws", app.addr).into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-ws".parse().unwrap());
    let (mut socket, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(resp.headers()["sec-websocket-protocol"], "graphql-ws");
    let send = |v: serde_json::Value| Message::Text(v.to_string().into());
    socket
        .send(send(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", c.token)}})))
        .await
        .unwrap();
    let ack = loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await.unwrap() {
            Some(Ok(Message::Text(t))) => {
                let v: serde_json::Value = serde_json::from_str(&t).unwrap();
                if v["type"] != "ka" {
                    break v;
                }
            }
            Some(Ok(_)) => continue,
            other => panic!("socket ended: {other:?}"),
        }
    };
    assert_eq!(ack["type"], "connection_ack");
    socket.send(send(json!({"id": "1", "type": "start", "payload": {"query": LEAD_OFFERS}}))).await.unwrap();
    let (lead_id, _) = create_lead(&app, &key, lead_input()).await;
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await.unwrap() {
            Some(Ok(Message::Text(t))) => {
                let v: serde_json::Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "data" {
                    assert_eq!(v["payload"]["data"]["leadOffers"]["offer"]["lead"]["id"], json!(lead_id));
                    break;
                }
            }
            Some(Ok(_)) => continue,
            other => panic!("socket ended: {other:?}"),
        }
    }
}
