//! The web apps' working screens end to end in headless Chromium: a lead taken by phone, the
//! job page's steps (approve, cancel, rate, files) and the claim page's.

use nrp_tests::browser::{Browser, web_dist};
use nrp_tests::leads::*;
use nrp_tests::*;
use serde_json::json;

fn web() -> TestOptions {
    TestOptions::default().env("WEB_DIST_DIR", &web_dist())
}

/// A new admin, signed in on a desktop-sized window.
async fn admin_browser(app: &TestApp, tag: &str) -> Browser {
    let email = format!("admin-{tag}-{}@nrp.example", uuid::Uuid::new_v4().simple());
    create_admin(&app.ctx, &email, ADMIN_PASSWORD).await;
    let p = Browser::start_sized(1280, 900).await;
    p.sign_in(&app.base, &email, ADMIN_PASSWORD).await;
    p.until("the admin start page", "location.pathname === '/admin'").await;
    p
}

/// Waits until the field's own error line says something, and returns it.
async fn field_error(p: &Browser, id: &str) -> String {
    let script = format!("document.querySelector('#{id}-error') && document.querySelector('#{id}-error').innerText");
    p.until(&format!("the error beside #{id}"), &script).await.as_str().unwrap_or_default().to_string()
}

/// `$11,040.00` from cents, as the app shows money.
fn aud(cents: i64) -> String {
    let dollars = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("${grouped}.{:02}", cents % 100)
}

