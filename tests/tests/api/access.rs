//! One access policy: a partner sees another partner by name only, on every path; no duplicate
//! rule or link tells one partner about another's leads; outsiders see actors by role and
//! company, never by a staff member's email.

use std::sync::Arc;

use nrp_tests::leads::*;
use nrp_tests::*;
use serde_json::{Value, json};

const PARTNER_FIELDS: &str = "id name kind webhookUrl active createdAt apiKeys { prefix }";

/// The errors' paths, as `a.b.c` strings.
fn forbidden_paths(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errs| {
            errs.iter()
                .filter(|e| e["extensions"]["code"] == "FORBIDDEN")
                .map(|e| {
                    e["path"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| p.as_str().map(String::from).unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(".")
                })
                .collect()
        })
        .unwrap_or_default()
}

on_both_databases!(a_partner_is_only_a_name_to_everyone_but_itself_and_nrp, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (insurer, key) = insurer_key(&app, &admin, "Private Mutual").await;
    let receiver = nrp_tests::receiver::Receiver::default();
    let url = receiver.start().await;
    app.ok(Some(&key), "mutation($u:String){ setPartnerWebhook(url:$u){ secret } }", json!({"u": url})).await;
    let c = contractor(&app, &admin, "pathwalker", json!({"basePostcode": "2150"}), true).await;
    let (lead, job) = won_job(&app, &admin, &key, &c).await;
    app.ok(
        Some(&key),
        "mutation($l:ID!){ createClaim(input:{leadId:$l, claimNumber:\"PM-1\", claimedCents:\"500000\"}){ id } }",
        json!({"l": lead}),
    )
    .await;

    // The contractor reaches the insurer through the lead, the job's lead and the claim.
    let q = format!(
        "query($l:ID!,$j:ID!){{ lead(id:$l){{ insurer {{ {PARTNER_FIELDS} }} claim {{ insurer {{ {PARTNER_FIELDS} }} }} }} \
         job(id:$j){{ lead {{ insurer {{ {PARTNER_FIELDS} }} }} }} }}"
    );
    let body = app.gql(Some(&c.token), &q, json!({"l": lead, "j": job})).await;
    assert_eq!(body["data"]["lead"]["insurer"]["name"], "Private Mutual", "the name is shown: {body}");
    assert_eq!(body["data"]["lead"]["insurer"]["id"], json!(insurer));
    let mut hidden = forbidden_paths(&body);
    hidden.sort();
    for path in
        ["lead.insurer.webhookUrl", "lead.insurer.apiKeys", "lead.claim.insurer.kind", "job.lead.insurer.createdAt"]
    {
        assert!(hidden.contains(&path.to_string()), "{path} must be refused: {hidden:?} {body}");
    }
    assert!(!body.to_string().contains(&url), "the webhook URL never shows: {body}");
    assert!(!body.to_string().contains("nrp_"), "no key prefix shows: {body}");

    // The insurer sees itself in full, and NRP sees everything.
    for token in [&key, &admin] {
        let own = app
            .ok(
                Some(token),
                &format!("query($l:ID!){{ lead(id:$l){{ insurer {{ {PARTNER_FIELDS} }} }} }}"),
                json!({"l": lead}),
            )
            .await;
        assert_eq!(own["lead"]["insurer"]["webhookUrl"], json!(url));
        assert!(!own["lead"]["insurer"]["apiKeys"].as_array().unwrap().is_empty());
    }
    // Another partner reaches no other partner at all.
    let (_, other) = insurer_key(&app, &admin, "Curious Mutual").await;
    let probe = app
        .gql(Some(&other), &format!("query($p:ID){{ partner(id:$p){{ {PARTNER_FIELDS} }} }}"), json!({"p": insurer}))
        .await;
    assert_eq!(error_code(&probe), "FORBIDDEN");
    let lead_probe = app.gql(Some(&other), "query($l:ID!){ lead(id:$l){ id } }", json!({"l": lead})).await;
    assert!(matches!(error_code(&lead_probe), "FORBIDDEN" | "NOT_FOUND"), "{lead_probe}");
});

on_both_databases!(a_lead_source_cannot_link_or_probe_an_insurer, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let (insurer, _) = insurer_key(&app, &admin, "Linked Mutual").await;
    let source = app
        .ok(Some(&admin), "mutation { createPartner(input:{name:\"Leads R Us\", kind:LEAD_SOURCE}){ id } }", json!({}))
        .await["createPartner"]["id"]
        .clone();
    let key = app
        .ok(
            Some(&admin),
            "mutation($p:ID!){ createApiKey(input:{partnerId:$p, label:\"s\"}){ secret } }",
            json!({"p": source}),
        )
        .await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    // Naming a real insurer and naming nothing that exists get the same answer.
    let mut answers = Vec::new();
    for target in [insurer.clone(), uuid::Uuid::now_v7().to_string(), source.as_str().unwrap().to_string()] {
        let mut input = lead_input();
        input["insurer"] = json!(target);
        input["claimNumber"] = json!("CLM-1");
        let body = app.gql(Some(&key), CREATE_LEAD, json!({"input": input})).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        assert_eq!(error_field(&body), "input.insurer");
        answers.push(body["errors"][0]["message"].clone());
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "one answer for every insurer id: {answers:?}");
    // An admin still links a lead to an insurer (a lead taken by phone).
    let mut input = lead_input();
    input["insurer"] = json!(insurer);
    input["claimNumber"] = json!("CLM-1");
    app.ok(Some(&admin), CREATE_LEAD, json!({"input": input})).await;
});

