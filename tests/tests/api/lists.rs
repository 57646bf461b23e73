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
        // A day far outside any record (chrono reads signed years) is refused, not a server error.
        let far = app.gql(Some(&key), LEADS, json!({"f": {"receivedFrom": "-200000-01-01"}})).await;
        assert_eq!((error_code(&far), error_field(&far)), ("BAD_USER_INPUT", "filter.receivedFrom"), "{far}");
        // Any of several statuses: all five wait unassigned (there is no contractor to take them).
        let waiting = json!({"statusIn": ["NEW", "OFFERING", "UNASSIGNED", "DUPLICATE"]});
        assert_eq!(app.ok(Some(&key), LEADS, json!({"f": waiting})).await["leads"]["totalCount"], 5);
        let taken = json!({"statusIn": ["ASSIGNED", "CANCELLED"]});
        assert_eq!(app.ok(Some(&key), LEADS, json!({"f": taken})).await["leads"]["totalCount"], 0);
        let bad = app.gql(Some(&key), LEADS, json!({"after": "not-a-cursor"})).await;
        assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "after"));

        // The CSV is the list as shown: the caller's scope, filter and order; formula-safe.
        let csv = app.get_text(&key, "/reports/leads.csv?sort=VALUE").await;
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(), by_value, "{csv}");
        assert_eq!(&rows[0][12], "20000.00", "AUD to the cent");
        assert!(
            rows[0][6].starts_with("04") && rows[0][6].len() == 12,
            "the phone the Australian way: {}",
            &rows[0][6]
        );
        let evil = rows.iter().find(|r| r[0] == ids[1]).unwrap();
        assert!(evil[5].starts_with("'="), "a formula is text: {:?}", &evil[5]);
        assert_eq!(&evil[13], "List Mutual");
        let all = app.get_text(&admin, "/reports/leads.csv").await;
        assert_eq!(all.lines().count(), 1 + 6, "the admin's export holds every lead");
        let filtered = app.get_text(&admin, &format!("/reports/leads.csv?from={}&to={}", day(y), day(y))).await;
        assert_eq!(filtered.lines().count(), 1, "only the header");
        let (_, waiting) = records(&app.get_text(&key, "/reports/leads.csv?statusIn=NEW,UNASSIGNED,DUPLICATE").await);
        assert_eq!(waiting.len(), 5, "any of several statuses, as statusIn lists them");
        let (_, none) = records(&app.get_text(&key, "/reports/leads.csv?statusIn=ASSIGNED").await);
        assert!(none.is_empty());
        for bad in [
            "sort=SIDEWAYS",
            "status=LOST",
            "statusIn=NEW,LOST",
            "from=yesterday",
            "from=-200000-01-01",
            "to=%2B262143-12-31",
            "postcode=20",
            "from=2026-12-02&to=2026-12-01",
        ] {
            let resp =
                app.http.get(format!("{}/reports/leads.csv?{bad}", app.base)).bearer_auth(&admin).send().await.unwrap();
            assert_eq!(resp.status(), 400, "{bad}");
        }
        let anon = app.http.get(format!("{}/reports/leads.csv", app.base)).send().await.unwrap();
        assert_eq!(anon.status(), 401);
    }
);

