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
        (&cert, "CERT_EXPIRED"),
        (&full, "AT_CAPACITY"),
        (&capped, "CAP_REACHED"),
    ] {
        assert_eq!(reasons.get(&c.id).map(String::as_str), Some(reason), "{} in {reasons:?}", c.email);
    }
    assert_eq!(open_offers(&d).into_iter().map(|(_, c)| c).collect::<Vec<_>>(), vec![ok.id.clone()]);
    // Melbourne is beyond reach of a Sydney lead: counted as out of the area, never read.
    assert!(!reasons.contains_key(&far.id), "{reasons:?}");
    assert_eq!(out_of_area(&d), 1);

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
    // Brisbane, 20 km around its base, is not in reach: counted, not listed.
    assert!(!d["routing"]["excluded"].as_array().unwrap().iter().any(|e| e["contractorId"] == json!(brisbane.id)));
    assert_eq!(out_of_area(&d), 1);
});

/// How many contractors a lead's explanation counts as out of its area.
fn out_of_area(detail: &Value) -> i64 {
    detail["routing"]["excludedCounts"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["reason"] == "OUT_OF_AREA"))
        .and_then(|c| c["count"].as_i64())
        .unwrap_or(0)
}

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

/// A randomised network, for checking the reach against the whole network.
async fn random_network(app: &TestApp, rng: &mut rand::rngs::StdRng) -> Vec<String> {
    use entities::{ContractorStatus, DamageType};
    use nrp_server::store::contractors as store;
    use rand::Rng;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    // Postcodes scattered over the eastern states, each its own state's range.
    let mut csv = String::from("Postcode,Suburb,State,Lat,Lon\n");
    let mut postcodes = Vec::new();
    for i in 0..90 {
        let (state, base, lat, lon) = match i % 3 {
            0 => ("NSW", 2000, rng.gen_range(-37.0..-28.5), rng.gen_range(141.0..153.6)),
            1 => ("VIC", 3000, rng.gen_range(-38.9..-34.0), rng.gen_range(141.0..149.9)),
            _ => ("QLD", 4000, rng.gen_range(-28.9..-10.8), rng.gen_range(138.0..153.5)),
        };
        let pc = format!("{}", base + i * 7);
        csv.push_str(&format!("{pc},Place {i},{state},{lat:.4},{lon:.4}\n"));
        postcodes.push(pc);
    }
    nrp_server::services::postcodes::import(&app.ctx, &nrp_server::auth::RequestMeta::system(), csv.as_bytes())
        .await
        .expect("postcodes import");
    let types = [DamageType::Water, DamageType::Fire, DamageType::Mould, DamageType::Storm];
    for i in 0..180 {
        // Some bases the postcode table does not know: such a contractor covers only its list.
        let base =
            if rng.gen_bool(0.05) { "2999".to_string() } else { postcodes[rng.gen_range(0..postcodes.len())].clone() };
        let radius = *[5, 30, 50, 80, 150, 300, 500].get(rng.gen_range(0..7)).unwrap_or(&50);
        let status = match rng.gen_range(0..10) {
            0 => ContractorStatus::Pending,
            1 => ContractorStatus::Suspended,
            _ => ContractorStatus::Active,
        };
        let c = store::insert(
            &app.ctx.db,
            store::NewContractor {
                company_name: format!("Random Restorations {i}"),
                abn: format!("{:011}", rng.gen_range(10_000_000_000u64..99_999_999_999)),
                contact_name: "Sam".into(),
                email: format!("random{i}-{}@example.com", uuid::Uuid::new_v4().simple()),
                phone: "+61412345678".into(),
                base_postcode: base,
                service_radius_km: radius,
                max_active_jobs: rng.gen_range(1..6),
                daily_lead_cap: rng.gen_bool(0.2).then(|| rng.gen_range(1..4)),
                status,
            },
        )
        .await
        .expect("contractor");
        let mut mine: Vec<DamageType> = types.iter().copied().filter(|_| rng.gen_bool(0.6)).collect();
        if mine.is_empty() {
            mine.push(DamageType::Water);
        }
        store::replace_specialties(&app.ctx.db, c.id, &mine).await.expect("specialties");
        let listed: Vec<String> = (0..rng.gen_range(0..3))
            .map(|_| postcodes[rng.gen_range(0..postcodes.len())].clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        store::replace_service_postcodes(&app.ctx.db, c.id, &listed).await.expect("postcodes");
        let paused = rng.gen_bool(0.1).then(|| chrono::Utc::now() + chrono::Duration::hours(2));
        // The score set here is the contractor's: marked computed, so the maintenance worker's
        // first computation (of contractors never computed) does not change it mid-test.
        entities::contractor::Entity::update_many()
            .col_expr(entities::contractor::Column::ScoreComputedAt, Expr::value(Some(chrono::Utc::now())))
            .col_expr(entities::contractor::Column::PausedUntil, Expr::value(paused))
            .col_expr(entities::contractor::Column::ActiveJobs, Expr::value(rng.gen_range(0..3)))
            .col_expr(entities::contractor::Column::PerformanceScore, Expr::value(f64::from(rng.gen_range(0..5)) / 4.0))
            .filter(entities::contractor::Column::Id.eq(c.id))
            .exec(&app.ctx.db)
            .await
            .expect("state");
        if rng.gen_bool(0.1) {
            store::insert_certification(
                &app.ctx.db,
                store::NewCertification {
                    contractor_id: c.id,
                    kind: "Licence".into(),
                    number: "L1".into(),
                    issuer: "NSW Fair Trading".into(),
                    // Long gone, or about today, when each company's own clock decides.
                    expires_on: Some(chrono::Utc::now().date_naive() + chrono::Duration::days(rng.gen_range(-3..3))),
                },
            )
            .await
            .expect("certification");
        }
    }
    postcodes
}

on_both_databases!(routing_by_reach_ranks_and_counts_as_a_scan_of_the_whole_network, |app: TestApp| async move {
    use entities::contractor::{Column, Entity};
    use nrp_server::services::routing::{Scan, network::Network, plan};
    use rand::{Rng, SeedableRng};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let seed: u64 = std::env::var("NRP_ROUTING_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let postcodes = random_network(&app, &mut rng).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Random Mutual").await;
    // The server's own network (its lines trail the clocks by seconds) reads the latest changes
    // from the database on top of what it holds. A second one holds everything (its lines trail
    // nothing) and folds in each change between leads, as a long-running instance does.
    let mut held = (*app.ctx).clone();
    held.network = std::sync::Arc::new(Network::with_settle(chrono::Duration::zero()));
    held.network.refresh_now(&app.ctx.db).await.unwrap();
    assert_eq!(held.network.len(), 180);
    let ids: Vec<uuid::Uuid> = Entity::find().all(&app.ctx.db).await.unwrap().into_iter().map(|c| c.id).collect();
    // Thirty leads at least, and on until eight of them had candidates (a random network can be
    // thin where the leads fall).
    let mut compared = 0;
    for i in 0..120 {
        if i >= 30 && compared >= 8 {
            break;
        }
        // Something changes between leads, written straight to the database: a pause, a job
        // count, a specialty, a move.
        let who = ids[rng.gen_range(0..ids.len())];
        let change = Entity::update_many().filter(Column::Id.eq(who));
        match i % 4 {
            0 => change.col_expr(Column::PausedUntil, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None)),
            1 => change.col_expr(Column::ActiveJobs, Expr::value(rng.gen_range(0..4))),
            2 => change.col_expr(Column::PerformanceScore, Expr::value(rng.gen_range(0.0..1.0))),
            _ => change
                .col_expr(Column::BaseLatitude, Expr::value(rng.gen_range(-38.0..-20.0)))
                .col_expr(Column::BaseLongitude, Expr::value(rng.gen_range(142.0..153.0))),
        }
        .exec(&app.ctx.db)
        .await
        .unwrap();
        if i % 3 == 0 {
            let types = [entities::DamageType::Water, entities::DamageType::Fire];
            nrp_server::store::contractors::replace_specialties(&app.ctx.db, who, &types[..rng.gen_range(1..3)])
                .await
                .unwrap();
        }
        if i % 3 == 1 {
            nrp_server::store::contractors::insert_certification(
                &app.ctx.db,
                nrp_server::store::contractors::NewCertification {
                    contractor_id: who,
                    kind: "Licence".into(),
                    number: format!("L{i}"),
                    issuer: "QBCC".into(),
                    expires_on: Some(chrono::Utc::now().date_naive() + chrono::Duration::days(rng.gen_range(-2..2))),
                },
            )
            .await
            .unwrap();
        }
        held.network.refresh_now(&app.ctx.db).await.unwrap();
        let mut input = lead_input();
        input["damageType"] = json!(["WATER", "FIRE", "MOULD", "STORM"][rng.gen_range(0..4)]);
        input["urgency"] = json!(["LOW", "HIGH", "EMERGENCY"][rng.gen_range(0..3)]);
        // Some at a postcode's centre, some at their own coordinates, some at a postcode the
        // table does not know.
        input["property"]["postcode"] = json!(match i % 5 {
            4 => "2998".to_string(),
            _ => postcodes[rng.gen_range(0..postcodes.len())].clone(),
        });
        if i % 5 == 3 {
            input["property"]["latitude"] = json!(rng.gen_range(-38.0..-20.0));
            input["property"]["longitude"] = json!(rng.gen_range(142.0..153.0));
        }
        // Routed on the way in (offers made: the plans below see them as already offered).
        let (id, _) = create_lead(&app, &key, input).await;
        let lead = nrp_server::store::leads::find(&app.ctx.db, id.parse().unwrap()).await.unwrap().unwrap();
        let now = chrono::Utc::now();
        let all = plan(&app.ctx, &app.ctx.db, &lead, now, Scan::Everyone).await.unwrap();
        for (how, ctx) in [("read on top", &*app.ctx), ("held", &held)] {
            let reach = plan(ctx, &app.ctx.db, &lead, now, Scan::Reach).await.unwrap();
            assert_eq!(reach.ranked, all.ranked, "seed {seed}, lead {i}, {how}: the same candidates in the same order");
            assert_eq!(reach.candidate_count, all.candidate_count, "seed {seed}, lead {i}, {how}");
            assert_eq!(
                reach.excluded_counts, all.excluded_counts,
                "seed {seed}, lead {i}, {how}: the same reasons, counted"
            );
            for e in &reach.excluded {
                assert!(all.excluded.contains(e), "seed {seed}, lead {i}, {how}: {e:?} excluded for the same reason");
            }
        }
        compared += usize::from(!all.ranked.is_empty());
    }
    assert!(compared >= 8, "seed {seed}: only {compared} leads had candidates; the network is too thin to check");
});

