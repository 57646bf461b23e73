use std::time::Duration;

use nrp_tests::leads::*;
use nrp_tests::ws::{Frame, LEAD_OFFERS, LEAD_UPDATES, Ws};
use nrp_tests::*;
use serde_json::json;

async fn network(app: &TestApp, n: usize) -> (String, String, Vec<Contractor>) {
    seed_postcodes(app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(app, &admin, "Offer Mutual").await;
    let mut cs = Vec::new();
    for i in 0..n {
        let c = contractor(app, &admin, &format!("net{i}"), json!({"basePostcode": "2150"}), true).await;
        crate::routing::set_performance(app, &c.id, 0.9 - i as f64 * 0.1).await;
        cs.push(c);
    }
    (admin, key, cs)
}

on_both_databases!(the_first_accept_wins_and_the_others_become_taken, |app: TestApp| async move {
    let (admin, key, cs) = network(&app, 3).await;
    let (lead_id, _) = create_lead(&app, &key, lead_input()).await;
    let offers = open_offers(&lead_detail(&app, &admin, &lead_id).await);
    let token_of = |cid: &str| cs.iter().find(|c| c.id == cid).unwrap().token.clone();
    let (winner_offer, winner) = offers[1].clone();
    let won = app.ok(Some(&token_of(&winner)), ACCEPT, json!({"id": winner_offer})).await["acceptOffer"].clone();
    assert_eq!(won["lead"]["status"], "ASSIGNED");
    assert_eq!(won["job"]["status"], "AWAITING_CONTACT");

    let d = lead_detail(&app, &admin, &lead_id).await;
    assert_eq!(d["assignedContractor"]["id"], json!(winner));
    assert_eq!(d["job"]["id"], won["job"]["id"]);
    let statuses: Vec<&str> = d["offers"].as_array().unwrap().iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "ACCEPTED").count(), 1);
    assert_eq!(statuses.iter().filter(|s| **s == "TAKEN").count(), 2);

    let (loser_offer, loser) = offers[0].clone();
    let late = app.gql(Some(&token_of(&loser)), ACCEPT, json!({"id": loser_offer})).await;
    assert_eq!(error_code(&late), "CONFLICT");
    assert!(late["errors"][0]["message"].as_str().unwrap().contains("TAKEN"), "{late}");
    let again = app.gql(Some(&token_of(&winner)), ACCEPT, json!({"id": winner_offer})).await;
    assert!(again["errors"][0]["message"].as_str().unwrap().contains("ACCEPTED"), "{again}");
    // Someone else's offer does not exist for you.
    assert_eq!(error_code(&app.gql(Some(&token_of(&loser)), ACCEPT, json!({"id": winner_offer})).await), "NOT_FOUND");
    assert_eq!(error_code(&app.gql(Some(&admin), ACCEPT, json!({"id": winner_offer})).await), "FORBIDDEN");

    // The winner's metrics moved: one accepted of one decided, a response time, one active job.
    let q = "query($id:ID!){ contractor(id:$id){ acceptanceRate avgResponseSeconds activeJobs } }";
    let m = app.ok(Some(&admin), q, json!({"id": winner})).await["contractor"].clone();
    assert_eq!(m["acceptanceRate"], 1.0);
    assert!(m["avgResponseSeconds"].as_i64().is_some());
    assert_eq!(m["activeJobs"], 1);
});

