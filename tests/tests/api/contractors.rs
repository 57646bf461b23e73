use nrp_tests::*;
use serde_json::{Value, json};

const VERIFY: &str = "mutation($id:ID!){ verifyContractor(id:$id){ id status verifiedAt } }";
const SUSPEND: &str = "mutation($id:ID!,$r:String){ suspendContractor(id:$id, reason:$r){ id status statusReason } }";
const REINSTATE: &str = "mutation($id:ID!){ reinstateContractor(id:$id){ id status statusReason } }";
const UPDATE: &str = "mutation($id:ID!,$input:UpdateContractorInput!){ updateContractor(id:$id,input:$input){ id serviceRadiusKm specialties servicePostcodes dailyLeadCap commissionBps companyName maxActiveJobs phone } }";
const AUDIT: &str = "query($f:AuditFilterInput){ auditLog(first:50, filter:$f){ totalCount edges { node { action actorKind actorLabel entityType entityId changes requestId } } } }";

async fn counts(app: &TestApp, admin: &str) -> (u64, u64) {
    let d = app.ok(Some(admin), "{ contractors { totalCount } auditLog { totalCount } }", json!({})).await;
    (d["contractors"]["totalCount"].as_u64().unwrap(), d["auditLog"]["totalCount"].as_u64().unwrap())
}

on_both_databases!(a_contractor_registers_as_pending_with_normalised_values, |app: TestApp| async move {
    let mut input = registration("normal");
    input["abn"] = json!("51 824 753 556");
    input["phone"] = json!("(02) 9876 5432");
    input["specialties"] = json!(["MOULD", "WATER", "WATER"]);
    let email = input["email"].as_str().unwrap().to_string();
    input["email"] = json!(format!("  {}  ", email.to_uppercase()));
    let id = register_with(&app, input).await;
    let c = contractor_view(&app, &app.admin_token().await, &id).await;
    assert_eq!(c["status"], "PENDING");
    assert_eq!(c["abn"], "51 824 753 556");
    assert_eq!(c["phone"], "+61298765432");
    assert_eq!(c["email"], email);
    assert_eq!(c["specialties"], json!(["WATER", "MOULD"]));
    assert_eq!(c["servicePostcodes"], json!(["2010", "2017"]));
});

on_both_databases!(defaults_apply_when_optional_registration_fields_are_omitted, |app: TestApp| async move {
    let mut input = registration("defaults");
    let obj = input.as_object_mut().unwrap();
    obj.remove("serviceRadiusKm");
    obj.remove("maxActiveJobs");
    obj.remove("servicePostcodes");
    let id = register_with(&app, input).await;
    let c = contractor_view(&app, &app.admin_token().await, &id).await;
    assert_eq!(c["serviceRadiusKm"], 50);
    assert_eq!(c["maxActiveJobs"], 5);
    assert_eq!(c["servicePostcodes"], json!([]));
});

on_both_databases!(
    every_bad_registration_value_is_rejected_on_its_field_and_writes_nothing,
    |app: TestApp| async move {
        let admin = app.admin_token().await;
        let before = counts(&app, &admin).await;
        let cases: Vec<(&str, Value, &str)> = vec![
            ("abn", json!("51 824 753 557"), "input.abn"),
            ("abn", json!("1234"), "input.abn"),
            ("phone", json!("+1 415 555 0100"), "input.phone"),
            ("email", json!("not-an-email"), "input.email"),
            ("basePostcode", json!("200"), "input.basePostcode"),
            ("serviceRadiusKm", json!(0), "input.serviceRadiusKm"),
            ("serviceRadiusKm", json!(501), "input.serviceRadiusKm"),
            ("servicePostcodes", json!(["2000", "20x0"]), "input.servicePostcodes[1]"),
            ("specialties", json!([]), "input.specialties"),
            ("maxActiveJobs", json!(0), "input.maxActiveJobs"),
            ("password", json!("short"), "input.password"),
            ("companyName", json!("   "), "input.companyName"),
            ("contactName", json!(""), "input.contactName"),
        ];
        for (key, value, field) in cases {
            let mut input = registration("bad");
            input[key] = value.clone();
            let body = app.gql(None, REGISTER, json!({"input": input})).await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{key}={value}: {body}");
            assert_eq!(error_field(&body), field, "{key}={value}");
            assert!(body["data"].is_null() || body["data"]["registerContractor"].is_null());
        }
        // An unknown enum value is a request-level error, still with a code.
        let mut input = registration("enum");
        input["specialties"] = json!(["LAVA"]);
        assert_eq!(error_code(&app.gql(None, REGISTER, json!({"input": input})).await), "BAD_USER_INPUT");
        assert_eq!(counts(&app, &admin).await, before, "a rejected registration must write nothing");
    }
);

