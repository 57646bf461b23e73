use nrp_tests::leads::*;
use nrp_tests::*;
use serde_json::{Value, json};

const SEARCH: &str = "query($q:String!,$k:[SearchKind!],$first:Int,$after:String){ search(query:$q, kinds:$k, first:$first, after:$after){ \
    pageInfo { hasNextPage endCursor } \
    nodes { __typename ... on Lead { id } ... on Job { id } ... on Claim { id } ... on Contractor { id } } } }";

/// What a search finds, as `Kind:id`.
async fn found(app: &TestApp, token: &str, q: &str, kinds: Value) -> Vec<String> {
    let d = app.ok(Some(token), SEARCH, json!({"q": q, "k": kinds})).await;
    d["search"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| format!("{}:{}", n["__typename"].as_str().unwrap(), n["id"].as_str().unwrap()))
        .collect()
}

fn lead_with(name: &str, phone: &str, address: &str, suburb: &str, postcode: &str, email: &str) -> Value {
    let mut input = lead_input();
    input["customer"] = json!({"name": name, "phone": phone, "email": email});
    input["property"] = json!({"address": address, "suburb": suburb, "state": "NSW", "postcode": postcode});
    input
}

on_both_databases!(
    one_search_box_finds_leads_jobs_claims_and_contractors_by_what_people_type,
    |app: TestApp| async move {
        seed_postcodes(&app).await;
        let admin = app.admin_token().await;
        let (_, key) = insurer_key(&app, &admin, "Search Mutual").await;
        let c = contractor(
            &app,
            &admin,
            "search",
            json!({"basePostcode": "2150", "companyName": "Harbourside Drying Co"}),
            true,
        )
        .await;
        let mut input = lead_with(
            "Margaret Oyelaran",
            "0412 777 301",
            "14 Wattle Grove",
            "Parramatta",
            "2150",
            "m.oyelaran@mail.example",
        );
        input["claimNumber"] = json!("SM-2026-88341");
        let (lead, _) = create_lead(&app, &key, input).await;
        let (other, _) = create_lead(
            &app,
            &key,
            lead_with("Tom Nguyen", "0499 000 222", "3 Bay Rd", "Sydney", "2000", "tom@mail.example"),
        )
        .await;
        let offer =
            open_offers(&lead_detail(&app, &admin, &lead).await).into_iter().find(|(_, cid)| *cid == c.id).unwrap().0;
        let job = app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await["acceptOffer"]["job"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let claim = app
            .ok(
                Some(&key),
                "mutation($l:ID!){ createClaim(input:{leadId:$l, claimedCents:\"500000\"}){ id } }",
                json!({"l": lead}),
            )
            .await["createClaim"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let everything = vec![format!("Claim:{claim}"), format!("Job:{job}"), format!("Lead:{lead}")];

        // The phone number however it is typed, or a part of it.
        for q in ["0412 777 301", "+61 412 777 301", "+61412777301", "0412777301", "777 301", "(04) 1277 7301"] {
            assert_eq!(found(&app, &admin, q, json!(null)).await, everything, "{q}");
        }
        // Names (whole or in part, any case), email, claim number, street, suburb, postcode.
        for q in [
            "Oyelaran",
            "margaret oyel",
            "m.oyelaran@mail.example",
            "SM-2026-88341",
            "88341",
            "14 wattle grove",
            "Parramatta",
            "parra 2150",
        ] {
            assert_eq!(found(&app, &admin, q, json!(null)).await, everything, "{q}");
        }
        // The company finds the contractor and the job it works; its ABN, however spaced, the contractor.
        assert_eq!(
            found(&app, &admin, "harbourside", json!(null)).await,
            vec![format!("Job:{job}"), format!("Contractor:{}", c.id)]
        );
        let abn = contractor_view(&app, &admin, &c.id).await["abn"].as_str().unwrap().to_string();
        assert_eq!(found(&app, &admin, &abn, json!(null)).await, vec![format!("Contractor:{}", c.id)], "ABN {abn}");
        assert_eq!(found(&app, &admin, &abn.replace(' ', ""), json!(null)).await, vec![format!("Contractor:{}", c.id)]);
        // A name with the number, as people type it.
        assert_eq!(found(&app, &admin, "margaret 0412 777 301", json!(null)).await, everything);
        // Every word must match; kinds narrow it.
        assert!(found(&app, &admin, "oyelaran sydney", json!(null)).await.is_empty());
        assert_eq!(found(&app, &admin, "Nguyen", json!(null)).await, vec![format!("Lead:{other}")]);
        assert_eq!(found(&app, &admin, "Oyelaran", json!(["JOB", "CLAIM"])).await, everything[..2].to_vec());
        // A wildcard typed is a character, not a pattern.
        assert!(found(&app, &admin, "o%n", json!(null)).await.is_empty());
        assert!(found(&app, &admin, "o_n", json!(null)).await.is_empty());

        // Scoped: the insurer finds its own lead, job and claim, and no contractor; another insurer
        // nothing; the contractor its job only.
        assert_eq!(found(&app, &key, "Oyelaran", json!(null)).await, everything);
        assert!(found(&app, &key, "harbourside", json!(["CONTRACTOR"])).await.is_empty());
        let (_, stranger) = insurer_key(&app, &admin, "Stranger Mutual").await;
        assert!(found(&app, &stranger, "Oyelaran", json!(null)).await.is_empty());
        assert!(found(&app, &stranger, "0412 777 301", json!(null)).await.is_empty());
        assert_eq!(found(&app, &c.token, "Oyelaran", json!(null)).await, vec![format!("Job:{job}")]);
        assert!(found(&app, &c.token, "Nguyen", json!(null)).await.is_empty(), "not a lead it does not work");

        // A company NRP renames is found by its new name, on its jobs too.
        app.ok(
            Some(&admin),
            "mutation($id:ID!){ updateContractor(id:$id, input:{companyName:\"Westside Restorations\"}){ id } }",
            json!({"id": c.id}),
        )
        .await;
        assert_eq!(
            found(&app, &admin, "westside", json!(null)).await,
            vec![format!("Job:{job}"), format!("Contractor:{}", c.id)]
        );
        assert!(found(&app, &admin, "harbourside", json!(null)).await.is_empty());
    }
);

on_both_databases!(search_pages_newest_first_and_refuses_what_it_cannot_search_for, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Paging Mutual").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let input = lead_with(
            &format!("Pat Pagewood {i}"),
            &format!("04{:08}", 31_000_000 + i),
            "9 Long St",
            "Sydney",
            "2000",
            "p@mail.example",
        );
        ids.push(create_lead(&app, &key, input).await.0);
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = app.ok(Some(&admin), SEARCH, json!({"q": "pagewood", "k": ["LEAD"], "first": 2, "after": after})).await;
        seen.extend(d["search"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_string()));
        if d["search"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = d["search"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, ids, "every lead once, newest first, across pages");

    for (q, why) in [
        ("", "empty"),
        ("  % ", "nothing to search for"),
        ("--- ...", "punctuation only"),
        ("page\u{0}wood", "a NUL byte"),
        (&"x".repeat(201)[..], "too long"),
        ("a b c d e f g h i", "nine words"),
    ] {
        let r = app.gql(Some(&admin), SEARCH, json!({"q": q})).await;
        assert_eq!(error_code(&r), "BAD_USER_INPUT", "{why}");
        assert_eq!(error_field(&r), "query", "{why}");
    }
    // A number that is neither phone nor ABN: an insurer's all-digit claim number.
    let mut input = lead_with("Ned Numbers", "0412 000 555", "2 Long St", "Sydney", "2000", "n@mail.example");
    input["claimNumber"] = json!("55501234");
    let (numbered, _) = create_lead(&app, &key, input).await;
    let d = app.ok(Some(&admin), SEARCH, json!({"q": "55501234"})).await;
    assert_eq!(d["search"]["nodes"][0]["id"], json!(numbered));
    // A cursor forged far past any date the database holds is refused, not a server error.
    use base64::Engine;
    let mut forged = (i64::MAX / 2).to_be_bytes().to_vec();
    forged.extend(7i64.to_be_bytes());
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged);
    let r = app.gql(Some(&admin), SEARCH, json!({"q": "pagewood", "after": forged})).await;
    assert_eq!((error_code(&r), error_field(&r)), ("BAD_USER_INPUT", "after"));
    let r = app.gql(Some(&admin), SEARCH, json!({"q": "pagewood", "after": "garbage"})).await;
    assert_eq!((error_code(&r), error_field(&r)), ("BAD_USER_INPUT", "after"));
    let r = app.gql(Some(&admin), SEARCH, json!({"q": "pagewood", "first": 101})).await;
    assert_eq!((error_code(&r), error_field(&r)), ("BAD_USER_INPUT", "first"));
    let r = app.gql(None, SEARCH, json!({"q": "pagewood"})).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED");
});