const JOBS: &str = "query($first:Int,$after:String,$from:NaiveDate,$to:NaiveDate,$sort:JobSort){ jobs(first:$first, after:$after, createdFrom:$from, createdTo:$to, sort:$sort){ \
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
    let pages = |token: String, sort: &'static str| {
        let app = &app;
        async move {
            let (mut out, mut after) = (Vec::new(), Value::Null);
            loop {
                let d = app.ok(Some(&token), JOBS, json!({"first": 2, "after": after, "sort": sort})).await;
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
    assert_eq!(pages(key.clone(), "NEWEST").await, newest, "the insurer's own, newest first, page by page");
    assert_eq!(pages(key.clone(), "OLDEST").await, mine, "oldest first");
    newest.insert(0, theirs.clone());
    assert_eq!(pages(admin.clone(), "NEWEST").await, newest, "the admin's: every job");

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
    let (_, oldest) = records(&app.get_text(&key, "/reports/jobs.csv?sort=OLDEST").await);
    assert_eq!(oldest.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(), mine, "the CSV in the list's order");
    let none = app.get_text(&admin, &format!("/reports/jobs.csv?from={}&to={}", day(y), day(y))).await;
    assert_eq!(none.lines().count(), 1, "only the header");
    for bad in
        ["status=LOST", "from=yesterday", "contractorId=42", &format!("from={}&to={}", day(today), day(y)), "sort=UP"]
    {
        let resp =
            app.http.get(format!("{}/reports/jobs.csv?{bad}", app.base)).bearer_auth(&admin).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
    }
    assert_eq!(app.http.get(format!("{}/reports/jobs.csv", app.base)).send().await.unwrap().status(), 401);

    // The open ones only: a cancelled job leaves the list and its CSV.
    let cancel = "mutation($j:ID!){ cancelJob(jobId:$j, reason:\"customer went elsewhere\"){ status } }";
    app.ok(Some(&admin), cancel, json!({"j": mine[0]})).await;
    let open = "query($o:Boolean){ jobs(open:$o){ totalCount nodes { id } } }";
    let d = app.ok(Some(&key), open, json!({"o": true})).await;
    assert_eq!(d["jobs"]["totalCount"], 2, "{d}");
    assert!(!d.to_string().contains(&mine[0]));
    assert_eq!(app.ok(Some(&key), open, json!({"o": false})).await["jobs"]["totalCount"], 3, "false: every job");
    let (_, rows) = records(&app.get_text(&key, "/reports/jobs.csv?open=true").await);
    assert_eq!(rows.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(), vec![mine[2].clone(), mine[1].clone()]);
    assert_eq!(statuses(&app, Some(&key), "jobs", &["open=maybe"]).await, vec![400]);
});

const CLAIMS: &str = "query($first:Int,$after:String,$from:NaiveDate,$to:NaiveDate,$sort:ClaimSort){ claims(first:$first, after:$after, lodgedFrom:$from, lodgedTo:$to, sort:$sort){ \
    totalCount pageInfo { hasNextPage endCursor } nodes { id claimNumber decisionDueOn } } }";
const LODGE: &str = "mutation($input: CreateClaimInput!){ createClaim(input:$input){ id } }";

