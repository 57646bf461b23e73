//! `/admin/partners/{id}`: a partner's webhook — its URL, a new signing secret (shown once) — and
//! the delivery log: every event sent, each attempt with its answer, the dead letters, and
//! "deliver again" for those.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, deliveries, partner_page};
use crate::lists::{DayRange, PAGE, Paged, choice, text};
use crate::nav::{self, A};
use crate::page_of;
use crate::route::Route;
use crate::ui::{ErrorBox, Load, constant, fetch_into, label, shown, when};

type Delivery = deliveries::DeliveriesWebhookDeliveriesNodes;

#[component]
pub fn PartnerPage() -> impl IntoView {
    // `/admin/partners/me`: a partner user's own (the server answers a partner only for itself).
    let id = move || match nav::route() {
        Route::Partner(id) => Some(id),
        _ => None,
    };
    let state = RwSignal::new(Load::<partner_page::PartnerPagePartner>::Loading);
    let load = move || {
        let id = id();
        fetch_into(state, async move {
            api::call::<gql::PartnerPage>(partner_page::Variables { id }).await.map(|d| d.partner)
        });
    };
    Effect::new(move |_| load());
    let reload = Callback::new(move |_| load());
    view! {
        <section class="page" aria-labelledby="partner-title">
            {move || crate::session::is_admin().then(|| view! { <p><A to=Route::Partners>"← Partners"</A></p> })}
            {shown(state, "the partner", reload, move |p| view! {
                <h1 id="partner-title">{p.name.clone()} <span class="muted">{format!(" · {}", label(&constant(&p.kind)))}</span></h1>
                <Webhook partner_id=p.id.clone() url=p.webhook_url.clone() />
                <DeliveryLog partner_id=p.id.clone() />
            }.into_any())}
        </section>
    }
}

/// The endpoint and its signing secret: saving a URL (or rotating) makes a new secret, shown
/// here once (the page is not reloaded, so it stays in view).
#[component]
fn Webhook(partner_id: String, url: Option<String>) -> impl IntoView {
    let typed = RwSignal::new(url.clone().unwrap_or_default());
    let secret = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let has_url = RwSignal::new(url.is_some());
    // One change at a time: two racing saves could leave a secret on screen that the second
    // already replaced.
    let busy = RwSignal::new(false);
    let save = move |to: Option<String>| {
        if busy.get_untracked() {
            return;
        }
        let vars = gql::set_webhook::Variables { partner: Some(partner_id.clone()), url: to };
        error.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::call::<gql::SetWebhook>(vars).await {
                Ok(d) => {
                    let saved = d.set_partner_webhook.partner.webhook_url;
                    has_url.set(saved.is_some());
                    typed.set(saved.unwrap_or_default());
                    secret.set(d.set_partner_webhook.secret);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let submit = {
        let save = save.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let u = typed.get_untracked().trim().to_string();
            if u.is_empty() {
                return error
                    .set(Some(ApiError::on_field("url", "enter the https:// address NRP should post events to")));
            }
            save(Some(u));
        }
    };
    let url_error = move || error.with(|e| e.as_ref().and_then(|e| e.for_field("url")));
    let remove = save.clone();
    view! {
        <section class="card webhook" aria-labelledby="webhook-h">
            <h2 id="webhook-h">"Webhook"</h2>
            {move || secret.get().map(|s| view! {
                <div class="banner" role="alert">
                    <p><strong>"The new signing secret. Copy it to the partner now: it is not shown again."</strong></p>
                    <code class="secret">{s}</code>
                </div>
            })}
            <form class="filters" novalidate on:submit=submit>
                <div class="field" class:invalid=move || url_error().is_some()>
                    <label for="webhook-url">"Endpoint (https://…)"</label>
                    <input id="webhook-url" type="url" aria-describedby="webhook-url-error"
                        prop:value=typed on:input=move |ev| typed.set(event_target_value(&ev)) />
                    <p class="field-error" id="webhook-url-error" aria-live="polite">{url_error}</p>
                </div>
                <button type="submit" class="small" disabled=move || busy.get()>{move || if has_url.get() { "Save and rotate the secret" } else { "Save" }}</button>
                <Show when=move || has_url.get()>
                    <button type="button" class="small secondary remove-webhook" on:click={
                        let remove = remove.clone();
                        move |_| remove(None)
                    }>"Remove the webhook"</button>
                </Show>
            </form>
            {move || error.get().filter(|e| e.for_field("url").is_none()).map(|e| view! { <ErrorBox error=e /> })}
        </section>
    }
}

/// The log, newest first, a page at a time ("Load more"), filtered by status ("Dead letters"
/// shows only those that ran out of attempts) and by the days the events were written; "Export
/// CSV" downloads what it shows.
#[component]
fn DeliveryLog(partner_id: String) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    // The CSV names the partner (an admin's view of any partner; a partner's own is the same id).
    let partner = RwSignal::new(partner_id);
    let list = Paged::<Delivery>::default();
    let notice = RwSignal::new(None::<String>);
    let fetch = move |after: Option<String>, first: i64| {
        let vars = deliveries::Variables {
            partner: text(partner),
            status: choice(status),
            from: text(from),
            to: text(to),
            after: after.clone(),
            first: Some(first),
        };
        let params = vec![("partnerId", partner), ("status", status), ("from", from), ("to", to)];
        list.load(after, params, |_| async move {
            Ok(page_of!(api::call::<gql::Deliveries>(vars).await?.webhook_deliveries))
        });
    };
    let load = move |after: Option<String>| fetch(after, PAGE);
    load(None);
    // After "deliver again", the rows shown again where they were.
    let reload = Callback::new(move |_| fetch(None, list.extent()));
    let export_error = RwSignal::new(None::<ApiError>);
    let export = move |_| list.export("deliveries", export_error);
    let rows = list.rows;
    view! {
        <section class="card" aria-labelledby="log-h">
            <h2 id="log-h">"Deliveries"</h2>
            <form class="filters" role="search" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(None); }>
                <div class="field"><label for="log-status">"Show"</label>
                <select id="log-status" on:change=move |ev| { status.set(event_target_value(&ev)); load(None); }>
                    <option value="">"All"</option>
                    <option value="FAILED">"Dead letters"</option>
                    <option value="PENDING">"Waiting to send"</option>
                    <option value="DELIVERED">"Delivered"</option>
                </select></div>
                <DayRange id="log" what="Sent" from to error=list.field_error("createdTo") on_change=Callback::new(move |_| load(None)) />
                <button type="button" class="small secondary export" on:click=export>"Export CSV"</button>
            </form>
            {move || notice.get().map(|n| view! { <p class="banner" role="status">{n}</p> })}
            {move || export_error.get().map(|e| view! { <ErrorBox error=e /> })}
            {move || (!rows.with(Vec::is_empty)).then(|| view! {
                <div class="table-wrap"><table class="deliveries">
                    <thead><tr><th scope="col">"Sent"</th><th scope="col">"Event"</th><th scope="col">"Status"</th>
                        <th scope="col">"Attempts"</th><th scope="col">"Last answer"</th><th scope="col"></th></tr></thead>
                    <tbody>
                        {rows.get().into_iter().map(|d| view! { <DeliveryRow d notice reload /> }).collect_view()}
                    </tbody>
                </table></div>
            })}
            {list.foot("deliveries", &["createdTo"], Callback::new(move |_| load(None)), Callback::new(move |c| load(Some(c))))}
        </section>
    }
}

