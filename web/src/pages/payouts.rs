//! A contractor's money: Stripe onboarding, payouts by period with totals, and the statement.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, my_payouts, my_profile};
use crate::session;
use crate::ui::{ErrorBox, Load, Loading, constant, fixed, label, money, shown, when};

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
    let state = RwSignal::new(Load::<my_payouts::ResponseData>::Loading);
    let load = move || {
        let (from, to, _) = month(offset.get_untracked());
        state.set(Load::Loading);
        leptos::task::spawn_local(async move {
            state.set(
                match api::call::<gql::MyPayouts>(my_payouts::Variables { from: Some(from), to: Some(to) }).await {
                    Ok(d) => Load::Ready(d),
                    Err(e) => Load::Failed(e),
                },
            );
        });
    };
    load();
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
    view! {
        <section class="page" aria-labelledby="payouts-title">
            <h1 id="payouts-title">"Payouts"</h1>
            <StripeCard />
            <div class="page-head">
                <div class="actions period">
                    <button class="secondary small" aria-label="Previous month" on:click=move |_| { offset.update(|o| *o -= 1); load(); }>"‹"</button>
                    <strong aria-live="polite">{move || month(offset.get()).2}</strong>
                    <button class="secondary small" aria-label="Next month" on:click=move |_| { offset.update(|o| *o += 1); load(); }>"›"</button>
                </div>
                <button class="small" on:click=statement>"Download statement (CSV)"</button>
            </div>
            {move || statement_error.get().map(|e| view! { <ErrorBox error=e /> })}
            {shown(state, "payouts", Callback::new(move |_| load()), move |d| {
                    let t = d.payout_totals;
                    view! {
                        <dl class="facts totals card">
                            <dt>"Jobs"</dt><dd>{t.count}</dd>
                            <dt>"Approved (gross)"</dt><dd>{money(t.gross_cents)}</dd>
                            <dt>"NRP commission"</dt><dd>{money(t.commission_cents)}</dd>
                            <dt>"Your payout"</dt><dd><strong>{money(t.payout_cents)}</strong></dd>
                        </dl>
                        {if d.payouts.nodes.is_empty() {
                            view! { <p class="empty">"No payouts this month."</p> }.into_any()
                        } else {
                            view! {
                                <div class="table-wrap"><table>
                                    <thead><tr><th scope="col">"Created"</th><th scope="col">"Gross"</th><th scope="col">"Commission"</th>
                                        <th scope="col">"Payout"</th><th scope="col">"Status"</th></tr></thead>
                                    <tbody>
                                        {d.payouts.nodes.into_iter().map(|p| view! {
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
                            }.into_any()
                        }}
                    }.into_any()
                })}
        </section>
    }
}

/// Where the contractor stands with Stripe, and the link to finish onboarding.
#[component]
fn StripeCard() -> impl IntoView {
    let state = RwSignal::new(Load::<Option<my_profile::MyProfileContractorStripe>>::Loading);
    let id = session::current().and_then(|s| s.contractor_id).unwrap_or_default();
    leptos::task::spawn_local(async move {
        state.set(match api::call::<gql::MyProfile>(my_profile::Variables { id }).await {
            Ok(d) => Load::Ready(d.contractor.stripe),
            Err(e) => Load::Failed(e),
        });
    });
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
            {move || match state.get() {
                Load::Loading => view! { <Loading what="your Stripe account" /> }.into_any(),
                Load::Failed(e) => view! { <ErrorBox error=e /> }.into_any(),
                Load::Ready(s) => {
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
                }
            }}
            {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
        </section>
    }
}
