//! The contractor's live offer inbox: offers arrive over the `leadOffers` subscription with a
//! sound and a banner, count down to their expiry, and grey out at once (with the reason) when
//! taken, expired or withdrawn. The socket's state is always on screen.

use leptos::prelude::*;

use crate::api;
use crate::gql::{self, lead_offers};
use crate::nav;
use crate::push::{self, AlertState};
use crate::route::Route;
use crate::ui::{Cents, ErrorBox, constant, countdown, fixed, label, money, ms};
use crate::ws::{self, LinkState};
use lead_offers::{OfferEventKind, OfferStatus};

#[derive(Clone)]
struct Item {
    id: String,
    lead_id: String,
    status: OfferStatus,
    reason: Option<String>,
    expires_ms: f64,
    suburb: String,
    state: String,
    postcode: String,
    damage: String,
    urgency: String,
    value_cents: Option<Cents>,
    distance_km: Option<f64>,
    description: String,
    terms: Option<[f64; 5]>,
}

fn item(o: lead_offers::LeadOffersLeadOffersOffer) -> Item {
    Item {
        id: o.id,
        lead_id: o.lead.id.clone(),
        status: o.status,
        reason: None,
        expires_ms: ms(&o.expires_at),
        suburb: o.lead.suburb,
        state: o.lead.state,
        postcode: o.lead.postcode,
        damage: constant(&o.lead.damage_type),
        urgency: constant(&o.lead.urgency),
        value_cents: o.lead.estimated_value_cents,
        distance_km: o.distance_km,
        description: o.lead.description,
        terms: o.terms.map(|t| [t.performance, t.response, t.availability, t.satisfaction, t.score]),
    }
}

fn reason_for(kind: &OfferEventKind) -> Option<&'static str> {
    match kind {
        OfferEventKind::TAKEN => Some("Another contractor accepted this job first."),
        OfferEventKind::EXPIRED => Some("This offer expired."),
        OfferEventKind::WITHDRAWN => Some("NRP withdrew this offer."),
        OfferEventKind::ACCEPTED => Some("You accepted this job."),
        OfferEventKind::DECLINED => Some("You declined this offer."),
        OfferEventKind::OFFERED | OfferEventKind::Other(_) => None,
    }
}

fn is_open(s: &OfferStatus) -> bool {
    matches!(s, OfferStatus::OPEN)
}

/// A short two-tone chime through Web Audio (no file to download).
fn chime() {
    let Ok(ctx) = web_sys::AudioContext::new() else { return };
    let _ = ctx.resume();
    for (i, freq) in [880.0_f32, 1320.0].into_iter().enumerate() {
        let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else { return };
        osc.frequency().set_value(freq);
        let start = ctx.current_time() + i as f64 * 0.18;
        gain.gain().set_value(0.0);
        let _ = gain.gain().set_value_at_time(0.25, start);
        let _ = gain.gain().linear_ramp_to_value_at_time(0.0, start + 0.16);
        let _ = osc.connect_with_audio_node(&gain);
        let _ = gain.connect_with_audio_node(&ctx.destination());
        let _ = osc.start_with_when(start);
        let _ = osc.stop_with_when(start + 0.17);
    }
}

fn set_title(t: &str) {
    if let Some(d) = web_sys::window().and_then(|w| w.document()) {
        d.set_title(t);
    }
}

#[component]
pub fn OffersPage() -> impl IntoView {
    let items = RwSignal::new(Vec::<Item>::new());
    let link = RwSignal::new(LinkState::Connecting);
    let banner = RwSignal::new(None::<String>);
    let now = RwSignal::new(js_sys::Date::now());
    if let Ok(h) = set_interval_with_handle(move || now.set(js_sys::Date::now()), std::time::Duration::from_secs(1)) {
        on_cleanup(move || h.clear());
    }
    on_cleanup(|| set_title("NRP CRM"));
    // `/offers/{id}`: the offer an alert pointed to.
    let focus = Memo::new(|_| match nav::route() {
        Route::Offer(id) => Some(id),
        _ => None,
    });

    ws::subscribe::<gql::LeadOffers>(lead_offers::Variables, link, move |data| {
        let ev = data.lead_offers;
        let kind = ev.kind;
        let offered = matches!(kind, OfferEventKind::OFFERED);
        let mut it = item(ev.offer);
        if !offered {
            it.reason = reason_for(&kind).map(String::from);
        }
        let mut fresh = false;
        // Seen: the offer a notification opened, or any open offer shown on a visible page.
        if is_open(&it.status) && (push::page_visible() || focus.get_untracked().as_deref() == Some(it.id.as_str())) {
            push::mark_seen(it.id.clone());
        }
        items.update(|list| match list.iter_mut().find(|x| x.id == it.id) {
            Some(x) => {
                x.status = it.status.clone();
                if it.reason.is_some() {
                    x.reason = it.reason.clone();
                }
            }
            None => {
                fresh = is_open(&it.status);
                list.insert(0, it.clone());
            }
        });
        if fresh && offered {
            chime();
            let text = format!("New offer: {} damage in {}", label(&it.damage).to_lowercase(), it.suburb);
            set_title(&format!("● {text} — NRP CRM"));
            banner.set(Some(text));
        }
    });

    let open_count =
        move || items.with(|l| l.iter().filter(|i| is_open(&i.status) && i.expires_ms > now.get()).count());
    view! {
        <section class="page" aria-labelledby="offers-title">
            <div class="page-head">
                <h1 id="offers-title">"Offers"</h1>
                <LinkBadge link />
            </div>
            <AlertsToggle />
            {move || banner.get().map(|b| view! {
                <div class="banner" role="alert" on:click=move |_| { banner.set(None); set_title("NRP CRM"); }>
                    <strong>{b}</strong> <span class="muted">" (tap to dismiss)"</span>
                </div>
            })}
            <p class="muted" aria-live="polite">{move || match open_count() {
                0 => "No open offers right now. New ones appear here as they arrive.".to_string(),
                1 => "1 open offer".to_string(),
                n => format!("{n} open offers"),
            }}</p>
            <ul class="offers" aria-label="Offers">
                {move || items.get().into_iter().map(|i| {
                    let focused = focus.get().as_deref() == Some(i.id.as_str());
                    view! { <OfferCard item=i now items banner focused /> }
                }).collect_view()}
            </ul>
            <MissedLeads />
        </section>
    }
}