#[component]
fn DeliveryRow(d: Delivery, notice: RwSignal<Option<String>>, reload: Callback<()>) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    use deliveries::DeliveryStatus as S;
    let dead = matches!(d.status, S::FAILED);
    let status = constant(&d.status);
    let id = d.id.clone();
    let again = move |_| {
        let vars = gql::redeliver::Variables { id: id.clone() };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::call::<gql::Redeliver>(vars).await {
                Ok(_) => {
                    notice.set(Some("Sent again: a new round of attempts has started.".into()));
                    reload.run(());
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let last = match (d.last_status_code, d.last_error.clone()) {
        (Some(code), Some(e)) => format!("HTTP {code}: {e}"),
        (Some(code), None) => format!("HTTP {code}"),
        (None, Some(e)) => e,
        (None, None) => "—".into(),
    };
    view! {
        <tr data-delivery=d.id.clone() data-status=status.clone()>
            <td>{when(&d.created_at)}</td>
            <td><code>{d.event_type.clone()}</code></td>
            <td>{if dead { "Dead letter".to_string() } else { label(&status) }}
                {d.delivered_at.clone().map(|t| view! { <br/><span class="muted">{when(&t)}</span> })}
                {d.next_attempt_at.clone().filter(|_| matches!(d.status, S::PENDING)).map(|t| view! { <br/><span class="muted">{format!("next try {}", when(&t))}</span> })}</td>
            <td>{d.attempts}</td>
            <td>{last}
                <details><summary>"Attempts and body"</summary>
                    <ol class="attempts">
                        {d.attempt_log.iter().map(|a| view! {
                            <li>{format!("#{} {} · {} · {} ms{}", a.attempt, when(&a.at),
                                a.status_code.map(|c| format!("HTTP {c}")).unwrap_or_else(|| "no answer".into()), a.duration_ms,
                                a.error.clone().map(|e| format!(" · {e}")).unwrap_or_default())}</li>
                        }).collect_view()}
                    </ol>
                    <pre>{d.payload.clone()}</pre>
                </details></td>
            <td>{dead.then(|| view! {
                <button class="small redeliver" disabled=move || busy.get() on:click=again>"Deliver again"</button>
            })}
                {move || error.get().map(|e| view! { <ErrorBox error=e /> })}</td>
        </tr>
    }
}
