use nrp_tests::leads::*;
use nrp_tests::*;
use serde_json::{Value, json};

on_both_databases!(a_partner_lead_is_offered_to_the_best_three_with_an_explanation, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Routing Mutual").await;
    let mut ids = Vec::new();
    for (i, perf) in [0.9, 0.8, 0.7, 0.6].iter().enumerate() {
        let c = contractor(&app, &admin, &format!("rank{i}"), json!({"basePostcode": "2150"}), true).await;
        set_performance(&app, &c.id, *perf).await;
        ids.push(c.id);
    }
    let (lead_id, status) = create_lead(&app, &key, lead_input()).await;
    assert_eq!(status, "OFFERING");
    let d = lead_detail(&app, &admin, &lead_id).await;
    let offered: Vec<String> = open_offers(&d).into_iter().map(|(_, c)| c).collect();
    assert_eq!(offered, ids[..3].to_vec(), "the three best, best first");
    let r = &d["routing"];
    assert_eq!(r["pointSource"], "POSTCODE");
    assert_eq!(r["candidateCount"], 4);
    assert_eq!(r["candidates"][0]["contractorId"], json!(ids[0]));
    assert_eq!(r["candidates"][0]["offered"], true);
    assert_eq!(r["candidates"][3]["offered"], false);
    let first = &d["offers"][0]["terms"];
    assert_eq!(first["performance"], 0.9);
    assert_eq!(first["response"], 0.5, "no history: 0.5");
    assert_eq!(first["availability"], 1.0);
    assert_eq!(first["satisfaction"], 0.5);
    assert!((first["score"].as_f64().unwrap() - (0.36 + 0.15 + 0.2 + 0.05)).abs() < 1e-9);
    // Offers last 15 minutes by default.
    let expires = chrono::DateTime::parse_from_rfc3339(d["offers"][0]["expiresAt"].as_str().unwrap()).unwrap();
    let left = expires.signed_duration_since(chrono::Utc::now()).num_seconds();
    assert!((880..=900).contains(&left), "{left}");
});

/// Performance scores come from what happens; tests set them directly to control the ranking.
pub async fn set_performance(app: &TestApp, id: &str, score: f64) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    entities::contractor::Entity::update_many()
        .col_expr(entities::contractor::Column::PerformanceScore, Expr::value(score))
        .filter(entities::contractor::Column::Id.eq(uuid::Uuid::parse_str(id).unwrap()))
        .exec(&app.ctx.db)
        .await
        .unwrap();
}