on_both_databases!(
    the_duplicate_rule_tells_a_partner_nothing_about_another_partners_leads,
    |app: TestApp| async move {
        let admin = app.admin_token().await;
        let (_, first) = insurer_key(&app, &admin, "First Mutual").await;
        let (_, second) = insurer_key(&app, &admin, "Second Mutual").await;
        let input = lead_input();
        let (original, status) = create_lead(&app, &first, input.clone()).await;
        assert_ne!(status, "DUPLICATE");
        let other = app.ok(Some(&second), CREATE_LEAD, json!({"input": input})).await["createLead"].clone();
        assert_ne!(other["status"], "DUPLICATE", "another partner's customer is not revealed: {other}");
        assert!(other["duplicateOf"].is_null());
        let again = app.ok(Some(&first), CREATE_LEAD, json!({"input": input})).await["createLead"].clone();
        assert_eq!(again["status"], "DUPLICATE", "within one partner the rule holds");
        assert_eq!(again["duplicateOf"], json!(original));
        let by_admin = app.ok(Some(&admin), CREATE_LEAD, json!({"input": input})).await["createLead"].clone();
        assert_eq!(by_admin["status"], "DUPLICATE", "NRP sees across partners");
    }
);

on_both_databases!(two_identical_leads_at_the_same_instant_make_one_original, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Racing Mutual").await;
    let input = lead_input();
    let n = 8;
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let sends = (0..n).map(|_| {
        let (barrier, app, key, input) = (barrier.clone(), &app, key.clone(), input.clone());
        async move {
            barrier.wait().await;
            app.ok(Some(&key), CREATE_LEAD, json!({"input": input})).await["createLead"].clone()
        }
    });
    let leads = futures_util::future::join_all(sends).await;
    let originals: Vec<_> = leads.iter().filter(|l| l["status"] != "DUPLICATE").collect();
    assert_eq!(originals.len(), 1, "one original, the rest duplicates of it: {leads:?}");
    let id = &originals[0]["id"];
    assert!(leads.iter().filter(|l| l["status"] == "DUPLICATE").all(|l| &l["duplicateOf"] == id));
});

on_both_databases!(a_jobs_timeline_shows_outsiders_companies_not_emails, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin_email = format!("ops-{}@nrp.example", uuid::Uuid::new_v4().simple());
    create_admin(&app.ctx, &admin_email, ADMIN_PASSWORD).await;
    let admin = app.login(&admin_email, ADMIN_PASSWORD).await;
    let (_, key) = insurer_key(&app, &admin, "Timeline Mutual").await;
    let c = contractor(
        &app,
        &admin,
        "timeline",
        json!({"basePostcode": "2150", "companyName": "Timeline Restorations"}),
        true,
    )
    .await;
    let (_, job) = won_job(&app, &admin, &key, &c).await;
    app.ok(Some(&c.token), ADVANCE, json!({"input": {"jobId": job, "to": "CONTACTED"}})).await;
    app.ok(Some(&c.token), ADVANCE, json!({"input": {"jobId": job, "to": "INSPECTED"}})).await;
    app.ok(Some(&c.token), ADVANCE, json!({"input": {"jobId": job, "to": "QUOTED", "quoteCents": "100000"}})).await;
    app.ok(Some(&admin), ADVANCE, json!({"input": {"jobId": job, "to": "APPROVED", "approvedCents": "90000"}})).await;
    let q = "query($j:ID!){ job(id:$j){ timeline { toStatus actor } } }";
    for (who, token) in [("contractor", &c.token), ("insurer", &key)] {
        let t = app.ok(Some(token), q, json!({"j": job})).await["job"]["timeline"].clone();
        let actors: Vec<&str> = t.as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap()).collect();
        assert!(actors.iter().all(|a| !a.contains('@')), "{who} sees no email: {actors:?}");
        assert!(actors.contains(&"NRP"), "{who} sees NRP's approval as NRP: {actors:?}");
        assert!(actors.contains(&"Timeline Restorations"), "{who} sees the company: {actors:?}");
    }
    let t = app.ok(Some(&admin), q, json!({"j": job})).await["job"]["timeline"].to_string();
    assert!(t.contains(&admin_email), "NRP sees who it was: {t}");
});
