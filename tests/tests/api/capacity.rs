//! A contractor's capacity holds under concurrency, and a company cannot declare itself more
//! capacity than NRP allows (capacity feeds the availability term of routing).

use std::sync::Arc;

use nrp_tests::leads::*;
use nrp_tests::*;
use serde_json::json;

on_both_databases!(two_accepts_of_different_leads_at_once_cannot_exceed_capacity, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Capacity Mutual").await;
    let c = contractor(&app, &admin, "capacity", json!({"basePostcode": "2150", "maxActiveJobs": 1}), true).await;
    let mut offers = Vec::new();
    for _ in 0..6 {
        let (lead, _) = create_lead(&app, &key, lead_input()).await;
        let open = open_offers(&lead_detail(&app, &admin, &lead).await);
        offers.push(open.into_iter().find(|(_, cid)| *cid == c.id).expect("the only contractor has the offer").0);
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(offers.len()));
    let attempts = offers.iter().map(|offer| {
        let (barrier, app, token) = (barrier.clone(), &app, c.token.clone());
        async move {
            barrier.wait().await;
            app.gql(Some(&token), ACCEPT, json!({"id": offer})).await
        }
    });
    let results = futures_util::future::join_all(attempts).await;
    let won = results.iter().filter(|r| r.get("errors").is_none()).count();
    assert_eq!(won, 1, "one job slot, one winner: {results:?}");
    for r in results.iter().filter(|r| r.get("errors").is_some()) {
        assert_eq!(error_code(r), "CONFLICT");
        assert!(r["errors"][0]["message"].as_str().unwrap().contains("capacity"), "{r}");
    }
    let me = app
        .ok(Some(&admin), "query($id:ID!){ contractor(id:$id){ activeJobs maxActiveJobs } }", json!({"id": c.id}))
        .await;
    assert_eq!(me["contractor"]["activeJobs"], 1);
});

on_both_databases_with!(
    capacity_above_the_ceiling_is_set_by_an_admin_not_declared,
    TestOptions::default().env("CONTRACTOR_MAX_ACTIVE_JOBS", "20"),
    |app: TestApp| async move {
        let mut input = registration("greedy");
        input["maxActiveJobs"] = json!(500);
        let body = app.gql(None, REGISTER, json!({"input": input})).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        assert_eq!(error_field(&body), "input.maxActiveJobs");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("20"), "{body}");

        let admin = app.admin_token().await;
        let c = nrp_tests::leads::contractor(&app, &admin, "modest", json!({"maxActiveJobs": 20}), true).await;
        let update = "mutation($id:ID!,$n:Int!){ updateContractor(id:$id, input:{maxActiveJobs:$n}){ maxActiveJobs } }";
        let body = app.gql(Some(&c.token), update, json!({"id": c.id, "n": 21})).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        assert_eq!(error_field(&body), "input.maxActiveJobs");
        let ok = app.ok(Some(&admin), update, json!({"id": c.id, "n": 200})).await;
        assert_eq!(ok["updateContractor"]["maxActiveJobs"], 200, "an admin raises it");
    }
);