on_both_databases!(every_exclusion_reason_is_explained, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Explained Mutual").await;
    let ok = contractor(&app, &admin, "ok", json!({"basePostcode": "2150"}), true).await;
    let pending = contractor(&app, &admin, "pending", json!({"basePostcode": "2150"}), false).await;
    let paused = contractor(&app, &admin, "paused", json!({"basePostcode": "2150"}), true).await;
    let until = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    app.ok(
        Some(&paused.token),
        "mutation($id:ID!,$u:DateTime!){ pauseContractor(id:$id, until:$u){ id } }",
        json!({"id": paused.id, "u": until}),
    )
    .await;
    let fire = contractor(&app, &admin, "fire", json!({"basePostcode": "2150", "specialties": ["FIRE"]}), true).await;
    let far = contractor(&app, &admin, "far", json!({"basePostcode": "3000"}), true).await;
    let cert = contractor(&app, &admin, "cert", json!({"basePostcode": "2150"}), true).await;
    app.ok(Some(&cert.token), "mutation($id:ID!){ addCertification(contractorId:$id, input:{kind:\"IICRC\", number:\"1\", issuer:\"IICRC\", expiresOn:\"2021-01-01\"}){ id } }", json!({"id": cert.id})).await;
    let full = contractor(&app, &admin, "full", json!({"basePostcode": "2150", "maxActiveJobs": 1}), true).await;
    let capped = contractor(&app, &admin, "capped", json!({"basePostcode": "2150"}), true).await;
    app.ok(
        Some(&capped.token),
        "mutation($id:ID!){ updateContractor(id:$id, input:{dailyLeadCap:1}){ id } }",
        json!({"id": capped.id}),
    )
    .await;

    // Fill `full` with a job and use up `capped`'s daily cap with an earlier lead.
    let (l1, _) = create_lead(&app, &key, lead_input()).await;
    let offers = open_offers(&lead_detail(&app, &admin, &l1).await);
    assert!(offers.iter().any(|(_, c)| *c == capped.id), "capped got the first lead's offer");
    let (full_offer, _) = offers.iter().find(|(_, c)| *c == full.id).cloned().expect("full got an offer");
    app.ok(Some(&full.token), ACCEPT, json!({"id": full_offer})).await;

    let (l2, _) = create_lead(&app, &key, lead_input()).await;
    let d = lead_detail(&app, &admin, &l2).await;
    let reasons: std::collections::HashMap<String, String> = d["routing"]["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["contractorId"].as_str().unwrap().to_string(), e["reason"].as_str().unwrap().to_string()))
        .collect();
    for (c, reason) in [
        (&pending, "NOT_ACTIVE"),
        (&paused, "PAUSED"),
        (&fire, "NO_SPECIALTY"),
        (&far, "OUT_OF_AREA"),
        (&cert, "CERT_EXPIRED"),
        (&full, "AT_CAPACITY"),
        (&capped, "CAP_REACHED"),
    ] {
        assert_eq!(reasons.get(&c.id).map(String::as_str), Some(reason), "{} in {reasons:?}", c.email);
    }
    assert_eq!(open_offers(&d).into_iter().map(|(_, c)| c).collect::<Vec<_>>(), vec![ok.id.clone()]);

    // Re-routing explains ALREADY_OFFERED for those offered before.
    let r = app
        .ok(
            Some(&admin),
            "mutation($id:ID!){ rerouteLead(leadId:$id){ routing { excluded { contractorId reason } } } }",
            json!({"id": l2}),
        )
        .await;
    let again: Vec<&Value> = r["rerouteLead"]["routing"]["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["contractorId"] == json!(ok.id))
        .collect();
    assert_eq!(again[0]["reason"], "ALREADY_OFFERED");
});

on_both_databases!(coordinates_and_explicit_postcodes_decide_the_area, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Area Mutual").await;
    let melbourne =
        contractor(&app, &admin, "melb", json!({"basePostcode": "3000", "servicePostcodes": ["2000"]}), true).await;
    let brisbane = contractor(&app, &admin, "bris", json!({"basePostcode": "4000", "serviceRadiusKm": 20}), true).await;
    // A Sydney lead whose coordinates are given reaches the Melbourne contractor that lists 2000.
    let mut input = lead_input();
    input["property"]["latitude"] = json!(-33.87);
    input["property"]["longitude"] = json!(151.2);
    let (id, status) = create_lead(&app, &key, input).await;
    assert_eq!(status, "OFFERING");
    let d = lead_detail(&app, &admin, &id).await;
    assert_eq!(d["routing"]["pointSource"], "COORDINATES");
    assert_eq!(open_offers(&d).into_iter().map(|(_, c)| c).collect::<Vec<_>>(), vec![melbourne.id]);
    let out: Vec<&Value> = d["routing"]["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["contractorId"] == json!(brisbane.id))
        .collect();
    assert_eq!(out[0]["reason"], "OUT_OF_AREA");
});

on_both_databases!(bad_lead_inputs_are_rejected_on_their_field_and_write_nothing, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Strict Mutual").await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/customer/phone", json!("555"), "input.customer.phone"),
        ("/customer/name", json!(" "), "input.customer.name"),
        ("/customer/email", json!("nope"), "input.customer.email"),
        ("/property/postcode", json!("20000"), "input.property.postcode"),
        ("/property/state", json!("XYZ"), "input.property.state"),
        ("/property/address", json!(""), "input.property.address"),
        ("/property/latitude", json!(51.5), "input.property.longitude"),
        ("/estimatedValueCents", json!(-1), "input.estimatedValueCents"),
        ("/description", json!(""), "input.description"),
        ("/insurer", json!("not-an-id"), "input.insurer"),
    ];
    for (path, value, field) in cases {
        let mut input = lead_input();
        set_path(&mut input, path, value.clone());
        let body = app.gql(Some(&key), CREATE_LEAD, json!({"input": input})).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{path}={value}: {body}");
        assert_eq!(error_field(&body), field, "{path}={value}");
    }
    let total = app.ok(Some(&admin), "{ leads { totalCount } }", json!({})).await;
    assert_eq!(total["leads"]["totalCount"], 0);
    // Contractors and the anonymous cannot create leads.
    assert_eq!(error_code(&app.gql(None, CREATE_LEAD, json!({"input": lead_input()})).await), "UNAUTHENTICATED");
    let (_, email) = register_contractor(&app, "nolead").await;
    let token = app.login(&email, CONTRACTOR_PASSWORD).await;
    assert_eq!(error_code(&app.gql(Some(&token), CREATE_LEAD, json!({"input": lead_input()})).await), "FORBIDDEN");
});

on_both_databases!(duplicate_claims_conflict_and_repeat_customers_are_marked_duplicate, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Dup Mutual").await;
    let mut first = lead_input();
    first["claimNumber"] = json!("CLM-1001");
    let (first_id, _) = create_lead(&app, &key, first.clone()).await;

    let mut same_claim = lead_input();
    same_claim["claimNumber"] = json!("CLM-1001");
    let body = app.gql(Some(&key), CREATE_LEAD, json!({"input": same_claim})).await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(error_field(&body), "input.claimNumber");

    let mut again = first.clone();
    again["claimNumber"] = json!("CLM-1002");
    again["customer"]["phone"] = json!(format!("+61 {}", &first["customer"]["phone"].as_str().unwrap()[1..]));
    let d = app.ok(Some(&key), CREATE_LEAD, json!({"input": again})).await;
    assert_eq!(d["createLead"]["status"], "DUPLICATE");
    assert_eq!(d["createLead"]["duplicateOf"], json!(first_id));
    // Another damage type at the same address is a new lead.
    let mut fire = first.clone();
    fire["claimNumber"] = json!("CLM-1003");
    fire["damageType"] = json!("FIRE");
    let d = app.ok(Some(&key), CREATE_LEAD, json!({"input": fire})).await;
    assert_ne!(d["createLead"]["status"], "DUPLICATE");
    // A claim number needs an insurer: an admin lead without one is refused.
    let mut orphan = lead_input();
    orphan["claimNumber"] = json!("CLM-9");
    let body = app.gql(Some(&admin), CREATE_LEAD, json!({"input": orphan})).await;
    assert_eq!(error_field(&body), "input.claimNumber");
});

