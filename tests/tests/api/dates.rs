//! Dates a person reads or a rule counts are on the right clock: the property's state for a
//! claim's Code of Practice deadline, the company's base for a certificate's expiry. The
//! expected values are worked out here with chrono-tz, independently of the server.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::{Australia, Tz};
use nrp_tests::leads::*;
use nrp_tests::*;
use serde_json::json;

fn today(zone: Tz) -> NaiveDate {
    Utc::now().with_timezone(&zone).date_naive()
}

fn plus_business_days(mut d: NaiveDate, n: u32) -> NaiveDate {
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

on_both_databases!(a_claims_deadline_counts_from_the_lodgement_day_in_the_propertys_state, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Two Coasts Mutual").await;
    for (state, suburb, postcode, zone) in [
        ("WA", "Perth", "6000", Australia::Perth),
        ("NSW", "Sydney", "2000", Australia::Sydney),
        ("NSW", "Lord Howe Island", "2898", Australia::Lord_Howe),
    ] {
        let mut input = lead_input();
        input["property"] = json!({"address": "1 Hay St", "suburb": suburb, "state": state, "postcode": postcode});
        input["claimNumber"] = json!(format!("TC-{postcode}"));
        let (lead, _) = create_lead(&app, &key, input).await;
        let before = today(zone);
        let claim = app
            .ok(
                Some(&key),
                "mutation($l:ID!){ createClaim(input:{leadId:$l, claimedCents:\"100000\"}){ decisionDueOn decisionOverdue } }",
                json!({"l": lead}),
            )
            .await["createClaim"]
            .clone();
        let after = today(zone);
        let due = NaiveDate::parse_from_str(claim["decisionDueOn"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        // The local day can only turn over between the two reads, never be UTC's.
        assert!(
            due == plus_business_days(before, 10) || due == plus_business_days(after, 10),
            "{state} {postcode}: due {due}, local lodgement day {before}"
        );
        assert_eq!(claim["decisionOverdue"], false);
    }
});

on_both_databases!(a_certificate_is_good_through_its_expiry_date_on_the_companys_clock, |app: TestApp| async move {
    let admin = app.admin_token().await;
    let add = "mutation($id:ID!,$input:CertificationInput!){ addCertification(contractorId:$id, input:$input){ expiresOn expired } }";
    for (postcode, zone) in [("6000", Australia::Perth), ("2000", Australia::Sydney), ("0800", Australia::Darwin)] {
        let c = contractor(&app, &admin, &format!("cert{postcode}"), json!({"basePostcode": postcode}), true).await;
        let local = today(zone);
        let cert = |d: NaiveDate| json!({"id": c.id, "input": {"kind": "WRT", "number": "1", "issuer": "IICRC", "expiresOn": d.to_string()}});
        let through_today = app.ok(Some(&c.token), add, cert(local)).await;
        assert_eq!(through_today["addCertification"]["expired"], false, "{postcode}: good through {local}");
        let yesterday = app.ok(Some(&c.token), add, cert(local - Duration::days(1))).await;
        assert_eq!(
            yesterday["addCertification"]["expired"],
            true,
            "{postcode}: expired after {}",
            local - Duration::days(1)
        );
    }
});