on_both_databases!(a_database_from_before_search_is_indexed_by_the_rebuild, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Rebuild Mutual").await;
    let (lead, _) = create_lead(
        &app,
        &key,
        lead_with("Ida Rebuildsen", "0412 999 000", "1 Old Rd", "Sydney", "2000", "i@mail.example"),
    )
    .await;
    // As if the index had never been written: empty it, then fill it again from the rows.
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.ctx.db.get_database_backend();
    app.ctx.db.execute_raw(Statement::from_string(backend, "DELETE FROM search_documents")).await.unwrap();
    if backend == sea_orm::DbBackend::Sqlite {
        app.ctx.db.execute_raw(Statement::from_string(backend, "DELETE FROM search_fts")).await.unwrap();
    }
    assert!(found(&app, &admin, "rebuildsen", json!(null)).await.is_empty());
    let written = nrp_server::store::search::fill_if_empty(&app.ctx.db).await.unwrap();
    assert!(written >= 1, "at least the lead: {written}");
    assert_eq!(found(&app, &admin, "rebuildsen", json!(null)).await, vec![format!("Lead:{lead}")]);
    assert_eq!(nrp_server::store::search::fill_if_empty(&app.ctx.db).await.unwrap(), 0, "once");
    // A second rebuild writes the same documents again, no duplicates.
    nrp_server::store::search::rebuild(&app.ctx.db, 1).await.unwrap();
    assert_eq!(found(&app, &admin, "0412 999 000", json!(null)).await, vec![format!("Lead:{lead}")]);
});