on_both_databases!(customer_details_stay_hidden_until_the_contractor_wins, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Private Mutual").await;
    let a = contractor(&app, &admin, "pii-a", json!({"basePostcode": "2150"}), true).await;
    let b = contractor(&app, &admin, "pii-b", json!({"basePostcode": "2150"}), true).await;
    let (lead_id, _) = create_lead(&app, &key, lead_input()).await;
    let offers = app
        .ok(Some(&a.token), "{ myOffers(status: OPEN) { id lead { id suburb postcode description } } }", json!({}))
        .await;
    let text = offers.to_string();
    assert!(!text.contains("Pat Homeowner") && !text.contains("George St") && !text.contains("pat@home"), "{text}");
    // The offer's lead has no customer field at all.
    let probe = app.gql(Some(&a.token), "{ myOffers { lead { customer { name } } } }", json!({})).await;
    assert_eq!(error_code(&probe), "BAD_USER_INPUT");
    let q = "query($id:ID!){ lead(id:$id){ customer { name phone } property { address } } }";
    assert_eq!(error_code(&app.gql(Some(&a.token), q, json!({"id": lead_id})).await), "NOT_FOUND");

    let offer_id = offers["myOffers"][0]["id"].as_str().unwrap().to_string();
    let won = app.ok(Some(&a.token), ACCEPT, json!({"id": offer_id})).await;
    assert_eq!(won["acceptOffer"]["lead"]["customer"]["name"], "Pat Homeowner");
    let mine = app.ok(Some(&a.token), q, json!({"id": lead_id})).await;
    assert_eq!(mine["lead"]["property"]["address"], "1 George St");
    assert_eq!(error_code(&app.gql(Some(&b.token), q, json!({"id": lead_id})).await), "NOT_FOUND");
    // The insurer reads its own lead in full.
    let theirs = app.ok(Some(&key), q, json!({"id": lead_id})).await;
    assert_eq!(theirs["lead"]["customer"]["name"], "Pat Homeowner");
});

/// Sets `/a/b` in a JSON object, creating the key if needed.
fn set_path(v: &mut Value, path: &str, value: Value) {
    let mut cur = v;
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    for p in &parts[..parts.len() - 1] {
        cur = &mut cur[*p];
    }
    cur[parts[parts.len() - 1]] = value;
}

on_both_databases!(a_false_duplicate_is_released_into_routing_with_a_reason, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Twice Mutual").await;
    let c = contractor(&app, &admin, "released", json!({"basePostcode": "2000"}), true).await;
    let input = lead_input();
    let (original, _) = create_lead(&app, &key, input.clone()).await;
    let dup = app.ok(Some(&key), CREATE_LEAD, json!({"input": input})).await["createLead"].clone();
    assert_eq!(dup["status"], "DUPLICATE");
    let id = dup["id"].as_str().unwrap().to_string();
    let release = "mutation($l:ID!,$r:String!){ releaseDuplicate(leadId:$l, reason:$r){ id status duplicateOf } }";
    for token in [&c.token, &key] {
        let body = app.gql(Some(token), release, json!({"l": id, "r": "another flat"})).await;
        assert_eq!(error_code(&body), "FORBIDDEN");
    }
    let blank = app.gql(Some(&admin), release, json!({"l": id, "r": "   "})).await;
    assert_eq!((error_code(&blank), error_field(&blank)), ("BAD_USER_INPUT", "reason"));
    assert_eq!(lead_detail(&app, &admin, &id).await["status"], "DUPLICATE", "a refused release changes nothing");

    let released =
        app.ok(Some(&admin), release, json!({"l": id, "r": "unit 4, not unit 2"})).await["releaseDuplicate"].clone();
    assert_eq!(released["status"], "OFFERING", "routed at once: {released}");
    assert_eq!(released["duplicateOf"], json!(original), "the lead it was taken for stays named");
    assert!(open_offers(&lead_detail(&app, &admin, &id).await).iter().any(|(_, cid)| *cid == c.id));
    let again = app.gql(Some(&admin), release, json!({"l": id, "r": "again"})).await;
    assert_eq!(error_code(&again), "CONFLICT");
    assert_eq!(error_code(&app.gql(Some(&admin), release, json!({"l": original, "r": "x"})).await), "CONFLICT");
    let audit = app.ok(Some(&admin), "{ auditLog(first: 50) { edges { node { action changes } } } }", json!({})).await;
    let entry = audit["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["action"] == "lead.duplicate_released")
        .expect("the release is audited")
        .clone();
    assert!(entry.to_string().contains("unit 4, not unit 2"), "{entry}");
});
