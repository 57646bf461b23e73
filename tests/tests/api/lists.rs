use nrp_tests::leads::*;
use nrp_tests::*;
use serde_json::{Value, json};

const LEADS: &str = "query($f:LeadFilterInput,$s:LeadSort,$first:Int,$after:String){ leads(filter:$f, sort:$s, first:$first, after:$after){ \
    totalCount pageInfo { hasNextPage endCursor } nodes { id estimatedValueCents createdAt } } }";

/// Every page of a list, in order.
async fn all_pages(app: &TestApp, token: &str, filter: Value, sort: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = app.ok(Some(token), LEADS, json!({"f": filter, "s": sort, "first": 2, "after": after})).await;
        out.extend(d["leads"]["nodes"].as_array().unwrap().iter().cloned());
        if d["leads"]["pageInfo"]["hasNextPage"] != true {
            return out;
        }
        after = d["leads"]["pageInfo"]["endCursor"].clone();
    }
}

on_both_databases!(
    the_leads_list_pages_in_each_order_filters_by_days_and_exports_what_it_shows,
    |app: TestApp| async move {
        seed_postcodes(&app).await;
        let admin = app.admin_token().await;
        let (_, key) = insurer_key(&app, &admin, "List Mutual").await;
        let (_, other) = insurer_key(&app, &admin, "Other List Mutual").await;
        let mut ids = Vec::new();
        for (i, value) in [Some(500_000), None, Some(2_000_000), Some(500_000), Some(90_000)].into_iter().enumerate() {
            let mut input = lead_input();
            input["estimatedValueCents"] = json!(value);
            if i == 1 {
                input["customer"]["name"] = json!("=HYPERLINK(\"http://evil.example\",\"click\")");
            }
            ids.push(create_lead(&app, &key, input).await.0);
        }
        create_lead(&app, &other, lead_input()).await;
        let newest: Vec<String> = ids.iter().rev().cloned().collect();
        let id_list = |rows: &[Value]| rows.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();

        // The insurer's own leads in each order, page by page with nothing repeated or skipped.
        assert_eq!(id_list(&all_pages(&app, &key, json!({}), "NEWEST").await), newest);
        assert_eq!(id_list(&all_pages(&app, &key, json!({}), "OLDEST").await), ids);
        let by_value = id_list(&all_pages(&app, &key, json!({}), "VALUE").await);
        // 2,000,000; then the two 500,000 (newest first); 90,000; none last.
        assert_eq!(by_value, vec![ids[2].clone(), ids[3].clone(), ids[0].clone(), ids[4].clone(), ids[1].clone()]);

        // Days on NRP's clock: today holds them all, yesterday none; an inverted range is refused.
        let today = chrono::Utc::now().with_timezone(&chrono_tz::Australia::Sydney).date_naive();
        let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        let f = json!({"receivedFrom": day(today), "receivedTo": day(today)});
        assert_eq!(app.ok(Some(&key), LEADS, json!({"f": f})).await["leads"]["totalCount"], 5);
        let y = today.pred_opt().unwrap();
        let f = json!({"receivedFrom": day(y), "receivedTo": day(y)});
        assert_eq!(app.ok(Some(&key), LEADS, json!({"f": f})).await["leads"]["totalCount"], 0);
        let bad = app.gql(Some(&key), LEADS, json!({"f": {"receivedFrom": day(today), "receivedTo": day(y)}})).await;
        assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "filter.receivedTo"));
        let bad = app.gql(Some(&key), LEADS, json!({"after": "not-a-cursor"})).await;
        assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "after"));

        // The CSV is the list as shown: the caller's scope, filter and order; formula-safe.
        let csv = app.get_text(&key, "/reports/leads.csv?sort=VALUE").await;
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(), by_value, "{csv}");
        assert_eq!(&rows[0][12], "20000.00", "AUD to the cent");
        let evil = rows.iter().find(|r| r[0] == ids[1]).unwrap();
        assert!(evil[5].starts_with("'="), "a formula is text: {:?}", &evil[5]);
        assert_eq!(&evil[13], "List Mutual");
        let all = app.get_text(&admin, "/reports/leads.csv").await;
        assert_eq!(all.lines().count(), 1 + 6, "the admin's export holds every lead");
        let filtered = app.get_text(&admin, &format!("/reports/leads.csv?from={}&to={}", day(y), day(y))).await;
        assert_eq!(filtered.lines().count(), 1, "only the header");
        for bad in ["sort=SIDEWAYS", "status=LOST", "from=yesterday", "postcode=20", "from=2026-12-02&to=2026-12-01"] {
            let resp =
                app.http.get(format!("{}/reports/leads.csv?{bad}", app.base)).bearer_auth(&admin).send().await.unwrap();
            assert_eq!(resp.status(), 400, "{bad}");
        }
        let anon = app.http.get(format!("{}/reports/leads.csv", app.base)).send().await.unwrap();
        assert_eq!(anon.status(), 401);
    }
);

