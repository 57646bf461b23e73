//! Amounts travel as the 64-bit `Money` scalar (cents as a string of digits): past GraphQL's
//! 32-bit `Int` ($21,474,836.47) and exactly, in inputs, outputs, totals and the CSV.

use nrp_tests::leads::*;
use nrp_tests::*;
use serde_json::json;

on_both_databases!(amounts_past_32_bits_travel_exactly, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Large Loss Mutual").await;
    let c = contractor(&app, &admin, "largeloss", json!({"basePostcode": "2150"}), true).await;
    let mut input = lead_input();
    input["estimatedValueCents"] = json!("5000000000");
    let (lead, _) = create_lead(&app, &key, input).await;
    let l = app.ok(Some(&admin), "query($id:ID!){ lead(id:$id){ estimatedValueCents } }", json!({"id": lead})).await;
    assert_eq!(l["lead"]["estimatedValueCents"], "5000000000", "a string of digits, exact");

    // $30,000,000.00 approved: the ledger, the totals and the CSV hold it to the cent.
    let (_, job) = completed_job(&app, &admin, &key, &c, 3_000_000_001).await;
    let p = app
        .ok(
            Some(&admin),
            "query($id:ID!){ job(id:$id){ payout { grossCents commissionCents payoutCents } } }",
            json!({"id": job}),
        )
        .await["job"]["payout"]
        .clone();
    assert_eq!(p, json!({"grossCents": "3000000001", "commissionCents": "450000000", "payoutCents": "2550000001"}));
    let t = app.ok(Some(&admin), "{ payoutTotals { grossCents commissionCents payoutCents } }", json!({})).await;
    assert_eq!(cents(&t["payoutTotals"]["grossCents"]), 3_000_000_001);
    let csv = app.get_text(&admin, "/reports/payouts.csv").await;
    assert!(csv.contains(",30000000.01,1500,4500000.00,25500000.01,"), "{csv}");

    // Anything but a string of digits (or, while partners move over, an integer) is refused.
    for bad in [json!("12.50"), json!("1e9"), json!("$5"), json!(12.5), json!(true)] {
        let mut input = lead_input();
        input["estimatedValueCents"] = bad.clone();
        let body = app.gql(Some(&key), CREATE_LEAD, json!({"input": input})).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{bad}: {body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("Money"), "{body}");
    }
});
