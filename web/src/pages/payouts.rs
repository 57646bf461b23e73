//! A contractor's money: Stripe onboarding, payouts by period with totals, and the statement.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, my_payouts, my_profile};
use crate::lists::Paged;
use crate::page_of;
use crate::session;
use crate::ui::{ErrorBox, Load, constant, fetch_into, fixed, label, money, shown, when};

/// `[from, to)` of the month `offset` months from this one, as RFC 3339 (local midnight).
fn month(offset: i32) -> (String, String, String) {
    let now = js_sys::Date::new_0();
    let start = js_sys::Date::new_with_year_month_day(now.get_full_year(), now.get_month() as i32 + offset, 1);
    let end = js_sys::Date::new_with_year_month_day(now.get_full_year(), now.get_month() as i32 + offset + 1, 1);
    let name: String = start
        .to_locale_date_string(
            "en-AU",
            &js_sys::JSON::parse(r#"{"month":"long","year":"numeric"}"#).unwrap_or_default(),
        )
        .into();
    (start.to_iso_string().into(), end.to_iso_string().into(), name)
}

#[component]
pub fn PayoutsPage() -> impl IntoView {
    let offset = RwSignal::new(0);
    let list = Paged::<my_payouts::MyPayoutsPayoutsNodes>::default();
    // The month's totals, as of its first page.
    let totals = RwSignal::new(None::<my_payouts::MyPayoutsPayoutTotals>);
    let load = move |after: Option<String>| {
        let (from, to, _) = month(offset.get_untracked());
        let first = after.is_none();
        if first {
            totals.set(None);
        }
        let vars = my_payouts::Variables { from: Some(from), to: Some(to), after: after.clone() };
        list.load(after, vec![], |ticket| async move {
            let d = api::call::<gql::MyPayouts>(vars).await?;
            if first && ticket.current() {
                totals.set(Some(d.payout_totals));
            }
            Ok(page_of!(d.payouts))
        });
    };
    load(None);
    let statement_error = RwSignal::new(None::<ApiError>);
    let statement = move |_| {
        let (from, to, name) = month(offset.get_untracked());
        leptos::task::spawn_local(async move {
            let path = format!(
                "/reports/payouts.csv?from={}&to={}",
                js_sys::encode_uri_component(&from),
                js_sys::encode_uri_component(&to)
            );
            let file = format!("nrp-statement-{}.csv", name.replace(' ', "-").to_lowercase());
            statement_error.set(api::download(&path, &file).await.err());
        });
    };
    let step = move |by: i32| {
        offset.update(|o| *o += by);
        load(None);
    };
    view! {
        <section class="page" aria-labelledby="payouts-title">
            <h1 id="payouts-title">"Payouts"</h1>
            <StripeCard />
            <div class="page-head">
                <div class="actions period">
                    <button class="secondary small" aria-label="Previous month" on:click=move |_| step(-1)>"‹"</button>
                    <strong aria-live="polite">{move || month(offset.get()).2}</strong>
                    <button class="secondary small" aria-label="Next month" on:click=move |_| step(1)>"›"</button>
                </div>
                <button class="small" on:click=statement>"Download statement (CSV)"</button>
            </div>
            {move || statement_error.get().map(|e| view! { <ErrorBox error=e /> })}
            {move || totals.get().map(|t| view! {
                <dl class="facts totals card">
                    <dt>"Jobs"</dt><dd>{t.count}</dd>
                    <dt>"Approved (gross)"</dt><dd>{money(t.gross_cents)}</dd>
                    <dt>"NRP commission"</dt><dd>{money(t.commission_cents)}</dd>
                    <dt>"Your payout"</dt><dd><strong>{money(t.payout_cents)}</strong></dd>
                </dl>
            })}
            {move || (!list.rows.with(Vec::is_empty)).then(|| view! {
                <div class="table-wrap"><table>
                    <thead><tr><th scope="col">"Created"</th><th scope="col">"Gross"</th><th scope="col">"Commission"</th>
                        <th scope="col">"Payout"</th><th scope="col">"Status"</th></tr></thead>
                    <tbody>
                        {list.rows.get().into_iter().map(|p| view! {
                            <tr data-payout=p.id.clone()>
                                <td>{when(&p.created_at)}</td>
                                <td>{money(p.gross_cents)}</td>
                                <td>{format!("{} ({}%)", money(p.commission_cents), fixed(f64::from(p.commission_bps as i32) / 100.0, 2))}</td>
                                <td>{money(p.payout_cents)}</td>
                                <td><span class=format!("status p-{}", constant(&p.status).to_lowercase())>{label(&constant(&p.status))}</span>
                                    {p.paid_at.clone().map(|t| view! { <br/><span class="muted">{format!("paid {}", when(&t))}</span> })}
                                    {p.status_reason.clone().map(|r| view! { <br/><span class="muted">{r}</span> })}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table></div>
            })}
            {list.foot("payouts", &[], Callback::new(move |_| load(None)), Callback::new(move |c| load(Some(c))))}
        </section>
    }
}

/// Where the contractor stands with Stripe, and the link to finish onboarding.
#[component]
fn StripeCard() -> impl IntoView {
    let state = RwSignal::new(Load::<Option<my_profile::MyProfileContractorStripe>>::Loading);
    let id = session::current().and_then(|s| s.contractor_id).unwrap_or_default();
    let load = move || {
        let id = id.clone();
        fetch_into(state, async move {
            api::call::<gql::MyProfile>(my_profile::Variables { id }).await.map(|d| d.contractor.stripe)
        });
    };
    load();
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let onboard = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::call::<gql::StripeLink>(gql::stripe_link::Variables).await {
                Ok(d) => {
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().set_href(&d.stripe_onboarding_link.url);
                    }
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="stripe-h">
            <h2 id="stripe-h">"Getting paid"</h2>
            {shown(state, "your Stripe account", Callback::new(move |_| load()), move |s| {
                    let enabled = s.as_ref().is_some_and(|s| s.payouts_enabled);
                    let due = s.as_ref().map(|s| s.requirements_due.clone()).unwrap_or_default();
                    view! {
                        <p>{if enabled {
                            "Your Stripe account can receive payouts. NRP pays completed, approved jobs in its payout runs."
                        } else {
                            "NRP pays through Stripe. Set up your Stripe account to receive payouts for completed jobs."
                        }}</p>
                        {(!due.is_empty()).then(|| view! { <p class="muted">{format!("Stripe still needs: {}", due.join(", ").replace('_', " "))}</p> })}
                        <button class="small" on:click=onboard disabled=move || busy.get()>
                            {if enabled { "Update my Stripe details" } else { "Set up payouts with Stripe" }}
                        </button>
                    }.into_any()
            })}
            {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
        </section>
    }
}