const JOBS: &str = "query($first:Int,$after:String,$from:NaiveDate,$to:NaiveDate){ jobs(first:$first, after:$after, createdFrom:$from, createdTo:$to){ \
    totalCount pageInfo { hasNextPage endCursor } nodes { id } } }";

on_both_databases!(the_jobs_list_pages_filters_by_days_and_exports_what_it_shows, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Jobs List Mutual").await;
    let (_, other) = insurer_key(&app, &admin, "Other Jobs Mutual").await;
    let c = contractor(&app, &admin, "jobs-list", json!({"basePostcode": "2150"}), true).await;
    let mut mine = Vec::new();
    for _ in 0..3 {
        mine.push(won_job(&app, &admin, &key, &c).await.1);
    }
    let theirs = won_job(&app, &admin, &other, &c).await.1;
    let pages = |token: String| {
        let app = &app;
        async move {
            let (mut out, mut after) = (Vec::new(), Value::Null);
            loop {
                let d = app.ok(Some(&token), JOBS, json!({"first": 2, "after": after})).await;
                out.extend(
                    d["jobs"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_string()),
                );
                if d["jobs"]["pageInfo"]["hasNextPage"] != true {
                    return out;
                }
                after = d["jobs"]["pageInfo"]["endCursor"].clone();
            }
        }
    };
    let mut newest: Vec<String> = mine.iter().rev().cloned().collect();
    assert_eq!(pages(key.clone()).await, newest, "the insurer's own, newest first, page by page");
    newest.insert(0, theirs.clone());
    assert_eq!(pages(admin.clone()).await, newest, "the admin's: every job");

    let today = chrono::Utc::now().with_timezone(&chrono_tz::Australia::Sydney).date_naive();
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let y = today.pred_opt().unwrap();
    let count = |from: chrono::NaiveDate, to: chrono::NaiveDate| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.ok(Some(&admin), JOBS, json!({"from": day(from), "to": day(to)})).await["jobs"]["totalCount"].clone()
        }
    };
    assert_eq!(count(today, today).await, 4);
    assert_eq!(count(y, y).await, 0);
    let bad = app.gql(Some(&admin), JOBS, json!({"from": day(today), "to": day(y)})).await;
    assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "createdTo"));

    // The CSV: the caller's scope and filter, newest first.
    let csv = app.get_text(&key, "/reports/jobs.csv").await;
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(&r.headers().unwrap()[2], "stage");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(), newest[1..].to_vec(), "{csv}");
    assert_eq!(&rows[0][2], "AWAITING_CONTACT");
    assert!(rows[0][3].contains("jobs-list"), "the contractor's company: {csv}");
    let all = app.get_text(&admin, &format!("/reports/jobs.csv?status=AWAITING_CONTACT&from={}", day(today))).await;
    assert_eq!(all.lines().count(), 1 + 4);
    let none = app.get_text(&admin, &format!("/reports/jobs.csv?from={}&to={}", day(y), day(y))).await;
    assert_eq!(none.lines().count(), 1, "only the header");
    for bad in ["status=LOST", "from=yesterday", "contractorId=42", &format!("from={}&to={}", day(today), day(y))] {
        let resp =
            app.http.get(format!("{}/reports/jobs.csv?{bad}", app.base)).bearer_auth(&admin).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
    }
    assert_eq!(app.http.get(format!("{}/reports/jobs.csv", app.base)).send().await.unwrap().status(), 401);
});
