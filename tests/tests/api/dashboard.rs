use nrp_tests::leads::*;
use nrp_tests::*;
use serde_json::json;

const DASH: &str = "query($d:Int){ dashboard(days:$d){ leadsPerDay { day damageType count } offersDecided offersAccepted acceptanceRate medianSecondsToAccept jobsByStage { status count } overdueJobs moneyByWeek { weekStart payouts commissionCents payoutCents } } }";

on_both_databases!(the_dashboard_counts_leads_offers_jobs_and_money, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Dash Mutual").await;
    let c = contractor(&app, &admin, "dash", json!({"basePostcode": "2000"}), true).await;
    completed_job(&app, &admin, &key, &c, 100_000).await;
    let (lead, _) = create_lead(&app, &key, lead_input()).await;
    let (offer, _) = open_offers(&lead_detail(&app, &admin, &lead).await)[0].clone();
    app.ok(Some(&c.token), DECLINE, json!({"id": offer, "r": "busy"})).await;

    let d = app.ok(Some(&admin), DASH, json!({"d": 7})).await["dashboard"].clone();
    let days = d["leadsPerDay"].as_array().unwrap();
    assert_eq!(days.len(), 7 * 4, "every day of the week, for each damage type");
    let water: i64 = days.iter().filter(|x| x["damageType"] == "WATER").map(|x| x["count"].as_i64().unwrap()).sum();
    assert_eq!(water, 2);
    assert_eq!((d["offersDecided"].as_i64(), d["offersAccepted"].as_i64()), (Some(2), Some(1)));
    assert_eq!(d["acceptanceRate"], 0.5);
    assert!(d["medianSecondsToAccept"].as_i64().unwrap() >= 0);
    let completed = d["jobsByStage"].as_array().unwrap().iter().find(|s| s["status"] == "COMPLETED").unwrap().clone();
    assert_eq!(completed["count"], 1);
    let money: i64 = d["moneyByWeek"].as_array().unwrap().iter().map(|w| cents(&w["commissionCents"])).sum();
    assert_eq!(money, 15_000);

    assert_eq!(error_code(&app.gql(Some(&c.token), DASH, json!({})).await), "FORBIDDEN");
    let bad = app.gql(Some(&admin), DASH, json!({"d": 0})).await;
    assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "days"));
});
