//! The earned performance score: computed from the record on each event, a Bayesian average
//! from a neutral prior, adjusted by admins with a reason, and shown to the contractor.

use chrono::{Duration, Utc};
use nrp_server::services::scoring;
use nrp_tests::leads::*;
use nrp_tests::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::{Value, json};

const SCORING: &str = "query($id:ID!){ contractor(id:$id){ performanceScore scoring { score earned adjustment \
    adjustmentReason adjustedAt computedAt windowDays priorValue priorWeight businessHours \
    terms { kind weight observations mean value contribution } trend { day score } routing { key weight } } } }";

const ME_SCORING: &str = "{ me { contractor { performanceScore scoring { score adjustment adjustmentReason \
    terms { kind observations value } trend { day score } } } } }";

/// The term of `kind` in a `scoring` answer.
fn term<'a>(scoring: &'a Value, kind: &str) -> &'a Value {
    scoring["terms"].as_array().unwrap().iter().find(|t| t["kind"] == kind).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Bayesian average of one term with the default prior (0.5, worth 5 observations).
fn blended(n: f64, sum: f64) -> f64 {
    (5.0 * 0.5 + sum) / (5.0 + n)
}

fn uuid(s: &str) -> uuid::Uuid {
    uuid::Uuid::parse_str(s).unwrap()
}

/// Moves a job's clock: accepted `days_ago`, contacted after `contact_hours` (due after 4 h), and
/// completed `took_days` later when it was completed.
async fn script_job(app: &TestApp, job: &str, days_ago: i64, contact_hours: Option<i64>, took_days: Option<i64>) {
    use entities::job;
    use sea_orm::sea_query::Expr;
    let now = Utc::now();
    let created = now - Duration::days(days_ago);
    let mut q = job::Entity::update_many()
        .col_expr(job::Column::CreatedAt, Expr::value(created))
        .col_expr(job::Column::ContactDueAt, Expr::value(Some(created + Duration::hours(4))))
        .col_expr(job::Column::ContactedAt, Expr::value(contact_hours.map(|h| created + Duration::hours(h))));
    if let Some(d) = took_days {
        q = q.col_expr(job::Column::CompletedAt, Expr::value(Some(created + Duration::days(d))));
    }
    q.filter(job::Column::Id.eq(uuid(job))).exec(&app.ctx.db).await.unwrap();
}

