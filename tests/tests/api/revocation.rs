//! A revoked login loses access everywhere at once: HTTP refuses it on the next request, and its
//! open WebSockets close on every instance (4403; 4401 when the access token runs out). Every
//! operation over a socket is authorised again. Refresh tokens forgive a retry within seconds.

use std::time::Duration;

use nrp_tests::leads::*;
use nrp_tests::ws::{Frame, LEAD_OFFERS, LEAD_UPDATES, Ws};
use nrp_tests::*;
use serde_json::json;

const ME: &str = "{ me { id email } }";
const DISABLE: &str = "mutation($id:ID!,$r:String){ disableUser(id:$id, reason:$r){ id disabled } }";
const ENABLE: &str = "mutation($id:ID!){ enableUser(id:$id){ id disabled } }";
const DEACTIVATE: &str = "mutation($id:ID!,$r:String){ deactivatePartner(id:$id, reason:$r){ id active } }";
const REACTIVATE: &str = "mutation($id:ID!){ reactivatePartner(id:$id){ id active } }";
const LOGIN: &str =
    "mutation($e:String!,$p:String!){ login(email:$e,password:$p){ ... on AuthPayload { accessToken refreshToken } } }";
const REFRESH: &str = "mutation($t:String!){ refreshToken(refreshToken:$t){ accessToken refreshToken } }";

/// Waits for the socket to close and returns its close code.
async fn closed(ws: &mut Ws) -> Option<u16> {
    loop {
        match ws.next(Duration::from_secs(10)).await {
            Frame::Closed(code) => return code,
            Frame::Json(_) => continue,
        }
    }
}

