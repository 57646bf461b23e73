//! Live events. Each subscription reads the instance's in-process bus (fed from Redis when
//! configured); nothing here opens its own connection.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::{Context, Result, Subscription};
use futures_util::Stream;
use futures_util::stream::{self, BoxStream, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::types::job::JobUpdateEvent;
use super::types::lead::LeadUpdateEvent;
use super::types::offer::{LeadOfferEvent, Offer};
use super::types::{app, meta};
use super::{IntoGql, live};
use crate::context::AppContext;
use crate::error::ServiceError;
use crate::events::{Event, OfferEventKind, OfferSnapshot};
use crate::services;

#[derive(Default)]
pub struct Subscription;

fn offered(snapshots: Vec<OfferSnapshot>) -> Vec<LeadOfferEvent> {
    snapshots.into_iter().map(|s| LeadOfferEvent { kind: OfferEventKind::Offered.into(), offer: Offer(s) }).collect()
}

/// After a gap in the events: the offers opened meanwhile, and what became of the ones already
/// sent (`sent` becomes the offers open now).
async fn resync(app: &AppContext, cid: Uuid, sent: &mut HashSet<Uuid>) -> Vec<LeadOfferEvent> {
    let open = services::offers::open_for_contractor(app, cid).await.unwrap_or_default();
    let open_ids: HashSet<Uuid> = open.iter().map(|o| o.id).collect();
    let gone: Vec<Uuid> = sent.difference(&open_ids).copied().collect();
    let settled = services::offers::closed_since(app, cid, &gone).await.unwrap_or_default();
    let mut out: Vec<LeadOfferEvent> =
        settled.into_iter().map(|(kind, s)| LeadOfferEvent { kind: kind.into(), offer: Offer(s) }).collect();
    out.extend(offered(open.into_iter().filter(|o| !sent.contains(&o.id)).collect()));
    *sent = open_ids;
    out
}

#[Subscription]
impl Subscription {
    /// Your offers, live (contractors). First every offer still open for you (as `OFFERED`), then
    /// each event as it happens: a reconnect loses nothing.
    async fn lead_offers(&self, ctx: &Context<'_>) -> Result<BoxStream<'static, LeadOfferEvent>> {
        let m = meta(ctx);
        let cid = m.principal.acting_contractor("receive offers").gql()?;
        if let Some(event) = live::replayed::<LeadOfferEvent>(ctx) {
            return Ok(stream::once(async { event }).boxed());
        }
        let app: Arc<AppContext> = Arc::new(app(ctx).clone());
        // Subscribe before reading what is open, so nothing falls between the two.
        let rx = app.bus.subscribe();
        // Boxed for the same reason as `resync`: async-graphql keeps this resolver's future
        // beside the stream it returns.
        let open = Box::pin(services::offers::open_for_contractor(&app, cid)).await.gql()?;
        let sent: HashSet<Uuid> = open.iter().map(|o| o.id).collect();
        let initial = stream::iter(offered(open));
        let live = stream::unfold((rx, app, cid, sent), |(mut rx, app, cid, mut sent)| async move {
            loop {
                let missed = match rx.recv().await {
                    Ok(event) => match &*event {
                        Event::Offer { kind, offer } if offer.contractor_id == cid => {
                            if *kind == OfferEventKind::Offered {
                                if !sent.insert(offer.id) {
                                    continue; // already sent in the initial batch
                                }
                            } else {
                                sent.remove(&offer.id); // settled: nothing more to follow
                            }
                            let out = vec![LeadOfferEvent { kind: (*kind).into(), offer: Offer(offer.clone()) }];
                            return Some((out, (rx, app, cid, sent)));
                        }
                        Event::Resync => None,
                        _ => continue,
                    },
                    Err(RecvError::Lagged(missed)) => Some(missed),
                    Err(RecvError::Closed) => return None,
                };
                // Lagged behind the bus, or the bus itself missed events while Redis was away.
                tracing::warn!(?missed, "leadOffers subscriber resynchronising");
                // Boxed: inline, its database reads would make every idle subscription's
                // stream as large as they are (5 KB), for a path taken only after a gap.
                let out = Box::pin(resync(&app, cid, &mut sent)).await;
                return Some((out, (rx, app, cid, sent)));
            }
        })
        .flat_map(stream::iter);
        Ok(live::hand_off(ctx, initial, live))
    }

    /// Lead status changes, live: every lead for admins (`UNASSIGNED` ones are the queue to work),
    /// their own leads for partners.
    async fn lead_updates(&self, ctx: &Context<'_>) -> Result<BoxStream<'static, LeadUpdateEvent>> {
        let m = meta(ctx);
        if let crate::access::Scope::Contractor(_) = crate::access::scope(&m.principal).gql()? {
            return Err(ServiceError::Forbidden("lead updates are for admins and partners".into())).gql();
        }
        if let Some(event) = live::replayed::<LeadUpdateEvent>(ctx) {
            return Ok(stream::once(async { event }).boxed());
        }
        let principal = m.principal.clone();
        let events = bus(app(ctx).bus.subscribe(), "leadUpdates", move |event| match event {
            Event::Lead(u) if crate::access::records::sees_lead_update(&principal, u) => {
                Some(LeadUpdateEvent(u.clone()))
            }
            _ => None,
        });
        Ok(live::hand_off(ctx, stream::empty(), events))
    }

    /// Job moves and alerts, live: every job for admins (including `alert`s for jobs overdue for
    /// contact or idle), their own for contractors, their leads' jobs for partners.
    async fn job_updates(&self, ctx: &Context<'_>) -> Result<BoxStream<'static, JobUpdateEvent>> {
        let m = meta(ctx);
        m.principal.require_authenticated().gql()?;
        if let Some(event) = live::replayed::<JobUpdateEvent>(ctx) {
            return Ok(stream::once(async { event }).boxed());
        }
        let principal = m.principal.clone();
        let events = bus(app(ctx).bus.subscribe(), "jobUpdates", move |event| match event {
            Event::Job(u) if crate::access::records::sees_job_update(&principal, u) => Some(JobUpdateEvent(u.clone())),
            _ => None,
        });
        Ok(live::hand_off(ctx, stream::empty(), events))
    }
}

/// The bus as a stream of what `pick` keeps of each event (it decides who sees what). A
/// subscriber that falls behind is told in the log and goes on with the live events.
fn bus<T: Send + 'static>(
    rx: tokio::sync::broadcast::Receiver<Arc<Event>>,
    what: &'static str,
    pick: impl Fn(&Event) -> Option<T> + Send + Sync + 'static,
) -> impl Stream<Item = T> {
    let pick = Arc::new(pick);
    stream::unfold(rx, move |mut rx| {
        let pick = Arc::clone(&pick);
        async move {
            loop {
                match rx.recv().await {
                    Ok(event) => {
                        if let Some(out) = pick(&event) {
                            return Some((out, rx));
                        }
                    }
                    Err(RecvError::Lagged(missed)) => tracing::warn!(missed, subscription = what, "subscriber lagged"),
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    })
}
