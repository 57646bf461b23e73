use std::time::Duration;

use nrp_tests::leads::*;
use nrp_tests::ws::Ws;
use nrp_tests::*;
use serde_json::{Value, json};

const CHAIN: [&str; 7] =
    ["AWAITING_CONTACT", "CONTACTED", "INSPECTED", "QUOTED", "APPROVED", "IN_PROGRESS", "COMPLETED"];

/// The people around one job: an admin, the winning contractor, the lead's insurer (which sent
/// it in), and a contractor and a lead source with nothing to do with it.
struct Cast {
    admin: String,
    contractor: Contractor,
    stranger: Contractor,
    insurer: String,
    source: String,
}

async fn cast(app: &TestApp) -> Cast {
    seed_postcodes(app).await;
    let admin = app.admin_token().await;
    let (_, insurer) = insurer_key(app, &admin, "Job Mutual").await;
    let p = app
        .ok(Some(&admin), "mutation{ createPartner(input:{name:\"Job Leads\", kind:LEAD_SOURCE}){ id } }", json!({}))
        .await;
    let k = app
        .ok(
            Some(&admin),
            "mutation($p:ID!){ createApiKey(input:{partnerId:$p, label:\"x\"}){ secret } }",
            json!({"p": p["createPartner"]["id"]}),
        )
        .await;
    let source = k["createApiKey"]["secret"].as_str().unwrap().to_string();
    let contractor = contractor(app, &admin, "jobber", json!({"basePostcode": "2150"}), true).await;
    let stranger = nrp_tests::leads::contractor(app, &admin, "stranger", json!({"basePostcode": "4000"}), true).await;
    Cast { admin, contractor, stranger, insurer, source }
}