/// Declines `offer` and tops `lead` up with the plan `ahead`, in one locked transaction as the
/// service does; returns the lead's version once locked, and what the fill did.
async fn decline_and_fill(
    app: &TestApp,
    lead: uuid::Uuid,
    offer: &str,
    ahead: Option<nrp_server::services::routing::Plan>,
) -> (i64, nrp_server::services::routing::Filled) {
    use sea_orm::TransactionTrait;
    let txn = app.ctx.db.begin().await.unwrap();
    let l = nrp_server::store::leads::lock(&txn, lead).await.unwrap().unwrap();
    let version = l.version;
    let now = chrono::Utc::now();
    nrp_server::store::offers::close_if_open(
        &txn,
        offer.parse().unwrap(),
        entities::OfferStatus::Declined,
        now,
        None,
        None,
    )
    .await
    .unwrap();
    let filled = nrp_server::services::routing::fill(&app.ctx, &txn, l, now, ahead).await.unwrap();
    txn.commit().await.unwrap();
    (version, filled)
}

on_both_databases!(a_plan_made_before_the_lock_is_used_only_while_it_still_holds, |app: TestApp| async move {
    use nrp_server::services::routing::plan_ahead;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Stale Mutual").await;
    let mut cs = Vec::new();
    for (i, perf) in [0.9, 0.8, 0.7, 0.6, 0.5].iter().enumerate() {
        let c = contractor(&app, &admin, &format!("stale{i}"), json!({"basePostcode": "2150"}), true).await;
        set_performance(&app, &c.id, *perf).await;
        cs.push(c);
    }
    let (lead, _) = create_lead(&app, &key, lead_input()).await;
    let lead_id: uuid::Uuid = lead.parse().unwrap();
    let offers = open_offers(&lead_detail(&app, &admin, &lead).await);
    // Ranked ahead: the fourth and fifth are left, the fourth first.
    let stale = plan_ahead(&app.ctx, lead_id, chrono::Utc::now()).await.expect("a plan");
    assert_eq!(stale.ranked[0].contractor_id.to_string(), cs[3].id);
    // The lead moves on meanwhile: a decline gives the fourth its offer.
    let (first, _) = offers[0].clone();
    app.ok(Some(&cs[0].token), DECLINE, json!({"id": first})).await;
    // A write holding the stale plan ranks again instead of offering the fourth twice.
    let (_, filled) = decline_and_fill(&app, lead_id, &offers[1].0, Some(stale)).await;
    let d = lead_detail(&app, &admin, &lead).await;
    let mut offered: Vec<String> =
        d["offers"].as_array().unwrap().iter().map(|o| o["contractor"]["id"].as_str().unwrap().to_string()).collect();
    offered.sort();
    let before = offered.len();
    offered.dedup();
    assert_eq!(offered.len(), before, "nobody offered twice");
    assert!(offered.contains(&cs[4].id), "the fifth got the next offer: {offered:?}");
    assert_eq!(filled.lead.status, entities::LeadStatus::Offering);

    // A plan whose chosen contractor paused since it was made is not used either.
    let (lead2, _) = create_lead(&app, &key, lead_input()).await;
    let lead2_id: uuid::Uuid = lead2.parse().unwrap();
    let open2 = open_offers(&lead_detail(&app, &admin, &lead2).await);
    let ahead = plan_ahead(&app.ctx, lead2_id, chrono::Utc::now()).await.expect("a plan");
    let chosen = ahead.ranked[0].contractor_id.to_string();
    let pauser = cs.iter().find(|c| c.id == chosen).unwrap();
    let until = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    app.ok(
        Some(&pauser.token),
        "mutation($id:ID!,$u:DateTime!){ pauseContractor(id:$id, until:$u){ id } }",
        json!({"id": pauser.id, "u": until}),
    )
    .await;
    let version = ahead.version;
    let (locked, _) = decline_and_fill(&app, lead2_id, &open2[0].0, Some(ahead)).await;
    // The lock is taken in that transaction: the plan's version is one behind, as it should be.
    assert_eq!(locked, version + 1);
    let d = lead_detail(&app, &admin, &lead2).await;
    let paused_offers =
        d["offers"].as_array().unwrap().iter().filter(|o| o["contractor"]["id"] == json!(chosen)).count();
    assert_eq!(paused_offers, 0, "the paused contractor got no offer");
});