/// Each status code a report answers for the given query strings.
async fn statuses(app: &TestApp, token: Option<&str>, report: &str, queries: &[&str]) -> Vec<u16> {
    let mut out = Vec::new();
    for q in queries {
        let mut req = app.http.get(format!("{}/reports/{report}.csv?{q}", app.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        out.push(req.send().await.unwrap().status().as_u16());
    }
    out
}

fn records(csv: &str) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let head = r.headers().unwrap().clone();
    (head, r.records().map(Result::unwrap).collect())
}

on_both_databases!(
    the_claims_list_pages_filters_by_lodgement_day_and_exports_what_it_shows,
    |app: TestApp| async move {
        seed_postcodes(&app).await;
        let admin = app.admin_token().await;
        let (_, key) = insurer_key(&app, &admin, "Claims CSV Mutual").await;
        let (_, other) = insurer_key(&app, &admin, "Other Claims Mutual").await;
        let c = contractor(&app, &admin, "claims-list", json!({"basePostcode": "2150"}), true).await;
        let mut mine = Vec::new();
        for (i, number) in ["CL-1", "=1+1", "CL-3"].into_iter().enumerate() {
            let (lead, _) = won_job(&app, &admin, &key, &c).await;
            let input = json!({"leadId": lead, "claimNumber": number, "claimedCents": 1_500_000 + i as i64, "excessCents": 50_000});
            mine.push(
                app.ok(Some(&key), LODGE, json!({"input": input})).await["createClaim"]["id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        let (lead, _) = won_job(&app, &admin, &other, &c).await;
        let input = json!({"leadId": lead, "claimNumber": "OT-1", "claimedCents": 100});
        let theirs = app.ok(Some(&other), LODGE, json!({"input": input})).await["createClaim"]["id"]
            .as_str()
            .unwrap()
            .to_string();

        // Page by page, the insurer's own: newest first, or the soonest decision first (two share
        // a decision date: the older lodgement comes first).
        let pages = |sort: &'static str| {
            let (app, key) = (&app, key.clone());
            async move {
                let (mut seen, mut after) = (Vec::new(), Value::Null);
                loop {
                    let d = app.ok(Some(&key), CLAIMS, json!({"first": 2, "after": after, "sort": sort})).await;
                    let nodes = d["claims"]["nodes"].as_array().unwrap().clone();
                    seen.extend(nodes.iter().map(|n| n["id"].as_str().unwrap().to_string()));
                    if d["claims"]["pageInfo"]["hasNextPage"] != true {
                        return seen;
                    }
                    after = d["claims"]["pageInfo"]["endCursor"].clone();
                }
            }
        };
        let newest: Vec<String> = mine.iter().rev().cloned().collect();
        assert_eq!(pages("NEWEST").await, newest);
        let lodged_today = chrono::Utc::now().with_timezone(&chrono_tz::Australia::Sydney).date_naive();
        for (id, days) in [(&mine[0], 20), (&mine[1], 5), (&mine[2], 5)] {
            let am = entities::claim::ActiveModel {
                id: sea_orm::Set(uuid::Uuid::parse_str(id).unwrap()),
                decision_due_on: sea_orm::Set(lodged_today + chrono::Duration::days(days)),
                ..Default::default()
            };
            sea_orm::ActiveModelTrait::update(am, &app.ctx.db).await.unwrap();
        }
        let due_first = vec![mine[1].clone(), mine[2].clone(), mine[0].clone()];
        assert_eq!(pages("DECISION_DUE").await, due_first);

        let today = chrono::Utc::now().with_timezone(&chrono_tz::Australia::Sydney).date_naive();
        let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        let y = today.pred_opt().unwrap();
        let count = |token: String, from: chrono::NaiveDate, to: chrono::NaiveDate| {
            let app = &app;
            async move {
                app.ok(Some(&token), CLAIMS, json!({"from": day(from), "to": day(to)})).await["claims"]["totalCount"]
                    .clone()
            }
        };
        assert_eq!(count(admin.clone(), today, today).await, 4);
        assert_eq!(count(key.clone(), today, today).await, 3);
        assert_eq!(count(admin.clone(), y, y).await, 0);
        let bad = app.gql(Some(&admin), CLAIMS, json!({"from": day(today), "to": day(y)})).await;
        assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "lodgedTo"));

        // The CSV: the caller's scope and filter, newest first, to the cent, formula-safe.
        let (head, rows) = records(&app.get_text(&key, "/reports/claims.csv").await);
        assert_eq!((&head[1], &head[7]), ("claim_number", "claimed_aud"));
        assert_eq!(rows.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(), newest);
        assert_eq!(
            (&rows[0][1], &rows[0][2], &rows[0][3], &rows[0][7]),
            ("CL-3", "Claims CSV Mutual", "LODGED", "15000.02")
        );
        assert_eq!(&rows[1][1], "'=1+1", "a formula is text");
        assert_eq!((&rows[0][6], &rows[0][15]), ("false", "2000"));
        let (_, all) =
            records(&app.get_text(&admin, &format!("/reports/claims.csv?status=LODGED&from={}", day(today))).await);
        assert_eq!(all.len(), 4);
        assert_eq!(&all[0][0], theirs.as_str());
        let (_, none) = records(&app.get_text(&admin, "/reports/claims.csv?overdue=true").await);
        assert!(none.is_empty(), "nothing is overdue yet");
        let (_, none) = records(&app.get_text(&admin, &format!("/reports/claims.csv?to={}", day(y))).await);
        assert!(none.is_empty(), "nothing lodged before today");
        let (_, by_due) = records(&app.get_text(&key, "/reports/claims.csv?sort=DECISION_DUE").await);
        assert_eq!(
            by_due.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(),
            due_first,
            "the CSV in the list's order"
        );
        let inverted = format!("from={}&to={}", day(today), day(y));
        let bad = ["status=LOST", "overdue=maybe", "from=yesterday", &inverted, "sort=LOUDEST"];
        assert_eq!(statuses(&app, Some(&admin), "claims", &bad).await, vec![400; 5]);
        assert_eq!(statuses(&app, None, "claims", &[""]).await, vec![401]);
    }
);

const AUDIT: &str = "query($f:AuditFilterInput){ auditLog(first:5, filter:$f){ totalCount nodes { id action } } }";

on_both_databases!(the_contractors_and_audit_lists_export_what_they_show_to_admins_only, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Nosy Mutual").await;
    let a =
        contractor(&app, &admin, "csv-alpha", json!({"basePostcode": "2150", "specialties": ["WATER", "FIRE"]}), true)
            .await;
    let b = contractor(&app, &admin, "csv-beta", json!({"basePostcode": "3000"}), false).await;

    let (head, rows) = records(&app.get_text(&admin, "/reports/contractors.csv?search=csv-").await);
    assert_eq!((&head[1], &head[9]), ("company", "trades"));
    assert_eq!(
        rows.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(),
        vec![b.id.clone(), a.id.clone()],
        "newest first"
    );
    let alpha = &rows[1];
    assert_eq!((&alpha[1], &alpha[6], &alpha[7]), ("csv-alpha Restorations Pty Ltd", "2150", "ACTIVE"));
    assert_eq!(&alpha[5], "0412 345 678", "the Australian way, which a spreadsheet keeps as text");
    let mut trades: Vec<&str> = alpha[9].split(' ').collect();
    trades.sort();
    assert_eq!(trades, vec!["FIRE", "WATER"]);
    assert!(!alpha[16].is_empty() && !alpha[17].is_empty(), "joined and verified");
    let (_, pending) = records(&app.get_text(&admin, "/reports/contractors.csv?search=csv-&status=PENDING").await);
    assert_eq!(pending.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(), vec![b.id.clone()]);
    let (_, fire) = records(&app.get_text(&admin, "/reports/contractors.csv?specialty=FIRE&postcode=2150").await);
    assert_eq!(fire.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(), vec![a.id.clone()]);
    // By the day they joined, on NRP's clock: both today, none yesterday; a range backwards is
    // refused beside its last day.
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Australia::Sydney).date_naive();
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let y = today.pred_opt().unwrap();
    let joined = "query($f:ContractorFilterInput){ contractors(filter:$f){ totalCount } }";
    let count = |f: Value| {
        let (app, admin) = (&app, admin.clone());
        async move { app.ok(Some(&admin), joined, json!({"f": f})).await["contractors"]["totalCount"].clone() }
    };
    assert_eq!(count(json!({"search": "csv-", "joinedFrom": day(today), "joinedTo": day(today)})).await, 2);
    assert_eq!(count(json!({"search": "csv-", "joinedTo": day(y)})).await, 0);
    let bad = app.gql(Some(&admin), joined, json!({"f": {"joinedFrom": day(today), "joinedTo": day(y)}})).await;
    assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "filter.joinedTo"));
    let (_, none) =
        records(&app.get_text(&admin, &format!("/reports/contractors.csv?search=csv-&to={}", day(y))).await);
    assert!(none.is_empty());
    let (_, both) =
        records(&app.get_text(&admin, &format!("/reports/contractors.csv?search=csv-&from={}", day(today))).await);
    assert_eq!(both.len(), 2);
    let backwards = format!("from={}&to={}", day(today), day(y));
    let bad = ["status=GONE", "specialty=LAVA", "postcode=21", "from=soon", &backwards];
    assert_eq!(statuses(&app, Some(&admin), "contractors", &bad).await, vec![400; 5]);
    assert_eq!(statuses(&app, Some(&key), "contractors", &[""]).await, vec![403], "a partner sees no contractor list");
    assert_eq!(statuses(&app, Some(&a.token), "contractors", &[""]).await, vec![403]);
    assert_eq!(statuses(&app, None, "contractors", &[""]).await, vec![401]);

    // The audit log by the day it was written, on NRP's clock.
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Australia::Sydney).date_naive();
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let y = today.pred_opt().unwrap();
    let verified = json!({"action": "contractor.verified", "from": day(today), "to": day(today)});
    let d = app.ok(Some(&admin), AUDIT, json!({"f": verified})).await;
    assert_eq!(d["auditLog"]["totalCount"], 1, "{d}");
    let d = app.ok(Some(&admin), AUDIT, json!({"f": {"to": day(y)}})).await;
    assert_eq!(d["auditLog"]["totalCount"], 0);
    let bad = app.gql(Some(&admin), AUDIT, json!({"f": {"from": day(today), "to": day(y)}})).await;
    assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "filter.to"));

    let (head, rows) = records(
        &app.get_text(&admin, &format!("/reports/audit.csv?action=contractor.verified&from={}", day(today))).await,
    );
    assert_eq!((&head[5], &head[8]), ("action", "changes"));
    assert_eq!(rows.len(), 1);
    assert_eq!((&rows[0][5], &rows[0][6], &rows[0][7]), ("contractor.verified", "contractor", a.id.as_str()));
    assert_eq!(&rows[0][2], "USER", "an admin did it");
    let _: Value = serde_json::from_str(&rows[0][8]).expect("the changes are JSON");
    let (_, every) = records(&app.get_text(&admin, "/reports/audit.csv?entityType=contractor").await);
    assert!(every.iter().all(|r| &r[6] == "contractor") && !every.is_empty());
    let bad = ["entityId=42", "from=soon", &format!("from={}&to={}", day(today), day(y))];
    assert_eq!(statuses(&app, Some(&admin), "audit", &bad).await, vec![400; 3]);
    assert_eq!(statuses(&app, Some(&key), "audit", &[""]).await, vec![403]);
    assert_eq!(statuses(&app, None, "audit", &[""]).await, vec![401]);
});