on_both_databases!(all_field_errors_of_a_form_are_reported_together, |app: TestApp| async move {
    let mut input = registration("many");
    input["abn"] = json!("11111111111");
    input["phone"] = json!("123");
    input["basePostcode"] = json!("abcd");
    let body = app.gql(None, REGISTER, json!({"input": input})).await;
    assert_eq!(error_field(&body), "input.abn");
    let fields: Vec<&str> = body["errors"][0]["extensions"]["fieldErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["input.abn", "input.phone", "input.basePostcode"]);
});

on_both_databases!(
    a_taken_email_or_abn_gets_the_same_answer_as_a_new_sign_up_and_makes_nothing,
    |app: TestApp| async move {
        let admin = app.admin_token().await;
        let first = registration("dup");
        let new_answer = app.ok(None, REGISTER, json!({"input": first.clone()})).await;
        let before = counts(&app, &admin).await;
        let mut same_email = registration("dup2");
        same_email["email"] = first["email"].clone();
        let taken_answer = app.ok(None, REGISTER, json!({"input": same_email})).await;
        assert_eq!(taken_answer, new_answer, "nothing tells a stranger the address is registered");
        // A second sign-up with the same ABN cannot tell whether the first made a company either.
        let mut same_abn = registration("dup3");
        same_abn["abn"] = first["abn"].clone();
        let abn_answer = app.ok(None, REGISTER, json!({"input": same_abn.clone()})).await;
        let with = |mut v: serde_json::Value, email: &serde_json::Value| {
            v["registerContractor"]["message"] =
                json!(v["registerContractor"]["message"].as_str().unwrap().replace(email.as_str().unwrap(), "…"));
            v["registerContractor"]["email"] = json!("…");
            v
        };
        assert_eq!(with(abn_answer, &same_abn["email"]), with(new_answer, &first["email"]));
        assert_eq!(counts(&app, &admin).await.0, before.0, "and no second company is made");
    }
);

on_both_databases!(an_admin_verifies_suspends_and_reinstates_and_each_step_is_audited, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let (id, _) = register_contractor(&app, "lifecycle").await;
    let v = app.ok(Some(&admin), VERIFY, json!({"id": id})).await["verifyContractor"].clone();
    assert_eq!(v["status"], "ACTIVE");
    assert!(v["verifiedAt"].is_string());

    let again = app.gql(Some(&admin), VERIFY, json!({"id": id})).await;
    assert_eq!(error_code(&again), "CONFLICT");
    assert!(again["errors"][0]["message"].as_str().unwrap().contains("SUSPENDED"), "names the allowed move: {again}");

    let s = app.ok(Some(&admin), SUSPEND, json!({"id": id, "r": "public liability lapsed"})).await["suspendContractor"]
        .clone();
    assert_eq!(s["status"], "SUSPENDED");
    assert_eq!(s["statusReason"], "public liability lapsed");
    let r = app.ok(Some(&admin), REINSTATE, json!({"id": id})).await["reinstateContractor"].clone();
    assert_eq!(r["status"], "ACTIVE");
    assert!(r["statusReason"].is_null());

    let log = app.ok(Some(&admin), AUDIT, json!({"f": {"entityType": "contractor", "entityId": id}})).await;
    let actions: Vec<&str> =
        log["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        vec!["contractor.reinstated", "contractor.suspended", "contractor.verified", "contractor.registered"]
    );
    let verified = &log["auditLog"]["edges"][2]["node"];
    assert_eq!(verified["actorKind"], "USER");
    assert!(verified["actorLabel"].as_str().unwrap().starts_with("admin "));
    assert_eq!(verified["changes"]["status"], json!({"from": "PENDING", "to": "ACTIVE"}));
    assert!(verified["requestId"].as_str().is_some_and(|r| !r.is_empty()));
});

on_both_databases!(only_admins_change_a_contractors_status, |app: TestApp| async move {
    let (id, email) = register_contractor(&app, "selfverify").await;
    let token = app.login(&email, CONTRACTOR_PASSWORD).await;
    assert_eq!(error_code(&app.gql(Some(&token), VERIFY, json!({"id": id})).await), "FORBIDDEN");
    assert_eq!(error_code(&app.gql(None, VERIFY, json!({"id": id})).await), "UNAUTHENTICATED");
    let admin = app.admin_token().await;
    let missing = app.gql(Some(&admin), VERIFY, json!({"id": uuid::Uuid::now_v7().to_string()})).await;
    assert_eq!(error_code(&missing), "NOT_FOUND");
    let bad_id = app.gql(Some(&admin), VERIFY, json!({"id": "nope"})).await;
    assert_eq!(error_code(&bad_id), "BAD_USER_INPUT");
    assert_eq!(error_field(&bad_id), "id");
});

