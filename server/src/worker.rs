//! Background work each instance runs: expiring offers (and cascading to the next candidates),
//! routing leads left `NEW` by an instance that died mid-intake, flagging overdue jobs, and
//! delivering partner webhooks from the outbox. Every step is exactly-once
//! across instances (see `services::offers`), so all instances can run it at the same time.

use std::sync::Arc;

use crate::context::AppContext;
use crate::services::{jobs, offers, payouts, webhooks};

/// Runs until the task is aborted (when the server stops).
pub async fn run(ctx: Arc<AppContext>) {
    let http = reqwest::Client::builder().user_agent("NRP-CRM-Webhooks/1").build().unwrap_or_default();
    let mut tick = tokio::time::interval(ctx.config.expiry_sweep_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stranded_every = 0u32;
    loop {
        tick.tick().await;
        match offers::expire_due(&ctx).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "expired offers"),
            Err(e) => tracing::error!(error = ?e, "expiring offers failed"),
        }
        if let Err(e) = webhooks::deliver_due(&ctx, &http).await {
            tracing::error!(error = ?e, "delivering webhooks failed");
        }
        stranded_every += 1;
        if stranded_every >= 20 {
            stranded_every = 0;
            if let Err(e) = offers::route_stranded(&ctx).await {
                tracing::error!(error = ?e, "routing stranded leads failed");
            }
            match jobs::flag_overdue(&ctx).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(flagged = n, "jobs flagged overdue"),
                Err(e) => tracing::error!(error = ?e, "flagging overdue jobs failed"),
            }
        }
    }
}

/// Runs a payout batch every `PAYOUT_BATCH_INTERVAL_SECS`, when set. Every instance may run it:
/// each payout is leased by one batch at a time, and transfers carry idempotency keys.
pub async fn run_payout_schedule(ctx: Arc<AppContext>) {
    let Some(every) = ctx.config.payout_batch_interval else { return };
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        if ctx.payments.is_none() {
            continue;
        }
        match payouts::run_scheduled_batch(&ctx).await {
            Ok(b) if b.considered == 0 => {}
            Ok(b) => {
                tracing::info!(batch = %b.id, paid = b.paid, failed = b.failed, unresolved = b.unresolved, "payout batch")
            }
            Err(e) => tracing::error!(error = ?e, "payout batch failed"),
        }
    }
}