on_both_databases!(a_scripted_record_scores_as_published, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Scored Mutual").await;
    let c = contractor(&app, &admin, "scored", json!({"basePostcode": "2150", "maxActiveJobs": 10}), true).await;

    // A newcomer has the prior and no computation yet.
    let fresh = app.ok(Some(&c.token), ME_SCORING, json!({})).await;
    let s = &fresh["me"]["contractor"]["scoring"];
    assert_eq!(fresh["me"]["contractor"]["performanceScore"], 0.5);
    assert_eq!(s["score"], 0.5);
    assert!(s["terms"].as_array().unwrap().iter().all(|t| t["observations"] == 0 && t["value"] == 0.5), "{s}");

    // J1: contacted in 1 h, completed in 4 days, quote approved in full, rated 5.
    let (_, j1) = completed_job(&app, &admin, &key, &c, 100_000).await;
    script_job(&app, &j1, 20, Some(1), Some(4)).await;
    app.ok(Some(&admin), "mutation($j:ID!){ rateJob(jobId:$j, score:5){ id } }", json!({"j": j1})).await;
    // J2: contacted late (6 h against 4 h), completed in 8 days, 80% of the quote approved, rated 3.
    let (_, j2) = completed_job(&app, &admin, &key, &c, 50_000).await;
    script_job(&app, &j2, 30, Some(6), Some(8)).await;
    entities::job::Entity::update_many()
        .col_expr(entities::job::Column::QuoteCents, sea_orm::sea_query::Expr::value(Some(62_500i64)))
        .filter(entities::job::Column::Id.eq(uuid(&j2)))
        .exec(&app.ctx.db)
        .await
        .unwrap();
    app.ok(Some(&admin), "mutation($j:ID!){ rateJob(jobId:$j, score:3){ id } }", json!({"j": j2})).await;
    // J3: cancelled before anyone was contacted.
    let (_, j3) = won_job(&app, &admin, &key, &c).await;
    app.ok(
        Some(&c.token),
        "mutation($j:ID!){ cancelJob(jobId:$j, reason:\"customer went with their own builder\"){ id } }",
        json!({"j": j3}),
    )
    .await;
    // J4: accepted 100 days ago and never contacted: outside the window, so it counts for nothing.
    let (l4, j4) = won_job(&app, &admin, &key, &c).await;
    script_job(&app, &j4, 100, None, None).await;
    entities::offer::Entity::update_many()
        .col_expr(entities::offer::Column::CreatedAt, sea_orm::sea_query::Expr::value(Utc::now() - Duration::days(100)))
        .filter(entities::offer::Column::LeadId.eq(uuid(&l4)))
        .exec(&app.ctx.db)
        .await
        .unwrap();
    // One offer declined.
    let (declined, _) = create_lead(&app, &key, lead_input()).await;
    let (offer, _) = open_offers(&lead_detail(&app, &admin, &declined).await).into_iter().next().unwrap();
    app.ok(Some(&c.token), "mutation($id:ID!){ declineOffer(offerId:$id){ id } }", json!({"id": offer})).await;

    // The hourly sweep's work, now: the network's medians (J1 and J2 are the only completed
    // water jobs: 4 and 8 days, so 4), then the score from the committed record.
    let now = Utc::now();
    let txn = app.ctx.db.begin().await.unwrap();
    assert_eq!(scoring::refresh_medians(&txn, &app.ctx.config, now).await.unwrap(), 1);
    scoring::rescore(&txn, &app.ctx.config, uuid(&c.id), now).await.unwrap().unwrap();
    txn.commit().await.unwrap();

    let d = app.ok(Some(&admin), SCORING, json!({"id": c.id})).await;
    let s = &d["contractor"]["scoring"];
    let expect = [
        ("CONTACT", 0.25, 2, blended(2.0, 1.0)),
        ("COMPLETION", 0.20, 3, blended(3.0, 2.0)),
        ("CYCLE", 0.15, 2, blended(2.0, 1.0 + 0.5)),
        ("ACCURACY", 0.15, 2, blended(2.0, 1.0 + 0.8)),
        ("RATING", 0.15, 2, blended(2.0, 1.0 + 0.5)),
        ("OFFERS", 0.10, 4, blended(4.0, 3.0 + 0.5)),
    ];
    let mut earned = 0.0;
    for (kind, weight, n, value) in expect {
        let t = term(s, kind);
        assert_eq!(t["observations"], n, "{kind}: {t}");
        assert!(close(t["weight"].as_f64().unwrap(), weight), "{kind}: {t}");
        assert!(close(t["value"].as_f64().unwrap(), value), "{kind}: {t} against {value}");
        assert!(close(t["contribution"].as_f64().unwrap(), weight * value), "{kind}: {t}");
        earned += weight * value;
    }
    assert!(close(s["earned"].as_f64().unwrap(), earned), "{s}");
    assert!(close(s["score"].as_f64().unwrap(), earned));
    assert!(close(d["contractor"]["performanceScore"].as_f64().unwrap(), earned), "routing reads the same score");
    assert_eq!(s["windowDays"], 90);
    assert_eq!(s["priorWeight"], 5.0);
    assert_eq!(s["businessHours"], "Monday to Friday, 08:00 to 18:00 Australia/Sydney time");
    let routing: f64 = s["routing"].as_array().unwrap().iter().map(|t| t["weight"].as_f64().unwrap()).sum();
    assert!(close(routing, 1.0));
    assert_eq!(s["trend"].as_array().unwrap().len(), 1, "one point a day: {s}");
    assert!(close(s["trend"][0]["score"].as_f64().unwrap(), earned));
});

