//! Helpers for lead, routing and offer tests.

use serde_json::{Value, json};

use crate::{CONTRACTOR_PASSWORD, TestApp, registration};

/// Centroids for the postcodes these tests use (Sydney, Parramatta, Bondi, Melbourne, Brisbane).
const POSTCODES: &str = "Postcode,Suburb,State,Lat,Lon\n\
2000,Sydney,NSW,-33.860,151.210\n\
2150,Parramatta,NSW,-33.820,151.010\n\
2026,Bondi,NSW,-33.890,151.270\n\
2170,Liverpool,NSW,-33.950,150.910\n\
3000,Melbourne,VIC,-37.810,144.970\n\
4000,Brisbane,QLD,-27.470,153.030\n";

/// Loads the test postcodes through the real importer.
pub async fn seed_postcodes(app: &TestApp) {
    nrp_server::services::postcodes::import(&app.ctx, &nrp_server::auth::RequestMeta::system(), POSTCODES.as_bytes())
        .await
        .expect("postcodes import");
}

/// A contractor that has signed up, with its id, email and token.
pub struct Contractor {
    pub id: String,
    pub email: String,
    pub token: String,
}

/// Registers a contractor with these overrides (e.g. `{"basePostcode": "3000"}`), verifies it
/// when `verify`, and logs in.
pub async fn contractor(app: &TestApp, admin: &str, tag: &str, overrides: Value, verify: bool) -> Contractor {
    let mut input = registration(tag);
    input["servicePostcodes"] = json!([]);
    input["specialties"] = json!(["WATER"]);
    input["serviceRadiusKm"] = json!(60);
    input["maxActiveJobs"] = json!(50);
    if let Value::Object(o) = overrides {
        for (k, v) in o {
            input[k.as_str()] = v;
        }
    }
    let email = input["email"].as_str().unwrap_or_default().to_string();
    let id = crate::register_with(app, input).await;
    if verify {
        // Setting up, not the path under test (`accounts` tests the link): the login's email is
        // taken as confirmed, as NRP requires before it verifies a company.
        if let Ok(Some(u)) = nrp_server::store::users::find_by_email(&app.ctx.db, &email).await {
            nrp_server::services::notifications::settings::mark_email_proven(&app.ctx.db, u.id, chrono::Utc::now())
                .await
                .expect("email marked confirmed");
        }
        app.ok(Some(admin), "mutation($id:ID!){ verifyContractor(id:$id){ id } }", json!({"id": id})).await;
    }
    let token = app.login(&email, CONTRACTOR_PASSWORD).await;
    Contractor { id, email, token }
}

/// Creates an insurer partner and returns (partner id, API key).
pub async fn insurer_key(app: &TestApp, admin: &str, name: &str) -> (String, String) {
    let p = app
        .ok(
            Some(admin),
            "mutation($n:String!){ createPartner(input:{name:$n, kind:INSURER}){ id } }",
            json!({"n": name}),
        )
        .await;
    let pid = p["createPartner"]["id"].as_str().unwrap_or_default().to_string();
    let k = app
        .ok(
            Some(admin),
            "mutation($p:ID!){ createApiKey(input:{partnerId:$p, label:\"test\"}){ secret } }",
            json!({"p": pid}),
        )
        .await;
    (pid, k["createApiKey"]["secret"].as_str().unwrap_or_default().to_string())
}

/// A valid lead input in Sydney CBD with a unique customer phone.
pub fn lead_input() -> Value {
    let n = uuid::Uuid::new_v4().as_u128() % 100_000_000;
    json!({
        "customer": {"name": "Pat Homeowner", "phone": format!("04{:08}", n), "email": "pat@home.example"},
        "property": {"address": "1 George St", "suburb": "Sydney", "state": "NSW", "postcode": "2000"},
        "damageType": "WATER",
        "urgency": "HIGH",
        "estimatedValueCents": 1_250_000,
        "description": "Burst pipe in the kitchen ceiling"
    })
}

pub const CREATE_LEAD: &str = "mutation($input: CreateLeadInput!){ createLead(input:$input){ id status duplicateOf } }";

pub const LEAD_DETAIL: &str = "query($id:ID!){ lead(id:$id){ id status assignedContractor { id } \
    offers { id status expiresAt rank contractor { id } terms { performance response availability satisfaction score } } \
    routing { pointSource candidateCount candidates { contractorId rank score offered } excluded { contractorId reason } excludedCounts { reason count } } \
    job { id status } } }";

/// Creates a lead and returns its id and status.
pub async fn create_lead(app: &TestApp, key: &str, input: Value) -> (String, String) {
    let d = app.ok(Some(key), CREATE_LEAD, json!({"input": input})).await;
    let l = &d["createLead"];
    (l["id"].as_str().unwrap_or_default().to_string(), l["status"].as_str().unwrap_or_default().to_string())
}

/// The lead as an admin sees it.
pub async fn lead_detail(app: &TestApp, admin: &str, id: &str) -> Value {
    app.ok(Some(admin), LEAD_DETAIL, json!({"id": id})).await["lead"].clone()
}

/// The open offers of a lead: (offer id, contractor id).
pub fn open_offers(detail: &Value) -> Vec<(String, String)> {
    detail["offers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|o| o["status"] == "OPEN")
                .map(|o| {
                    (
                        o["id"].as_str().unwrap_or_default().to_string(),
                        o["contractor"]["id"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub const ACCEPT: &str =
    "mutation($id:ID!){ acceptOffer(offerId:$id){ lead { id status customer { name phone } } job { id status } } }";
pub const DECLINE: &str =
    "mutation($id:ID!,$r:String){ declineOffer(offerId:$id, reason:$r){ id status declineReason } }";

pub const ADVANCE: &str = "mutation($input: AdvanceJobInput!){ advanceJob(input:$input){ id status quoteCents approvedCents allowedTransitions } }";

/// A lead created with `key`, accepted by `c`; returns (lead id, job id).
pub async fn won_job(app: &TestApp, admin: &str, key: &str, c: &Contractor) -> (String, String) {
    let (lead_id, _) = create_lead(app, key, lead_input()).await;
    let offers = open_offers(&lead_detail(app, admin, &lead_id).await);
    let (offer, _) = offers.into_iter().find(|(_, cid)| *cid == c.id).expect("the contractor got an offer");
    let won = app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await;
    (lead_id, won["acceptOffer"]["job"]["id"].as_str().unwrap_or_default().to_string())
}

/// A lead created with `key`, won by `c`, and run to `COMPLETED` by the admin with
/// `approved_cents` approved; returns (lead id, job id).
pub async fn completed_job(
    app: &TestApp,
    admin: &str,
    key: &str,
    c: &Contractor,
    approved_cents: i64,
) -> (String, String) {
    let (lead, job) = won_job(app, admin, key, c).await;
    for (to, extra) in [
        ("CONTACTED", json!({})),
        ("INSPECTED", json!({})),
        ("QUOTED", json!({"quoteCents": approved_cents})),
        ("APPROVED", json!({"approvedCents": approved_cents})),
        ("IN_PROGRESS", json!({})),
        ("COMPLETED", json!({})),
    ] {
        let mut input = json!({"jobId": job, "to": to});
        if let (Value::Object(i), Value::Object(e)) = (&mut input, extra) {
            i.extend(e);
        }
        app.ok(Some(admin), ADVANCE, json!({"input": input})).await;
    }
    (lead, job)
}