/// The ids of every page of the list `field` that `query` reads, two at a time, with `vars`.
async fn ids_in_pages(app: &TestApp, token: &str, query: &str, field: &str, vars: Value) -> Vec<String> {
    let (mut out, mut after) = (Vec::new(), Value::Null);
    loop {
        let mut v = vars.clone();
        v["first"] = json!(2);
        v["after"] = after;
        let d = app.ok(Some(token), query, v).await;
        out.extend(d[field]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_string()));
        if d[field]["pageInfo"]["hasNextPage"] != true {
            return out;
        }
        after = d[field]["pageInfo"]["endCursor"].clone();
    }
}

const CONTRACTORS: &str = "query($first:Int,$after:String,$f:ContractorFilterInput,$sort:ContractorSort){ \
    contractors(first:$first, after:$after, filter:$f, sort:$sort){ totalCount pageInfo { hasNextPage endCursor } nodes { id } } }";

const ADJUST: &str = "mutation($id:ID!, $a:Float!){ adjustContractorScore(id:$id, adjustment:$a, reason:\"for the test\"){ performanceScore } }";

on_both_databases!(the_contractors_list_sorts_by_name_score_and_load_page_by_page, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let mut ids = Vec::new();
    // Names that differ only in case tie (the newer first); so do equal scores and loads.
    for (name, score, load) in
        [("bravo Drying", 0.9, 1), ("Alpha Dry", 0.5, 3), ("Bravo Drying", 0.9, 0), ("charlie & Co", 0.7, 3)]
    {
        let c = contractor(&app, &admin, "sortable", json!({"basePostcode": "2150"}), true).await;
        let am = entities::contractor::ActiveModel {
            id: sea_orm::Set(uuid::Uuid::parse_str(&c.id).unwrap()),
            company_name: sea_orm::Set(name.into()),
            active_jobs: sea_orm::Set(load),
            ..Default::default()
        };
        sea_orm::ActiveModelTrait::update(am, &app.ctx.db).await.unwrap();
        // A newcomer earns the neutral 0.5; an admin's adjustment makes up the rest.
        let d = app.ok(Some(&admin), ADJUST, json!({"id": c.id, "a": score - 0.5})).await;
        assert_eq!(d["adjustContractorScore"]["performanceScore"], json!(score));
        ids.push(c.id);
    }
    let f = json!({"search": "sortable-"});
    let order = |i: [usize; 4]| i.iter().map(|&i| ids[i].clone()).collect::<Vec<_>>();
    for (sort, expected) in [
        ("NEWEST", order([3, 2, 1, 0])),
        ("NAME", order([1, 2, 0, 3])),
        ("SCORE", order([2, 0, 3, 1])),
        ("ACTIVE_JOBS", order([3, 1, 0, 2])),
    ] {
        let got = ids_in_pages(&app, &admin, CONTRACTORS, "contractors", json!({"f": f, "sort": sort})).await;
        assert_eq!(got, expected, "{sort}, two to a page");
        let (_, rows) =
            records(&app.get_text(&admin, &format!("/reports/contractors.csv?search=sortable-&sort={sort}")).await);
        assert_eq!(rows.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(), expected, "the CSV in {sort} order");
    }

    // A cursor is only good for its own order.
    let first = app.ok(Some(&admin), CONTRACTORS, json!({"f": f, "first": 1})).await;
    let newest_cursor = first["contractors"]["pageInfo"]["endCursor"].clone();
    for (sort, after) in [("NAME", newest_cursor.clone()), ("SCORE", json!("bm9wZQ")), ("ACTIVE_JOBS", json!("!"))] {
        let bad = app.gql(Some(&admin), CONTRACTORS, json!({"f": f, "sort": sort, "after": after})).await;
        assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "after"), "{sort}");
    }
    assert_eq!(statuses(&app, Some(&admin), "contractors", &["sort=BIGGEST"]).await, vec![400]);
});

