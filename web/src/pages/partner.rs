//! `/admin/partners/{id}`: a partner's webhook — its URL, a new signing secret (shown once) — and
//! the delivery log: every event sent, each attempt with its answer, the dead letters, and
//! "deliver again" for those.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, deliveries, partner_page, retype};
use crate::nav::{self, A};
use crate::route::Route;
use crate::ui::{ErrorBox, Load, constant, fetch_into, fetch_latest, label, shown, when};

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

/// The log, newest first, 25 at a time; "Dead letters" shows only those that ran out of
/// attempts.
#[component]
fn DeliveryLog(partner_id: String) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<Delivery>::new());
    let state = RwSignal::new(Load::<(i64, Option<String>)>::Loading);
    let notice = RwSignal::new(None::<String>);
    // Each fetch is numbered; an answer to one the filter has since replaced is dropped.
    let generation = RwSignal::new(0u32);
    let fetch = {
        let partner_id = partner_id.clone();
        move |after: Option<String>| {
            if after.is_none() {
                generation.update(|g| *g += 1);
            }
            let mine = generation.get_untracked();
            let st = status.get_untracked();
            let vars = deliveries::Variables {
                partner: Some(partner_id.clone()),
                status: (!st.is_empty()).then(|| retype(&st)).flatten(),
                after: after.clone(),
            };
            let current = move || generation.try_get_untracked() == Some(mine);
            fetch_latest(state, current, async move {
                let d = api::call::<gql::Deliveries>(vars).await?.webhook_deliveries;
                if !current() {
                    return Ok((0, None)); // replaced by a newer filter; dropped unseen
                }
                if after.is_none() {
                    rows.set(d.nodes);
                } else {
                    rows.update(|r| r.extend(d.nodes));
                }
                Ok((d.total_count, d.page_info.has_next_page.then_some(d.page_info.end_cursor).flatten()))
            });
        }
    };
    fetch(None);
    let first = {
        let fetch = fetch.clone();
        Callback::new(move |_| fetch(None))
    };
    let more = fetch.clone();
    view! {
        <section class="card" aria-labelledby="log-h">
            <div class="page-head"><h2 id="log-h">"Deliveries"</h2>
                <label for="log-status" class="visually-hidden">"Show"</label>
                <select id="log-status" on:change=move |ev| { status.set(event_target_value(&ev)); first.run(()); }>
                    <option value="">"All"</option>
                    <option value="FAILED">"Dead letters"</option>
                    <option value="PENDING">"Waiting to send"</option>
                    <option value="DELIVERED">"Delivered"</option>
                </select></div>
            {move || notice.get().map(|n| view! { <p class="banner" role="status">{n}</p> })}
            {move || (!rows.with(Vec::is_empty)).then(|| view! {
                <div class="table-wrap"><table class="deliveries">
                    <thead><tr><th scope="col">"Sent"</th><th scope="col">"Event"</th><th scope="col">"Status"</th>
                        <th scope="col">"Attempts"</th><th scope="col">"Last answer"</th><th scope="col"></th></tr></thead>
                    <tbody>
                        {rows.get().into_iter().map(|d| view! { <DeliveryRow d notice reload=first /> }).collect_view()}
                    </tbody>
                </table></div>
            })}
            {shown(state, "deliveries", first, move |(total, next)| {
                let more = more.clone();
                view! {
                    <p class="muted">{if total == 0 { "Nothing sent yet.".to_string() } else { format!("{} of {total} shown", rows.with(Vec::len)) }}</p>
                    {next.map(|cursor| view! {
                        <button class="secondary small load-more" on:click=move |_| more(Some(cursor.clone()))>"Load more"</button>
                    })}
                }.into_any()
            })}
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
