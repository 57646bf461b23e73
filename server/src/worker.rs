//! Background work each instance runs, each kind in its own task so that none can hold up
//! another: expiring offers (and cascading to the next candidates); routing leads left `NEW` by
//! an instance that died mid-intake and flagging overdue jobs; delivering partner webhooks from
//! the outbox; sending notifications (push, SMS, email) from theirs; scheduled payout batches;
//! recomputing the performance scores the window moved past. Every step is exactly-once across
//! instances (see `services::offers`, `services::webhooks`, `services::payouts`) or idempotent
//! (`services::scoring`), so all instances run them.
//!
//! Webhooks go out concurrently from a bounded pool, with a cap per partner: a partner whose
//! endpoint never answers ties up at most its own share of the pool, for at most the send
//! timeout per delivery, and the other partners' deliveries go on beside it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::context::AppContext;
use crate::services::{jobs, notifications, offers, payouts, scoring, webhooks};

/// Starts every background task; abort the handles to stop them.
pub fn spawn_all(ctx: &Arc<AppContext>) -> Vec<JoinHandle<()>> {
    vec![
        tokio::spawn(run_offer_expiry(Arc::clone(ctx))),
        tokio::spawn(run_maintenance(Arc::clone(ctx))),
        tokio::spawn(run_webhook_delivery(Arc::clone(ctx))),
        tokio::spawn(run_notification_delivery(Arc::clone(ctx))),
        tokio::spawn(run_payout_schedule(Arc::clone(ctx))),
        tokio::spawn(run_score_sweep(Arc::clone(ctx))),
        tokio::spawn(run_network_refresh(Arc::clone(ctx))),
    ]
}

/// Keeps this instance's routing network current (read whole at start, then what settled each
/// second, and whole again every few minutes), so routing runs read only the last few seconds.
pub async fn run_network_refresh(ctx: Arc<AppContext>) {
    let mut tick = every(crate::services::routing::network::REFRESH_EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = ctx.network.refresh(&ctx.db).await {
            tracing::warn!(error = %e, "refreshing the routing network failed");
        }
    }
}

fn every(period: std::time::Duration) -> tokio::time::Interval {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick
}

/// Expires offers past their deadline and offers their leads to the next candidates.
pub async fn run_offer_expiry(ctx: Arc<AppContext>) {
    let mut tick = every(ctx.config.expiry_sweep_interval);
    loop {
        tick.tick().await;
        match offers::expire_due(&ctx).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "expired offers"),
            Err(e) => tracing::error!(error = ?e, "expiring offers failed"),
        }
    }
}

/// Less urgent sweeps: leads stranded in `NEW`, jobs overdue for contact or idle, the
/// performance scores batch work marked, and (hourly) certifications about to expire.
pub async fn run_maintenance(ctx: Arc<AppContext>) {
    let mut tick = every(ctx.config.expiry_sweep_interval.saturating_mul(20));
    let mut certificates_checked: Option<tokio::time::Instant> = None;
    loop {
        tick.tick().await;
        // Certifications about to expire: hourly is often enough for a 30-day warning.
        if certificates_checked.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(3600)) {
            certificates_checked = Some(tokio::time::Instant::now());
            if let Err(e) = notifications::staff::certificates_expiring(&ctx).await {
                tracing::error!(error = ?e, "warning of expiring certifications failed");
            }
        }
        if let Err(e) = offers::route_stranded(&ctx).await {
            tracing::error!(error = ?e, "routing stranded leads failed");
        }
        match jobs::flag_overdue(&ctx).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(flagged = n, "jobs flagged overdue"),
            Err(e) => tracing::error!(error = ?e, "flagging overdue jobs failed"),
        }
        if let Err(e) = scoring::rescore_dirty(&ctx).await {
            tracing::error!(error = ?e, "recomputing marked performance scores failed");
        }
    }
}

/// Performance scores the rolling window moved past, and the network's medians: every
/// `SCORE_SWEEP_SECS`, the first a few minutes after start (spread over a minute, so instances
/// started together do not sweep together; one restarted often still sweeps). Events rescore as
/// they happen.
pub async fn run_score_sweep(ctx: Arc<AppContext>) {
    let period = ctx.config.score_sweep_interval;
    let spread = std::time::Duration::from_millis(rand::random::<u64>() % 60_000);
    let first = period.min(std::time::Duration::from_secs(300)) + spread;
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + first, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match scoring::sweep(&ctx).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rescored = n, "performance scores recomputed"),
            Err(e) => tracing::error!(error = ?e, "recomputing performance scores failed"),
        }
    }
}

/// Deliveries in flight on this instance: how many per partner, and which.
#[derive(Default)]
struct InFlight(Mutex<(HashMap<Uuid, usize>, HashSet<Uuid>)>);

impl InFlight {
    fn saturated(&self, cap: usize) -> Vec<Uuid> {
        self.0.lock().map(|m| m.0.iter().filter(|(_, n)| **n >= cap).map(|(p, _)| *p).collect()).unwrap_or_default()
    }