/// The leads of the last 30 days in the company's area that it did not get, and why; read when
/// asked for, a page at a time.
#[component]
fn MissedLeads() -> impl IntoView {
    use gql::missed_leads;
    let list = crate::lists::Paged::<missed_leads::MissedLeadsMissedLeadsNodes>::default();
    let asked = RwSignal::new(false);
    let load = move |after: Option<String>| {
        asked.set(true);
        let vars = missed_leads::Variables { after: after.clone() };
        list.load(after, Vec::new(), |_| async move {
            Ok(crate::page_of!(api::call::<gql::MissedLeads>(vars).await?.missed_leads))
        });
    };
    let why = |m: &missed_leads::MissedLeadsMissedLeadsNodes| -> String {
        let score = |s: Option<f64>| s.map(|s| fixed(s, 2)).unwrap_or_else(|| "–".into());
        let vs = format!("your score {} against {}", score(m.your_score), score(m.winning_score));
        use missed_leads::MissedOutcome as O;
        match &m.outcome {
            O::DECLINED => format!("You declined it ({vs})"),
            O::EXPIRED => format!("Your offer expired unanswered ({vs})"),
            O::TAKEN => format!("Another company accepted first ({vs})"),
            O::WITHDRAWN => "Your offer was withdrawn (assigned by NRP or cancelled)".into(),
            O::OPEN => "Your offer is still open".into(),
            O::OUTRANKED => {
                format!("Ranked {} ({vs}); the offers went to higher scores", m.your_rank.unwrap_or_default())
            }
            O::EXCLUDED => {
                format!("Left out: {}", m.exclusion_reason.as_ref().map(|r| label(&constant(r))).unwrap_or_default())
            }
            O::NOT_LISTED | O::Other(_) => "You were not among the companies routing listed".into(),
        }
    };
    view! {
        <section class="card" aria-labelledby="missed-h">
            <details on:toggle=move |_| if !asked.get_untracked() { load(None) }>
                <summary id="missed-h">"Leads you missed (30 days)"</summary>
                <ul class="missed">
                    {move || list.rows.get().into_iter().map(|m| {
                        let text = why(&m);
                        view! { <li>
                            <strong>{format!("{} {}", m.suburb, m.postcode)}</strong>
                            {format!(" · {} · {}", label(&constant(&m.damage_type)), label(&constant(&m.urgency)))}
                            <br /><span class="muted">{text}</span>
                        </li> }
                    }).collect_view()}
                </ul>
                {list.foot_saying("missed leads", Some("None: every lead in your area came to you."), &[],
                    Callback::new(move |_| load(None)), Callback::new(move |c| load(Some(c))))}
            </details>
        </section>
    }
}

#[component]
pub fn LinkBadge(link: RwSignal<LinkState>) -> impl IntoView {
    view! {
        <span class="link" data-state=move || match link.get() {
                LinkState::Live => "live", LinkState::Connecting => "connecting", LinkState::Offline(_) => "offline" }
            role="status" aria-live="polite">
            {move || match link.get() {
                LinkState::Live => "● Live".to_string(),
                LinkState::Connecting => "Connecting…".to_string(),
                LinkState::Offline(s) => format!("Offline — retrying in {s} s"),
            }}
        </span>
    }
}