on_both_databases!(every_event_rescores_in_its_own_transaction, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Eventful Mutual").await;
    let c = contractor(&app, &admin, "eventful", json!({"basePostcode": "2150"}), true).await;
    let score = |d: &Value| d["me"]["contractor"]["performanceScore"].as_f64().unwrap();
    let offers_term = |d: &Value| term(&d["me"]["contractor"]["scoring"], "OFFERS")["value"].as_f64().unwrap();

    // An accept is one offer accepted: the offers term moves off the prior at once.
    let (_, job) = won_job(&app, &admin, &key, &c).await;
    let after_accept = app.ok(Some(&c.token), ME_SCORING, json!({})).await;
    assert!(close(offers_term(&after_accept), blended(1.0, 1.0)), "{after_accept}");
    // Contact on time, then completion and a rating, each rescored as it happens.
    app.ok(Some(&c.token), ADVANCE, json!({"input": {"jobId": job, "to": "CONTACTED"}})).await;
    let contacted = app.ok(Some(&c.token), ME_SCORING, json!({})).await;
    let contact = term(&contacted["me"]["contractor"]["scoring"], "CONTACT");
    assert_eq!(contact["observations"], 1);
    assert!(score(&contacted) > score(&after_accept));
    // A declined offer is worth half an accepted one.
    let (lead, _) = create_lead(&app, &key, lead_input()).await;
    let (offer, _) = open_offers(&lead_detail(&app, &admin, &lead).await).into_iter().next().unwrap();
    app.ok(Some(&c.token), "mutation($id:ID!){ declineOffer(offerId:$id){ id } }", json!({"id": offer})).await;
    let declined = app.ok(Some(&c.token), ME_SCORING, json!({})).await;
    assert!(close(offers_term(&declined), blended(2.0, 1.5)), "{declined}");
    let trend = declined["me"]["contractor"]["scoring"]["trend"].as_array().unwrap().clone();
    assert_eq!(trend.len(), 1, "the day's last computation is its point");
    assert!(close(trend[0]["score"].as_f64().unwrap(), score(&declined)));

    // A score the window moved past (or typed in before scores were earned) is put right by the
    // sweep.
    use sea_orm::sea_query::Expr;
    entities::contractor::Entity::update_many()
        .col_expr(entities::contractor::Column::PerformanceScore, Expr::value(0.99))
        .col_expr(entities::contractor::Column::ScoreComputedAt, Expr::value(Some(Utc::now() - Duration::days(2))))
        .filter(entities::contractor::Column::Id.eq(uuid(&c.id)))
        .exec(&app.ctx.db)
        .await
        .unwrap();
    assert!(scoring::sweep(&app.ctx).await.unwrap() >= 1);
    let swept = app.ok(Some(&c.token), ME_SCORING, json!({})).await;
    assert!(close(score(&swept), score(&declined)), "{swept}");

    // Batch work (an expiry) marks the score in its own transaction; the maintenance worker's
    // pass recomputes what was marked.
    entities::contractor::Entity::update_many()
        .col_expr(entities::contractor::Column::PerformanceScore, Expr::value(0.99))
        .filter(entities::contractor::Column::Id.eq(uuid(&c.id)))
        .exec(&app.ctx.db)
        .await
        .unwrap();
    nrp_server::store::scores::mark_dirty(&app.ctx.db, uuid(&c.id)).await.unwrap();
    // (The worker's own pass may get there first: either way the score is recomputed.)
    scoring::rescore_dirty(&app.ctx).await.unwrap();
    let marked = app.ok(Some(&c.token), ME_SCORING, json!({})).await;
    assert!(close(score(&marked), score(&declined)), "{marked}");
});

