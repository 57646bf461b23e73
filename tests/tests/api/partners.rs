use nrp_tests::*;
use serde_json::json;

const CREATE_PARTNER: &str =
    "mutation($input:CreatePartnerInput!){ createPartner(input:$input){ id name kind webhookUrl } }";
const CREATE_KEY: &str =
    "mutation($input:CreateApiKeyInput!){ createApiKey(input:$input){ secret apiKey { id prefix status label } } }";
const REVOKE_KEY: &str = "mutation($id:ID!){ revokeApiKey(id:$id){ id status revokedAt } }";
const MY_PARTNER: &str = "{ partner { id name kind apiKeys { id status } } }";

async fn partner(app: &TestApp, admin: &str, name: &str) -> String {
    let p = app.ok(Some(admin), CREATE_PARTNER, json!({"input": {"name": name, "kind": "INSURER"}})).await;
    p["createPartner"]["id"].as_str().unwrap().to_string()
}

on_both_databases!(an_admin_issues_a_key_that_authenticates_the_partner_until_revoked, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let pid = partner(&app, &admin, "Coastal Insurance").await;
    let k = app.ok(Some(&admin), CREATE_KEY, json!({"input": {"partnerId": pid, "label": "claims system"}})).await["createApiKey"].clone();
    let secret = k["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("nrp_"));
    assert!(secret.starts_with(k["apiKey"]["prefix"].as_str().unwrap()));
    assert_eq!(k["apiKey"]["status"], "ACTIVE");

    let me = app.ok(Some(&secret), MY_PARTNER, json!({})).await;
    assert_eq!(me["partner"]["id"], pid);
    assert_eq!(me["partner"]["kind"], "INSURER");
    // The secret is never shown again: the listing has no field for it.
    let listing =
        app.gql(Some(&admin), "query($id:ID){ partner(id:$id){ apiKeys { secret } } }", json!({"id": pid})).await;
    assert_eq!(error_code(&listing), "BAD_USER_INPUT");

    // A partner cannot read contractors, the audit log, or other partners.
    assert_eq!(error_code(&app.gql(Some(&secret), "{ contractors { totalCount } }", json!({})).await), "FORBIDDEN");
    let other = partner(&app, &admin, "Other Mutual").await;
    let q = "query($id:ID){ partner(id:$id){ id } }";
    assert_eq!(error_code(&app.gql(Some(&secret), q, json!({"id": other})).await), "FORBIDDEN");
    assert_eq!(
        error_code(&app.gql(Some(&secret), CREATE_PARTNER, json!({"input": {"name": "x", "kind": "INSURER"}})).await),
        "FORBIDDEN"
    );

    let key_id = k["apiKey"]["id"].as_str().unwrap();
    let revoked = app.ok(Some(&admin), REVOKE_KEY, json!({"id": key_id})).await;
    assert_eq!(revoked["revokeApiKey"]["status"], "REVOKED");
    let after = app.gql(Some(&secret), MY_PARTNER, json!({})).await;
    assert_eq!(error_code(&after), "UNAUTHENTICATED");
    assert_eq!(after["errors"][0]["message"], "API key revoked");
    assert_eq!(error_code(&app.gql(Some(&admin), REVOKE_KEY, json!({"id": key_id})).await), "CONFLICT");
    assert_eq!(error_code(&app.gql(Some("nrp_made_up_key"), MY_PARTNER, json!({})).await), "UNAUTHENTICATED");
});

on_both_databases!(partner_and_key_inputs_are_checked, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let pid = partner(&app, &admin, "Checked Insurance").await;
    let dup = app
        .gql(Some(&admin), CREATE_PARTNER, json!({"input": {"name": "Checked Insurance", "kind": "LEAD_SOURCE"}}))
        .await;
    assert_eq!(error_code(&dup), "CONFLICT");
    assert_eq!(error_field(&dup), "input.name");
    let bad_url = app
        .gql(
            Some(&admin),
            CREATE_PARTNER,
            json!({"input": {"name": "Hooky", "kind": "INSURER", "webhookUrl": "ftp://x"}}),
        )
        .await;
    assert_eq!(error_field(&bad_url), "input.webhookUrl");
    let blank = app.gql(Some(&admin), CREATE_PARTNER, json!({"input": {"name": "  ", "kind": "INSURER"}})).await;
    assert_eq!(error_field(&blank), "input.name");
    let past = app
        .gql(
            Some(&admin),
            CREATE_KEY,
            json!({"input": {"partnerId": pid, "label": "x", "expiresAt": "2020-01-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(error_field(&past), "input.expiresAt");
    let nobody = app
        .gql(Some(&admin), CREATE_KEY, json!({"input": {"partnerId": uuid::Uuid::now_v7().to_string(), "label": "x"}}))
        .await;
    assert_eq!(error_code(&nobody), "NOT_FOUND");
    let list = app.ok(Some(&admin), "{ partners { name } }", json!({})).await;
    assert_eq!(list["partners"].as_array().unwrap().len(), 1, "failed creations wrote nothing");
});

on_both_databases!(an_expired_key_stops_working, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let pid = partner(&app, &admin, "Expiring Insurance").await;
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let k = app
        .ok(Some(&admin), CREATE_KEY, json!({"input": {"partnerId": pid, "label": "short", "expiresAt": soon}}))
        .await;
    let secret = k["createApiKey"]["secret"].as_str().unwrap().to_string();
    app.ok(Some(&secret), MY_PARTNER, json!({})).await;
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    let body = app.gql(Some(&secret), MY_PARTNER, json!({})).await;
    assert_eq!(body["errors"][0]["message"], "API key expired");
});

on_both_databases!(a_partner_user_logs_in_and_sees_its_partner, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let pid = partner(&app, &admin, "User Insurance").await;
    let create = "mutation($input:CreateUserInput!){ createUser(input:$input){ id role } }";
    let u = app.ok(Some(&admin), create, json!({"input": {"email": "claims@user-insurance.example", "password": "partner-password-1", "role": "PARTNER", "partnerId": pid}})).await;
    assert_eq!(u["createUser"]["role"], "PARTNER");
    let missing = app
        .gql(
            Some(&admin),
            create,
            json!({"input": {"email": "x@y.example", "password": "partner-password-1", "role": "PARTNER"}}),
        )
        .await;
    assert_eq!(error_field(&missing), "partnerId");
    let token = app.login("claims@user-insurance.example", "partner-password-1").await;
    let me = app.ok(Some(&token), "{ me { role partner { id name } } partner { id } }", json!({})).await;
    assert_eq!(me["me"]["partner"]["id"], pid);
    assert_eq!(me["partner"]["id"], pid);
});

on_both_databases!(the_newcomer_flow_verifies_a_signup_issues_a_key_and_audits_both, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let (cid, _) = register_contractor(&app, "newcomer").await;
    app.ok(Some(&admin), "mutation($id:ID!){ verifyContractor(id:$id){ status } }", json!({"id": cid})).await;
    let pid = partner(&app, &admin, "Newcomer Insurance").await;
    app.ok(Some(&admin), CREATE_KEY, json!({"input": {"partnerId": pid, "label": "first key"}})).await;
    let log = app
        .ok(Some(&admin), "{ auditLog(first: 10){ edges { node { action entityId actorLabel } } } }", json!({}))
        .await;
    let actions: Vec<&str> =
        log["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["action"].as_str().unwrap()).collect();
    for expected in ["contractor.verified", "partner.api_key_created", "partner.created"] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    let text = log.to_string();
    assert!(!text.contains("nrp_"), "the audit log never holds a key secret");
});
