//! Lead returns (upheld and rejected) and the contractor's missed leads.

use chrono::{Duration, Utc};
use nrp_tests::leads::*;
use nrp_tests::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const RETURN: &str = "mutation($j:ID!, $r:ReturnReason!, $n:String!){ returnLead(jobId:$j, reason:$r, note:$n){ id status reason note job { id status } } }";
const DECIDE: &str = "mutation($id:ID!, $u:Boolean!, $n:String){ decideLeadReturn(id:$id, uphold:$u, note:$n){ id status decisionNote decidedAt } }";
const JOB: &str = "query($id:ID!){ job(id:$id){ id status returnableUntil leadReturn { id status decisionNote } } }";
const TERMS: &str = "{ me { contractor { scoring { terms { kind observations } } } } }";
const MISSED: &str = "query($after:String){ missedLeads(first: 10, after: $after){ totalCount pageInfo { hasNextPage endCursor } \
    nodes { suburb postcode damageType urgency receivedAt leadStatus outcome exclusionReason yourRank yourScore \
    yourTerms { performance response availability satisfaction score } winningScore } } }";

fn completion_observations(d: &Value) -> i64 {
    d["me"]["contractor"]["scoring"]["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "COMPLETION")
        .unwrap()["observations"]
        .as_i64()
        .unwrap()
}

on_both_databases!(
    an_upheld_return_reroutes_the_lead_and_does_not_count_against_the_score,
    |app: TestApp| async move {
        seed_postcodes(&app).await;
        let admin = app.admin_token().await;
        let (_, key) = insurer_key(&app, &admin, "Returned Mutual").await;
        let first = contractor(&app, &admin, "returner", json!({"basePostcode": "2150"}), true).await;
        let (lead, job) = won_job(&app, &admin, &key, &first).await;
        // Only now does a second company join: the lead goes to it when it is routed again.
        let second = contractor(&app, &admin, "next-in-line", json!({"basePostcode": "2150"}), true).await;

        let j = app.ok(Some(&first.token), JOB, json!({"id": job})).await;
        assert!(j["job"]["returnableUntil"].is_string(), "{j}");
        assert!(app.ok(Some(&admin), JOB, json!({"id": job})).await["job"]["returnableUntil"].is_null());

        // Bad input and strangers change nothing.
        let body = app.gql(Some(&first.token), RETURN, json!({"j": job, "r": "BAD_CONTACT", "n": "  "})).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "note"), "{body}");
        let body = app.gql(Some(&second.token), RETURN, json!({"j": job, "r": "BAD_CONTACT", "n": "not mine"})).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        let body = app.gql(Some(&key), RETURN, json!({"j": job, "r": "BAD_CONTACT", "n": "a partner"})).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");

        let r = app
            .ok(
                Some(&first.token),
                RETURN,
                json!({"j": job, "r": "BAD_CONTACT", "n": "Number disconnected; email bounced"}),
            )
            .await["returnLead"]
            .clone();
        assert_eq!(r["status"], "PENDING");
        assert_eq!(r["job"]["status"], "AWAITING_CONTACT", "the job stands until an admin decides");
        let again = app.gql(Some(&first.token), RETURN, json!({"j": job, "r": "DUPLICATE", "n": "twice"})).await;
        assert_eq!(error_code(&again), "CONFLICT", "{again}");
        assert!(app.ok(Some(&first.token), JOB, json!({"id": job})).await["job"]["returnableUntil"].is_null());
        let queue =
            app.ok(Some(&admin), "{ leadReturns(status: PENDING){ totalCount nodes { id } } }", json!({})).await;
        assert_eq!(queue["leadReturns"]["totalCount"], 1);
        // Only admins decide, with a note of at most 1,000 characters, on a return that exists.
        let body = app.gql(Some(&first.token), DECIDE, json!({"id": r["id"], "u": true})).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
        let body = app.gql(Some(&admin), DECIDE, json!({"id": r["id"], "u": true, "n": "x".repeat(1001)})).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "note"), "{body}");
        let body = app.gql(Some(&admin), DECIDE, json!({"id": uuid::Uuid::new_v4().to_string(), "u": true})).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        let body = app.gql(Some(&first.token), RETURN, json!({"j": "not-an-id", "r": "DUPLICATE", "n": "x"})).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "jobId"), "{body}");

        let decided = app
            .ok(Some(&admin), DECIDE, json!({"id": r["id"], "u": true, "n": "Confirmed: the number is not connected"}))
            .await["decideLeadReturn"]
            .clone();
        assert_eq!(decided["status"], "UPHELD");
        let twice = app.gql(Some(&admin), DECIDE, json!({"id": r["id"], "u": false})).await;
        assert_eq!(error_code(&twice), "CONFLICT", "decided once: {twice}");

        // The job is cancelled, the lead routed again to the next company (not back to the first).
        let d = lead_detail(&app, &admin, &lead).await;
        assert_eq!(d["status"], "OFFERING", "{d}");
        let open: Vec<String> = open_offers(&d).into_iter().map(|(_, c)| c).collect();
        assert_eq!(open, vec![second.id.clone()]);
        let job_now = app.ok(Some(&admin), JOB, json!({"id": job})).await;
        assert_eq!(job_now["job"]["status"], "CANCELLED");
        assert_eq!(job_now["job"]["leadReturn"]["status"], "UPHELD");
        // The cancelled job counts in no term of the first company's score.
        assert_eq!(completion_observations(&app.ok(Some(&first.token), TERMS, json!({})).await), 0);
        let mine = app.ok(Some(&first.token), "{ leadReturns { nodes { status decisionNote } } }", json!({})).await;
        assert_eq!(mine["leadReturns"]["nodes"][0]["decisionNote"], "Confirmed: the number is not connected");
        assert_eq!(
            app.ok(Some(&second.token), "{ leadReturns { totalCount } }", json!({})).await["leadReturns"]["totalCount"],
            0,
            "a company sees only its own returns"
        );
        let audit = app
            .ok(
                Some(&admin),
                "query($id:ID!){ auditLog(filter:{entityId:$id}){ edges { node { action } } } }",
                json!({"id": lead}),
            )
            .await;
        let actions: Vec<&str> = audit["auditLog"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["action"].as_str().unwrap())
            .collect();
        assert!(actions.contains(&"lead.return_requested") && actions.contains(&"lead.return_upheld"), "{actions:?}");
    }
);

