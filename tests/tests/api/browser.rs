//! The web app end to end in headless Chromium, against a real server and database.

use std::time::Duration;

use nrp_tests::browser::{Browser, web_dist};
use nrp_tests::leads::*;
use nrp_tests::*;
use serde_json::{Value, json};

fn web() -> TestOptions {
    TestOptions::default().env("WEB_DIST_DIR", &web_dist()).env("EXPIRY_SWEEP_MILLIS", "100")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_offer_is_accepted_in_the_browser_and_the_other_contractor_sees_it_taken() {
    let app = TestApp::spawn_with(Backend::Postgres, web()).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Browser Mutual").await;
    let a = contractor(&app, &admin, "browser-a", json!({"basePostcode": "2000"}), true).await;
    let b = contractor(&app, &admin, "browser-b", json!({"basePostcode": "2026"}), true).await;

    let (pa, pb) = tokio::join!(Browser::start(), Browser::start());
    tokio::join!(
        pa.sign_in(&app.base, &a.email, CONTRACTOR_PASSWORD),
        pb.sign_in(&app.base, &b.email, CONTRACTOR_PASSWORD)
    );
    for p in [&pa, &pb] {
        p.until("the offers page", "location.pathname === '/offers'").await;
        p.find(".link[data-state=live]").await;
    }

    // The admin's API call creates the lead; both pages show the offer without a reload.
    let (lead, _) = create_lead(&app, &key, lead_input()).await;
    let offer = pa.find(&format!("li.offer[data-lead='{lead}'][data-status=OPEN]")).await;
    let offer_id = offer.attr("data-offer").await.unwrap().unwrap();
    let b_offer = pb.find(&format!("li.offer[data-lead='{lead}'][data-status=OPEN]")).await;
    let b_offer_id = b_offer.attr("data-offer").await.unwrap().unwrap();
    assert_ne!(offer_id, b_offer_id, "each contractor has its own offer for the lead");
    let banner = pa.text(".banner").await;
    assert!(banner.contains("New offer") && banner.contains("Sydney"), "{banner}");
    let card = pa.text(&format!("li.offer[data-offer='{offer_id}']")).await;
    assert!(card.contains("Water damage") && card.contains("$12,500.00") && card.contains("km away"), "{card}");
    assert!(!card.contains("Pat Homeowner"), "no customer details before accepting");
    let first = pa.text(".countdown").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let later = pa.text(".countdown").await;
    let secs = |t: &str| t.split(':').fold(0u64, |acc, p| acc * 60 + p.parse::<u64>().unwrap());
    assert!(secs(&later) < secs(&first) && secs(&first) > 800, "counts down: {first} then {later}");

    pa.click(&format!("li.offer[data-offer='{offer_id}'] button.accept")).await;
    pa.until("the job board", "location.pathname === '/jobs'").await;
    let job = pa.text(".job.new").await;
    let phone_shown = job.lines().any(|l| l.len() == 12 && l.starts_with("04") && l.matches(' ').count() == 2);
    assert!(
        job.contains("Pat Homeowner") && phone_shown,
        "the board shows the customer, the phone the Australian way: {job}"
    );
    assert!(pa.text("section.column[aria-label='Awaiting contact']").await.contains("Pat Homeowner"));

    // The other contractor's offer greys out at once, saying why.
    let taken = pb.find(&format!("li.offer.closed[data-offer='{b_offer_id}']")).await;
    let text = taken.text().await.unwrap();
    assert!(text.contains("Another contractor accepted"), "{text}");
    let buttons = format!("li.offer[data-offer='{b_offer_id}'] button.accept");
    assert!(
        pb.client.find_all(fantoccini::Locator::Css(&buttons)).await.unwrap().is_empty(),
        "no accept on a taken offer"
    );
    let detail = lead_detail(&app, &admin, &lead).await;
    assert_eq!(detail["status"], "ASSIGNED");
    pa.close().await;
    pb.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_verifies_a_contractor_and_finds_it_in_the_audit_log() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    let admin = app.admin_token().await;
    let top = contractor(&app, &admin, "top", json!({"companyName": "Verify Me Top Restorations"}), true).await;
    let adjust =
        "mutation($id:ID!){ adjustContractorScore(id:$id, adjustment:0.49, reason:\"Best in the state\"){ id } }";
    app.ok(Some(&admin), adjust, json!({"id": top.id})).await;
    let pending = contractor(&app, &admin, "to-verify", json!({"companyName": "Verify Me Restorations"}), false).await;
    let email = format!("admin-ui-{}@nrp.example", uuid::Uuid::new_v4().simple());
    create_admin(&app.ctx, &email, ADMIN_PASSWORD).await;
    let p = Browser::start_sized(1280, 900).await;
    p.sign_in(&app.base, &email, ADMIN_PASSWORD).await;
    p.until("the admin start page", "location.pathname === '/admin'").await;
    p.find("#dash-title").await;
    // Every section in one header row on a desktop: the less used ones are behind "More".
    let header =
        p.until("the header", "Math.round(document.querySelector('header').getBoundingClientRect().height)").await;
    assert!(header.as_i64().is_some_and(|h| h < 70), "the desktop header is one row at 1280 px: {header}");
    p.click("header a[href='/admin/contractors']").await;
    p.fill("#search", "Verify Me").await;
    p.click("form.filters button[type=submit]").await;
    let row = format!("tr[data-contractor='{}']", pending.id);
    assert!(p.text(&row).await.contains("Pending"));
    // Newest first; the Score column's header puts the best first, the Company's A to Z.
    let first_row = "(document.querySelector('tr[data-contractor]') || {}).dataset?.contractor";
    assert_eq!(p.until("newest first", first_row).await, json!(pending.id));
    let header = |label: &str| {
        format!("[...document.querySelectorAll('th button.sort')].find(b => b.innerText.startsWith('{label}')).click()")
    };
    p.client.execute(&header("Score"), vec![]).await.unwrap();
    p.until("the best score first", &format!("{first_row} === '{}'", top.id)).await;
    assert!(p.text(&format!("tr[data-contractor='{}']", top.id)).await.contains("0.99"), "the score shows");
    p.client.execute(&header("Company"), vec![]).await.unwrap();
    p.until("A to Z", &format!("{first_row} === '{}'", pending.id)).await;
    p.click(&format!("{row} button[data-action=verify]")).await;
    p.until("the contractor active", &format!("document.querySelector(\"{row} .s-active\")")).await;
    // Edit NRP's terms: a commission override, then back to the network default.
    let terms = "query($id:ID!){ contractor(id:$id){ commissionBps dailyLeadCap } }";
    for (value, expected) in [("1200", json!(1200)), ("", serde_json::Value::Null)] {
        p.click(&format!("{row} button[data-action=edit]")).await;
        p.fill("#edit-commissionBps", value).await;
        p.click("tr.edit-row button[type=submit]").await;
        p.until("the edit form closes", "!document.querySelector('tr.edit-row')").await;
        let got = app.ok(Some(&admin), terms, json!({"id": pending.id})).await;
        assert_eq!(got["contractor"]["commissionBps"], expected, "after saving {value:?}");
    }
    p.click(&format!("{row} button[data-action=edit]")).await;
    p.fill("#edit-maxActiveJobs", "lots").await;
    p.click("tr.edit-row button[type=submit]").await;
    let msg = p.text("#edit-maxActiveJobs + .field-error").await;
    assert!(msg.contains("whole number"), "{msg}");

    p.click("header details.more summary").await;
    p.click("header a[href='/admin/audit']").await;
    p.until("the menu closes on the way", "!document.querySelector('header details.more').open").await;
    let entry = p.find("tr[data-action='contractor.verified']").await.text().await.unwrap();
    assert!(entry.contains(&pending.id) && entry.contains(&email), "{entry}");
    p.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_with_a_bad_abn_shows_the_error_beside_the_abn_field() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    let p = Browser::start().await;
    p.goto(&format!("{}/signup", app.base)).await;
    for (id, v) in [
        ("companyName", "Bad ABN Pty Ltd"),
        ("abn", "12 345 678 901"),
        ("contactName", "Sam Smith"),
        ("email", "sam@badabn.example"),
        ("phone", "0412 345 678"),
        ("password", "long-enough-password"),
        ("basePostcode", "2000"),
    ] {
        p.fill(&format!("#{id}"), v).await;
    }
    p.click("fieldset label.check input").await;
    p.click("form button[type=submit]").await;
    let msg = p.until("the ABN error", "document.getElementById('abn-error').textContent").await;
    assert!(msg.as_str().unwrap().to_lowercase().contains("abn"), "{msg}");
    let beside = p
        .until("the error in the ABN field's box", "document.getElementById('abn').closest('.field').contains(document.getElementById('abn-error')) && document.getElementById('abn').getAttribute('aria-invalid') === 'true' && document.getElementById('abn').getAttribute('aria-describedby').includes('abn-error')")
        .await;
    assert_eq!(beside, json!(true));
    let others = p.client.execute("return document.getElementById('email-error').textContent", vec![]).await.unwrap();
    assert_eq!(others, json!(""), "only the bad field says so");
    p.close().await;
}

/// Prints what the first load of the sign-in page transfers (gzipped, as the browser received
/// it) and when its first contentful paint came. A figure, not a pass/fail check:
/// `scripts/bench.sh` runs it on the release build and docs/BENCHMARKS.md records it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_page_load_transfer_and_paint_are_measured() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    let p = Browser::start().await;
    p.goto(&format!("{}/login", app.base)).await;
    p.find("#email").await;
    let m = p
        .until(
            "paint timings",
            "(() => { const f = performance.getEntriesByName('first-contentful-paint')[0]; if (!f) return null; \
              const nav = performance.getEntriesByType('navigation')[0]; \
              const res = performance.getEntriesByType('resource'); \
              return { fcp: f.startTime, transfer: nav.transferSize + res.reduce((a, r) => a + r.transferSize, 0), \
                       files: [[nav.name, nav.transferSize, nav.decodedBodySize]].concat(res.map(r => [r.name, r.transferSize, r.decodedBodySize])) }; })()",
        )
        .await;
    let transfer = m["transfer"].as_f64().unwrap();
    let fcp = m["fcp"].as_f64().unwrap();
    println!("web first load: {:.1} KB transferred, first contentful paint {:.0} ms", transfer / 1024.0, fcp);
    for f in m["files"].as_array().unwrap() {
        println!(
            "  {:>9.1} KB over the wire, {:>9.1} KB decoded  {}",
            f[1].as_f64().unwrap() / 1024.0,
            f[2].as_f64().unwrap() / 1024.0,
            f[0].as_str().unwrap()
        );
    }
    assert!(transfer > 0.0 && fcp > 0.0);
    p.close().await;
}