/// A new job, moved by the admin up to `status`.
async fn job_at(app: &TestApp, c: &Cast, status: &str) -> String {
    let (lead_id, _) = create_lead(app, &c.insurer, lead_input()).await;
    let offers = open_offers(&lead_detail(app, &c.admin, &lead_id).await);
    let (offer, _) = offers.into_iter().find(|(_, cid)| *cid == c.contractor.id).unwrap();
    let job = app.ok(Some(&c.contractor.token), ACCEPT, json!({"id": offer})).await["acceptOffer"]["job"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for to in CHAIN
        .iter()
        .skip(1)
        .take_while(|s| CHAIN.iter().position(|x| x == *s) <= CHAIN.iter().position(|x| *x == status))
    {
        app.ok(Some(&c.admin), ADVANCE, json!({"input": step(&job, to)})).await;
    }
    job
}

/// Sets the contractor's commission override, then runs a fresh job to completion with the
/// insurer approving `approved_cents`; returns the job id.
async fn completed_with_override(app: &TestApp, c: &Cast, bps: i32, approved_cents: i64) -> String {
    let set = "mutation($id:ID!,$b:Int!){ updateContractor(id:$id, input:{commissionBps:$b}){ id } }";
    app.ok(Some(&c.admin), set, json!({"id": c.contractor.id, "b": bps})).await;
    let job = job_at(app, c, "QUOTED").await;
    app.ok(
        Some(&c.insurer),
        ADVANCE,
        json!({"input": {"jobId": job, "to": "APPROVED", "approvedCents": approved_cents}}),
    )
    .await;
    for to in ["IN_PROGRESS", "COMPLETED"] {
        app.ok(Some(&c.contractor.token), ADVANCE, json!({"input": {"jobId": job, "to": to}})).await;
    }
    job
}

fn step(job: &str, to: &str) -> Value {
    let mut input = json!({"jobId": job, "to": to});
    if to == "QUOTED" {
        input["quoteCents"] = json!(1_000_000);
    }
    if to == "APPROVED" {
        input["approvedCents"] = json!(900_000);
    }
    input
}

fn legal(from: &str, to: &str) -> bool {
    let i = CHAIN.iter().position(|s| *s == from).unwrap();
    CHAIN.get(i + 1) == Some(&to)
}

on_both_databases!(every_move_for_every_role_is_allowed_or_refused_by_the_rules, |app: TestApp| async move {
    let c = cast(&app).await;
    let roles: Vec<(&str, &str)> = vec![
        ("admin", c.admin.as_str()),
        ("contractor", c.contractor.token.as_str()),
        ("insurer", c.insurer.as_str()),
        ("source", c.source.as_str()),
        ("stranger", c.stranger.token.as_str()),
    ];
    let permitted = |role: &str, to: &str| match role {
        "admin" => true,
        "contractor" => to != "APPROVED",
        "insurer" => to == "APPROVED",
        _ => false,
    };
    for from in CHAIN {
        let shared = job_at(&app, &c, from).await;
        for to in CHAIN {
            for (role, token) in &roles {
                let expected = if *role == "stranger" || *role == "source" {
                    "NOT_FOUND"
                } else if !legal(from, to) {
                    "BAD_USER_INPUT"
                } else if permitted(role, to) {
                    "OK"
                } else {
                    "FORBIDDEN"
                };
                let job = if expected == "OK" { job_at(&app, &c, from).await } else { shared.clone() };
                let body = app.gql(Some(token), ADVANCE, json!({"input": step(&job, to)})).await;
                match expected {
                    "OK" => {
                        assert!(body.get("errors").is_none(), "{role} {from}->{to}: {body}");
                        assert_eq!(body["data"]["advanceJob"]["status"], to);
                    }
                    code => {
                        assert_eq!(error_code(&body), code, "{role} {from}->{to}: {body}");
                        if code == "BAD_USER_INPUT" {
                            assert_eq!(error_field(&body), "input.to");
                            let msg = body["errors"][0]["message"].as_str().unwrap();
                            let next = CHAIN.iter().position(|s| *s == from).and_then(|i| CHAIN.get(i + 1));
                            if let Some(next) = next {
                                assert!(
                                    msg.contains(next) && msg.contains("CANCELLED"),
                                    "names the allowed moves: {msg}"
                                );
                            }
                        }
                    }
                }
            }
        }
        // Cancelling: the contractor and admins while open; partners never; strangers see nothing.
        for (role, token) in &roles {
            let open = from != "COMPLETED";
            let expected = match *role {
                "stranger" | "source" => "NOT_FOUND",
                "insurer" => "FORBIDDEN",
                _ if open => "OK",
                _ => "CONFLICT",
            };
            let job = if expected == "OK" { job_at(&app, &c, from).await } else { shared.clone() };
            let body = app
                .gql(
                    Some(token),
                    "mutation($j:ID!){ cancelJob(jobId:$j, reason:\"customer went elsewhere\"){ status } }",
                    json!({"j": job}),
                )
                .await;
            match expected {
                "OK" => {
                    assert_eq!(body["data"]["cancelJob"]["status"], "CANCELLED", "{role} cancel from {from}: {body}")
                }
                code => assert_eq!(error_code(&body), code, "{role} cancel from {from}: {body}"),
            }
        }
    }
});

on_both_databases!(a_job_runs_from_contact_to_completion_with_a_timeline, |app: TestApp| async move {
    let c = cast(&app).await;
    let job = job_at(&app, &c, "AWAITING_CONTACT").await;
    let t = &c.contractor.token;
    let j = app.ok(Some(t), ADVANCE, json!({"input": {"jobId": job, "to": "CONTACTED", "note": "Spoke to Pat, booked for Tuesday", "scheduledFor": "2026-12-01T09:00:00Z"}})).await;
    assert_eq!(j["advanceJob"]["allowedTransitions"], json!(["INSPECTED", "CANCELLED"]));
    app.ok(Some(t), ADVANCE, json!({"input": {"jobId": job, "to": "INSPECTED"}})).await;
    let no_amount = app.gql(Some(t), ADVANCE, json!({"input": {"jobId": job, "to": "QUOTED"}})).await;
    assert_eq!(error_field(&no_amount), "input.quoteCents");
    let q = app.ok(Some(t), ADVANCE, json!({"input": {"jobId": job, "to": "QUOTED", "quoteCents": 1_234_500}})).await;
    assert_eq!(cents(&q["advanceJob"]["quoteCents"]), 1_234_500);
    assert_eq!(
        q["advanceJob"]["allowedTransitions"],
        json!(["CANCELLED"]),
        "the contractor cannot approve its own quote"
    );
    let too_much = app
        .gql(Some(&c.insurer), ADVANCE, json!({"input": {"jobId": job, "to": "APPROVED", "approvedCents": 1_234_501}}))
        .await;
    assert_eq!(error_field(&too_much), "input.approvedCents");
    let a = app
        .ok(Some(&c.insurer), ADVANCE, json!({"input": {"jobId": job, "to": "APPROVED", "approvedCents": 1_200_000}}))
        .await;
    assert_eq!(cents(&a["advanceJob"]["approvedCents"]), 1_200_000);
    app.ok(Some(t), ADVANCE, json!({"input": {"jobId": job, "to": "IN_PROGRESS"}})).await;
    app.ok(
        Some(t),
        "mutation($j:ID!){ addJobNote(jobId:$j, note:\"Drying equipment on site\"){ id } }",
        json!({"j": job}),
    )
    .await;
    app.ok(Some(t), ADVANCE, json!({"input": {"jobId": job, "to": "COMPLETED"}})).await;

    let q = "query($id:ID!){ job(id:$id){ status scheduledFor contactedAt completedAt lead { status customer { name } } timeline { kind fromStatus toStatus actor note } } }";
    let d = app.ok(Some(&c.admin), q, json!({"id": job})).await["job"].clone();
    assert_eq!(d["status"], "COMPLETED");
    assert_eq!(d["lead"]["status"], "COMPLETED");
    assert!(d["completedAt"].is_string() && d["contactedAt"].is_string());
    let kinds: Vec<(String, String)> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_string(), e["toStatus"].as_str().unwrap_or("").to_string()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("CREATED", "AWAITING_CONTACT"),
        ("TRANSITION", "CONTACTED"),
        ("TRANSITION", "INSPECTED"),
        ("TRANSITION", "QUOTED"),
        ("TRANSITION", "APPROVED"),
        ("TRANSITION", "IN_PROGRESS"),
        ("NOTE", ""),
        ("TRANSITION", "COMPLETED"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(kinds, expected);
    assert_eq!(d["timeline"][1]["note"], "Spoke to Pat, booked for Tuesday");
    assert!(d["timeline"][4]["actor"].as_str().unwrap().starts_with("api key"), "the insurer approved");
    // The insurer reads the job and its timeline too; the contractor's load is back to zero.
    let theirs =
        app.ok(Some(&c.insurer), "query($id:ID!){ job(id:$id){ timeline { kind } } }", json!({"id": job})).await;
    assert_eq!(theirs["job"]["timeline"].as_array().unwrap().len(), 8);
    let load = app
        .ok(Some(&c.admin), "query($id:ID!){ contractor(id:$id){ activeJobs } }", json!({"id": c.contractor.id}))
        .await;
    assert_eq!(load["contractor"]["activeJobs"], 0);
});

on_both_databases!(a_completed_job_is_rated_once_and_feeds_the_contractors_rating, |app: TestApp| async move {
    let c = cast(&app).await;
    let rate = "mutation($j:ID!,$s:Int!){ rateJob(jobId:$j, score:$s){ satisfaction } }";
    let open = job_at(&app, &c, "IN_PROGRESS").await;
    assert_eq!(error_code(&app.gql(Some(&c.admin), rate, json!({"j": open, "s": 4})).await), "CONFLICT");
    let first = job_at(&app, &c, "COMPLETED").await;
    let second = job_at(&app, &c, "COMPLETED").await;
    assert_eq!(error_field(&app.gql(Some(&c.admin), rate, json!({"j": first, "s": 6})).await), "score");
    assert_eq!(error_code(&app.gql(Some(&c.contractor.token), rate, json!({"j": first, "s": 5})).await), "FORBIDDEN");
    assert_eq!(app.ok(Some(&c.insurer), rate, json!({"j": first, "s": 5})).await["rateJob"]["satisfaction"], 5);
    assert_eq!(error_code(&app.gql(Some(&c.admin), rate, json!({"j": first, "s": 1})).await), "CONFLICT");
    app.ok(Some(&c.admin), rate, json!({"j": second, "s": 2})).await;
    let r = app
        .ok(
            Some(&c.admin),
            "query($id:ID!){ contractor(id:$id){ avgRating ratingCount } }",
            json!({"id": c.contractor.id}),
        )
        .await;
    assert_eq!(r["contractor"]["avgRating"], 3.5);
    assert_eq!(r["contractor"]["ratingCount"], 2);
});

on_both_databases!(a_cancelled_job_sends_the_lead_back_to_the_queue_for_a_new_job, |app: TestApp| async move {
    let c = cast(&app).await;
    let job = job_at(&app, &c, "CONTACTED").await;
    let blank = app
        .gql(
            Some(&c.contractor.token),
            "mutation($j:ID!){ cancelJob(jobId:$j, reason:\" \"){ status } }",
            json!({"j": job}),
        )
        .await;
    assert_eq!(error_field(&blank), "reason");
    let done = app
        .ok(
            Some(&c.contractor.token),
            "mutation($j:ID!){ cancelJob(jobId:$j, reason:\"double booked\"){ status cancelledReason leadId } }",
            json!({"j": job}),
        )
        .await;
    assert_eq!(done["cancelJob"]["cancelledReason"], "double booked");
    let lead_id = done["cancelJob"]["leadId"].as_str().unwrap();
    // The contractor no longer holds the lead, so its customer details are no longer its to read.
    let gone = app
        .gql(
            Some(&c.contractor.token),
            "query($id:ID!){ job(id:$id){ lead { customer { name } } } }",
            json!({"id": job}),
        )
        .await;
    assert_eq!(error_code(&gone), "NOT_FOUND");
    assert!(gone["errors"][0]["message"].as_str().unwrap().contains("cancelled"), "said plainly: {gone}");
    assert_eq!(lead_detail(&app, &c.admin, lead_id).await["status"], "UNASSIGNED");
    let other = nrp_tests::leads::contractor(&app, &c.admin, "second", json!({"basePostcode": "2150"}), true).await;
    let assign = "mutation($l:ID!,$c:ID!){ assignLead(leadId:$l, contractorId:$c){ job { id status } lead { status job { id } } } }";
    let again = app.ok(Some(&c.admin), assign, json!({"l": lead_id, "c": other.id})).await["assignLead"].clone();
    assert_eq!(again["job"]["status"], "AWAITING_CONTACT");
    assert_eq!(again["lead"]["job"]["id"], again["job"]["id"], "the lead shows its new job");
    assert_ne!(again["job"]["id"], json!(job));
    let mine = app
        .ok(Some(&other.token), "{ myJobs { totalCount edges { node { id lead { customer { name } } } } } }", json!({}))
        .await;
    assert_eq!(mine["myJobs"]["totalCount"], 1);
    assert_eq!(mine["myJobs"]["edges"][0]["node"]["lead"]["customer"]["name"], "Pat Homeowner");
    let old = app.ok(Some(&c.contractor.token), "{ myJobs(status: CANCELLED) { totalCount } }", json!({})).await;
    assert_eq!(old["myJobs"]["totalCount"], 1);
    // Its search no longer finds the customer through the cancelled job.
    let found = app
        .ok(Some(&c.contractor.token), "{ search(query: \"Pat Homeowner\") { nodes { __typename } } }", json!({}))
        .await;
    assert_eq!(found["search"]["nodes"], json!([]), "{found}");
    // Its list of work (the job board) leaves the cancelled job out instead of failing on its lead.
    let board = "{ myJobs { totalCount nodes { id lead { customer { name } } } } jobs { totalCount } }";
    let board = app.ok(Some(&c.contractor.token), board, json!({})).await;
    assert_eq!(
        (board["myJobs"]["totalCount"].clone(), board["jobs"]["totalCount"].clone()),
        (json!(0), json!(0)),
        "{board}"
    );
    let partner_view = app.ok(Some(&c.insurer), "{ jobs { totalCount } }", json!({})).await;
    assert_eq!(partner_view["jobs"]["totalCount"], 2);
    assert_eq!(app.ok(Some(&other.token), "{ jobs { totalCount } }", json!({})).await["jobs"]["totalCount"], 1);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_past_their_contact_deadline_are_flagged_to_admins_live() {
    let opts = TestOptions::default().env("CONTACT_SLA_MINS_HIGH", "0").env("EXPIRY_SWEEP_MILLIS", "50");
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let c = cast(&app).await;
    let mut ws = Ws::connect(&app, &c.admin).await;
    ws.subscribe("j", "subscription { jobUpdates { jobId status alert } }").await;
    let job = job_at(&app, &c, "AWAITING_CONTACT").await;
    let alert = loop {
        let d = ws.next_data(Duration::from_secs(10)).await;
        if d["jobUpdates"]["alert"].is_string() {
            break d;
        }
    };
    assert_eq!(alert["jobUpdates"]["jobId"], json!(job));
    assert_eq!(alert["jobUpdates"]["alert"], "CONTACT_OVERDUE");
    let list = app.ok(Some(&c.admin), "{ overdueJobs { reason job { id alert } } }", json!({})).await;
    assert_eq!(list["overdueJobs"][0]["job"]["id"], json!(job));
    assert_eq!(list["overdueJobs"][0]["reason"], "CONTACT_OVERDUE");
    assert_eq!(
        error_code(&app.gql(Some(&c.contractor.token), "{ overdueJobs { reason } }", json!({})).await),
        "FORBIDDEN"
    );
    // Contacting the customer clears it.
    app.ok(Some(&c.contractor.token), ADVANCE, json!({"input": {"jobId": job, "to": "CONTACTED"}})).await;
    let after = app.ok(Some(&c.admin), "{ overdueJobs { reason } }", json!({})).await;
    assert_eq!(after["overdueJobs"], json!([]));
}

on_both_databases!(a_completed_job_writes_one_ledger_entry_that_adds_up_to_the_cent, |app: TestApp| async move {
    let c = cast(&app).await;
    // Default commission, 15%: approved 900,000 cents → 135,000 + 765,000.
    let job = job_at(&app, &c, "COMPLETED").await;
    let q = "query($id:ID!){ job(id:$id){ payout { id grossCents commissionBps commissionCents payoutCents status statusReason } } }";
    let p = app.ok(Some(&c.admin), q, json!({"id": job})).await["job"]["payout"].clone();
    assert_eq!(cents(&p["grossCents"]), 900_000);
    assert_eq!(p["commissionBps"], 1500);
    assert_eq!(cents(&p["commissionCents"]), 135_000);
    assert_eq!(cents(&p["payoutCents"]), 765_000);
    assert_eq!(p["status"], "PENDING");
    assert!(p["statusReason"].as_str().unwrap().contains("no payment provider"), "says why it waits");

    // A contractor override at an awkward rate rounds half up: 12.35% of 900,001 = 111,150.1235 → 111,150.
    let job2 = completed_with_override(&app, &c, 1235, 900_001).await;
    let p2 = app.ok(Some(&c.contractor.token), q, json!({"id": job2})).await["job"]["payout"].clone();
    assert_eq!(p2["commissionBps"], 1235);
    assert_eq!(cents(&p2["commissionCents"]), 111_150);
    assert_eq!(cents(&p2["payoutCents"]), 900_001 - 111_150);

    // The insurer does not see the contractor's money; the contractor sees only its own payouts.
    assert!(app.ok(Some(&c.insurer), q, json!({"id": job})).await["job"]["payout"].is_null());
    let mine = app.ok(Some(&c.contractor.token), "{ payouts { totalCount } }", json!({})).await;
    assert_eq!(mine["payouts"]["totalCount"], 2);
    assert_eq!(
        app.ok(Some(&c.stranger.token), "{ payouts { totalCount } }", json!({})).await["payouts"]["totalCount"],
        0
    );

    // Admins hold and release.
    let id = p["id"].as_str().unwrap();
    let hold = "mutation($id:ID!){ holdPayout(id:$id, reason:\"invoice query\"){ status statusReason } }";
    assert_eq!(error_code(&app.gql(Some(&c.contractor.token), hold, json!({"id": id})).await), "FORBIDDEN");
    let held = app.ok(Some(&c.admin), hold, json!({"id": id})).await;
    assert_eq!(held["holdPayout"]["status"], "HELD");
    assert!(held["holdPayout"]["statusReason"].as_str().unwrap().ends_with("invoice query"));
    let twice = app.gql(Some(&c.admin), hold, json!({"id": id})).await;
    assert_eq!(error_code(&twice), "CONFLICT");
    assert!(twice["errors"][0]["message"].as_str().unwrap().contains("HELD"));
    let released =
        app.ok(Some(&c.admin), "mutation($id:ID!){ releasePayout(id:$id){ status } }", json!({"id": id})).await;
    assert_eq!(released["releasePayout"]["status"], "PENDING");
    let held_list = app.ok(Some(&c.admin), "{ payouts(status: HELD) { totalCount } }", json!({})).await;
    assert_eq!(held_list["payouts"]["totalCount"], 0);
});

on_both_databases!(payouts_reconcile_by_period_with_totals_and_a_csv_to_the_cent, |app: TestApp| async move {
    let c = cast(&app).await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    job_at(&app, &c, "COMPLETED").await; // 900,000 gross at 15%: 135,000 + 765,000
    completed_with_override(&app, &c, 1235, 900_001).await;
    let after = chrono::Utc::now() + chrono::Duration::seconds(5);

    let q = "query($f:DateTime,$t:DateTime){ payoutTotals(from:$f, to:$t){ count grossCents commissionCents payoutCents } }";
    let t = app.ok(Some(&c.admin), q, json!({"f": before.to_rfc3339(), "t": after.to_rfc3339()})).await["payoutTotals"]
        .clone();
    assert_eq!(t, json!({"count": 2, "grossCents": "1800001", "commissionCents": "246150", "payoutCents": "1553851"}));
    let empty = app.ok(Some(&c.admin), q, json!({"f": after.to_rfc3339()})).await;
    assert_eq!(empty["payoutTotals"]["count"], 0);
    let backwards = app.gql(Some(&c.admin), q, json!({"f": after.to_rfc3339(), "t": before.to_rfc3339()})).await;
    assert_eq!(error_field(&backwards), "to");

    let url = format!("{}/reports/payouts.csv?from={}", app.base, before.format("%Y-%m-%d"));
    let resp = app.http.get(&url).bearer_auth(&c.admin).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = resp.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "header, two payouts, total: {csv}");
    assert!(lines[1].contains(",9000.00,1500,1350.00,7650.00,"), "{}", lines[1]);
    assert!(lines[2].contains(",9000.01,1235,1111.50,7888.51,"), "{}", lines[2]);
    assert!(
        lines[3].starts_with("TOTAL,2 payouts,") && lines[3].contains(",18000.01,,2461.50,15538.51,"),
        "{}",
        lines[3]
    );

    // A contractor downloads its own statement; others' money is not in it.
    let mine = app.http.get(&url).bearer_auth(&c.contractor.token).send().await.unwrap().text().await.unwrap();
    assert_eq!(mine.lines().count(), 4);
    let theirs = app.http.get(&url).bearer_auth(&c.stranger.token).send().await.unwrap().text().await.unwrap();
    assert!(theirs.lines().last().unwrap().starts_with("TOTAL,0 payouts"));
    assert_eq!(app.http.get(&url).send().await.unwrap().status(), 401);
    assert_eq!(app.http.get(&url).bearer_auth(&c.insurer).send().await.unwrap().status(), 403);
    for bad in ["from=yesterday", "from=2026-12-02&to=2026-12-01", "from=2026-12-01&to=2026-12-01"] {
        let bad = format!("{}/reports/payouts.csv?{bad}", app.base);
        let resp = app.http.get(&bad).bearer_auth(&c.admin).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
    }
});

on_both_databases!(the_store_refuses_moves_the_status_graphs_do_not_allow, |app: TestApp| async move {
    use nrp_server::store;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Graph Mutual").await;
    let c = contractor(&app, &admin, "graph-co", json!({"basePostcode": "2150"}), true).await;
    let (lead, job) = won_job(&app, &admin, &key, &c).await;
    let (lead, job) = (uuid::Uuid::parse_str(&lead).unwrap(), uuid::Uuid::parse_str(&job).unwrap());
    let db = &app.ctx.db;
    let l = store::leads::find(db, lead).await.unwrap().unwrap();
    // ASSIGNED → NEW is no move of the lead graph; a status written through `save` is refused.
    assert!(store::leads::transition(db, l.clone(), entities::LeadStatus::New, |_| {}).await.is_err());
    let mut am = sea_orm::IntoActiveModel::into_active_model(l);
    am.status = sea_orm::Set(entities::LeadStatus::Completed);
    assert!(store::leads::save(db, am).await.is_err());
    // Nor can a routing run's write move it back.
    let l = store::leads::find(db, lead).await.unwrap().unwrap();
    let routed = store::leads::record_routing(db, l, entities::LeadStatus::Offering, json!({}), None).await;
    assert!(routed.is_err(), "ASSIGNED → OFFERING refused");
    let after = store::leads::find(db, lead).await.unwrap().unwrap();
    assert_eq!(after.status, entities::LeadStatus::Assigned, "and nothing written");
    // AWAITING_CONTACT → COMPLETED skips the job's stages.
    let skip =
        entities::job::ActiveModel { status: sea_orm::Set(entities::JobStatus::Completed), ..Default::default() };
    assert!(store::jobs::move_stage(db, job, entities::JobStatus::AwaitingContact, skip).await.is_err());
    // An offer never goes back to OPEN.
    let o = store::offers::for_lead(db, lead).await.unwrap().remove(0);
    assert!(
        store::offers::close_if_open(db, o.id, entities::OfferStatus::Open, chrono::Utc::now(), None, None)
            .await
            .is_err()
    );
    // Nothing was written.
    let d = lead_detail(&app, &admin, &lead.to_string()).await;
    assert_eq!(d["status"], "ASSIGNED");
    assert_eq!(d["job"]["status"], "AWAITING_CONTACT");
});