on_both_databases!(a_contractor_edits_its_own_profile_but_not_anothers_nor_admin_fields, |app: TestApp| async move {
    let (id, email) = register_contractor(&app, "edit").await;
    let (other, _) = register_contractor(&app, "other").await;
    let token = app.login(&email, CONTRACTOR_PASSWORD).await;
    let input = json!({"serviceRadiusKm": 120, "specialties": ["FIRE"], "servicePostcodes": ["0800"], "dailyLeadCap": 3, "phone": "+61 412 000 999"});
    let c = app.ok(Some(&token), UPDATE, json!({"id": id, "input": input})).await["updateContractor"].clone();
    assert_eq!(c["serviceRadiusKm"], 120);
    assert_eq!(c["specialties"], json!(["FIRE"]));
    assert_eq!(c["servicePostcodes"], json!(["0800"]));
    assert_eq!(c["dailyLeadCap"], 3);
    assert_eq!(c["phone"], "+61412000999");

    let cleared = app.ok(Some(&token), UPDATE, json!({"id": id, "input": {"dailyLeadCap": null}})).await;
    assert!(cleared["updateContractor"]["dailyLeadCap"].is_null());

    let theirs = app.gql(Some(&token), UPDATE, json!({"id": other, "input": {"serviceRadiusKm": 10}})).await;
    assert_eq!(error_code(&theirs), "FORBIDDEN");
    let commission = app.gql(Some(&token), UPDATE, json!({"id": id, "input": {"commissionBps": 100}})).await;
    assert_eq!(error_code(&commission), "FORBIDDEN");
    let bad =
        app.gql(Some(&token), UPDATE, json!({"id": id, "input": {"serviceRadiusKm": 0, "specialties": []}})).await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT");
    assert_eq!(error_field(&bad), "input.serviceRadiusKm");

    let admin = app.admin_token().await;
    let c = app
        .ok(Some(&admin), UPDATE, json!({"id": id, "input": {"commissionBps": 1200, "companyName": "Renamed Pty Ltd"}}))
        .await;
    assert_eq!(c["updateContractor"]["commissionBps"], 1200);
    assert_eq!(c["updateContractor"]["companyName"], "Renamed Pty Ltd");
    // The failed edits left the profile as it was.
    let now = app
        .ok(Some(&admin), "query($id:ID!){ contractor(id:$id){ serviceRadiusKm specialties } }", json!({"id": id}))
        .await;
    assert_eq!(now["contractor"]["serviceRadiusKm"], 120);
    assert_eq!(now["contractor"]["specialties"], json!(["FIRE"]));
    let log = app.ok(Some(&admin), AUDIT, json!({"f": {"entityId": id, "action": "contractor.updated"}})).await;
    let newest = &log["auditLog"]["edges"][0]["node"]["changes"];
    assert_eq!(newest["commissionBps"], json!({"from": null, "to": 1200}));
});

on_both_databases!(a_contractor_pauses_until_a_date_and_resumes, |app: TestApp| async move {
    let (id, email) = register_contractor(&app, "pause").await;
    let token = app.login(&email, CONTRACTOR_PASSWORD).await;
    let pause = "mutation($id:ID!,$u:DateTime!){ pauseContractor(id:$id, until:$u){ isPaused pausedUntil } }";
    let past = app.gql(Some(&token), pause, json!({"id": id, "u": "2020-01-01T00:00:00Z"})).await;
    assert_eq!(error_code(&past), "BAD_USER_INPUT");
    assert_eq!(error_field(&past), "until");
    let too_far = (chrono::Utc::now() + chrono::Duration::days(400)).to_rfc3339();
    assert_eq!(error_code(&app.gql(Some(&token), pause, json!({"id": id, "u": too_far})).await), "BAD_USER_INPUT");
    let until = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let p = app.ok(Some(&token), pause, json!({"id": id, "u": until})).await;
    assert_eq!(p["pauseContractor"]["isPaused"], true);
    let r = app
        .ok(Some(&token), "mutation($id:ID!){ resumeContractor(id:$id){ isPaused pausedUntil } }", json!({"id": id}))
        .await;
    assert_eq!(r["resumeContractor"]["isPaused"], false);
    assert!(r["resumeContractor"]["pausedUntil"].is_null());
});