const PAYOUTS: &str = "query($first:Int,$after:String,$sort:PayoutSort){ payouts(first:$first, after:$after, sort:$sort){ \
    totalCount pageInfo { hasNextPage endCursor } nodes { id } } }";

on_both_databases!(the_payouts_list_pages_newest_oldest_and_largest_first, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Payout Order Mutual").await;
    let c = contractor(&app, &admin, "payout-order", json!({"basePostcode": "2150"}), true).await;
    for cents in [10_000, 50_000, 50_000, 20_000] {
        completed_job(&app, &admin, &key, &c, cents).await;
    }
    let newest = ids_in_pages(&app, &admin, PAYOUTS, "payouts", json!({})).await;
    assert_eq!(newest.len(), 4);
    let oldest: Vec<String> = newest.iter().rev().cloned().collect();
    assert_eq!(ids_in_pages(&app, &admin, PAYOUTS, "payouts", json!({"sort": "OLDEST"})).await, oldest);
    // 50,000 twice (the newer first), then 20,000, then 10,000.
    let largest = vec![oldest[2].clone(), oldest[1].clone(), oldest[3].clone(), oldest[0].clone()];
    assert_eq!(ids_in_pages(&app, &admin, PAYOUTS, "payouts", json!({"sort": "LARGEST"})).await, largest);
    assert_eq!(
        ids_in_pages(&app, &c.token, PAYOUTS, "payouts", json!({"sort": "LARGEST"})).await,
        largest,
        "the contractor's own, in the same order"
    );
    let bad = app.gql(Some(&admin), PAYOUTS, json!({"sort": "LARGEST", "after": "not-a-cursor"})).await;
    assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "after"));
});