on_both_databases!(a_rejected_return_leaves_the_job_and_a_late_one_is_refused, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Rejecting Mutual").await;
    let c = contractor(&app, &admin, "rejected", json!({"basePostcode": "2150"}), true).await;
    let (lead, job) = won_job(&app, &admin, &key, &c).await;
    let r = app
        .ok(Some(&c.token), RETURN, json!({"j": job, "r": "OUT_OF_SCOPE", "n": "It is a renovation, not water damage"}))
        .await["returnLead"]
        .clone();
    let decided = app
        .ok(Some(&admin), DECIDE, json!({"id": r["id"], "u": false, "n": "Burst pipe confirmed by the insurer"}))
        .await["decideLeadReturn"]
        .clone();
    assert_eq!(decided["status"], "REJECTED");
    let j = app.ok(Some(&c.token), JOB, json!({"id": job})).await;
    assert_eq!(j["job"]["status"], "AWAITING_CONTACT");
    assert_eq!(j["job"]["leadReturn"]["decisionNote"], "Burst pipe confirmed by the insurer");
    assert_eq!(lead_detail(&app, &admin, &lead).await["status"], "ASSIGNED");

    // A job won more than 24 hours ago can no longer be returned.
    let (_, late) = won_job(&app, &admin, &key, &c).await;
    entities::job::Entity::update_many()
        .col_expr(entities::job::Column::CreatedAt, sea_orm::sea_query::Expr::value(Utc::now() - Duration::hours(25)))
        .filter(entities::job::Column::Id.eq(uuid::Uuid::parse_str(&late).unwrap()))
        .exec(&app.ctx.db)
        .await
        .unwrap();
    assert!(app.ok(Some(&c.token), JOB, json!({"id": late})).await["job"]["returnableUntil"].is_null());
    let body = app.gql(Some(&c.token), RETURN, json!({"j": late, "r": "DUPLICATE", "n": "seen it before"})).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");
    let n = app.ok(Some(&admin), "{ leadReturns { totalCount } }", json!({})).await;
    assert_eq!(n["leadReturns"]["totalCount"], 1, "the refused return wrote nothing");
});