on_both_databases!(admins_adjust_a_score_with_a_reason_the_contractor_sees, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let c = contractor(&app, &admin, "adjusted", json!({}), true).await;
    let other = contractor(&app, &admin, "bystander", json!({}), true).await;
    const ADJUST: &str = "mutation($id:ID!, $a:Float!, $r:String!){ adjustContractorScore(id:$id, adjustment:$a, reason:$r){ performanceScore scoring { adjustment adjustmentReason adjustedAt } } }";

    // Bad input, and callers who may not, change nothing.
    for (vars, code, field) in [
        (json!({"id": c.id, "a": 0.7, "r": "too much"}), "BAD_USER_INPUT", Some("adjustment")),
        (json!({"id": c.id, "a": -0.6, "r": "too much"}), "BAD_USER_INPUT", Some("adjustment")),
        (json!({"id": c.id, "a": 0.1, "r": "   "}), "BAD_USER_INPUT", Some("reason")),
        (json!({"id": "not-an-id", "a": 0.1, "r": "fine"}), "BAD_USER_INPUT", Some("id")),
        (json!({"id": uuid::Uuid::new_v4().to_string(), "a": 0.1, "r": "fine"}), "NOT_FOUND", None),
    ] {
        let body = app.gql(Some(&admin), ADJUST, vars.clone()).await;
        assert_eq!(error_code(&body), code, "{vars}: {body}");
        if let Some(f) = field {
            assert_eq!(error_field(&body), f, "{vars}: {body}");
        }
    }
    let body = app.gql(Some(&c.token), ADJUST, json!({"id": c.id, "a": 0.5, "r": "I deserve it"})).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let unchanged = app.ok(Some(&admin), SCORING, json!({"id": c.id})).await;
    assert_eq!(unchanged["contractor"]["performanceScore"], 0.5);
    assert_eq!(unchanged["contractor"]["scoring"]["adjustment"], 0.0);

    let d = app
        .ok(
            Some(&admin),
            ADJUST,
            json!({"id": c.id, "a": -0.125, "r": "  Claim photos repeatedly missing (insurer complaint #4411)  "}),
        )
        .await;
    assert_eq!(d["adjustContractorScore"]["performanceScore"], 0.375);
    let mine = app.ok(Some(&c.token), ME_SCORING, json!({})).await;
    let s = &mine["me"]["contractor"]["scoring"];
    assert_eq!(s["adjustment"], -0.125);
    assert_eq!(s["adjustmentReason"], "Claim photos repeatedly missing (insurer complaint #4411)");
    assert_eq!(mine["me"]["contractor"]["performanceScore"], 0.375);
    let audit = app
        .ok(
            Some(&admin),
            "query($id:ID!){ auditLog(filter:{entityId:$id, action:\"contractor.score_adjusted\"}){ totalCount edges { node { changes } } } }",
            json!({"id": c.id}),
        )
        .await;
    assert_eq!(audit["auditLog"]["totalCount"], 1, "{audit}");
    let details = &audit["auditLog"]["edges"][0]["node"]["changes"];
    assert_eq!(details["score"]["from"], 0.5);
    assert_eq!(details["score"]["to"], 0.375);

    // Another contractor never reads it.
    let theirs = app.ok(Some(&other.token), ME_SCORING, json!({})).await;
    assert_eq!(theirs["me"]["contractor"]["scoring"]["adjustment"], 0.0);
    let body = app.gql(Some(&other.token), SCORING, json!({"id": c.id})).await;
    assert!(body["data"]["contractor"].is_null() || body["data"]["contractor"]["scoring"].is_null(), "{body}");

    // 0 takes the adjustment away.
    let d = app.ok(Some(&admin), ADJUST, json!({"id": c.id, "a": 0.0, "r": "complaint withdrawn"})).await;
    assert_eq!(d["adjustContractorScore"]["performanceScore"], 0.5);
    assert!(d["adjustContractorScore"]["scoring"]["adjustmentReason"].is_null(), "{d}");
});
