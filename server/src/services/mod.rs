//! The business rules. Each public function is one transaction and is instrumented with tracing;
//! every successful change writes its audit entry inside that same transaction.

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod claims;
pub mod contractors;
pub mod csv_out;
pub mod cursor;
pub mod dashboard;
pub mod demo;
mod demo_history;
pub mod jobs;
pub mod leads;
pub mod missed;
pub mod notifications;
pub mod offers;
pub mod partners;
pub mod payouts;
pub mod postcodes;
pub mod returns;
pub mod routing;
pub mod scoring;
pub mod search;
pub mod second_factor;
pub mod stripe;
pub mod users;
pub mod webhooks;

use sea_orm::DatabaseTransaction;

use crate::context::AppContext;
use crate::error::ServiceResult;
use crate::events::Event;

/// Ends a change: writes the partner webhooks and the notifications its events call for into
/// their outboxes (same transaction), commits, then tells live subscribers and wakes this
/// instance's notification sender. Every change with events goes through here, so the durable
/// record, the messages and the live events never disagree.
pub(crate) async fn commit(ctx: &AppContext, txn: DatabaseTransaction, events: Vec<Event>) -> ServiceResult<()> {
    webhooks::enqueue_events(&txn, &events).await?;
    let queued = notifications::for_events(ctx, &txn, &events).await?;
    txn.commit().await?;
    if queued > 0 {
        ctx.notifications_queued.notify_one();
    }
    ctx.bus.publish(events).await;
    Ok(())
}