on_both_databases!(
    a_decline_opens_an_offer_to_the_next_candidate_and_exhaustion_unassigns,
    |app: TestApp| async move {
        let (admin, key, cs) = network(&app, 4).await;
        let mut admin_ws = Ws::connect(&app, &admin).await;
        admin_ws.subscribe("u", LEAD_UPDATES).await;
        let (lead_id, _) = create_lead(&app, &key, lead_input()).await;
        let first: Vec<String> =
            open_offers(&lead_detail(&app, &admin, &lead_id).await).into_iter().map(|(_, c)| c).collect();
        assert_eq!(first, vec![cs[0].id.clone(), cs[1].id.clone(), cs[2].id.clone()]);

        let my_open = "{ myOffers(status: OPEN) { id } }";
        let o = app.ok(Some(&cs[0].token), my_open, json!({})).await["myOffers"][0]["id"].clone();
        let d = app.ok(Some(&cs[0].token), DECLINE, json!({"id": o, "r": "too far today"})).await;
        assert_eq!(d["declineOffer"]["status"], "DECLINED");
        assert_eq!(d["declineOffer"]["declineReason"], "too far today");
        let now: Vec<String> =
            open_offers(&lead_detail(&app, &admin, &lead_id).await).into_iter().map(|(_, c)| c).collect();
        assert_eq!(now, vec![cs[1].id.clone(), cs[2].id.clone(), cs[3].id.clone()], "the fourth is offered at once");
        let twice = app.gql(Some(&cs[0].token), DECLINE, json!({"id": o})).await;
        assert!(twice["errors"][0]["message"].as_str().unwrap().contains("DECLINED"));

        for c in &cs[1..] {
            let o = app.ok(Some(&c.token), my_open, json!({})).await["myOffers"][0]["id"].clone();
            app.ok(Some(&c.token), DECLINE, json!({"id": o})).await;
        }
        let d = lead_detail(&app, &admin, &lead_id).await;
        assert_eq!(d["status"], "UNASSIGNED");
        // Admins were told live: NEW, then OFFERING, then UNASSIGNED.
        let mut seen = Vec::new();
        while seen.last().map(String::as_str) != Some("UNASSIGNED") {
            let data = admin_ws.next_data(Duration::from_secs(5)).await;
            assert_eq!(data["leadUpdates"]["leadId"], json!(lead_id));
            seen.push(data["leadUpdates"]["status"].as_str().unwrap().to_string());
        }
        assert_eq!(seen, vec!["NEW", "OFFERING", "UNASSIGNED"]);
        let queue = app.ok(Some(&admin), "{ leads(filter:{status: UNASSIGNED}) { totalCount } }", json!({})).await;
        assert_eq!(queue["leads"]["totalCount"], 1);
        let rate = app
            .ok(Some(&admin), "query($id:ID!){ contractor(id:$id){ acceptanceRate } }", json!({"id": cs[0].id}))
            .await;
        assert_eq!(rate["contractor"]["acceptanceRate"], 0.0);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_offer_expires_and_cascades_to_the_next_candidate() {
    let opts = TestOptions::default()
        .env("OFFER_EXPIRY_SECS_HIGH", "1")
        .env("EXPIRY_SWEEP_MILLIS", "100")
        .env("OFFER_WAVE_SIZE", "1");
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let (admin, key, cs) = network(&app, 2).await;
    let mut first = Ws::connect(&app, &cs[0].token).await;
    first.subscribe("1", LEAD_OFFERS).await;
    let mut second = Ws::connect(&app, &cs[1].token).await;
    second.subscribe("1", LEAD_OFFERS).await;
    let (lead_id, _) = create_lead(&app, &key, lead_input()).await;

    let offered = first.next_data(Duration::from_secs(5)).await;
    assert_eq!(offered["leadOffers"]["kind"], "OFFERED");
    let expired = first.next_data(Duration::from_secs(5)).await;
    assert_eq!(expired["leadOffers"]["kind"], "EXPIRED");
    assert_eq!(expired["leadOffers"]["offer"]["status"], "EXPIRED");
    let next = second.next_data(Duration::from_secs(5)).await;
    assert_eq!(next["leadOffers"]["kind"], "OFFERED");
    assert_eq!(next["leadOffers"]["offer"]["lead"]["id"], json!(lead_id));
    let late = app.gql(Some(&cs[0].token), ACCEPT, json!({"id": offered["leadOffers"]["offer"]["id"]})).await;
    assert!(late["errors"][0]["message"].as_str().unwrap().contains("EXPIRED"), "{late}");
    // The last one expires too: nobody is left, so the lead goes to the admin queue.
    let gone = second.next_data(Duration::from_secs(5)).await;
    assert_eq!(gone["leadOffers"]["kind"], "EXPIRED");
    let mut status = String::new();
    for _ in 0..50 {
        status = lead_detail(&app, &admin, &lead_id).await["status"].as_str().unwrap().to_string();
        if status == "UNASSIGNED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "UNASSIGNED");
}

on_both_databases!(admins_assign_reroute_and_cancel_and_offers_are_withdrawn, |app: TestApp| async move {
    let (admin, key, cs) = network(&app, 4).await;
    let mut ws = Ws::connect(&app, &cs[0].token).await;
    ws.subscribe("1", LEAD_OFFERS).await;
    let (lead_id, _) = create_lead(&app, &key, lead_input()).await;
    assert_eq!(ws.next_data(Duration::from_secs(5)).await["leadOffers"]["kind"], "OFFERED");
    let assign = "mutation($l:ID!,$c:ID!){ assignLead(leadId:$l, contractorId:$c){ lead { status assignedContractor { id } } job { status } } }";
    let a = app.ok(Some(&admin), assign, json!({"l": lead_id, "c": cs[3].id})).await;
    assert_eq!(a["assignLead"]["lead"]["status"], "ASSIGNED");
    assert_eq!(a["assignLead"]["lead"]["assignedContractor"]["id"], json!(cs[3].id));
    assert_eq!(ws.next_data(Duration::from_secs(5)).await["leadOffers"]["kind"], "WITHDRAWN");
    let again = app.gql(Some(&admin), assign, json!({"l": lead_id, "c": cs[2].id})).await;
    assert_eq!(error_code(&again), "CONFLICT");
    assert_eq!(
        error_code(&app.gql(Some(&cs[0].token), assign, json!({"l": lead_id, "c": cs[0].id})).await),
        "FORBIDDEN"
    );

    let (other, _) = create_lead(&app, &key, lead_input()).await;
    let cancel = "mutation($l:ID!){ cancelLead(leadId:$l, reason:\"customer withdrew\"){ status } }";
    assert_eq!(app.ok(Some(&admin), cancel, json!({"l": other})).await["cancelLead"]["status"], "CANCELLED");
    let reroute = "mutation($l:ID!){ rerouteLead(leadId:$l){ status } }";
    assert_eq!(error_code(&app.gql(Some(&admin), reroute, json!({"l": other})).await), "CONFLICT");
    let missing = app.gql(Some(&admin), reroute, json!({"l": uuid::Uuid::now_v7().to_string()})).await;
    assert_eq!(error_code(&missing), "NOT_FOUND");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnecting_contractor_first_receives_every_offer_still_open() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, key, cs) = network(&app, 1).await;
    let (l1, _) = create_lead(&app, &key, lead_input()).await;
    let (l2, _) = create_lead(&app, &key, lead_input()).await;
    // The contractor was offline while both leads arrived.
    let mut ws = Ws::connect(&app, &cs[0].token).await;
    ws.subscribe("1", LEAD_OFFERS).await;
    let mut leads = Vec::new();
    for _ in 0..2 {
        let d = ws.next_data(Duration::from_secs(5)).await;
        assert_eq!(d["leadOffers"]["kind"], "OFFERED");
        assert_eq!(d["leadOffers"]["offer"]["status"], "OPEN");
        leads.push(d["leadOffers"]["offer"]["lead"]["id"].as_str().unwrap().to_string());
    }
    leads.sort();
    let mut expected = vec![l1, l2];
    expected.sort();
    assert_eq!(leads, expected);
    // Then live ones.
    let (l3, _) = create_lead(&app, &key, lead_input()).await;
    let d = ws.next_data(Duration::from_secs(5)).await;
    assert_eq!(d["leadOffers"]["offer"]["lead"]["id"], json!(l3));
    assert_eq!(d["leadOffers"]["offer"]["lead"]["suburb"], "Sydney");
    assert_eq!(cents(&d["leadOffers"]["offer"]["lead"]["estimatedValueCents"]), 1_250_000);
}

/// A waiting subscription keeps only its operation and runs it again for each event: the
/// operation name, variables, fragments and directives hold for the live events as for the
/// first; an operation with two root fields runs whole, and each field gets every event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_is_resolved_with_the_subscriptions_own_operation() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, key, cs) = network(&app, 1).await;
    let (before, _) = create_lead(&app, &key, lead_input()).await;
    let doc = "subscription Other { leadUpdates { leadId } }
        subscription Mine($withLead: Boolean!, $skipStatus: Boolean!) { mine: leadOffers { kind ...Parts } }
        fragment Parts on LeadOfferEvent { offer { status @skip(if: $skipStatus) lead @include(if: $withLead) { id } } }";
    let mut ws = Ws::connect(&app, &cs[0].token).await;
    let vars = json!({"withLead": true, "skipStatus": true});
    ws.subscribe_with("1", json!({"query": doc, "operationName": "Mine", "variables": vars})).await;
    let mut both = Ws::connect(&app, &cs[0].token).await;
    both.subscribe("2", "subscription { a: leadOffers { kind } b: leadOffers { offer { lead { id } } } }").await;
    let first = ws.next_data(Duration::from_secs(5)).await;
    assert_eq!(first, json!({"mine": {"kind": "OFFERED", "offer": {"lead": {"id": before}}}}));
    let (live, _) = create_lead(&app, &key, lead_input()).await;
    let second = ws.next_data(Duration::from_secs(5)).await;
    assert_eq!(second, json!({"mine": {"kind": "OFFERED", "offer": {"lead": {"id": live}}}}));
    let mut seen = Vec::new();
    while seen.len() < 4 {
        seen.push(both.next_data(Duration::from_secs(5)).await);
    }
    for lead in [&before, &live] {
        assert!(seen.contains(&json!({"a": {"kind": "OFFERED"}})), "{seen:?}");
        assert!(seen.contains(&json!({"b": {"offer": {"lead": {"id": lead}}}})), "{seen:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websockets_close_with_the_right_codes() {
    let opts = TestOptions::default().env("WS_INIT_TIMEOUT_SECS", "1");
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let mut silent = Ws::open(&app).await;
    assert_eq!(silent.next(Duration::from_secs(5)).await, Frame::Closed(Some(4408)));

    let mut bad = Ws::open(&app).await;
    bad.send(json!({"type": "connection_init", "payload": {"authorization": "Bearer nope"}})).await;
    assert_eq!(bad.next(Duration::from_secs(5)).await, Frame::Closed(Some(4401)));

    let mut none = Ws::open(&app).await;
    none.send(json!({"type": "connection_init"})).await;
    assert_eq!(none.next(Duration::from_secs(5)).await, Frame::Closed(Some(4401)));

    let mut rude = Ws::open(&app).await;
    rude.send(json!({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }"}})).await;
    assert_eq!(rude.next(Duration::from_secs(5)).await, Frame::Closed(Some(4400)));

    let (_, email) = register_contractor(&app, "disabled").await;
    let token = app.login(&email, CONTRACTOR_PASSWORD).await;
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        entities::user::Entity::update_many()
            .col_expr(entities::user::Column::Disabled, Expr::value(true))
            .filter(entities::user::Column::Email.eq(email.as_str()))
            .exec(&app.ctx.db)
            .await
            .unwrap();
    }
    let mut disabled = Ws::open(&app).await;
    disabled.send(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}})).await;
    assert_eq!(disabled.next(Duration::from_secs(5)).await, Frame::Closed(Some(4403)));

    // A partner may not subscribe to contractor offers: the subscription answers with the error.
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "WS Mutual").await;
    let mut partner = Ws::connect(&app, &key).await;
    partner.subscribe("1", LEAD_OFFERS).await;
    match partner.next(Duration::from_secs(5)).await {
        Frame::Json(v) => {
            assert_eq!(v["type"], "next", "{v}");
            assert_eq!(v["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN", "{v}");
        }
        other => panic!("expected an error message, got {other:?}"),
    }
}

on_both_databases!(suspending_a_contractor_withdraws_its_open_offers_and_passes_them_on, |app: TestApp| async move {
    let (admin, key, cs) = network(&app, 4).await;
    let mut ws = Ws::connect(&app, &cs[0].token).await;
    ws.subscribe("1", LEAD_OFFERS).await;
    let (lead_id, _) = create_lead(&app, &key, lead_input()).await;
    assert_eq!(ws.next_data(Duration::from_secs(5)).await["leadOffers"]["kind"], "OFFERED");
    app.ok(
        Some(&admin),
        "mutation($id:ID!){ suspendContractor(id:$id, reason:\"licence check\"){ status } }",
        json!({"id": cs[0].id}),
    )
    .await;
    // Its socket closes (a suspended company has no live access); whatever it heard before
    // that is the withdrawal of its offer.
    loop {
        match ws.next(Duration::from_secs(5)).await {
            nrp_tests::ws::Frame::Closed(code) => {
                assert_eq!(code, Some(4403));
                break;
            }
            nrp_tests::ws::Frame::Json(f) => assert_eq!(f["payload"]["data"]["leadOffers"]["kind"], "WITHDRAWN", "{f}"),
        }
    }
    let open: Vec<String> =
        open_offers(&lead_detail(&app, &admin, &lead_id).await).into_iter().map(|(_, c)| c).collect();
    assert_eq!(open, vec![cs[1].id.clone(), cs[2].id.clone(), cs[3].id.clone()], "the next candidate got the offer");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_pings_sockets_and_accepts_the_token_in_an_upgrade_header() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let app = TestApp::spawn_with(Backend::Sqlite, TestOptions::default().env("WS_PING_INTERVAL_SECS", "1")).await;
    let (_, email) = register_contractor(&app, "header").await;
    let token = app.login(&email, CONTRACTOR_PASSWORD).await;
    let mut req = format!("ws://{}/graphql/ws", app.addr).into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    req.headers_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    socket.send(Message::Text(json!({"type": "connection_init"}).to_string().into())).await.unwrap();
    let mut acked = false;
    let mut pinged = false;
    while !(acked && pinged) {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await.expect("a frame") {
            Some(Ok(Message::Text(t))) => acked |= t.contains("connection_ack"),
            Some(Ok(Message::Ping(_))) => pinged = true,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_hear_only_about_their_own_leads() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, mine) = insurer_key(&app, &admin, "Mine Mutual").await;
    let (_, theirs) = insurer_key(&app, &admin, "Theirs Mutual").await;
    let mut ws = Ws::connect(&app, &mine).await;
    ws.subscribe("u", LEAD_UPDATES).await;
    create_lead(&app, &theirs, lead_input()).await;
    let (own, _) = create_lead(&app, &mine, lead_input()).await;
    let first = ws.next_data(Duration::from_secs(5)).await;
    assert_eq!(first["leadUpdates"]["leadId"], json!(own), "the other insurer's lead was not sent");
}