async fn lead_count(app: &TestApp, admin: &str) -> i64 {
    app.ok(Some(admin), "{ leads(first: 1) { totalCount } }", json!({})).await["leads"]["totalCount"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_takes_a_lead_by_phone_a_contractor_accepts_it_and_the_admin_cancels_the_job() {
    let app = TestApp::spawn_with(Backend::Postgres, web()).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (insurer, _) = insurer_key(&app, &admin, "Phone Mutual").await;
    let c = contractor(&app, &admin, "intake", json!({"basePostcode": "2000"}), true).await;
    let p = admin_browser(&app, "intake").await;
    p.click("header a[href='/admin/leads']").await;
    p.click("a[href='/admin/leads/new']").await;
    p.fill("#c-name", "Sam Caller").await;
    p.fill("#c-phone", "12345").await;
    p.fill("#p-address", "1 George St").await;
    p.fill("#p-suburb", "Sydney").await;
    p.fill("#p-postcode", "20O0").await;
    p.fill("#l-value", "8,500").await;
    p.fill("#l-description", "Water through the ceiling after the storm").await;
    p.find(&format!("#l-insurer option[value='{insurer}']")).await;
    p.find("#l-insurer").await.select_by_value(&insurer).await.unwrap();
    p.find("#l-urgency").await.select_by_value("EMERGENCY").await.unwrap();
    p.fill("#l-claim", "PM-1001").await;
    p.click("form.intake button[type=submit]").await;
    // Both bad fields are named beside themselves at once, and nothing is saved.
    assert!(field_error(&p, "c-phone").await.contains("Australian number"));
    assert!(!field_error(&p, "p-postcode").await.is_empty());
    assert_eq!(p.text("#c-name-error").await, "", "a good field stays quiet");
    // Each field says the server's rule before anything is typed wrong.
    assert!(p.text("#p-postcode-hint").await.contains("4 digits"));
    assert!(p.text("#c-phone-hint").await.contains("Australian number"));
    assert_eq!(lead_count(&app, &admin).await, 0, "a refused lead leaves nothing behind");

    p.fill("#c-phone", "0412 345 678").await;
    p.fill("#p-postcode", "2000").await;
    p.click("form.intake button[type=submit]").await;
    let path = p
        .until(
            "the new lead's page",
            "location.pathname.startsWith('/admin/leads/') && !location.pathname.endsWith('/new') && location.pathname",
        )
        .await;
    let lead = path.as_str().unwrap().rsplit('/').next().unwrap().to_string();
    p.find("#lead-title").await;
    p.find("[data-status=OFFERING]").await;
    let saved = app
        .ok(
            Some(&admin),
            "query($id:ID!){ lead(id:$id){ source urgency claimNumber estimatedValueCents customer { phone } insurer { id } } }",
            json!({"id": lead}),
        )
        .await["lead"]
        .clone();
    assert_eq!(
        saved,
        json!({"source": "ADMIN", "urgency": "EMERGENCY", "claimNumber": "PM-1001", "estimatedValueCents": "850000",
            "customer": {"phone": "+61412345678"}, "insurer": {"id": insurer}})
    );

    // The contractor accepts the offer routing sent; the lead's page leads to the job's.
    let offer =
        open_offers(&lead_detail(&app, &admin, &lead).await).into_iter().find(|(_, cid)| *cid == c.id).unwrap().0;
    app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await;
    p.goto(&format!("{}/admin/leads/{lead}", app.base)).await;
    p.click("a[href^='/admin/jobs/']").await;
    p.find("[data-status=AWAITING_CONTACT]").await;
    let facts = p.text("section[aria-labelledby=customer-h]").await;
    assert!(facts.contains("Sam Caller") && facts.contains("0412 345 678"), "the phone the Australian way: {facts}");

    // A cancellation needs its reason, shown beside the field; then the lead is back in the queue.
    p.click("form.cancel-job button[type=submit]").await;
    assert!(!field_error(&p, "cancel-reason").await.is_empty());
    assert_eq!(lead_detail(&app, &admin, &lead).await["job"]["status"], "AWAITING_CONTACT");
    p.fill("#cancel-reason", "The customer found their own plumber").await;
    p.click("form.cancel-job button[type=submit]").await;
    p.find("[data-status=CANCELLED]").await;
    assert!(p.text("section[aria-labelledby=contractor-h]").await.contains("their own plumber"));
    assert_eq!(lead_detail(&app, &admin, &lead).await["status"], "UNASSIGNED");

    // Back on the lead's page: the offer's timeline, then NRP cancels the lead with its reason.
    p.goto(&format!("{}/admin/leads/{lead}", app.base)).await;
    let line = p.text(&format!("li[data-offer='{offer}']")).await;
    assert!(line.contains("offered ") && line.contains("accepted "), "{line}");
    p.fill("#cancel-reason", "The insurer withdrew the claim").await;
    p.click("form.cancel-lead button[type=submit]").await;
    p.find("strong[data-status=CANCELLED]").await;
    assert_eq!(lead_detail(&app, &admin, &lead).await["status"], "CANCELLED");
    let audit = app
        .ok(
            Some(&admin),
            "query($id:ID!){ auditLog(filter:{entityType:\"lead\", entityId:$id}){ nodes { action changes } } }",
            json!({"id": lead}),
        )
        .await;
    assert!(audit.to_string().contains("The insurer withdrew the claim"), "{audit}");
    p.close().await;
}

/// A real 1×1 PNG, so the page can show it.
const PIXEL_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_approves_a_quote_and_once_the_job_is_done_sees_the_payout_rates_it_and_opens_its_files() {
    use base64::Engine;
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Quote Mutual").await;
    let c = contractor(&app, &admin, "quoting", json!({"basePostcode": "2000"}), true).await;
    let (_, job) = won_job(&app, &admin, &key, &c).await;
    for (to, extra) in
        [("CONTACTED", json!({})), ("INSPECTED", json!({})), ("QUOTED", json!({"quoteCents": 1_234_567}))]
    {
        let mut input = json!({"jobId": job, "to": to});
        input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        app.ok(Some(&c.token), ADVANCE, json!({"input": input})).await;
    }
    let png = base64::engine::general_purpose::STANDARD.decode(PIXEL_PNG).unwrap();
    upload_file(&app, &c.token, &job, "ceiling.png", png, "image/png").await;
    upload_file(&app, &c.token, &job, "moisture-report.pdf", b"%PDF-1.4\n%report\n".to_vec(), "application/pdf").await;

    let p = admin_browser(&app, "quote").await;
    p.click("header a[href='/admin/jobs']").await;
    p.click(&format!("tr[data-job='{job}'] a[href='/admin/jobs/{job}']")).await;
    p.find("[data-status=QUOTED]").await;
    assert_eq!(p.find("#approved").await.prop("value").await.unwrap().unwrap(), "12,345.67", "the quote, to approve");
    // The photo shows in place (fetched with the session's token); the report opens in a tab.
    p.until(
        "the photo drawn",
        "[...document.querySelectorAll('img.attachment')].some(i => i.complete && i.naturalWidth === 1)",
    )
    .await;
    let before = p.client.windows().await.unwrap();
    p.click("button.open-file").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let tab = loop {
        if let Some(w) = p.client.windows().await.unwrap().into_iter().find(|w| !before.contains(w)) {
            break w;
        }
        assert!(std::time::Instant::now() < deadline, "the report opened no tab");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let here = p.client.window().await.unwrap();
    p.client.switch_to_window(tab).await.unwrap();
    p.until("the report in the tab", "location.href.startsWith('blob:')").await;
    p.client.close_window().await.unwrap();
    p.client.switch_to_window(here).await.unwrap();

    // A typo in the amount is caught beside the field; the approval goes through with 12,000.
    p.fill("#approved", "12,000.005").await;
    p.click("button.move[data-to=APPROVED]").await;
    assert!(field_error(&p, "approved").await.contains("dollars"));
    p.fill("#approved", "12,000").await;
    p.click("button.move[data-to=APPROVED]").await;
    p.find("[data-status=APPROVED]").await;
    assert_eq!(p.text("dd.approved").await, "$12,000.00");
    // A note of NRP's own joins the job's timeline, where the contractor reads it too.
    p.fill("#note", "Approved after the assessor's call").await;
    p.click("form.inline button[type=submit]").await;
    p.until("the note", "document.querySelector('ol.timeline').innerText.includes(\"assessor's call\")").await;
    let theirs = app.ok(Some(&c.token), "query($id:ID!){ job(id:$id){ timeline { note } } }", json!({"id": job})).await;
    assert!(theirs.to_string().contains("assessor's call"), "{theirs}");

    for to in ["IN_PROGRESS", "COMPLETED"] {
        app.ok(Some(&c.token), ADVANCE, json!({"input": {"jobId": job, "to": to}})).await;
    }
    p.goto(&format!("{}/admin/jobs/{job}", app.base)).await;
    p.find("[data-status=COMPLETED]").await;
    let payout = p.text("section.payout").await;
    assert!(payout.contains("$12,000.00") && payout.contains("Pending"), "the ledger entry: {payout}");
    let ledger = app
        .ok(
            Some(&admin),
            "query($id:ID!){ job(id:$id){ payout { grossCents commissionCents payoutCents } } }",
            json!({"id": job}),
        )
        .await;
    let to_contractor = cents(&ledger["job"]["payout"]["payoutCents"]);
    assert!(to_contractor < 1_200_000, "less NRP's commission");
    assert_eq!(p.text("dd.payout-amount").await, aud(to_contractor));

    p.click("form.rate-job button[type=submit]").await;
    assert!(!field_error(&p, "rating").await.is_empty(), "no score chosen");
    p.find("#rating").await.select_by_value("4").await.unwrap();
    p.click("form.rate-job button[type=submit]").await;
    assert_eq!(p.text("dd.rating").await, "4 / 5");
    let rated = app.ok(Some(&admin), "query($id:ID!){ job(id:$id){ satisfaction } }", json!({"id": job})).await;
    assert_eq!(rated["job"]["satisfaction"], 4);
    p.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_lodges_a_claim_then_decides_it_in_part_and_settles_it_from_the_claim_page() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Decision Mutual").await;
    let c = contractor(&app, &admin, "claim-ui", json!({"basePostcode": "2000"}), true).await;
    let mut input = lead_input();
    input["claimNumber"] = json!("DM-77");
    let (lead, _) = create_lead(&app, &key, input).await;
    let offer =
        open_offers(&lead_detail(&app, &admin, &lead).await).into_iter().find(|(_, cid)| *cid == c.id).unwrap().0;
    let won = app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await;
    let job = won["acceptOffer"]["job"]["id"].as_str().unwrap().to_string();

    let p = admin_browser(&app, "claim").await;
    p.goto(&format!("{}/admin/jobs/{job}", app.base)).await;
    p.fill("#claimed", "eight thousand").await;
    p.click("form.lodge-claim button[type=submit]").await;
    assert!(field_error(&p, "claimed").await.contains("dollars"));
    p.fill("#claimed", "8,000").await;
    p.fill("#excess", "500").await;
    p.click("form.lodge-claim button[type=submit]").await;
    p.find("[data-claim-status=LODGED]").await;
    let clock = p.text(".decision-clock").await;
    assert!(clock.contains("10 business days left") || clock.contains("9 business days left"), "the clock: {clock}");
    // The due date reads as a business day on the calendar ("Fri 18 Dec 2026"), not as an ISO date.
    let weekday = clock.split(' ').next().unwrap_or_default();
    assert!(["Mon", "Tue", "Wed", "Thu", "Fri"].contains(&weekday), "the due date is a business day: {clock}");
    let iso = clock.as_bytes().windows(3).any(|w| w[0].is_ascii_digit() && w[1] == b'-' && w[2].is_ascii_digit());
    assert!(!iso, "no ISO date: {clock}");

    p.click("header a[href='/admin/claims']").await;
    p.click("a[href^='/admin/claims/']").await;
    p.find("#claim-title").await;
    assert!(p.text("#claim-title").await.contains("DM-77"));
    p.click("button.claim-move[data-to=ASSESSING]").await;
    p.find("[data-claim-status=ASSESSING]").await;
    p.click("button.claim-move[data-to=PARTIALLY_APPROVED]").await;
    assert!(field_error(&p, "claim-amount").await.contains("amount"));
    p.fill("#claim-amount", "6,500.50").await;
    p.fill("#claim-note", "Carpet not covered").await;
    p.click("button.claim-move[data-to=PARTIALLY_APPROVED]").await;
    p.find("[data-claim-status=PARTIALLY_APPROVED]").await;
    assert_eq!(p.text("dd.claim-approved").await, "$6,500.50");
    assert!(p.text(".decision-clock").await.contains("decided"));
    p.click("button.claim-move[data-to=SETTLED]").await;
    p.find("[data-claim-status=SETTLED]").await;
    let claim = app
        .ok(
            Some(&admin),
            "query($id:ID!){ lead(id:$id){ claim { status approvedCents excessCents decisionNote } } }",
            json!({"id": lead}),
        )
        .await;
    assert_eq!(
        claim["lead"]["claim"],
        json!({"status": "SETTLED", "approvedCents": "650050", "excessCents": "50000", "decisionNote": "Carpet not covered"})
    );
    p.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_a_partners_webhook_finds_its_dead_letter_and_delivers_it_again() {
    use nrp_tests::receiver::{Receiver, verify};
    use std::sync::atomic::Ordering;
    let opts = web().env("WEBHOOK_RETRY_BASE_MILLIS", "100").env("WEBHOOK_MAX_ATTEMPTS", "2");
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let admin = app.admin_token().await;
    let (pid, key) = insurer_key(&app, &admin, "Hook Mutual").await;
    let receiver = Receiver::default();
    receiver.fail_next.store(1_000, Ordering::SeqCst);
    let url = receiver.start().await;

    let p = admin_browser(&app, "hooks").await;
    p.click("header a[href='/admin/partners']").await;
    p.click(&format!("a[href='/admin/partners/{pid}']")).await;
    p.fill("#webhook-url", "ftp://hooks.example/nrp").await;
    p.click("section.webhook button[type=submit]").await;
    assert!(!field_error(&p, "webhook-url").await.is_empty());
    p.fill("#webhook-url", &url).await;
    p.click("section.webhook button[type=submit]").await;
    let secret = p.text("section.webhook code.secret").await;
    let (lead, _) = create_lead(&app, &key, lead_input()).await;

    // Both attempts fail: a dead letter. (The delivery log has no push channel; poll it.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let q = "query($p:ID,$s:DeliveryStatus){ webhookDeliveries(partnerId:$p, status:$s){ totalCount nodes { id payload } } }";
    let dead = loop {
        let d = app.ok(Some(&admin), q, json!({"p": pid, "s": "FAILED"})).await["webhookDeliveries"].clone();
        let pending =
            app.ok(Some(&admin), q, json!({"p": pid, "s": "PENDING"})).await["webhookDeliveries"]["totalCount"].clone();
        if d["totalCount"].as_i64().unwrap() > 0 && pending == 0 {
            break d["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|n| n["payload"].as_str().unwrap().contains(&lead))
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string();
        }
        assert!(std::time::Instant::now() < deadline, "no dead letter: {d}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    p.find("#log-status").await.select_by_value("FAILED").await.unwrap();
    let row = format!("tr[data-delivery='{dead}'][data-status=FAILED]");
    let text = p.text(&row).await;
    assert!(text.contains("Dead letter") && text.contains("HTTP 503"), "{text}");
    // The CSV holds what the log shows (the dead letter only), and a range of days with nothing
    // sent shows nothing; a range that ends before it starts is refused beside "to".
    let csv = p.exported_csv("section[aria-labelledby=log-h] button.export").await;
    let listed = p.until("the rows", "document.querySelectorAll('tr[data-delivery]').length").await;
    assert!(csv.starts_with("delivery_id,") && csv.contains(&dead), "{csv}");
    assert_eq!(json!(csv.lines().count() - 1), listed, "the rows the log shows: {csv}");
    assert!(csv.lines().skip(1).all(|l| l.contains(",FAILED,")), "{csv}");
    assert!(!csv.contains("\"lead\""), "no signed bodies in the CSV: {csv}");
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Australia::Sydney).date_naive();
    let set_day = |css: &'static str, d: chrono::NaiveDate| {
        let p = &p;
        async move {
            let script = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                e.dispatchEvent(new Event('change', { bubbles: true }));";
            p.client.execute(script, vec![json!(css), json!(d.to_string())]).await.unwrap();
        }
    };
    set_day("#log-from", today + chrono::Duration::days(2)).await;
    p.until("nothing sent then", "document.querySelector('section[aria-labelledby=log-h] .empty')").await;
    set_day("#log-to", today + chrono::Duration::days(1)).await;
    assert!(field_error(&p, "log-to").await.contains("before"));
    set_day("#log-from", today).await;
    set_day("#log-to", today).await;
    p.find(&row).await;
    receiver.fail_next.store(0, Ordering::SeqCst);
    let before = receiver.got.lock().await.len();
    p.click(&format!("{row} button.redeliver")).await;
    p.until(
        "the notice",
        "document.querySelector('.banner') && document.querySelector('.banner').innerText.includes('again')",
    )
    .await;
    let got = receiver.until(|got| got.len() > before).await;
    let (headers, body) = got.last().unwrap();
    assert!(body.contains(&lead) && verify(&secret, headers, body), "signed with the secret shown once");
    let fetched = "query($p:ID){ webhookDeliveries(partnerId:$p){ nodes { id status attemptLog { attempt } } } }";
    let delivered = loop {
        let d = app.ok(Some(&admin), fetched, json!({"p": pid})).await;
        let n = d["webhookDeliveries"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == dead.as_str())
            .unwrap()
            .clone();
        if n["status"] == "DELIVERED" {
            break n;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(delivered["attemptLog"].as_array().unwrap().len(), 3, "two failures and the success: {delivered}");
    p.find("#log-status").await.select_by_value("").await.unwrap();
    p.find(&format!("tr[data-delivery='{dead}'][data-status=DELIVERED]")).await;
    p.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_finds_a_customer_by_phone_from_the_header_and_opens_the_job() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Search UI Mutual").await;
    let c = contractor(&app, &admin, "search-ui", json!({"basePostcode": "2000"}), true).await;
    let mut input = lead_input();
    input["customer"] = json!({"name": "Priya Halvorsen", "phone": "0412 777 302"});
    let (lead, _) = create_lead(&app, &key, input).await;
    let offer =
        open_offers(&lead_detail(&app, &admin, &lead).await).into_iter().find(|(_, cid)| *cid == c.id).unwrap().0;
    let job = app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await["acceptOffer"]["job"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    create_lead(&app, &key, lead_input()).await;

    let p = admin_browser(&app, "search").await;
    p.fill("#global-search", "+61 412 777 302").await;
    p.find("#global-search").await.send_keys("\u{E007}").await.unwrap();
    p.until("the results page", "location.pathname === '/admin/search'").await;
    p.find(&format!("li.result[data-kind=JOB][data-id='{job}']")).await;
    let results = p.text("ul.results").await;
    assert!(results.contains("Priya Halvorsen") && results.contains("0412 777 302"), "{results}");
    assert_eq!(
        p.until("two results", "document.querySelectorAll('li.result').length").await,
        json!(2),
        "the job and the lead, not the other customer"
    );
    // "Show" narrows the results to one kind.
    p.find("#search-kind").await.select_by_value("LEAD").await.unwrap();
    p.until(
        "the lead alone",
        "document.querySelectorAll('li.result').length === 1 && document.querySelector('li.result[data-kind=LEAD]')",
    )
    .await;
    p.find("#search-kind").await.select_by_value("").await.unwrap();
    p.until("both again", "document.querySelectorAll('li.result').length === 2").await;
    p.click(&format!("li.result[data-kind=JOB] a[href='/admin/jobs/{job}']")).await;
    p.find("[data-status=AWAITING_CONTACT]").await;
    // A search with nothing to search for says so.
    p.goto(&format!("{}/admin/search?q=%25%25", app.base)).await;
    let shown = p
        .until("the refusal", "document.querySelector('.error-box') && document.querySelector('.error-box').innerText")
        .await;
    assert!(shown.as_str().unwrap().contains("search for"), "{shown}");
    p.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_insurer_sees_only_its_own_work_with_its_clocks_and_approves_a_quote() {
    let app = TestApp::spawn_with(Backend::Postgres, web()).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (pid, key) = insurer_key(&app, &admin, "Portal Mutual").await;
    let (_, other_key) = insurer_key(&app, &admin, "Rival Insurance").await;
    let c = contractor(&app, &admin, "portal", json!({"basePostcode": "2000"}), true).await;
    let email = format!("claims-{}@portal-mutual.example", uuid::Uuid::new_v4().simple());
    app.ok(
        Some(&admin),
        "mutation($input: CreateUserInput!){ createUser(input:$input){ id } }",
        json!({"input": {"email": email, "password": "partner-password-1", "role": "PARTNER", "partnerId": pid}}),
    )
    .await;
    let mut mine = lead_input();
    mine["customer"]["name"] = json!("Quinn Ownlead");
    mine["claimNumber"] = json!("PM-555");
    let (lead, _) = create_lead(&app, &key, mine).await;
    let offer =
        open_offers(&lead_detail(&app, &admin, &lead).await).into_iter().find(|(_, cid)| *cid == c.id).unwrap().0;
    let job = app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await["acceptOffer"]["job"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (to, extra) in [("CONTACTED", json!({})), ("INSPECTED", json!({})), ("QUOTED", json!({"quoteCents": 640_000}))]
    {
        let mut input = json!({"jobId": job, "to": to});
        input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        app.ok(Some(&c.token), ADVANCE, json!({"input": input})).await;
    }
    let mut theirs = lead_input();
    theirs["customer"]["name"] = json!("Rory Rivalcustomer");
    let (rival, _) = create_lead(&app, &other_key, theirs).await;
    let offer =
        open_offers(&lead_detail(&app, &admin, &rival).await).into_iter().find(|(_, cid)| *cid == c.id).unwrap().0;
    let rival_job = app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await["acceptOffer"]["job"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // A lead of each insurer's that no contractor reaches: waiting for one.
    for (k, name) in [(&key, "Wren Waiting"), (&other_key, "Rhea Rivalwaiting")] {
        let mut far = lead_input();
        far["customer"]["name"] = json!(name);
        far["property"] = json!({"address": "1 Hay St", "suburb": "Perth", "state": "WA", "postcode": "6000"});
        assert_eq!(create_lead(&app, k, far).await.1, "UNASSIGNED");
    }

    let p = Browser::start_sized(1280, 900).await;
    p.sign_in(&app.base, &email, "partner-password-1").await;
    p.until("the portal", "location.pathname === '/admin/portal'").await;
    // Its leads still waiting for a contractor, from the server's status filter: not the one a
    // contractor took, nothing of the other insurer's.
    p.until("the waiting lead", "document.querySelector('ul.waiting li')").await;
    let waiting = p.text("ul.waiting").await;
    assert!(waiting.contains("Wren Waiting") && !waiting.contains("Quinn Ownlead"), "{waiting}");
    assert!(p.text("main").await.contains("1 of 1 waiting leads shown"));
    let row = format!("tr[data-job='{job}']");
    let text = p.text(&row).await;
    assert!(text.contains("Quinn Ownlead") && text.contains("To approve") && text.contains("no claim"), "{text}");
    assert_eq!(p.text(&format!("{row} td.days")).await, "0", "quoted today");
    let page = p.text("main").await;
    assert!(!page.contains("Rivalcustomer") && !page.contains("Rivalwaiting"), "nothing of another insurer's: {page}");
    assert!(p.text("header nav").await.contains("Your jobs") && !p.text("header nav").await.contains("Contractors"));
    // What it shows, as CSV: its own open jobs and its own waiting leads, nobody else's.
    let jobs_csv = p.exported_csv("form.filters button.export").await;
    assert!(jobs_csv.starts_with("job_id,") && jobs_csv.contains(&job) && !jobs_csv.contains(&rival_job), "{jobs_csv}");
    assert_eq!(jobs_csv.lines().count(), 2, "{jobs_csv}");
    let leads_csv = p.exported_csv("button.export-leads").await;
    assert!(leads_csv.contains("Wren Waiting") && !leads_csv.contains("Rhea Rivalwaiting"), "{leads_csv}");
    assert!(!leads_csv.contains(&lead), "the lead a contractor took is not waiting: {leads_csv}");
    // "Show" reads the server's filter, past what is loaded: nothing of its is completed yet.
    p.find("#portal-show").await.select_by_value("COMPLETED").await.unwrap();
    p.until("none completed", "document.querySelector('p.empty') && !document.querySelector('tr[data-job]')").await;
    p.find("#portal-show").await.select_by_value("OPEN").await.unwrap();
    p.find(&row).await;

    // The job page: the claim to lodge and move on, the quote to approve, and none of NRP's own
    // parts.
    p.click(&format!("{row} a[href='/admin/jobs/{job}']")).await;
    p.find("[data-status=QUOTED]").await;
    let moves = p.client.find_all(fantoccini::Locator::Css("button.move")).await.unwrap();
    assert_eq!(moves.len(), 1, "approving is the insurer's only move");
    assert!(p.client.find_all(fantoccini::Locator::Css("form.cancel-job, section.payout")).await.unwrap().is_empty());
    p.fill("#claimed", "6,400").await;
    p.click("form.lodge-claim button[type=submit]").await;
    p.find("[data-claim-status=LODGED]").await;
    p.click("button.claim-move[data-to=ASSESSING]").await;
    p.find("[data-claim-status=ASSESSING]").await;
    p.fill("#approved", "6,200").await;
    p.click("button.move[data-to=APPROVED]").await;
    p.find("[data-status=APPROVED]").await;
    assert_eq!(p.text("dd.approved").await, "$6,200.00");
    // Back on the portal, the claim's decision clock runs.
    p.click("header a[href='/admin/portal']").await;
    p.until(
        "the clock",
        &format!("document.querySelector(\"{row}\") && document.querySelector(\"{row}\").innerText.includes('business day(s) left')"),
    )
    .await;

    // Another insurer's job is not found; its customer is not found by search either.
    p.goto(&format!("{}/admin/jobs/{rival_job}", app.base)).await;
    p.until("a refusal", "document.querySelector('.error-box')").await;
    assert!(!p.text("main").await.contains("Rivalcustomer"));
    p.fill("#global-search", "Rivalcustomer").await;
    p.find("#global-search").await.send_keys("\u{E007}").await.unwrap();
    p.find(".empty").await;
    p.goto(&format!("{}/admin/search?q=Ownlead", app.base)).await;
    p.find(&format!("li.result[data-kind=JOB][data-id='{job}']")).await;

    // Its claims, and its own webhook page.
    p.click("header a[href='/admin/claims']").await;
    p.until("its claim", "document.querySelectorAll('tr[data-claim]').length === 1").await;
    assert!(p.text("main").await.contains("PM-555"));
    assert!(p.text(".list-count").await.starts_with("1 of 1"));
    p.find("#c-status").await.select_by_value("SETTLED").await.unwrap();
    p.until("none settled", "document.querySelector('p.empty') && !document.querySelector('tr[data-claim]')").await;
    p.find("#c-status").await.select_by_value("").await.unwrap();
    p.find("tr[data-claim]").await;
    // The soonest decision first, from its column's header.
    p.click("th:last-child button.sort").await;
    p.find("th[aria-sort=ascending]").await;
    p.until("its claim again", "document.querySelector('.list-count') && document.querySelector('tr[data-claim]')")
        .await;
    let pick = "for (const [id, v] of [['#c-from', '2026-12-02'], ['#c-to', '2026-12-01']]) { \
        const e = document.querySelector(id); e.value = v; e.dispatchEvent(new Event('change', {bubbles: true})); }";
    p.client.execute(pick, vec![]).await.unwrap();
    p.until("the range refused beside its field", "document.querySelector('#c-to-error').innerText.includes('before')")
        .await;
    // Its own webhook: set from its page, with the new secret shown once; what is sent to it
    // appears in its delivery log.
    p.click("header a[href='/admin/partners/me']").await;
    assert!(p.text("#partner-title").await.contains("Portal Mutual"));
    let receiver = nrp_tests::receiver::Receiver::default();
    let url = receiver.start().await;
    p.fill("#webhook-url", &url).await;
    p.click("section.webhook button[type=submit]").await;
    let secret = p.text("section.webhook code.secret").await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let mut next = lead_input();
    next["property"]["address"] = json!("9 Other St");
    let (sent, _) = create_lead(&app, &key, next).await;
    let got = receiver.until(|g| g.iter().any(|(_, b)| b.contains(&sent))).await;
    assert!(got.iter().all(|(h, b)| nrp_tests::receiver::verify(&secret, h, b)), "signed with the secret shown");
    p.goto(&format!("{}/admin/partners/me", app.base)).await;
    p.find("tr[data-delivery]").await;
    p.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_follows_the_network_live_and_says_when_there_is_no_data() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Live Mutual").await;
    let p = admin_browser(&app, "live").await;
    p.find(".link[data-state=live]").await;
    assert_eq!(p.text(".kpi.unassigned strong").await, "0");
    let empty = p.text("main").await;
    assert!(empty.contains("No data yet: no leads") && empty.contains("No data yet: no payouts"), "{empty}");
    // No contractor covers it: the lead lands in the unassigned queue, and the dashboard shows
    // it without a reload.
    let (lead, status) = create_lead(&app, &key, lead_input()).await;
    assert_eq!(status, "UNASSIGNED");
    p.until("the queue counts it", "document.querySelector('.kpi.unassigned strong').innerText === '1'").await;
    p.find(&format!("ul.queue li[data-lead='{lead}']")).await;
    assert!(!p.text("main").await.contains("no leads in this period"), "the chart has its lead");
    p.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leads_list_loads_past_its_first_page_sorts_and_filters_by_dates_in_one_row() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Many Leads Mutual").await;
    let (mut top, mut first) = (String::new(), String::new());
    for i in 0..52 {
        let mut input = lead_input();
        input["estimatedValueCents"] = json!(if i == 7 { 9_900_000 } else { 100_000 + i });
        let (id, _) = create_lead(&app, &key, input).await;
        if i == 7 {
            top = id.clone();
        }
        if i == 0 {
            first = id;
        }
    }
    let p = admin_browser(&app, "lists").await;
    p.click("header a[href='/admin/leads']").await;
    // (Nobody covers them, so they are in the unassigned queue above the list too: the list's
    // own count and button are the page's, not the queue's.)
    let count = "document.querySelector('section.page > .list-count')";
    p.until("the first page", &format!("{count} && {count}.innerText.startsWith('50 of 52')")).await;
    p.click("section.page > button.load-more").await;
    p.until("every lead", &format!("{count} && {count}.innerText.startsWith('52 of 52')")).await;
    let more = fantoccini::Locator::Css("section.page > button.load-more");
    assert!(p.client.find_all(more).await.unwrap().is_empty(), "nothing more");
    p.find("#lead-sort").await.select_by_value("VALUE").await.unwrap();
    p.until(
        "the most valuable first",
        &format!(
            "(document.querySelector('form.filters ~ .table-wrap tr[data-lead]') || {{}}).dataset?.lead === '{top}'"
        ),
    )
    .await;
    // The column headers sort too: "Received" gives newest first, then oldest first, and the
    // order control follows.
    let first_row = "(document.querySelector('form.filters ~ .table-wrap tr[data-lead]') || {}).dataset?.lead";
    p.click("form.filters ~ .table-wrap th button.sort").await;
    p.until("newest first", "document.querySelector('form.filters ~ .table-wrap th[aria-sort=descending]')").await;
    p.click("form.filters ~ .table-wrap th button.sort").await;
    p.until("the oldest first", &format!("{first_row} === '{first}'")).await;
    let th = p.find("form.filters ~ .table-wrap th[aria-sort=ascending]").await;
    assert!(th.text().await.unwrap().contains("Received"));
    assert_eq!(
        p.client.execute("return document.querySelector('#lead-sort').value", vec![]).await.unwrap(),
        json!("OLDEST")
    );
    // The filters sit in one row on a desktop, above the table.
    let rows = p.until("the filter row", "(() => { const f = [...document.querySelectorAll('form.filters .field')]; return f.length && new Set(f.map(e => Math.round(e.getBoundingClientRect().bottom / 8))).size })()").await;
    assert_eq!(rows, json!(1), "one row of filters at 1280 px");
    // (A date field takes what the date picker gives it: set as the picker would.)
    let pick = "for (const [id, v] of [['#lead-from', '2026-12-02'], ['#lead-to', '2026-12-01']]) { \
        const e = document.querySelector(id); e.value = v; e.dispatchEvent(new Event('change', {bubbles: true})); }";
    p.client.execute(pick, vec![]).await.unwrap();
    p.until(
        "the range refused beside its field",
        "document.querySelector('#lead-to-error').innerText.includes('before')",
    )
    .await;
    p.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_contractor_header_is_one_row_and_the_sections_are_a_bottom_tab_bar() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    let admin = app.admin_token().await;
    let c = contractor(&app, &admin, "phone-tabs", json!({}), true).await;
    let p = Browser::start_sized(390, 844).await;
    p.sign_in(&app.base, &c.email, CONTRACTOR_PASSWORD).await;
    p.until("the offers page", "location.pathname === '/offers'").await;
    let layout = p
        .until(
            "the layout",
            "(() => { const t = document.querySelector('header .tabs'); if (!t) return null; const r = t.getBoundingClientRect(); \
             return {tabBottom: Math.round(r.bottom), screen: innerHeight, tabs: t.querySelectorAll('a').length, \
             header: Math.round(document.querySelector('header').getBoundingClientRect().height)}; })()",
        )
        .await;
    assert_eq!(layout["tabBottom"], layout["screen"], "the tab bar sits at the bottom: {layout}");
    assert_eq!(layout["tabs"], 4, "Offers, My jobs, Payouts, Profile: {layout}");
    assert!(layout["header"].as_i64().unwrap() < 70, "the header is one row: {layout}");
    p.click("header .tabs a[href='/jobs']").await;
    p.until("the jobs page", "location.pathname === '/jobs'").await;
    p.close().await;
}

/// The first look at the demo: a working business on every screen (charts drawn, none saying
/// "no data yet", at one text size), and an offer waiting in the demo contractor's inbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_sees_the_demo_network_at_work_with_its_charts_at_one_text_size() {
    use nrp_server::services::demo;
    let first = TestApp::spawn(Backend::Sqlite).await;
    let (ctx, db) = (first.ctx.clone(), first.db.clone());
    first.stop().await;
    demo::seed(&ctx).await.expect("the demo seeds");
    let app = TestApp::spawn_on(db, web()).await;

    let p = Browser::start_sized(1280, 900).await;
    p.sign_in(&app.base, demo::DEMO_ADMIN_EMAIL, demo::DEMO_ADMIN_PASSWORD).await;
    p.until("the admin start page", "location.pathname === '/admin'").await;
    let ticks = p
        .until(
            "the three charts drawn",
            "(() => { const c = [...document.querySelectorAll('svg.chart')].filter(s => s.getBoundingClientRect().width > 0); \
             return c.length === 3 && c.map(s => s.querySelector('text.tick').getBoundingClientRect().height); })()",
        )
        .await;
    let heights: Vec<f64> = ticks.as_array().unwrap().iter().map(|h| h.as_f64().unwrap()).collect();
    let (low, high) = heights.iter().fold((f64::MAX, 0f64), |(l, h), x| (l.min(*x), h.max(*x)));
    assert!(low > 0.0 && high / low < 1.05, "one text size across the charts: {heights:?}");
    let main = p.text("main").await;
    assert!(!main.contains("No data yet"), "the demo fills every chart: {main}");
    p.click("header a[href='/admin/leads']").await;
    p.find("form.filters ~ .table-wrap tr[data-lead]").await;
    p.close().await;

    let q = Browser::start().await;
    q.sign_in(&app.base, demo::DEMO_CONTRACTOR_EMAIL, demo::DEMO_CONTRACTOR_PASSWORD).await;
    q.find("li.offer[data-status=OPEN]").await;
    q.close().await;
}
