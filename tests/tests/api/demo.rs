use entities::{DeliveryStatus, OfferStatus, PayoutStatus, offer, payout, webhook_delivery};
use nrp_server::services::demo;
use nrp_tests::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

/// Seeds a fresh database with no background work running (as `seed-demo` does before the
/// server starts), then serves it.
async fn seeded(backend: Backend) -> (TestApp, demo::SeedReport) {
    let first = TestApp::spawn(backend).await;
    let (ctx, db) = (first.ctx.clone(), first.db.clone());
    first.stop().await;
    let report = demo::seed(&ctx).await.expect("the demo seeds");
    (TestApp::spawn_on(db, TestOptions::default()).await, report)
}

const COUNTS: &str = "query($l:LeadStatus,$j:JobStatus,$c:ClaimStatus){ leads(first:1, filter:{status:$l}){ totalCount } \
    jobs(first:1, status:$j){ totalCount } claims(first:1, status:$c){ totalCount } }";

async fn count(app: &TestApp, token: &str, what: &str, status: &str) -> i64 {
    let var = match what {
        "leads" => "l",
        "jobs" => "j",
        _ => "c",
    };
    let d = app.ok(Some(token), COUNTS, json!({ var: status })).await;
    d[what]["totalCount"].as_i64().unwrap()
}

async fn offers_in(app: &TestApp, s: OfferStatus) -> u64 {
    offer::Entity::find().filter(offer::Column::Status.eq(s)).count(&app.ctx.db).await.unwrap()
}

mod the_demo_tells_ninety_days_of_a_working_network_once {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        story(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        story(Backend::Postgres).await;
    }
}