/// The connection drops (the phone loses signal): the page says so and retries with back-off; an
/// offer made meanwhile appears once the link is back, without a reload. Also checks the pages fit
/// a 360-px-wide phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offers_missed_while_offline_appear_when_the_link_returns() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    let proxy = nrp_tests::proxy::Proxy::start(app.addr).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Offline Mutual").await;
    let c = contractor(&app, &admin, "offline", json!({"basePostcode": "2000"}), true).await;
    let p = Browser::start_sized(360, 740).await;
    p.sign_in(&proxy.base, &c.email, CONTRACTOR_PASSWORD).await;
    p.find(".link[data-state=live]").await;

    proxy.cut();
    p.find(".link[data-state=offline]").await;
    let status = p.text(".link").await;
    assert!(status.contains("retrying in"), "{status}");
    let (lead, _) = create_lead(&app, &key, lead_input()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        p.client.find_all(fantoccini::Locator::Css(&format!("li.offer[data-lead='{lead}']"))).await.unwrap().is_empty(),
        "nothing arrives while offline"
    );
    proxy.restore();
    p.find(&format!("li.offer[data-lead='{lead}'][data-status=OPEN]")).await;
    p.find(".link[data-state=live]").await;

    // Nothing is wider than the phone, on the offers page and on the job board.
    let fits = "document.documentElement.scrollWidth <= window.innerWidth";
    assert_eq!(p.until("the offers page fits", fits).await, json!(true));
    p.click(&format!("li.offer[data-lead='{lead}'] button.accept")).await;
    p.until("the job board", "location.pathname === '/jobs'").await;
    p.find(".job.new").await;
    assert_eq!(p.until("the board fits", fits).await, json!(true));
    p.close().await;
}