/// "Turn on alerts": offers reach this phone even when the app is closed.
#[component]
fn AlertsToggle() -> impl IntoView {
    let state = RwSignal::new(None::<AlertState>);
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    leptos::task::spawn_local(async move { state.set(Some(push::state().await)) });
    let turn_on = move |_| {
        busy.set(true);
        problem.set(None);
        leptos::task::spawn_local(async move {
            if let Err(e) = push::turn_on().await {
                problem.set(Some(e));
            }
            state.set(Some(push::state().await));
            busy.set(false);
        });
    };
    view! {
        <div class="alerts" data-alerts=move || match state.get() {
            None => "", Some(AlertState::Unsupported) => "unsupported", Some(AlertState::Blocked) => "blocked",
            Some(AlertState::Off) => "off", Some(AlertState::On) => "on" }>
            {move || match state.get() {
                Some(AlertState::On) => view! { <p class="muted">"✓ Alerts are on for this device."</p> }.into_any(),
                Some(AlertState::Off) => view! {
                    <p>"Get offers on this phone even when the app is closed."</p>
                    <button class="secondary" id="turn-on-alerts" on:click=turn_on disabled=move || busy.get()>"Turn on alerts"</button>
                }.into_any(),
                Some(AlertState::Blocked) => view! {
                    <p class="muted">"Alerts are blocked for this site. Allow notifications in your browser's site settings to get offers when the app is closed."</p>
                }.into_any(),
                Some(AlertState::Unsupported) => view! {
                    <p class="muted">"This browser cannot show alerts. On iPhone, add the app to your Home Screen, then open it from there."</p>
                }.into_any(),
                None => view! { <span></span> }.into_any(),
            }}
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        </div>
    }
}

#[component]
fn OfferCard(
    item: Item,
    now: RwSignal<f64>,
    items: RwSignal<Vec<Item>>,
    banner: RwSignal<Option<String>>,
    focused: bool,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<api::ApiError>);
    let id = item.id.clone();
    let expires = item.expires_ms;
    let open = {
        let status = item.status.clone();
        move || is_open(&status) && expires > now.get()
    };
    let set_status = move |id: String, status: OfferStatus, reason: Option<String>| {
        items.update(|l| {
            if let Some(x) = l.iter_mut().find(|x| x.id == id) {
                x.status = status;
                x.reason = reason;
            }
        })
    };
    let accept = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            busy.set(true);
            error.set(None);
            leptos::task::spawn_local(async move {
                match api::call::<gql::AcceptOffer>(gql::accept_offer::Variables { id: id.clone() }).await {
                    Ok(d) => {
                        set_status(id, OfferStatus::ACCEPTED, Some("You accepted this job.".into()));
                        banner.set(None);
                        nav::go(&Route::Jobs { accepted: Some(d.accept_offer.job.id) });
                    }
                    Err(e) => {
                        if e.code == "CONFLICT" {
                            set_status(id, OfferStatus::TAKEN, Some(e.message.clone()));
                        }
                        error.set(Some(e));
                    }
                }
                busy.set(false);
            });
        }
    };
    let decline = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            busy.set(true);
            leptos::task::spawn_local(async move {
                match api::call::<gql::DeclineOffer>(gql::decline_offer::Variables { id: id.clone(), reason: None })
                    .await
                {
                    Ok(_) => set_status(id, OfferStatus::DECLINED, Some("You declined this offer.".into())),
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        }
    };
    let reason = item.reason.clone();
    let open_for_class = open.clone();
    let open_for_buttons = open.clone();
    let open_for_time = open.clone();
    let title = format!("{} damage — {}", label(&item.damage), item.suburb);
    view! {
        <li class="offer card" class:closed=move || !open_for_class() class:focused=focused data-offer=item.id.clone() data-lead=item.lead_id.clone() data-status=constant(&item.status)>
            <div class="offer-head">
                <h2>{title}</h2>
                <span class=format!("urgency u-{}", item.urgency.to_lowercase())>{label(&item.urgency)}</span>
            </div>
            <p class="muted">{format!("{} {} {}", item.suburb, item.state, item.postcode)}
                {item.distance_km.map(|d| format!(" · {} km away", fixed(d, 1)))}</p>
            <p>{item.description.clone()}</p>
            <dl class="facts">
                <dt>"Estimated value"</dt><dd>{item.value_cents.map(money).unwrap_or_else(|| "not given".into())}</dd>
                <dt>"Time left"</dt>
                <dd class="countdown" aria-live="off">{move || if open_for_time() { countdown(expires - now.get()) } else { "—".into() }}</dd>
            </dl>
            {item.terms.map(|t| view! {
                <details class="why">
                    <summary>"Why you got this offer"</summary>
                    <dl class="facts">
                        <dt>"Performance"</dt><dd>{fixed(t[0], 2)}</dd>
                        <dt>"Response speed"</dt><dd>{fixed(t[1], 2)}</dd>
                        <dt>"Availability"</dt><dd>{fixed(t[2], 2)}</dd>
                        <dt>"Customer satisfaction"</dt><dd>{fixed(t[3], 2)}</dd>
                        <dt>"Score"</dt><dd>{fixed(t[4], 3)}</dd>
                    </dl>
                </details>
            })}
            <p class="reason" role="status">{move || if open() { None } else {
                reason.clone().or_else(|| Some("This offer expired.".to_string()))
            }}</p>
            <Show when=open_for_buttons>
                <div class="actions">
                    <button class="accept" on:click=accept.clone() disabled=move || busy.get()>"Accept"</button>
                    <button class="secondary" on:click=decline.clone() disabled=move || busy.get()>"Decline"</button>
                </div>
            </Show>
            {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
        </li>
    }
}