async fn story(backend: Backend) {
    let (app, report) = seeded(backend).await;
    let h = &report.history;
    println!("demo: {} leads, {} jobs, {} claims, {} payouts", h.leads, h.jobs, h.claims, h.payouts);
    assert!(!report.already_seeded && h.leads > 120 && h.jobs > 80 && h.claims > 20 && h.payouts > 30, "{h:?}");
    let admin = app.login(demo::DEMO_ADMIN_EMAIL, demo::DEMO_ADMIN_PASSWORD).await;

    // Leads in every status that lasts (NEW lasts only until routing, a moment), jobs in every
    // stage, claims from assessment to settlement.
    let mut seen = Vec::new();
    for (what, statuses) in [
        ("leads", &["OFFERING", "ASSIGNED", "COMPLETED", "UNASSIGNED", "CANCELLED", "DUPLICATE"][..]),
        (
            "jobs",
            &[
                "AWAITING_CONTACT",
                "CONTACTED",
                "INSPECTED",
                "QUOTED",
                "APPROVED",
                "IN_PROGRESS",
                "COMPLETED",
                "CANCELLED",
            ],
        ),
        ("claims", &["LODGED", "ASSESSING", "APPROVED", "PARTIALLY_APPROVED", "DECLINED", "SETTLED"]),
    ] {
        for s in statuses {
            seen.push((what, *s, count(&app, &admin, what, s).await));
        }
    }
    println!("{seen:?}");
    for (what, s, n) in &seen {
        assert!(*n > 0 || (*what, *s) == ("claims", "LODGED"), "no {s} {what}: {seen:?}");
    }
    for s in [OfferStatus::Accepted, OfferStatus::Declined, OfferStatus::Expired, OfferStatus::Taken] {
        assert!(offers_in(&app, s).await > 0, "a {s:?} offer");
    }
    let overdue = app.ok(Some(&admin), "{ overdueJobs { reason } }", json!({})).await;
    assert!(!overdue["overdueJobs"].as_array().unwrap().is_empty(), "some work is overdue: {overdue}");
    for s in [PayoutStatus::Paid, PayoutStatus::Held, PayoutStatus::Failed, PayoutStatus::Pending] {
        let n = payout::Entity::find().filter(payout::Column::Status.eq(s)).count(&app.ctx.db).await.unwrap();
        assert!(n > 0, "a {s:?} payout");
    }
    let dead = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Failed))
        .count(&app.ctx.db)
        .await
        .unwrap();
    let delivered = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Delivered))
        .count(&app.ctx.db)
        .await
        .unwrap();
    assert!(dead >= 1 && delivered > 50, "{dead} dead letter(s), {delivered} delivered");

    // Spread over about 90 days, nothing in the future; the dashboard's month is full.
    let leads =
        entities::lead::Entity::find().order_by_asc(entities::lead::Column::CreatedAt).all(&app.ctx.db).await.unwrap();
    let now = chrono::Utc::now();
    let span = now - leads[0].created_at;
    assert!(span > chrono::Duration::days(85) && span < chrono::Duration::days(92), "{span}");
    let soon = now + chrono::Duration::seconds(5);
    assert!(leads.iter().all(|l| l.created_at <= now && l.updated_at <= soon));
    let db = &app.ctx.db;
    let offers = offer::Entity::find().all(db).await.unwrap();
    assert!(offers.iter().all(|o| o.created_at <= soon && o.responded_at.is_none_or(|t| t <= soon)), "offers");
    let jobs = entities::job::Entity::find().all(db).await.unwrap();
    assert!(jobs.iter().all(|j| j.updated_at <= soon && j.completed_at.is_none_or(|t| t <= soon)), "jobs");
    let claims = entities::claim::Entity::find().all(db).await.unwrap();
    assert!(claims.iter().all(|c| c.updated_at <= soon && c.settled_at.is_none_or(|t| t <= soon)), "claims");
    let payouts = payout::Entity::find().all(db).await.unwrap();
    assert!(payouts.iter().all(|p| p.updated_at <= soon && p.paid_at.is_none_or(|t| t <= soon)), "payouts");
    // The audit log pages by id: its ids follow the story's time.
    let audit =
        entities::audit_entry::Entity::find().order_by_asc(entities::audit_entry::Column::Id).all(db).await.unwrap();
    assert!(audit.iter().all(|e| e.created_at <= soon), "audit");
    let out_of_order = audit.windows(2).filter(|w| w[1].created_at < w[0].created_at).count();
    assert!(out_of_order <= 2, "{out_of_order} audit entries out of time order by id");
    let d = app
        .ok(Some(&admin), "{ dashboard(days: 30) { leadsPerDay { count } offersAccepted medianSecondsToAccept moneyByWeek { payouts } } }", json!({}))
        .await["dashboard"]
        .clone();
    assert!(d["leadsPerDay"].as_array().unwrap().len() > 10, "{d}");
    assert!(d["offersAccepted"].as_i64().unwrap() > 10, "{d}");
    let median = d["medianSecondsToAccept"].as_f64().unwrap_or_default();
    assert!((30.0..3_600.0).contains(&median), "answers take minutes, as told: {d}");
    assert!(d["moneyByWeek"].as_array().unwrap().iter().any(|w| w["payouts"].as_i64() > Some(0)), "{d}");

    // The demo contractor's inbox has one live offer.
    let mia = app.login(demo::DEMO_CONTRACTOR_EMAIL, demo::DEMO_CONTRACTOR_PASSWORD).await;
    let open = app.ok(Some(&mia), "{ myOffers(status: OPEN) { id expiresAt lead { suburb } } }", json!({})).await;
    assert_eq!(open["myOffers"].as_array().unwrap().len(), 1, "{open}");

    // Seeding again changes nothing.
    let before = entities::lead::Entity::find().count(&app.ctx.db).await.unwrap();
    let again = demo::seed(&app.ctx).await.unwrap();
    assert!(again.already_seeded);
    assert_eq!(entities::lead::Entity::find().count(&app.ctx.db).await.unwrap(), before);
    // A seed that stopped part-way (here: its last word gone) is said so, not taken as done.
    entities::audit_entry::Entity::delete_many()
        .filter(entities::audit_entry::Column::Action.eq("demo.history_told"))
        .exec(&app.ctx.db)
        .await
        .unwrap();
    let err = demo::seed(&app.ctx).await.expect_err("an interrupted seed is refused");
    assert!(err.to_string().contains("part-way"), "{err}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_story_is_the_same_every_time() {
    let fingerprint = |app: TestApp| async move {
        let leads =
            entities::lead::Entity::find().order_by_asc(entities::lead::Column::Id).all(&app.ctx.db).await.unwrap();
        let out: Vec<Value> = leads
            .iter()
            .map(|l| {
                json!([l.customer_name, l.postcode, l.damage_type, l.status, l.estimated_value_cents, l.claim_number])
            })
            .collect();
        app.stop().await;
        out
    };
    let (a, _) = seeded(Backend::Sqlite).await;
    let (b, _) = seeded(Backend::Sqlite).await;
    assert_eq!(fingerprint(a).await, fingerprint(b).await);
}

/// `seed-demo` creates well-known logins: production refuses it (the command and
/// `serve --seed-demo`), and the database it names is left untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_is_refused_in_production_and_writes_nothing() {
    use clap::Parser;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/prod.db?mode=rwc", dir.path().display());
    let production = |k: &str| match k {
        "DATABASE_URL" => Some(db.clone()),
        "NRP_ENV" => Some("production".to_string()),
        "JWT_SECRET" => Some("a-production-secret-of-at-least-32-bytes".to_string()),
        "WEBHOOK_SECRET_KEYS" => Some(format!("k1:{}", base64_key())),
        _ => None,
    };
    for args in [&["nrp-server", "seed-demo"][..], &["nrp-server", "serve", "--seed-demo"][..]] {
        let config = nrp_server::Config::from_lookup(production).expect("a production configuration");
        let code = nrp_server::cli::run_with(nrp_server::cli::Cli::parse_from(args), config).await;
        assert_eq!(code, std::process::ExitCode::FAILURE, "{args:?}");
    }
    // Nothing was written: not even the schema (the refusal comes before any connection).
    let file = dir.path().join("prod.db");
    assert!(!file.exists() || std::fs::metadata(&file).unwrap().len() == 0, "the database is untouched");
}

/// 32 random-looking bytes, base64: a key the configuration accepts.
fn base64_key() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode([7u8; 32])
}