    /// Counts one more for `partner` unless it is at `cap` or this delivery is already going.
    fn try_start(&self, partner: Uuid, delivery: Uuid, cap: usize) -> bool {
        let Ok(mut m) = self.0.lock() else { return false };
        let (counts, ids) = &mut *m;
        let n = counts.entry(partner).or_default();
        if *n >= cap || ids.contains(&delivery) {
            return false;
        }
        *n += 1;
        ids.insert(delivery);
        true
    }

    fn finish(&self, partner: Uuid, delivery: Uuid) {
        if let Ok(mut m) = self.0.lock() {
            let (counts, ids) = &mut *m;
            ids.remove(&delivery);
            if let Some(n) = counts.get_mut(&partner) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    counts.remove(&partner);
                }
            }
        }
    }
}

/// Claims due webhook deliveries and sends each in its own task, within the pool and the
/// per-partner cap; never waits for a send to finish before claiming the next.
pub async fn run_webhook_delivery(ctx: Arc<AppContext>) {
    let policy = crate::outbound::OutboundPolicy::for_production(ctx.config.is_production());
    let http = match policy.client("NRP-CRM-Webhooks/1", ctx.config.webhook_timeout) {
        Ok(c) => c,
        Err(e) => {
            // Never fall back to an unguarded client: deliveries wait in the outbox instead.
            tracing::error!(error = %e, "cannot build the webhook client; no webhooks will be sent");
            return;
        }
    };
    let pool = Arc::new(Semaphore::new(ctx.config.webhook_concurrency));
    let cap = ctx.config.webhook_partner_concurrency;
    let in_flight = Arc::new(InFlight::default());
    // Owned here, so stopping this task stops its sends too.
    let mut sends = tokio::task::JoinSet::new();
    let mut tick = every(ctx.config.expiry_sweep_interval);
    loop {
        tick.tick().await;
        while sends.try_join_next().is_some() {}
        // Claim in passes: a partner that fills up during one pass is left out of the next, so
        // its backlog cannot take the whole window while the pool has room for others.
        for _pass in 0..3 {
            let free = pool.available_permits();
            if free == 0 {
                break;
            }
            let due = match webhooks::due(&ctx, &in_flight.saturated(cap), (free * 2) as u64).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(error = ?e, "reading due webhooks failed");
                    break;
                }
            };
            if due.is_empty() {
                break;
            }
            for d in due {
                let Ok(permit) = Arc::clone(&pool).try_acquire_owned() else { break };
                let (partner, id) = (d.partner_id, d.id);
                if !in_flight.try_start(partner, id, cap) {
                    continue;
                }
                let claim = match webhooks::claim(&ctx, &d).await {
                    Ok(Some(c)) => c,
                    Ok(None) => {
                        in_flight.finish(partner, id);
                        continue;
                    }
                    Err(e) => {
                        in_flight.finish(partner, id);
                        tracing::error!(error = ?e, "claiming a webhook delivery failed");
                        continue;
                    }
                };
                let (ctx, http, in_flight) = (Arc::clone(&ctx), http.clone(), Arc::clone(&in_flight));
                sends.spawn(async move {
                    if let Err(e) = webhooks::send(&ctx, &http, d, claim).await {
                        tracing::error!(error = ?e, "recording a webhook delivery failed");
                    }
                    in_flight.finish(partner, id);
                    drop(permit);
                });
            }
        }
    }
}

/// Claims due notifications and sends each in its own task, at most `NOTIFY_CONCURRENCY` at
/// once. Wakes at once when this instance queues one (an offer's push must not wait for a
/// sweep), and otherwise sweeps for what other instances queued, retries and reminders.
pub async fn run_notification_delivery(ctx: Arc<AppContext>) {
    let pool = Arc::new(Semaphore::new(ctx.config.notify_concurrency.max(1)));
    let mut sends = tokio::task::JoinSet::new();
    let mut tick = every(ctx.config.expiry_sweep_interval);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = ctx.notifications_queued.notified() => {}
        }
        while sends.try_join_next().is_some() {}
        loop {
            let free = pool.available_permits();
            if free == 0 {
                break;
            }
            let due = match notifications::due(&ctx, free as u64).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(error = ?e, "reading due notifications failed");
                    break;
                }
            };
            let full = due.len() == free;
            let mut claimed = 0;
            for n in due {
                let Ok(permit) = Arc::clone(&pool).try_acquire_owned() else { break };
                let claim = match notifications::claim(&ctx, &n).await {
                    Ok(Some(c)) => c,
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::error!(error = ?e, "claiming a notification failed");
                        continue;
                    }
                };
                claimed += 1;
                let ctx = Arc::clone(&ctx);
                sends.spawn(async move {
                    if let Err(e) = notifications::deliver(&ctx, n, claim).await {
                        tracing::error!(error = ?e, "recording a notification failed");
                    }
                    drop(permit);
                });
            }
            // More may be waiting: take them now rather than at the next sweep.
            if !full || claimed == 0 {
                break;
            }
        }
    }
}

/// Runs a payout batch every `PAYOUT_BATCH_INTERVAL_SECS`, when set. Every instance may run it:
/// each payout is leased by one batch at a time, and transfers carry idempotency keys.
pub async fn run_payout_schedule(ctx: Arc<AppContext>) {
    let Some(period) = ctx.config.payout_batch_interval else { return };
    let mut tick = every(period);
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
