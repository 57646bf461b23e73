//! Admin: payouts by status and period with totals, payout runs, hold, release, retry, reversal,
//! and the CSV for reconciliation.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, admin_payouts};
use crate::lists::{DayRange, PAGE, Paged, SortHeader, choice, text};
use crate::page_of;
use crate::ui::{ErrorBox, constant, label, money, when};
use admin_payouts::PayoutStatus;

const STATUSES: [&str; 6] = ["PENDING", "PROCESSING", "PAID", "FAILED", "REVERSED", "HELD"];

/// `YYYY-MM-DD` from a date input, `days` later → RFC 3339 of that local midnight.
fn day(d: &str, days: u32) -> Option<String> {
    if d.is_empty() {
        return None;
    }
    let t = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&format!("{d}T00:00:00")));
    if t.get_time().is_nan() {
        return None;
    }
    t.set_date(t.get_date() + days);
    Some(t.to_iso_string().into())
}

type Totals = admin_payouts::AdminPayoutsPayoutTotals;
type Batch = admin_payouts::AdminPayoutsPayoutBatches;

#[component]
pub fn AdminPayoutsPage() -> impl IntoView {
    let status = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let sort = RwSignal::new("NEWEST".to_string());
    let list = Paged::<admin_payouts::AdminPayoutsPayoutsNodes>::default();
    // The period's totals and the latest runs, as of the first page.
    let summary = RwSignal::new(None::<(Totals, Vec<Batch>)>);
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    // The period as instants: from the first day's midnight to the midnight after the last day.
    let period = move || (day(&from.get_untracked(), 0), day(&to.get_untracked(), 1));
    let fetch = move |after: Option<String>, first: i64| {
        let (from, to) = period();
        let vars = admin_payouts::Variables {
            status: choice(status),
            from,
            to,
            after: after.clone(),
            first,
            sort: choice(sort),
        };
        let first = after.is_none();
        // (The CSV is the ledger for the period, written below from the same instants.)
        list.load(after, vec![], |ticket| async move {
            let d = api::call::<gql::AdminPayouts>(vars).await?;
            if first && ticket.current() {
                summary.set(Some((d.payout_totals, d.payout_batches)));
            }
            Ok(page_of!(d.payouts))
        });
    };
    let load = move |after: Option<String>| fetch(after, PAGE);
    load(None);
    let resort = Callback::new(move |_| load(None));
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
                    load(None);
                }
                Err(e) => {
                    notice.set(None);
                    error.set(Some(e));
                }
            }
        });
    };
    let csv = move |_| {
        let (from, to) = period();
        let q: Vec<String> = [("from", from), ("to", to), ("status", text(status))]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}={}", String::from(js_sys::encode_uri_component(&v)))))
            .collect();
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
                // The rows shown again, where they were.
                Ok(()) => fetch(None, list.extent()),
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
            <form class="filters" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(None); }>
                <div class="field"><label for="p-status">"Status"</label>
                <select id="p-status" on:change=move |ev| { status.set(event_target_value(&ev)); load(None); }>
                    <option value="">"All"</option>
                    {STATUSES.iter().map(|s| view! { <option value=*s>{label(s)}</option> }).collect_view()}
                </select></div>
                <DayRange id="p" what="Created" from to error=list.field_error("to") on_change=Callback::new(move |_| load(None)) />
            </form>
            {move || summary.get().map(|(t, _)| view! {
                <dl class="facts totals card">
                    <dt>"Payouts"</dt><dd>{t.count}</dd>
                    <dt>"Gross"</dt><dd>{money(t.gross_cents)}</dd>
                    <dt>"Commission"</dt><dd>{money(t.commission_cents)}</dd>
                    <dt>"To contractors"</dt><dd>{money(t.payout_cents)}</dd>
                </dl>
            })}
            {move || (!list.rows.with(Vec::is_empty)).then(|| view! {
                <div class="table-wrap"><table>
                    <thead><tr><SortHeader label="Created" sort orders=&[("NEWEST", "descending"), ("OLDEST", "ascending")] on_change=resort />
                        <th scope="col">"Gross"</th><th scope="col">"Commission"</th>
                        <SortHeader label="Payout" sort orders=&[("LARGEST", "descending"), ("NEWEST", "none")] on_change=resort />
                        <th scope="col">"Status"</th><th scope="col">"Actions"</th></tr></thead>
                    <tbody>
                        {list.rows.get().into_iter().map(|p| {
                            let st = constant(&p.status);
                            let actions: Vec<(&'static str, &'static str)> = match p.status {
                                PayoutStatus::PENDING => vec![("hold", "Hold")],
                                PayoutStatus::HELD => vec![("release", "Release")],
                                PayoutStatus::FAILED => vec![("retry", "Retry"), ("hold", "Hold")],
                                PayoutStatus::PAID => vec![("reverse", "Reverse")],
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
            })}
            {list.foot("payouts", &["to"], Callback::new(move |_| load(None)), Callback::new(move |c| load(Some(c))))}
            {move || summary.get().map(|(_, batches)| view! {
                <section class="card" aria-labelledby="batches-h">
                    <h2 id="batches-h">"Recent payout runs"</h2>
                    <ul class="plain">
                        {batches.into_iter().map(|b| view! {
                            <li>{format!("{} by {} — {} paid ({}), {} failed, {} waiting, {} unresolved",
                                when(&b.started_at), b.started_by, b.paid, money(b.paid_cents), b.failed, b.skipped, b.unresolved)}</li>
                        }).collect_view()}
                    </ul>
                </section>
            })}
        </section>
    }
}
