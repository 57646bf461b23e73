//! Admin: payouts by status and period with totals, payout runs, hold, release, retry, reversal,
//! and the CSV for reconciliation.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, admin_payouts};
use crate::ui::{ErrorBox, Load, Loading, constant, label, money, when};

const STATUSES: [&str; 6] = ["PENDING", "PROCESSING", "PAID", "FAILED", "REVERSED", "HELD"];

fn status_enum(s: &str) -> Option<admin_payouts::PayoutStatus> {
    use admin_payouts::PayoutStatus as P;
    Some(match s {
        "PENDING" => P::PENDING,
        "PROCESSING" => P::PROCESSING,
        "PAID" => P::PAID,
        "FAILED" => P::FAILED,
        "REVERSED" => P::REVERSED,
        "HELD" => P::HELD,
        _ => return None,
    })
}

/// `YYYY-MM-DD` from a date input → RFC 3339 local midnight.
fn day(d: &str) -> Option<String> {
    if d.is_empty() {
        return None;
    }
    let t = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&format!("{d}T00:00:00")));
    (!t.get_time().is_nan()).then(|| t.to_iso_string().into())
}

#[component]
pub fn AdminPayoutsPage() -> impl IntoView {
    let status = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let state = RwSignal::new(Load::<admin_payouts::ResponseData>::Loading);
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let load = move || {
        let vars = admin_payouts::Variables {
            status: status_enum(&status.get_untracked()),
            from: day(&from.get_untracked()),
            to: day(&to.get_untracked()),
        };
        leptos::task::spawn_local(async move {
            state.set(match api::call::<gql::AdminPayouts>(vars).await {
                Ok(d) => Load::Ready(d),
                Err(e) => Load::Failed(e),
            });
        });
    };
    load();
    let run = move |_| {
        notice.set(Some("Running the payout batch…".into()));
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::call::<gql::RunPayoutBatch>(gql::run_payout_batch::Variables).await {
                Ok(d) => {
                    let b = d.run_payout_batch;
                    notice.set(Some(format!(
                        "Batch done: {} paid ({}), {} failed, {} waiting, {} unresolved.",
                        b.paid,
                        money(b.paid_cents),
                        b.failed,
                        b.skipped,
                        b.unresolved
                    )));
                    load();
                }
                Err(e) => {
                    notice.set(None);
                    error.set(Some(e));
                }
            }
        });
    };
    let csv = move |_| {
        let mut q = Vec::new();
        if let Some(f) = day(&from.get_untracked()) {
            q.push(format!("from={}", String::from(js_sys::encode_uri_component(&f))));
        }
        if let Some(t) = day(&to.get_untracked()) {
            q.push(format!("to={}", String::from(js_sys::encode_uri_component(&t))));
        }
        let st = status.get_untracked();
        if !st.is_empty() {
            q.push(format!("status={st}"));
        }
        leptos::task::spawn_local(async move {
            error.set(api::download(&format!("/reports/payouts.csv?{}", q.join("&")), "nrp-payouts.csv").await.err());
        });
    };
    let act = move |what: &'static str, id: String| {
        leptos::task::spawn_local(async move {
            let r = match what {
                "hold" => {
                    api::call::<gql::HoldPayout>(gql::hold_payout::Variables { id, reason: None }).await.map(|_| ())
                }
                "release" => api::call::<gql::ReleasePayout>(gql::release_payout::Variables { id }).await.map(|_| ()),
                "retry" => api::call::<gql::RetryPayout>(gql::retry_payout::Variables { id }).await.map(|_| ()),
                _ => {
                    let reason = web_sys::window()
                        .and_then(|w| w.prompt_with_message("Why is this money coming back?").ok().flatten())
                        .unwrap_or_default();
                    if reason.trim().is_empty() {
                        return;
                    }
                    api::call::<gql::ReversePayout>(gql::reverse_payout::Variables { id, reason }).await.map(|_| ())
                }
            };
            match r {
                Ok(()) => load(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="page" aria-labelledby="ap-title">
            <div class="page-head"><h1 id="ap-title">"Payouts"</h1>
                <div class="actions"><button id="run-batch" class="small" on:click=run>"Run payout batch"</button>
                <button class="small secondary" on:click=csv>"Download CSV"</button></div></div>
            <p role="status">{move || notice.get()}</p>
            {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
            <form class="filters" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(); }>
                <label for="p-status">"Status"</label>
                <select id="p-status" on:change=move |ev| { status.set(event_target_value(&ev)); load(); }>
                    <option value="">"All"</option>
                    {STATUSES.iter().map(|s| view! { <option value=*s>{label(s)}</option> }).collect_view()}
                </select>
                <label for="p-from">"From"</label>
                <input id="p-from" type="date" prop:value=from on:input=move |ev| from.set(event_target_value(&ev)) />
                <label for="p-to">"To (exclusive)"</label>
                <input id="p-to" type="date" prop:value=to on:input=move |ev| to.set(event_target_value(&ev)) />
                <button type="submit" class="small">"Apply"</button>
            </form>
            {move || match state.get() {
                Load::Loading => view! { <Loading what="payouts" /> }.into_any(),
                Load::Failed(e) => view! { <ErrorBox error=e retry=Callback::new(move |_| load()) /> }.into_any(),
                Load::Ready(d) => {
                    let t = d.payout_totals;
                    view! {
                        <dl class="facts totals card">
                            <dt>"Payouts"</dt><dd>{t.count}</dd>
                            <dt>"Gross"</dt><dd>{money(t.gross_cents)}</dd>
                            <dt>"Commission"</dt><dd>{money(t.commission_cents)}</dd>
                            <dt>"To contractors"</dt><dd>{money(t.payout_cents)}</dd>
                        </dl>
                        {if d.payouts.nodes.is_empty() { view! { <p class="empty">"No payouts match."</p> }.into_any() } else { view! {
                            <div class="table-wrap"><table>
                                <thead><tr><th scope="col">"Created"</th><th scope="col">"Gross"</th><th scope="col">"Commission"</th>
                                    <th scope="col">"Payout"</th><th scope="col">"Status"</th><th scope="col">"Actions"</th></tr></thead>
                                <tbody>
                                    {d.payouts.nodes.into_iter().map(|p| {
                                        let st = constant(&p.status);
                                        let actions: Vec<(&'static str, &'static str)> = match st.as_str() {
                                            "PENDING" => vec![("hold", "Hold")],
                                            "HELD" => vec![("release", "Release")],
                                            "FAILED" => vec![("retry", "Retry"), ("hold", "Hold")],
                                            "PAID" => vec![("reverse", "Reverse")],
                                            _ => vec![],
                                        };
                                        let id = p.id.clone();
                                        view! {
                                            <tr data-payout=p.id.clone()>
                                                <td>{when(&p.created_at)}</td>
                                                <td>{money(p.gross_cents)}</td>
                                                <td>{format!("{} ({} bps)", money(p.commission_cents), p.commission_bps)}</td>
                                                <td>{money(p.payout_cents)}</td>
                                                <td><span class=format!("status p-{}", st.to_lowercase())>{label(&st)}</span>
                                                    {p.status_reason.clone().map(|r| view! { <br/><span class="muted">{r}</span> })}
                                                    {p.transfer_id.clone().map(|t| view! { <br/><code>{t}</code> })}</td>
                                                <td class="actions">{actions.into_iter().map(|(what, text)| {
                                                    let id = id.clone();
                                                    view! { <button class="small" data-action=what on:click=move |_| act(what, id.clone())>{text}</button> }
                                                }).collect_view()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                        }.into_any() }}
                        <section class="card" aria-labelledby="batches-h">
                            <h2 id="batches-h">"Recent payout runs"</h2>
                            <ul class="plain">
                                {d.payout_batches.into_iter().map(|b| view! {
                                    <li>{format!("{} by {} — {} paid ({}), {} failed, {} waiting, {} unresolved",
                                        when(&b.started_at), b.started_by, b.paid, money(b.paid_cents), b.failed, b.skipped, b.unresolved)}</li>
                                }).collect_view()}
                            </ul>
                        </section>
                    }.into_any()
                }
            }}
        </section>
    }
}