async fn pair() -> (TestApp, TestApp) {
    let opts = TestOptions::default().with_redis(&format!("revoke-{}", uuid::Uuid::new_v4().simple()));
    let a = TestApp::spawn_with(Backend::Postgres, opts.clone()).await;
    let b = TestApp::spawn_on(a.db.clone(), opts).await;
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_user_closes_its_sockets_on_every_instance_and_ends_its_tokens() {
    let (a, b) = pair().await;
    seed_postcodes(&a).await;
    let admin = a.admin_token().await;
    let c = contractor(&a, &admin, "disabled", json!({"basePostcode": "2150"}), true).await;
    let session = a.ok(None, LOGIN, json!({"e": c.email, "p": CONTRACTOR_PASSWORD})).await["login"].clone();
    let refresh = session["refreshToken"].as_str().unwrap().to_string();
    let mut on_a = Ws::connect(&a, &c.token).await;
    on_a.subscribe("1", LEAD_OFFERS).await;
    let mut on_b = Ws::connect(&b, &c.token).await;
    on_b.subscribe("1", LEAD_OFFERS).await;
    let user = a.user_id(&c.token).await;

    let body = a.gql(Some(&c.token), DISABLE, json!({"id": user})).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "a contractor cannot disable anyone");
    let own = a.gql(Some(&admin), DISABLE, json!({"id": a.user_id(&admin).await})).await;
    assert_eq!(error_code(&own), "BAD_USER_INPUT", "an admin cannot lock itself out");
    let done = b.ok(Some(&admin), DISABLE, json!({"id": user, "r": "left the company"})).await;
    assert_eq!(done["disableUser"]["disabled"], true);

    assert_eq!(closed(&mut on_a).await, Some(4403), "the socket on the other instance closes");
    assert_eq!(closed(&mut on_b).await, Some(4403));
    let me = a.gql(Some(&c.token), ME, json!({})).await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED", "the access token stops working at once: {me}");
    assert!(me["errors"][0]["message"].as_str().unwrap().contains("disabled"), "{me}");
    assert_eq!(error_code(&a.gql(None, REFRESH, json!({"t": refresh})).await), "UNAUTHENTICATED");
    assert_eq!(
        error_code(&a.gql(None, LOGIN, json!({"e": c.email, "p": CONTRACTOR_PASSWORD})).await),
        "UNAUTHENTICATED"
    );
    let mut again = Ws::open(&b).await;
    again.send(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", c.token)}})).await;
    assert_eq!(closed(&mut again).await, Some(4403), "a new socket is refused");

    let twice = a.gql(Some(&admin), DISABLE, json!({"id": user})).await;
    assert_eq!(error_code(&twice), "CONFLICT");
    a.ok(Some(&admin), ENABLE, json!({"id": user})).await;
    let token = a.login(&c.email, CONTRACTOR_PASSWORD).await;
    assert_eq!(a.ok(Some(&token), ME, json!({})).await["me"]["email"], json!(c.email));
    let audit = a.ok(Some(&admin), "{ auditLog(first: 50) { edges { node { action entityId } } } }", json!({})).await;
    let actions: Vec<_> = audit["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["entityId"] == json!(user))
        .map(|e| e["node"]["action"].as_str().unwrap().to_string())
        .collect();
    assert!(actions.contains(&"user.disabled".into()) && actions.contains(&"user.enabled".into()), "{actions:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivating_a_partner_ends_its_keys_and_users_everywhere() {
    let (a, b) = pair().await;
    seed_postcodes(&a).await;
    let admin = a.admin_token().await;
    let (partner, key) = insurer_key(&a, &admin, "Deactivated Mutual").await;
    let email = format!("claims-{}@deactivated.example", uuid::Uuid::new_v4().simple());
    a.ok(
        Some(&admin),
        "mutation($i:CreateUserInput!){ createUser(input:$i){ id } }",
        json!({"i": {"email": email, "password": ADMIN_PASSWORD, "role": "PARTNER", "partnerId": partner}}),
    )
    .await;
    let staff = a.login(&email, ADMIN_PASSWORD).await;
    let mut key_socket = Ws::connect(&a, &key).await;
    key_socket.subscribe("1", LEAD_UPDATES).await;
    let mut staff_socket = Ws::connect(&b, &staff).await;
    staff_socket.subscribe("1", LEAD_UPDATES).await;

    let done = b.ok(Some(&admin), DEACTIVATE, json!({"id": partner, "r": "contract ended"})).await;
    assert_eq!(done["deactivatePartner"]["active"], false);
    assert_eq!(closed(&mut key_socket).await, Some(4403));
    assert_eq!(closed(&mut staff_socket).await, Some(4403));
    let lead = a.gql(Some(&key), CREATE_LEAD, json!({"input": lead_input()})).await;
    assert_eq!(error_code(&lead), "UNAUTHENTICATED", "{lead}");
    assert_eq!(error_code(&b.gql(Some(&staff), ME, json!({})).await), "UNAUTHENTICATED");
    assert_eq!(error_code(&a.gql(None, LOGIN, json!({"e": email, "p": ADMIN_PASSWORD})).await), "UNAUTHENTICATED");

    a.ok(Some(&admin), REACTIVATE, json!({"id": partner})).await;
    let (_, status) = create_lead(&a, &key, lead_input()).await;
    assert_eq!(status, "UNASSIGNED", "the key works again (no contractor covers the lead)");
}

on_both_databases!(revoking_an_api_key_closes_the_sockets_it_opened, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let (partner, key) = insurer_key(&app, &admin, "Revoked Key Mutual").await;
    let other = app
        .ok(
            Some(&admin),
            "mutation($p:ID!){ createApiKey(input:{partnerId:$p, label:\"second\"}){ apiKey { id } secret } }",
            json!({"p": partner}),
        )
        .await["createApiKey"]
        .clone();
    let mut revoked = Ws::connect(&app, &key).await;
    revoked.subscribe("1", LEAD_UPDATES).await;
    let mut kept = Ws::connect(&app, other["secret"].as_str().unwrap()).await;
    kept.subscribe("1", LEAD_UPDATES).await;
    let keys =
        app.ok(Some(&admin), "query($p:ID!){ partner(id:$p){ apiKeys { id label } } }", json!({"p": partner})).await;
    let first =
        keys["partner"]["apiKeys"].as_array().unwrap().iter().find(|k| k["label"] != "second").unwrap()["id"].clone();
    app.ok(Some(&admin), "mutation($id:ID!){ revokeApiKey(id:$id){ status } }", json!({"id": first})).await;
    assert_eq!(closed(&mut revoked).await, Some(4403));
    // The partner's other key is untouched: its socket still gets the partner's events.
    let (lead, _) = create_lead(&app, other["secret"].as_str().unwrap(), lead_input()).await;
    let d = kept.next_data(Duration::from_secs(10)).await;
    assert_eq!(d["leadUpdates"]["leadId"], json!(lead));
});

on_both_databases!(a_suspended_contractors_socket_closes_and_cannot_reopen, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let c = contractor(&app, &admin, "suspended-ws", json!({}), true).await;
    let mut ws = Ws::connect(&app, &c.token).await;
    ws.subscribe("1", LEAD_OFFERS).await;
    app.ok(
        Some(&admin),
        "mutation($id:ID!){ suspendContractor(id:$id, reason:\"lapsed insurance\"){ status } }",
        json!({"id": c.id}),
    )
    .await;
    assert_eq!(closed(&mut ws).await, Some(4403));
    let mut again = Ws::open(&app).await;
    again.send(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", c.token)}})).await;
    assert_eq!(closed(&mut again).await, Some(4403));
    // Over HTTP the company can still read its own record (it finishes and is paid for its jobs).
    let me = app.ok(Some(&c.token), "{ me { contractor { status } } }", json!({})).await;
    assert_eq!(me["me"]["contractor"]["status"], "SUSPENDED");
});

on_both_databases!(every_operation_over_an_open_socket_is_authorised_again, |app: TestApp| async move {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let admin = app.admin_token().await;
    let c = contractor(&app, &admin, "reauth", json!({}), true).await;
    let user = app.user_id(&c.token).await;
    let mut ws = Ws::connect(&app, &c.token).await;
    ws.subscribe("1", LEAD_OFFERS).await;
    // Disabled behind the server's back (no revocation event): the next operation over the
    // socket is checked like an HTTP request, and the socket closes.
    entities::user::Entity::update_many()
        .col_expr(entities::user::Column::Disabled, true.into())
        .filter(entities::user::Column::Id.eq(uuid::Uuid::parse_str(&user).unwrap()))
        .exec(&app.ctx.db)
        .await
        .unwrap();
    ws.send(
        json!({"id": "2", "type": "subscribe", "payload": {"query": "mutation { declineOffer(id: \"x\") { id } }"}}),
    )
    .await;
    assert_eq!(closed(&mut ws).await, Some(4403));
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_closes_when_its_access_token_expires() {
    let app = TestApp::spawn_with(Backend::Sqlite, TestOptions::default().env("ACCESS_TOKEN_TTL_SECS", "2")).await;
    let admin = app.admin_token().await;
    let c = contractor(&app, &admin, "expiring", json!({}), true).await;
    let mut ws = Ws::connect(&app, &c.token).await;
    ws.subscribe("1", LEAD_OFFERS).await;
    let started = std::time::Instant::now();
    assert_eq!(closed(&mut ws).await, Some(4401), "4401: the client reconnects with a fresh token");
    assert!(started.elapsed() < Duration::from_secs(5), "closed at the token's expiry, not later");
}

on_both_databases!(two_refreshes_of_one_token_at_once_both_get_a_session, |app: TestApp| async move {
    let (_, email) = register_contractor(&app, "tabs").await;
    let r1 = app.ok(None, LOGIN, json!({"e": email, "p": CONTRACTOR_PASSWORD})).await["login"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let (x, y) = tokio::join!(app.gql(None, REFRESH, json!({"t": r1})), app.gql(None, REFRESH, json!({"t": r1})));
    assert!(x.get("errors").is_none() && y.get("errors").is_none(), "two tabs: {x} {y}");
    let (rx, ry) =
        (x["data"]["refreshToken"]["refreshToken"].clone(), y["data"]["refreshToken"]["refreshToken"].clone());
    assert_ne!(rx, ry);
    // Each tab goes on with its own token.
    let rx2 = app.ok(None, REFRESH, json!({"t": rx})).await["refreshToken"]["refreshToken"].clone();
    app.ok(None, REFRESH, json!({"t": ry})).await;
    // The grace is good for one more redemption, not for any number: a third use of the first
    // token is reuse, and it ends the whole login.
    let third = app.gql(None, REFRESH, json!({"t": r1})).await;
    assert_eq!(error_code(&third), "UNAUTHENTICATED", "{third}");
    assert_eq!(error_code(&app.gql(None, REFRESH, json!({"t": rx2})).await), "UNAUTHENTICATED");
});

on_both_databases!(a_retry_after_a_lost_answer_gets_a_session, |app: TestApp| async move {
    let (_, email) = register_contractor(&app, "retry").await;
    let r1 = app.ok(None, LOGIN, json!({"e": email, "p": CONTRACTOR_PASSWORD})).await["login"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let lost = app.ok(None, REFRESH, json!({"t": r1})).await["refreshToken"]["refreshToken"].clone();
    // The client never saw `lost` and tries again with the same token: a session, not a logout.
    let retried = app.ok(None, REFRESH, json!({"t": r1})).await["refreshToken"]["refreshToken"].clone();
    app.ok(None, REFRESH, json!({"t": retried})).await;
    // After logout the family is dead: the old token is refused.
    app.ok(None, "mutation($t:String!){ logout(refreshToken:$t) }", json!({"t": lost})).await;
    assert_eq!(error_code(&app.gql(None, REFRESH, json!({"t": r1})).await), "UNAUTHENTICATED");
});