/// The admin app's screens over real data: dashboard charts, the live unassigned queue, a lead's
/// routing explanation, a server error shown as its message (a payout run without Stripe), and a
/// partner's new API key shown once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_app_shows_the_network_and_says_what_went_wrong() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Admin UI Mutual").await;
    let c = contractor(&app, &admin, "admin-ui", json!({"basePostcode": "2000"}), true).await;
    let first = lead_input();
    let (offered, _) = create_lead(&app, &key, first.clone()).await;
    let (copy, status) = create_lead(&app, &key, first).await;
    assert_eq!(status, "DUPLICATE");
    let mut far = lead_input();
    far["property"] = json!({"address": "1 Queen St", "suburb": "Brisbane", "state": "QLD", "postcode": "4000"});
    let (stranded, status) = create_lead(&app, &key, far.clone()).await;
    assert_eq!(status, "UNASSIGNED");
    // A queue longer than a page: 50 more with nobody near, each at its own address.
    let far_away = |i: usize| {
        let mut l = far.clone();
        l["property"]["address"] = json!(format!("{} Queen St", i + 2));
        // Another customer each (the same phone, postcode and damage would be a duplicate).
        l["customer"]["phone"] = json!(format!("0413 {:03} {:03}", i / 1000, i % 1000 + 100));
        l
    };
    for i in 0..50 {
        assert_eq!(create_lead(&app, &key, far_away(i)).await.1, "UNASSIGNED");
    }

    let email = format!("admin-app-{}@nrp.example", uuid::Uuid::new_v4().simple());
    create_admin(&app.ctx, &email, ADMIN_PASSWORD).await;
    let p = Browser::start_sized(1280, 900).await;
    p.sign_in(&app.base, &email, ADMIN_PASSWORD).await;
    p.find("svg.chart").await;
    let kpis = p.text(".kpis").await;
    assert!(kpis.contains("Offer acceptance") && kpis.contains("Overdue jobs"), "{kpis}");

    p.click("header a[href='/admin/leads']").await;
    // Oldest first, a page at a time, counted in all; a lead stranded now joins it live.
    p.find(&format!("section.queue tbody tr:first-child[data-lead='{stranded}']")).await;
    assert_eq!(p.text("section.queue .count").await, "51");
    let shown = "document.querySelectorAll('section.queue tbody tr').length";
    assert_eq!(p.until("a page", shown).await, json!(50));
    p.click("section.queue button.load-more").await;
    p.until("the rest", &format!("{shown} === 51")).await;
    p.find(".link[data-state=live]").await;
    let (late, _) = create_lead(&app, &key, far_away(50)).await;
    p.find(&format!("section.queue tbody tr:last-child[data-lead='{late}']")).await;
    assert_eq!(p.text("section.queue .count").await, "52");
    p.goto(&format!("{}/admin/leads/{offered}", app.base)).await;
    let row = p.text(&format!("tr[data-candidate='{}']", c.id)).await;
    assert!(row.contains("yes"), "the routing explanation lists the offered contractor: {row}");
    // A false duplicate goes to routing, with a reason (asked for beside its field).
    p.goto(&format!("{}/admin/leads/{copy}", app.base)).await;
    p.click("form.release-duplicate button[type=submit]").await;
    p.until("the reason asked for", "document.querySelector('#release-reason-error').innerText.length > 0").await;
    p.fill("#release-reason", "unit 4, not unit 2").await;
    p.click("form.release-duplicate button[type=submit]").await;
    p.until("routed", "document.querySelector('[data-status=OFFERING]')").await;

    // A contractor now covers Brisbane: re-routing the stranded lead offers it there, and NRP
    // can also give it to that contractor outright.
    let brisbane = contractor(&app, &admin, "brisbane-ui", json!({"basePostcode": "4000"}), true).await;
    p.goto(&format!("{}/admin/leads/{stranded}", app.base)).await;
    p.find("strong[data-status=UNASSIGNED]").await;
    p.click("section[aria-labelledby=lead-facts] .actions button").await;
    p.find("strong[data-status=OFFERING]").await;
    p.click(&format!("tr[data-candidate='{}'] button", brisbane.id)).await;
    p.find("strong[data-status=ASSIGNED]").await;
    let assigned = lead_detail(&app, &admin, &stranded).await;
    assert_eq!(assigned["assignedContractor"]["id"], json!(brisbane.id), "the company chosen: {assigned}");
    assert_eq!(assigned["job"]["status"], "AWAITING_CONTACT");

    p.click("header a[href='/admin/payouts']").await;
    p.click("#run-batch").await;
    let err = p.text(".error-box").await;
    assert!(err.contains("no payment provider"), "the server's message, not a blank page: {err}");

    p.click("header a[href='/admin/partners']").await;
    p.fill("#pn", "Browser Leads Co").await;
    p.click("form.filters button[type=submit]").await;
    p.until(
        "the new partner",
        "[...document.querySelectorAll('[data-partner] h2')].some(h => h.textContent.includes('Browser Leads Co'))",
    )
    .await;
    p.client
        .execute(
            "[...document.querySelectorAll('[data-partner]')].find(s => s.textContent.includes('Browser Leads Co')).querySelector('button').click()",
            vec![],
        )
        .await
        .unwrap();
    p.client.send_alert_text("production").await.unwrap();
    p.client.accept_alert().await.unwrap();
    let secret = p.text("code.secret").await;
    assert!(secret.len() > 20, "the key is shown: {secret}");
    let data = app.ok(Some(&secret), "{ partner { name } }", json!({})).await;
    assert_eq!(data["partner"]["name"], "Browser Leads Co", "the shown key works");
    p.click(".banner button").await;
    assert!(p.client.find_all(fantoccini::Locator::Css("code.secret")).await.unwrap().is_empty(), "shown once");
    p.close().await;
}