on_both_databases!(a_contractor_sees_the_leads_it_missed_and_why_in_its_own_terms_only, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Missing Mutual").await;
    // Two companies take water work, one only fire; the winner ranks first.
    let winner = contractor(&app, &admin, "winner-co", json!({"basePostcode": "2150"}), true).await;
    let me = contractor(&app, &admin, "missing-co", json!({"basePostcode": "2150"}), true).await;
    let fire_only =
        contractor(&app, &admin, "fire-co", json!({"basePostcode": "2150", "specialties": ["FIRE"]}), true).await;
    use sea_orm::sea_query::Expr;
    entities::contractor::Entity::update_many()
        .col_expr(entities::contractor::Column::PerformanceScore, Expr::value(0.95))
        .filter(entities::contractor::Column::Id.eq(uuid::Uuid::parse_str(&winner.id).unwrap()))
        .exec(&app.ctx.db)
        .await
        .unwrap();

    let empty = app.ok(Some(&me.token), MISSED, json!({})).await;
    assert_eq!(empty["missedLeads"]["totalCount"], 0);
    let body = app.gql(Some(&me.token), MISSED, json!({"after": "not-a-cursor"})).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "after"), "{body}");

    // Lead A: both get an offer (wave of three); the winner accepts first: mine is TAKEN.
    let (a, _) = won_job(&app, &admin, &key, &winner).await;
    // Lead B: I decline.
    let (b, _) = create_lead(&app, &key, lead_input()).await;
    assert_ne!(a, b);
    let mine = open_offers(&lead_detail(&app, &admin, &b).await).into_iter().find(|(_, c)| *c == me.id).unwrap().0;
    app.ok(Some(&me.token), "mutation($id:ID!){ declineOffer(offerId:$id){ id } }", json!({"id": mine})).await;
    // Lead C: mine to win: not a missed lead.
    won_job(&app, &admin, &key, &me).await;

    let d = app.ok(Some(&me.token), MISSED, json!({})).await;
    let nodes = d["missedLeads"]["nodes"].as_array().unwrap().clone();
    assert_eq!(d["missedLeads"]["totalCount"], 2, "{d:#}");
    let (newest, oldest) = (&nodes[0], &nodes[1]);
    assert_eq!(newest["outcome"], "DECLINED", "{newest}");
    assert_eq!(oldest["outcome"], "TAKEN", "{oldest}");
    assert_eq!(oldest["leadStatus"], "ASSIGNED");
    assert_eq!(oldest["postcode"], "2000");
    let won = lead_detail(&app, &admin, &a).await;
    let winning =
        won["offers"].as_array().unwrap().iter().find(|o| o["status"] == "ACCEPTED").unwrap()["terms"]["score"]
            .as_f64()
            .unwrap();
    assert!((oldest["winningScore"].as_f64().unwrap() - winning).abs() < 1e-9, "{oldest}");
    assert!(oldest["yourScore"].as_f64().unwrap() < winning);
    assert!(oldest["yourTerms"]["score"].is_number());
    // Nothing of the customer or of other companies is in the answer.
    let text = d.to_string();
    for secret in ["Pat Homeowner", "pat@home.example", &winner.id, "winner-co", &fire_only.id] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    // The company without the specialty sees why: NO_SPECIALTY.
    let f = app.ok(Some(&fire_only.token), MISSED, json!({})).await;
    let reasons: Vec<&Value> =
        f["missedLeads"]["nodes"].as_array().unwrap().iter().map(|n| &n["exclusionReason"]).collect();
    assert_eq!(f["missedLeads"]["totalCount"], 3, "{f:#}");
    assert!(reasons.iter().all(|r| *r == "NO_SPECIALTY"), "{f:#}");
    // Paging: one at a time reaches both.
    let page = app.ok(Some(&me.token), MISSED.replace("first: 10", "first: 1").as_str(), json!({})).await;
    assert_eq!(page["missedLeads"]["pageInfo"]["hasNextPage"], true);
    let next = app
        .ok(
            Some(&me.token),
            MISSED.replace("first: 10", "first: 1").as_str(),
            json!({"after": page["missedLeads"]["pageInfo"]["endCursor"]}),
        )
        .await;
    assert_eq!(next["missedLeads"]["nodes"][0]["outcome"], "TAKEN");
    // Admins and partners have no missed leads of their own.
    let body = app.gql(Some(&key), MISSED, json!({})).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
});

on_both_databases!(a_lead_assigned_by_hand_and_returned_is_not_offered_back, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "By Hand Mutual").await;
    let (lead, _) = create_lead(&app, &key, lead_input()).await;
    assert_eq!(lead_detail(&app, &admin, &lead).await["status"], "UNASSIGNED", "nobody covers it yet");
    let c = contractor(&app, &admin, "by-hand", json!({"basePostcode": "2150"}), true).await;
    let assign = "mutation($l:ID!,$c:ID!){ assignLead(leadId:$l, contractorId:$c){ job { id } } }";
    let job = app.ok(Some(&admin), assign, json!({"l": lead, "c": c.id})).await["assignLead"]["job"]["id"].clone();
    let r = app
        .ok(Some(&c.token), RETURN, json!({"j": job, "r": "DUPLICATE", "n": "We did this house last week"}))
        .await["returnLead"]
        .clone();
    app.ok(Some(&admin), DECIDE, json!({"id": r["id"], "u": true})).await;
    // Routed again: the company had its chance (no offer, but a job), so nobody is left.
    let d = lead_detail(&app, &admin, &lead).await;
    assert_eq!(d["status"], "UNASSIGNED", "{d}");
    assert!(open_offers(&d).is_empty());
    let reasons = d["routing"]["excluded"].as_array().unwrap();
    assert!(reasons.iter().any(|x| x["contractorId"] == json!(c.id) && x["reason"] == "ALREADY_OFFERED"), "{d}");
});