const AUDIT_PAGES: &str = "query($first:Int,$after:String,$f:AuditFilterInput,$sort:AuditSort){ \
    auditLog(first:$first, after:$after, filter:$f, sort:$sort){ totalCount pageInfo { hasNextPage endCursor } nodes { id } } }";

on_both_databases!(the_audit_log_reads_oldest_first_as_a_history, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let c = contractor(&app, &admin, "history", json!({"basePostcode": "2150"}), true).await;
    let f = json!({"entityType": "contractor", "entityId": c.id});
    let newest = ids_in_pages(&app, &admin, AUDIT_PAGES, "auditLog", json!({"f": f})).await;
    assert!(newest.len() >= 2, "registered and verified at least: {newest:?}");
    let oldest: Vec<String> = newest.iter().rev().cloned().collect();
    assert_eq!(ids_in_pages(&app, &admin, AUDIT_PAGES, "auditLog", json!({"f": f, "sort": "OLDEST"})).await, oldest);
    let (_, rows) = records(
        &app.get_text(&admin, &format!("/reports/audit.csv?entityType=contractor&entityId={}&sort=OLDEST", c.id)).await,
    );
    assert_eq!(rows.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(), oldest, "the CSV in the list's order");
    assert_eq!(statuses(&app, Some(&admin), "audit", &["sort=SIDEWAYS"]).await, vec![400]);
});

const MY_JOBS: &str = "query($first:Int,$after:String,$open:Boolean,$status:JobStatus){ \
    myJobs(first:$first, after:$after, open:$open, status:$status){ totalCount pageInfo { hasNextPage endCursor } nodes { id } } }";

on_both_databases!(a_contractors_board_reads_its_open_jobs_apart_from_its_history, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Board Mutual").await;
    let c = contractor(&app, &admin, "board", json!({"basePostcode": "2150"}), true).await;
    let (_, old_open) = won_job(&app, &admin, &key, &c).await;
    let mut done = Vec::new();
    for _ in 0..3 {
        done.push(completed_job(&app, &admin, &key, &c, 10_000).await.1);
    }
    let (_, new_open) = won_job(&app, &admin, &key, &c).await;
    // However many jobs came after it, an open job is on the board.
    let open = ids_in_pages(&app, &c.token, MY_JOBS, "myJobs", json!({"open": true})).await;
    assert_eq!(open, vec![new_open.clone(), old_open.clone()]);
    let history = ids_in_pages(&app, &c.token, MY_JOBS, "myJobs", json!({"status": "COMPLETED"})).await;
    assert_eq!(history, done.iter().rev().cloned().collect::<Vec<_>>());
    let all = ids_in_pages(&app, &c.token, MY_JOBS, "myJobs", json!({"open": false})).await;
    assert_eq!(all.len(), 5, "open: false leaves nothing out");
});