/// The contractor's profile and payouts: a bad value is named beside its field, pausing says
/// until when, and the payouts page shows the month's totals and the Stripe set-up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contractor_keeps_the_profile_and_sees_payouts() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Profile Mutual").await;
    let c = contractor(&app, &admin, "profile", json!({"basePostcode": "2000"}), true).await;
    completed_job(&app, &admin, &key, &c, 123_456).await;
    let p = Browser::start().await;
    p.sign_in(&app.base, &c.email, CONTRACTOR_PASSWORD).await;

    p.click("header a[href='/profile']").await;
    p.fill("#p-radius", "900").await;
    p.click("form[aria-labelledby=service-h] button[type=submit]").await;
    let e = p.until("the radius error", "document.getElementById('p-radius-e').textContent").await;
    assert!(!e.as_str().unwrap().is_empty(), "{e}");
    p.fill("#p-radius", "80").await;
    p.click("form[aria-labelledby=service-h] button[type=submit]").await;
    p.until("saved", "document.querySelector('.ok') && document.querySelector('.ok').textContent.includes('Saved')")
        .await;
    let radius =
        app.ok(Some(&admin), "query($id:ID!){ contractor(id:$id){ serviceRadiusKm } }", json!({"id": c.id})).await;
    assert_eq!(radius["contractor"]["serviceRadiusKm"], 80);
    p.client
        .execute(
            "const i = document.getElementById('pause-until'); \
             i.value = new Date(Date.now() + 10 * 864e5).toISOString().slice(0, 10); \
             i.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![],
        )
        .await
        .unwrap();
    p.click("form.inline button[type=submit]").await;
    p.until("paused", "document.body.innerText.includes('Paused until')").await;

    p.click("header a[href='/payouts']").await;
    let totals = p.text(".totals").await;
    assert!(totals.contains("$1,234.56") && totals.contains("$185.18") && totals.contains("$1,049.38"), "{totals}");
    p.find("tr[data-payout]").await;
    p.click("section[aria-labelledby=stripe-h] button").await;
    let err = p.text("section[aria-labelledby=stripe-h] .error-box").await;
    assert!(err.contains("no payment provider"), "{err}");
    let current = p
        .client
        .execute("return document.querySelector(\"header a[href='/payouts']\").getAttribute('aria-current')", vec![])
        .await
        .unwrap();
    assert_eq!(current, json!("page"), "the nav marks where you are");
    // The browser's Back button goes back within the app.
    p.client.back().await.unwrap();
    p.until("the profile again", "location.pathname === '/profile' && document.getElementById('p-radius')").await;
    p.close().await;
}

/// Declining an offer, then working the won job from its page: the next step, a note, a photo
/// from the camera input, all on the timeline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contractor_declines_one_offer_and_works_another_job_from_its_page() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Worker Mutual").await;
    let c = contractor(&app, &admin, "worker", json!({"basePostcode": "2000"}), true).await;
    let p = Browser::start().await;
    p.sign_in(&app.base, &c.email, CONTRACTOR_PASSWORD).await;
    p.find(".link[data-state=live]").await;

    let (declined, _) = create_lead(&app, &key, lead_input()).await;
    p.click(&format!("li.offer[data-lead='{declined}'] button.secondary")).await;
    let card = p.find(&format!("li.offer.closed[data-lead='{declined}']")).await.text().await.unwrap();
    assert!(card.contains("You declined"), "{card}");
    let offers = lead_detail(&app, &admin, &declined).await;
    assert!(offers["offers"].as_array().unwrap().iter().any(|o| o["status"] == "DECLINED"));

    let (_, job) = won_job(&app, &admin, &key, &c).await;
    p.goto(&format!("{}/jobs/{job}", app.base)).await;
    p.find("dd.customer").await;
    p.click("button.move[data-to=CONTACTED]").await;
    p.until("the job moved", "document.querySelector('[data-status=CONTACTED]')").await;
    p.fill("#note", "Rang the owner, inspecting Tuesday").await;
    p.click("form.inline button[type=submit]").await;
    p.until("the note on the timeline", "document.querySelector('.timeline').innerText.includes('inspecting Tuesday')")
        .await;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("ceiling.png");
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend([0u8; 64]);
    std::fs::write(&photo, &png).unwrap();
    p.find("#photo").await.send_keys(photo.to_str().unwrap()).await.unwrap();
    p.until(
        "the photo listed",
        "document.querySelector('.files') && document.querySelector('.files').innerText.includes('ceiling.png')",
    )
    .await;
    let files = app
        .ok(Some(&admin), "query($id:ID!){ job(id:$id){ attachments { filename kind } } }", json!({"id": job}))
        .await;
    assert_eq!(files["job"]["attachments"][0]["kind"], "PHOTO");
    p.close().await;
}

