use nrp_tests::leads::*;
use nrp_tests::*;
use serde_json::json;

const CREATE: &str = "mutation($input: CreateClaimInput!){ createClaim(input:$input){ id status claimNumber claimedCents excessCents decisionDueOn decisionDueAt decisionBusinessDaysLeft decisionOverdue allowedTransitions } }";
const UPDATE: &str = "mutation($input: UpdateClaimInput!){ updateClaim(input:$input){ id status approvedCents excessCents decisionNote decisionBusinessDaysLeft allowedTransitions } }";

on_both_databases!(an_insurer_lodges_assesses_decides_and_settles_its_claim, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Claim Mutual").await;
    let (_, other) = insurer_key(&app, &admin, "Other Mutual").await;
    let c = contractor(&app, &admin, "claimant", json!({"basePostcode": "2150"}), true).await;
    let mut input = lead_input();
    input["claimNumber"] = json!("HM-2026-0042");
    let (lead_id, _) = create_lead(&app, &key, input).await;
    let offer = open_offers(&lead_detail(&app, &admin, &lead_id).await)[0].0.clone();
    app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await;

    let claim = app
        .ok(Some(&key), CREATE, json!({"input": {"leadId": lead_id, "claimedCents": 1_500_000, "excessCents": 50_000}}))
        .await["createClaim"]
        .clone();
    assert_eq!(claim["status"], "LODGED");
    assert_eq!(claim["claimNumber"], "HM-2026-0042", "defaults to the lead's claim number");
    assert_eq!(claim["decisionOverdue"], false);
    let due = chrono::NaiveDate::parse_from_str(claim["decisionDueOn"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    // Ten business days from the lodgement day in Sydney (the lead's state), not in UTC.
    let sydney = chrono::Utc::now().with_timezone(&chrono_tz::Australia::Sydney).date_naive();
    assert_eq!(due, nrp_server::domain::add_business_days(sydney, 10));
    // The Code of Practice clock: ten business days to go, ending at midnight after the due day
    // in Sydney.
    assert_eq!(claim["decisionBusinessDaysLeft"], 10);
    let ends = chrono::DateTime::parse_from_rfc3339(claim["decisionDueAt"].as_str().unwrap()).unwrap();
    let ends = ends.with_timezone(&chrono_tz::Australia::Sydney);
    assert_eq!((ends.date_naive(), ends.time()), (due.succ_opt().unwrap(), chrono::NaiveTime::MIN));
    assert_eq!(claim["allowedTransitions"], json!(["ASSESSING"]));
    let id = claim["id"].as_str().unwrap().to_string();

    let again = app.gql(Some(&key), CREATE, json!({"input": {"leadId": lead_id, "claimedCents": 1}})).await;
    assert_eq!(error_code(&again), "CONFLICT");
    assert_eq!(error_field(&again), "input.leadId");
    let skip = app.gql(Some(&key), UPDATE, json!({"input": {"claimId": id, "status": "APPROVED"}})).await;
    assert_eq!(error_field(&skip), "input.status");
    assert!(skip["errors"][0]["message"].as_str().unwrap().contains("ASSESSING"));

    app.ok(Some(&key), UPDATE, json!({"input": {"claimId": id, "status": "ASSESSING"}})).await;
    let full = app
        .gql(Some(&key), UPDATE, json!({"input": {"claimId": id, "status": "APPROVED", "approvedCents": 1_000_000}}))
        .await;
    assert_eq!(error_field(&full), "input.approvedCents");
    let over = app
        .gql(
            Some(&key),
            UPDATE,
            json!({"input": {"claimId": id, "status": "PARTIALLY_APPROVED", "approvedCents": 1_500_000}}),
        )
        .await;
    assert_eq!(error_field(&over), "input.approvedCents");
    let part = app
        .ok(Some(&key), UPDATE, json!({"input": {"claimId": id, "status": "PARTIALLY_APPROVED", "approvedCents": 1_200_000, "note": "carpet excluded"}}))
        .await["updateClaim"]
        .clone();
    assert_eq!(cents(&part["approvedCents"]), 1_200_000);
    assert_eq!(part["decisionNote"], "carpet excluded");
    assert_eq!(part["allowedTransitions"], json!(["SETTLED"]));
    assert_eq!(part["decisionBusinessDaysLeft"], json!(null), "a decided claim's clock stops");

    // The contractor reads the claim of its job but cannot touch it; another insurer cannot see it.
    let view = app
        .ok(Some(&c.token), "query($id:ID!){ lead(id:$id){ claim { status approvedCents } } }", json!({"id": lead_id}))
        .await;
    assert_eq!(view["lead"]["claim"]["status"], "PARTIALLY_APPROVED");
    assert_eq!(app.ok(Some(&c.token), "{ claims { totalCount } }", json!({})).await["claims"]["totalCount"], 1);
    assert_eq!(
        error_code(&app.gql(Some(&c.token), UPDATE, json!({"input": {"claimId": id, "status": "SETTLED"}})).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&app.gql(Some(&other), UPDATE, json!({"input": {"claimId": id, "status": "SETTLED"}})).await),
        "NOT_FOUND"
    );
    assert_eq!(app.ok(Some(&other), "{ claims { totalCount } }", json!({})).await["claims"]["totalCount"], 0);

    let settled = app.ok(Some(&key), UPDATE, json!({"input": {"claimId": id, "status": "SETTLED"}})).await;
    assert_eq!(settled["updateClaim"]["status"], "SETTLED");
    assert_eq!(settled["updateClaim"]["allowedTransitions"], json!([]));
    let closed = app.gql(Some(&admin), UPDATE, json!({"input": {"claimId": id, "excessCents": 1}})).await;
    assert_eq!(error_code(&closed), "CONFLICT");
    let log = app
        .ok(Some(&admin), "query($id:ID!){ auditLog(filter:{entityId:$id}){ totalCount } }", json!({"id": id}))
        .await;
    assert_eq!(log["auditLog"]["totalCount"], 4, "lodged, assessing, partially approved, settled");
});

on_both_databases!(bad_claims_are_refused_and_overdue_decisions_are_flagged, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Slow Mutual").await;
    let (lead_id, _) = create_lead(&app, &key, lead_input()).await;
    let no_number = app.gql(Some(&key), CREATE, json!({"input": {"leadId": lead_id, "claimedCents": 100}})).await;
    assert_eq!(error_field(&no_number), "input.claimNumber");
    let negative = app
        .gql(Some(&key), CREATE, json!({"input": {"leadId": lead_id, "claimNumber": "S-1", "claimedCents": -5}}))
        .await;
    assert_eq!(error_field(&negative), "input.claimedCents");
    let (uninsured, _) = create_lead(&app, &admin, lead_input()).await;
    let none = app
        .gql(Some(&admin), CREATE, json!({"input": {"leadId": uninsured, "claimNumber": "X", "claimedCents": 100}}))
        .await;
    assert_eq!(error_field(&none), "input.leadId");
    let (_, stranger) = insurer_key(&app, &admin, "Stranger Mutual").await;
    let theirs = app
        .gql(Some(&stranger), CREATE, json!({"input": {"leadId": lead_id, "claimNumber": "S-2", "claimedCents": 100}}))
        .await;
    assert_eq!(error_field(&theirs), "input.leadId", "another insurer's lead does not exist for it");
    assert_eq!(app.ok(Some(&admin), "{ claims { totalCount } }", json!({})).await["claims"]["totalCount"], 0);

    let c = app
        .ok(Some(&key), CREATE, json!({"input": {"leadId": lead_id, "claimNumber": "S-3", "claimedCents": 100}}))
        .await;
    let id = c["createClaim"]["id"].as_str().unwrap().to_string();
    // Lodged 3 weeks ago and still undecided.
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        entities::claim::Entity::update_many()
            .col_expr(
                entities::claim::Column::DecisionDueOn,
                Expr::value(chrono::Utc::now().date_naive() - chrono::Duration::days(7)),
            )
            .col_expr(
                entities::claim::Column::DecisionDueAt,
                Expr::value(Some(chrono::Utc::now() - chrono::Duration::days(6))),
            )
            .filter(entities::claim::Column::Id.eq(uuid::Uuid::parse_str(&id).unwrap()))
            .exec(&app.ctx.db)
            .await
            .unwrap();
    }
    let overdue = app
        .ok(
            Some(&admin),
            "{ claims(decisionOverdue: true) { totalCount edges { node { id decisionOverdue } } } }",
            json!({}),
        )
        .await;
    assert_eq!(overdue["claims"]["totalCount"], 1);
    assert_eq!(overdue["claims"]["edges"][0]["node"]["decisionOverdue"], true);
    app.ok(Some(&key), UPDATE, json!({"input": {"claimId": id, "status": "ASSESSING"}})).await;
    app.ok(Some(&key), UPDATE, json!({"input": {"claimId": id, "status": "DECLINED", "note": "pre-existing damage"}}))
        .await;
    let after = app.ok(Some(&admin), "{ claims(decisionOverdue: true) { totalCount } }", json!({})).await;
    assert_eq!(after["claims"]["totalCount"], 0, "a decision clears the flag");
});