on_both_databases!(a_contractor_adds_and_removes_certifications, |app: TestApp| async move {
    let (id, email) = register_contractor(&app, "certs").await;
    let token = app.login(&email, CONTRACTOR_PASSWORD).await;
    let add = "mutation($id:ID!,$input:CertificationInput!){ addCertification(contractorId:$id, input:$input){ id kind expiresOn expired } }";
    let c = app.ok(Some(&token), add, json!({"id": id, "input": {"kind": "IICRC WRT", "number": "123", "issuer": "IICRC", "expiresOn": "2020-06-30"}})).await;
    assert_eq!(c["addCertification"]["expired"], true);
    let cert_id = c["addCertification"]["id"].as_str().unwrap().to_string();
    let blank =
        app.gql(Some(&token), add, json!({"id": id, "input": {"kind": " ", "number": "1", "issuer": "x"}})).await;
    assert_eq!(error_field(&blank), "input.kind");
    let removed = app
        .ok(
            Some(&token),
            "mutation($id:ID!){ removeCertification(id:$id){ id certifications { id } } }",
            json!({"id": cert_id}),
        )
        .await;
    assert_eq!(removed["removeCertification"]["certifications"], json!([]));
});

on_both_databases!(the_contractor_list_pages_filters_and_counts, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut input = registration(&format!("page{i}"));
        if i % 2 == 0 {
            input["specialties"] = json!(["STORM"]);
        }
        ids.push(register_with(&app, input).await);
    }
    app.ok(Some(&admin), VERIFY, json!({"id": ids[0]})).await;
    let q = "query($a:String,$f:ContractorFilterInput){ contractors(first:2, after:$a, filter:$f){ totalCount pageInfo { hasNextPage endCursor } edges { node { id specialties certifications { id } } } } }";
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app.ok(Some(&admin), q, json!({"a": after})).await["contractors"].clone();
        assert_eq!(page["totalCount"], 5);
        for e in page["edges"].as_array().unwrap() {
            seen.push(e["node"]["id"].as_str().unwrap().to_string());
        }
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(String::from);
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first, "every contractor once, newest first");

    let storm = app.ok(Some(&admin), q, json!({"f": {"specialty": "STORM"}})).await;
    assert_eq!(storm["contractors"]["totalCount"], 3);
    let active = app.ok(Some(&admin), q, json!({"f": {"status": "ACTIVE"}})).await;
    assert_eq!(active["contractors"]["totalCount"], 1);
    let search = app.ok(Some(&admin), q, json!({"f": {"search": "PAGE3 restorations"}})).await;
    assert_eq!(search["contractors"]["totalCount"], 1);
    let by_postcode = app.ok(Some(&admin), q, json!({"f": {"postcode": "2017"}})).await;
    assert_eq!(by_postcode["contractors"]["totalCount"], 5);
    let wildcard = app.ok(Some(&admin), q, json!({"f": {"search": "%"}})).await;
    assert_eq!(wildcard["contractors"]["totalCount"], 0, "LIKE wildcards in a search are literal");

    let too_many = app.gql(Some(&admin), "{ contractors(first:101){ totalCount } }", json!({})).await;
    assert_eq!(error_code(&too_many), "BAD_USER_INPUT");
    assert_eq!(error_field(&too_many), "first");
    let bad_cursor = app.gql(Some(&admin), "{ contractors(after:\"!!\"){ totalCount } }", json!({})).await;
    assert_eq!(error_field(&bad_cursor), "after");
});

on_both_databases!(contractors_see_only_their_own_company, |app: TestApp| async move {
    let (mine, email) = register_contractor(&app, "mine").await;
    let (theirs, _) = register_contractor(&app, "theirs").await;
    let token = app.login(&email, CONTRACTOR_PASSWORD).await;
    let q = "query($id:ID!){ contractor(id:$id){ id commissionBps } }";
    app.ok(Some(&token), q, json!({"id": mine})).await;
    assert_eq!(error_code(&app.gql(Some(&token), q, json!({"id": theirs})).await), "FORBIDDEN");
    assert_eq!(error_code(&app.gql(Some(&token), "{ contractors { totalCount } }", json!({})).await), "FORBIDDEN");
    assert_eq!(error_code(&app.gql(Some(&token), "{ auditLog { totalCount } }", json!({})).await), "FORBIDDEN");
});