/// The pages' content security policy lets the apps run (their own scripts, WebAssembly, Trunk's
/// inline loader by hash, connections to this origin) and nothing else: a script injected into
/// the page does not run, and neither does a connection elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_content_security_policy_runs_the_app_and_nothing_injected() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    let page = app.http.get(format!("{}/admin", app.base)).send().await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"), "{csp}");
    assert!(csp.contains("connect-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let api =
        app.http.post(format!("{}/graphql", app.base)).json(&json!({"query": "{ __typename }"})).send().await.unwrap();
    assert!(api.headers()["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));

    let admin = format!("csp-{}@nrp.example", uuid::Uuid::new_v4().simple());
    create_admin(&app.ctx, &admin, ADMIN_PASSWORD).await;
    let p = Browser::start().await;
    p.sign_in(&app.base, &admin, ADMIN_PASSWORD).await;
    p.find("svg.chart").await; // the app ran and talked to the API
    let outcome = p
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const s = document.createElement('script');
             s.textContent = 'window.__injected = true';
             document.head.appendChild(s);
             fetch('http://127.0.0.2:9/steal').then(() => done('fetched'), () => done({ injected: !!window.__injected }));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(outcome, json!({"injected": false}), "the injected script and the outside fetch were both blocked");
    p.close().await;
}

/// The web app's refresh token is a cookie no script can read: not in `localStorage`, not in
/// `document.cookie`, and a reload still finds the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_refresh_token_is_out_of_reach_of_scripts_and_a_reload_keeps_the_session() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    let admin = format!("cookie-{}@nrp.example", uuid::Uuid::new_v4().simple());
    create_admin(&app.ctx, &admin, ADMIN_PASSWORD).await;
    let p = Browser::start().await;
    p.sign_in(&app.base, &admin, ADMIN_PASSWORD).await;
    p.find("svg.chart").await;
    let seen = p
        .client
        .execute(
            "return { storage: JSON.stringify(Object.assign({}, localStorage)), cookie: document.cookie };",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        !seen["storage"].as_str().unwrap().contains("refresh") || seen["storage"] == json!("{\"nrp.signed_in\":\"1\"}"),
        "{seen}"
    );
    assert!(!seen["storage"].as_str().unwrap().contains("nrp_"), "no token in localStorage: {seen}");
    assert_eq!(seen["cookie"], "", "the session cookie is HttpOnly: {seen}");
    // A reload (the page revalidated from the cache, a 304) signs in again from the cookie alone.
    p.goto(&format!("{}/admin", app.base)).await;
    p.find("svg.chart").await;
    p.close().await;
}

/// Delivers a push to the active service worker, then polls its shown notifications (each poll a
/// frame apart) until `done` holds, for up to 60 s: a loaded machine can take its time to run the
/// worker. A push the browser dropped (a worker still starting) is delivered again every 5 s; the
/// notification's tag makes a second delivery replace the first, not add to it.
async fn push_until_notes(
    page: &Browser,
    push: serde_json::Value,
    shown: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let ready = "const done = arguments[0]; navigator.serviceWorker.ready.then(r => done(r.active && r.active.state))";
    while page.run_async(ready).await != json!("activated") {
        assert!(std::time::Instant::now() < deadline, "the service worker never became active");
        page.until("a frame", "true").await;
    }
    let mut resend = std::time::Instant::now();
    loop {
        if std::time::Instant::now() >= resend {
            page.cdp("ServiceWorker.deliverPushMessage", push.clone()).await.unwrap();
            resend = std::time::Instant::now() + Duration::from_secs(5);
        }
        let v = page.run_async(shown).await;
        if done(&v) {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "the notifications never got there; shown: {v}");
        page.until("a frame", "true").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_installs_its_service_worker_and_a_push_shows_the_offer_then_opens_it() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Pocket Mutual").await;
    let c = contractor(&app, &admin, "pocket", json!({"basePostcode": "2000"}), true).await;
    let page = Browser::start().await;
    page.sign_in(&app.base, &c.email, CONTRACTOR_PASSWORD).await;
    page.until("the offers page", "location.pathname === '/offers'").await;

    // Installable: a manifest with icons that load, and a service worker controlling '/'.
    let manifest: serde_json::Value =
        app.http.get(format!("{}/manifest.webmanifest", app.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(manifest["start_url"], "/offers");
    assert_eq!(manifest["display"], "standalone");
    for icon in manifest["icons"].as_array().unwrap() {
        let r = app.http.get(format!("{}{}", app.base, icon["src"].as_str().unwrap())).send().await.unwrap();
        assert_eq!(r.status(), 200, "{icon}");
        assert_eq!(r.headers()["content-type"], "image/png");
    }
    let scope = page
        .run_async("const done = arguments[0]; navigator.serviceWorker.ready.then(r => done(r.scope + ' ' + r.active.scriptURL));")
        .await;
    assert_eq!(scope, json!(format!("{0}/ {0}/sw.js", app.base)));
    page.find("#turn-on-alerts").await;

    // A real offer, and a push for it delivered to the service worker through DevTools.
    let (lead, _) = create_lead(&app, &key, lead_input()).await;
    let offer = page.find(&format!("li.offer[data-lead='{lead}']")).await.attr("data-offer").await.unwrap().unwrap();
    page.cdp("Browser.grantPermissions", json!({"origin": app.base, "permissions": ["notifications"]})).await.unwrap();
    let push = |title: &str, kind: &str| {
        json!({"kind": kind, "offerId": offer, "title": title, "body": "High · est. $12,500",
               "tag": format!("offer-{offer}"), "url": format!("/offers/{offer}")})
        .to_string()
    };
    let registration = page.service_worker_registration(&app.base).await;
    page.cdp("ServiceWorker.enable", json!({})).await.unwrap();
    let shown = "const done = arguments[0]; navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => \
                 done(ns.map(n => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url}))));";
    let params =
        json!({"origin": app.base, "registrationId": registration, "data": push("New water job in Sydney", "offer")});
    let notes = push_until_notes(&page, params, shown, |v| !v.as_array().unwrap().is_empty()).await;
    assert_eq!(
        notes,
        json!([{"title": "New water job in Sydney", "body": "High · est. $12,500", "tag": format!("offer-{offer}"), "url": format!("/offers/{offer}")}])
    );
    // The offer closes: the same tag replaces the notification rather than adding one.
    let params =
        json!({"origin": app.base, "registrationId": registration, "data": push("Offer taken", "offer.closed")});
    let notes = push_until_notes(&page, params, shown, |v| v[0]["title"] == "Offer taken").await;
    assert_eq!(notes.as_array().unwrap().len(), 1, "replaced, not stacked: {notes}");
    assert_eq!(notes[0]["title"], "Offer taken");

    // The click opens the notification's page: the offer, highlighted, and marked as seen (so
    // no SMS follows it).
    page.goto(&format!("{}/offers/{offer}", app.base)).await;
    page.find(&format!("li.offer.focused[data-offer='{offer}']")).await;
    let id = uuid::Uuid::parse_str(&offer).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let o = nrp_server::store::offers::find(&app.ctx.db, id).await.unwrap().unwrap();
        if o.seen_at.is_some() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the offer was never marked seen");
        page.until("a frame", "true").await;
    }
    page.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_finds_a_dead_letter_and_sends_it_again_and_a_contractor_saves_a_phone_for_alerts() {
    use nrp_tests::notify::*;
    let twilio = FakeTwilio::default();
    let base = twilio.start().await;
    let opts = web()
        .env("TWILIO_ACCOUNT_SID", TWILIO_SID)
        .env("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
        .env("TWILIO_FROM", TWILIO_FROM)
        .env("TWILIO_API_BASE", &base)
        .env("NOTIFY_MAX_ATTEMPTS", "1");
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Dead Letter Mutual").await;
    let c = contractor(&app, &admin, "deadletter", json!({"basePostcode": "2000"}), true).await;
    // The customer's SMS is refused once (a 500, and one attempt allowed): a dead letter.
    twilio.answer([Answer::ServerError]).await;
    let (lead, _) = create_lead(&app, &key, lead_input()).await;
    let offer =
        open_offers(&lead_detail(&app, &admin, &lead).await).into_iter().find(|(_, cid)| *cid == c.id).unwrap().0;
    app.ok(Some(&c.token), ACCEPT, json!({"id": offer})).await;
    let rows =
        notification_log_until(&app, &admin, json!({"leadId": lead}), |r| r.iter().any(|n| n["status"] == "FAILED"))
            .await;
    let dead = rows.iter().find(|n| n["status"] == "FAILED").unwrap()["id"].as_str().unwrap().to_string();

    let email = format!("admin-notify-{}@nrp.example", uuid::Uuid::new_v4().simple());
    create_admin(&app.ctx, &email, ADMIN_PASSWORD).await;
    let p = Browser::start_sized(1280, 900).await;
    p.sign_in(&app.base, &email, ADMIN_PASSWORD).await;
    p.click("header details.more summary").await;
    p.click("header a[href='/admin/notifications']").await;
    let row = format!("tr[data-notification='{dead}'][data-status=FAILED]");
    assert!(p.text(&row).await.contains("500"), "the last error shows");
    p.click(&format!("{row} button.resend")).await;
    p.until(
        "the copy in the log",
        "document.querySelector('.banner') && document.querySelector('.banner').innerText.includes('again')",
    )
    .await;
    twilio.until(|got| !got.is_empty()).await;
    // Failed ones written today, exported as shown: the download holds the dead letter.
    p.find("#n-status").await.select_by_value("FAILED").await.unwrap();
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Australia::Sydney).date_naive().format("%Y-%m-%d");
    let pick = format!(
        "for (const id of ['#n-from', '#n-to']) {{ const e = document.querySelector(id); e.value = '{today}'; \
         e.dispatchEvent(new Event('change', {{bubbles: true}})); }}"
    );
    p.client.execute(&pick, vec![]).await.unwrap();
    p.until(
        "only the dead letter",
        &format!(
            "document.querySelectorAll('tr[data-notification]').length === 1 && !!document.querySelector(\"{row}\")"
        ),
    )
    .await;
    let csv = p.exported_csv("form.filters button.export").await;
    assert!(csv.starts_with("notification_id,") && csv.contains(&dead) && csv.lines().count() == 2, "{csv}");
    p.close().await;

    // The contractor's alert settings: a number saved is not used until proven.
    let q = Browser::start().await;
    q.sign_in(&app.base, &c.email, CONTRACTOR_PASSWORD).await;
    q.goto(&format!("{}/profile", app.base)).await;
    q.fill("#alert-phone", "0499 555 111").await;
    q.click(".alerts-settings form button[type=submit]").await;
    q.until("the number saved", "document.querySelector('.alerts-settings').innerText.includes('Not proven yet')")
        .await;
    let s = app.ok(Some(&c.token), "{ notificationSettings { phone phoneVerified } }", json!({})).await;
    assert_eq!(s["notificationSettings"], json!({"phone": "+61499555111", "phoneVerified": false}));
    q.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_on_an_alert_opens_its_offer_in_the_app_or_a_new_window() {
    // Headless Chromium shows no notification to click: the service worker's own handlers run
    // in Node against a stand-in for its scope.
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/sw/click.mjs");
    let sw = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/sw.js");
    let out = tokio::task::spawn_blocking(move || std::process::Command::new("node").arg(script).arg(sw).output())
        .await
        .unwrap()
        .expect("node runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let log = v["log"].as_array().unwrap();
    let shown = &log[0]["shown"];
    assert_eq!(shown["title"], "New water job in Sydney");
    assert_eq!(shown["tag"], "offer-1");
    assert_eq!(shown["requireInteraction"], true);
    assert_eq!(shown["renotify"], true);
    assert_eq!(shown["data"]["url"], "/offers/1");
    assert_eq!(log[1], json!({"opened": "https://app.nrp.example/offers/1"}), "no window: a new one at the offer");
    assert_eq!(log[2], json!({"focused": true}));
    assert_eq!(log[3], json!({"navigated": "https://app.nrp.example/offers/2"}), "the open app goes to the offer");
    assert_eq!(log[4], json!({"opened": "https://app.nrp.example/offers/3"}), "another site's window is not used");
    assert_eq!(v["closed"], json!(["/offers/1", "/offers/2", "/offers/3"]), "each clicked notification closes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contractor_sets_up_a_second_factor_resets_a_forgotten_password_signs_in_with_a_code_and_signs_out_everywhere()
 {
    use nrp_tests::notify::SmtpSink;
    let mut smtp = SmtpSink::start(0).await;
    let opts = web().env("SMTP_URL", &smtp.url()).env("EMAIL_FROM", "NRP <accounts@nrp.example>");
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let admin = app.admin_token().await;
    let c = contractor(&app, &admin, "webreset", json!({}), true).await;

    // Set up the second factor in the account settings, typing the key into an independent
    // generator.
    let page = Browser::start().await;
    page.sign_in(&app.base, &c.email, CONTRACTOR_PASSWORD).await;
    page.goto(&format!("{}/account", app.base)).await;
    page.click("#set-up-factor").await;
    let secret = page.text("#factor-secret").await;
    assert!(page.find(".qr svg").await.is_displayed().await.unwrap(), "a QR code to scan");
    page.fill("#factor-code", "000000").await;
    page.click(".factor-setup button[type=submit]").await;
    page.until(
        "the wrong code said beside its field",
        "document.querySelector('#factor-code-error').innerText.length > 0",
    )
    .await;
    page.fill("#factor-code", &oath(&secret, 0)).await;
    page.click(".factor-setup button[type=submit]").await;
    let codes = page.until("the recovery codes", "document.querySelectorAll('.recovery-codes code').length").await;
    assert_eq!(codes, json!(10));
    let recovery = page.text(".recovery-codes li:first-child code").await;
    page.click("#codes-saved").await;
    page.close().await;

    // Forgotten: the reset asked for and done in the browser, from the emailed link.
    let page = Browser::start().await;
    page.goto(&format!("{}/login", app.base)).await;
    page.click("a[href='/account/forgot-password']").await;
    page.fill("#email", &c.email).await;
    page.click("form button[type=submit]").await;
    page.find("#reset-sent").await;
    let mail = loop {
        let m = smtp.next().await;
        if m.parsed().subject() == Some("Reset your NRP password") {
            break m;
        }
    };
    let text = mail.parsed().body_text(0).unwrap().to_string();
    let at = text.find("/account/reset-password?token=").expect("a reset link");
    let path: String = text[at..].chars().take_while(|c| !c.is_whitespace()).collect();
    page.goto(&format!("{}{path}", app.base)).await;
    page.fill("#password", "a fresh new passphrase").await;
    page.fill("#confirm", "not the same one").await;
    page.click("form button[type=submit]").await;
    page.until(
        "the mismatch beside its field",
        "document.querySelector('#confirm-error').innerText.includes('differ')",
    )
    .await;
    page.fill("#confirm", "a fresh new passphrase").await;
    page.click("form button[type=submit]").await;
    page.find("#reset-done").await;

    // Signing in now asks for the code.
    page.click("#reset-done a[href='/login']").await;
    page.fill("#email", &c.email).await;
    page.fill("#password", "a fresh new passphrase").await;
    page.click("form button[type=submit]").await;
    page.fill("#code", "123456").await;
    page.click("form button[type=submit]").await;
    page.until("the wrong code said", "document.querySelector('#code-error').innerText.includes('not right')").await;
    page.fill("#code", &oath(&secret, 1)).await;
    page.click("form button[type=submit]").await;
    page.until("signed in", "location.pathname === '/offers' && document.querySelector('header .who')").await;

    // Another device signs in (with a recovery code); signing out everywhere else ends it.
    let other = app
        .ok(
            None,
            "mutation($e:String!,$p:String!){ login(email:$e,password:$p){ ... on SecondFactorChallenge { challenge } } }",
            json!({"e": c.email, "p": "a fresh new passphrase"}),
        )
        .await["login"]["challenge"]
        .clone();
    let tablet = app
        .ok(
            None,
            "mutation($c:String!,$k:String!){ verifySecondFactor(challenge:$c, code:$k){ accessToken } }",
            json!({"c": other, "k": recovery}),
        )
        .await["verifySecondFactor"]["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        error_code(&app.gql(Some(&c.token), "{ me { id } }", json!({})).await),
        "UNAUTHENTICATED",
        "the reset ended it"
    );
    page.goto(&format!("{}/account", app.base)).await;
    page.until("two sessions", "document.querySelectorAll('li.session').length === 2").await;
    page.click("#end-other-sessions").await;
    page.until("one session", "document.querySelectorAll('li.session').length === 1").await;
    assert_eq!(error_code(&app.gql(Some(&tablet), "{ me { id } }", json!({})).await), "UNAUTHENTICATED");
    page.find("li.session.current").await;
    page.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_invites_a_technician_who_joins_from_the_email_and_an_admin_switches_them_off() {
    use nrp_tests::notify::SmtpSink;
    let mut smtp = SmtpSink::start(0).await;
    let opts = web().env("SMTP_URL", &smtp.url()).env("EMAIL_FROM", "NRP <accounts@nrp.example>");
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let admin = app.admin_token().await;
    let owner = contractor(&app, &admin, "webteam", json!({}), true).await;
    let tech = format!("tech-{}@contractor.example", uuid::Uuid::new_v4().simple());

    let page = Browser::start().await;
    page.sign_in(&app.base, &owner.email, CONTRACTOR_PASSWORD).await;
    page.goto(&format!("{}/profile", app.base)).await;
    page.click("#account-link").await;
    page.until("the account app", "location.pathname === '/account'").await;
    page.fill("#invite-email", "not an email").await;
    page.click(".team form.invite button[type=submit]").await;
    page.until(
        "the bad address beside its field",
        "document.querySelector('#invite-email-error').innerText.length > 0",
    )
    .await;
    page.fill("#invite-email", &tech).await;
    page.click(".team form.invite button[type=submit]").await;
    page.find(".team tr[data-status=INVITED]").await;
    page.close().await;

    let mail = loop {
        let m = smtp.next().await;
        if m.parsed().subject().is_some_and(|s| s.starts_with("You're invited")) {
            break m;
        }
    };
    let text = mail.parsed().body_text(0).unwrap().to_string();
    let at = text.find("/account/accept-invite?token=").expect("an invitation link");
    let path: String = text[at..].chars().take_while(|c| !c.is_whitespace()).collect();
    let page = Browser::start().await;
    page.goto(&format!("{}{path}", app.base)).await;
    page.fill("#password", "short").await;
    page.click("form button[type=submit]").await;
    page.until("the rule beside the field", "document.querySelector('#password-error').innerText.length > 0").await;
    page.fill("#password", "a technician's passphrase").await;
    page.click("form button[type=submit]").await;
    page.find("#invite-done").await;
    page.sign_in(&app.base, &tech, "a technician's passphrase").await;
    page.until("the offers page", "location.pathname === '/offers'").await;
    let nav = page.text("header nav").await;
    assert!(nav.contains("Offers") && !nav.contains("Payouts"), "staff see no payouts: {nav}");
    page.goto(&format!("{}/profile", app.base)).await;
    page.until("the staff profile", "document.body.innerText.includes(\"owner looks after\")").await;
    page.close().await;

    let email = format!("admin-team-{}@nrp.example", uuid::Uuid::new_v4().simple());
    create_admin(&app.ctx, &email, ADMIN_PASSWORD).await;
    let p = Browser::start_sized(1280, 900).await;
    p.sign_in(&app.base, &email, ADMIN_PASSWORD).await;
    p.click("header details.more summary").await;
    p.click("header a[href='/admin/users']").await;
    p.fill("#user-search", "tech-").await;
    p.click("form.filters button[type=submit]").await;
    p.until("only the technician listed", "document.querySelectorAll('table.logins tbody tr').length === 1").await;
    let row = "table.logins tr[data-status=ACTIVE]";
    assert!(p.text(row).await.contains(&tech));
    p.click(&format!("{row} button.disable")).await;
    p.find("tr[data-status=DISABLED]").await;
    p.close().await;
    assert_eq!(
        error_code(
            &app.gql(
                None,
                "mutation($e:String!,$p:String!){ login(email:$e,password:$p){ __typename } }",
                json!({"e": tech, "p": "a technician's passphrase"})
            )
            .await
        ),
        "UNAUTHENTICATED"
    );
}

/// On a site with no signal the contractor takes a photo and writes a note: both wait on the
/// phone (IndexedDB) with the time taken and where; when the link half returns (the server gets
/// the photo but its answer is lost) and then fully, each reaches the job exactly once, in order,
/// without the person doing anything. The photo then opens from the job page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_and_a_note_taken_offline_reach_the_job_once_when_the_link_returns() {
    let app = TestApp::spawn_with(Backend::Sqlite, web()).await;
    let proxy = nrp_tests::proxy::Proxy::start(app.addr).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Field Mutual").await;
    let c = contractor(&app, &admin, "field", json!({"basePostcode": "2150"}), true).await;
    let (_, job) = won_job(&app, &admin, &key, &c).await;
    let photo = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..40_000u32).map(|i| (i % 251) as u8));
    std::fs::write(photo.path(), &png).unwrap();

    let p = Browser::start_sized(390, 844).await;
    // The person has let the app know where the phone is.
    p.cdp("Browser.grantPermissions", json!({"origin": proxy.base, "permissions": ["geolocation"]})).await.unwrap();
    p.cdp("Emulation.setGeolocationOverride", json!({"latitude": -33.8151, "longitude": 151.0012, "accuracy": 9}))
        .await
        .unwrap();
    p.sign_in(&proxy.base, &c.email, CONTRACTOR_PASSWORD).await;
    p.goto(&format!("{}/jobs/{job}", proxy.base)).await;
    p.find("#job-title").await;

    proxy.cut();
    let input = p.find("input#photo").await;
    input.send_keys(&photo.path().display().to_string()).await.unwrap();
    p.fill("#note", "Ceiling soaked, meter reads 38%").await;
    p.click("form.inline button[type=submit]").await;
    p.until("both wait on the phone", "document.querySelectorAll('.queue li[data-queue-state=waiting]').length === 2")
        .await;
    let queue = p.text(".queue").await;
    assert!(queue.contains("Photo") && queue.contains("Note") && queue.contains("taken"), "{queue}");
    // Kept in IndexedDB, not only on the screen.
    let kept = p
        .run_async(
            "const done = arguments[0]; const r = indexedDB.open('nrp-field'); \
             r.onsuccess = () => { const q = r.result.transaction('queue').objectStore('queue').getAll(); \
             q.onsuccess = () => done(q.result.map(x => ({ meta: JSON.parse(x.meta), file: x.file ? x.file.size : null }))); };",
        )
        .await;
    assert_eq!(kept.as_array().unwrap().len(), 2, "{kept}");
    assert_eq!(kept[0]["file"], png.len(), "the photo's bytes are on the phone: {kept}");
    assert_eq!(kept[0]["meta"]["position"][0], -33.8151, "{kept}");
    assert_eq!(kept[1]["meta"]["note"], "Ceiling soaked, meter reads 38%");

    // The link half returns: the server stores the photo, its answer is lost.
    proxy.lose_answers();
    p.click(".queue button").await;
    let files = "query($id:ID!){ job(id:$id){ attachments { id capturedAt position { latitude longitude accuracyMetres } } timeline { note capturedAt } } }";
    let stored = async {
        loop {
            let j = app.ok(Some(&admin), files, json!({"id": job})).await;
            if !j["job"]["attachments"].as_array().unwrap().is_empty() {
                return j;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), stored).await.expect("the server got the photo");
    assert_eq!(p.until("still waiting", "document.querySelectorAll('.queue li').length").await, json!(2));

    // The link returns (and the phone says so, as it does when its radio comes back): the queue
    // sends again by itself, and the resend is the same photo.
    proxy.restore();
    p.client.execute("window.dispatchEvent(new Event('online'))", vec![]).await.unwrap();
    p.until("the queue is empty", "!document.querySelector('.queue')").await;
    let j = app.ok(Some(&admin), files, json!({"id": job})).await;
    let attachments = j["job"]["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1, "the photo once: {j}");
    assert_eq!(attachments[0]["position"], json!({"latitude": -33.8151, "longitude": 151.0012, "accuracyMetres": 9.0}));
    assert!(attachments[0]["capturedAt"].is_string());
    let notes: Vec<&Value> = j["job"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["note"] == "Ceiling soaked, meter reads 38%")
        .collect();
    assert_eq!(notes.len(), 1, "the note once: {j}");
    assert!(notes[0]["capturedAt"].is_string());
    let left = p
        .run_async(
            "const done = arguments[0]; const r = indexedDB.open('nrp-field'); \
             r.onsuccess = () => { const q = r.result.transaction('queue').objectStore('queue').count(); q.onsuccess = () => done(q.result); };",
        )
        .await;
    assert_eq!(left, json!(0), "nothing left on the phone");

    // The photo opens from the job page, through the guarded download.
    let name = photo.path().file_name().unwrap().to_string_lossy().to_string();
    p.until(
        "the photo is listed",
        &format!("document.querySelector('.files') && document.querySelector('.files').textContent.includes('{name}')"),
    )
    .await;
    p.click("button.open-file").await;
    let tabs = async {
        loop {
            if p.client.windows().await.unwrap().len() == 2 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), tabs).await.expect("the photo opened in a new tab");
    assert!(p.client.find_all(fantoccini::Locator::Css(".files .error")).await.unwrap().is_empty());
    p.close().await;
}
