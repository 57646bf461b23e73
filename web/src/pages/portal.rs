//! `/admin/portal`: the insurer's own work (partner users; the access policy shows them nothing
//! of other partners). Each job with the clocks insurers age work by — days in its stage, the
//! contact deadline, the claim's decision deadline — the overdue ones first, and the quotes
//! waiting for their approval; then their leads still waiting for a contractor.

use leptos::prelude::*;

use crate::api;
use crate::gql::{self, portal_jobs, portal_leads};
use crate::nav::A;
use crate::route::Route;
use crate::ui::{Load, constant, fetch_into, label, money, ms, shown, when};

use portal_jobs::{JobStatus, PortalJobsJobsNodes as Job};

const DAY_MS: f64 = 86_400_000.0;

/// Whole days since `at` (0 today).
fn days_since(at: &str) -> i64 {
    ((js_sys::Date::now() - ms(at)) / DAY_MS).floor().max(0.0) as i64
}

/// What needs the insurer, most urgent first: 0 overdue, 1 a quote to approve, 2 the rest.
fn urgency(j: &Job) -> u8 {
    let contact_late = j.status == JobStatus::AWAITING_CONTACT
        && j.contact_due_at.as_deref().is_some_and(|d| ms(d) < js_sys::Date::now());
    let decision_late = j.lead.claim.as_ref().is_some_and(|c| c.decision_overdue);
    if contact_late || decision_late || j.alert.is_some() {
        0
    } else if j.status == JobStatus::QUOTED {
        1
    } else {
        2
    }
}

#[component]
pub fn PortalPage() -> impl IntoView {
    let jobs = RwSignal::new(Load::<(Vec<Job>, i64)>::Loading);
    let leads = RwSignal::new(Load::<Vec<portal_leads::PortalLeadsLeadsNodes>>::Loading);
    let load = move || {
        fetch_into(jobs, async move {
            let d = api::call::<gql::PortalJobs>(portal_jobs::Variables { after: None }).await?.jobs;
            let mut rows = d.nodes;
            // The most urgent first; within each, the longest in its stage.
            rows.sort_by_key(|j| (urgency(j), j.stage_entered_at.as_deref().map(ms).unwrap_or(0.0) as i64));
            Ok((rows, d.total_count))
        });
        fetch_into(leads, async move {
            let d = api::call::<gql::PortalLeads>(portal_leads::Variables).await?.leads;
            Ok(d.nodes
                .into_iter()
                .filter(|l| {
                    use portal_leads::LeadStatus as S;
                    matches!(l.status, S::NEW | S::OFFERING | S::UNASSIGNED | S::DUPLICATE)
                })
                .collect())
        });
    };
    load();
    let retry = Callback::new(move |_| load());
    view! {
        <section class="page" aria-labelledby="portal-title">
            <div class="page-head"><h1 id="portal-title">"Your jobs"</h1>
                <button class="secondary small" on:click=move |_| load()>"Refresh"</button></div>
            {shown(jobs, "your jobs", retry, move |(rows, total)| {
                if rows.is_empty() {
                    return view! { <p class="empty">"No jobs yet: a job starts when a contractor accepts one of your leads."</p> }.into_any();
                }
                let late = rows.iter().filter(|j| urgency(j) == 0).count();
                let quotes = rows.iter().filter(|j| j.status == JobStatus::QUOTED).count();
                let line_class = if late > 0 { "alert-line" } else { "muted" };
                view! {
                    <p class=line_class>
                        {format!("{late} overdue · {quotes} quote(s) waiting for your approval · {total} job(s)")}</p>
                    <div class="table-wrap"><table class="portal-jobs">
                        <thead><tr><th scope="col">"Customer"</th><th scope="col">"Contractor"</th><th scope="col">"Stage"</th>
                            <th scope="col">"Days in stage"</th><th scope="col">"Contact by"</th><th scope="col">"Claim decision"</th>
                            <th scope="col">"Quote"</th></tr></thead>
                        <tbody>{rows.into_iter().map(job_row).collect_view()}</tbody>
                    </table></div>
                }.into_any()
            })}
            <h2>"Leads waiting for a contractor"</h2>
            {shown(leads, "your leads", retry, move |rows| {
                if rows.is_empty() {
                    return view! { <p class="muted">"None: every lead of yours has a contractor."</p> }.into_any();
                }
                view! {
                    <ul class="plain waiting">
                        {rows.into_iter().map(|l| view! {
                            <li data-lead=l.id.clone()>{format!("{} · {} {} · {} damage · {} · received {} ({} day(s))",
                                l.customer.name, l.property.suburb, l.property.postcode, label(&constant(&l.damage_type)),
                                label(&constant(&l.status)), when(&l.created_at), days_since(&l.created_at))}
                                {l.claim_number.clone().map(|c| format!(" · claim {c}"))}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
    }
}

fn job_row(j: Job) -> impl IntoView {
    let level = urgency(&j);
    let contact_late = j.status == JobStatus::AWAITING_CONTACT
        && j.contact_due_at.as_deref().is_some_and(|d| ms(d) < js_sys::Date::now());
    let days = j.stage_entered_at.as_deref().map(days_since).unwrap_or(0);
    let claim = j.lead.claim.clone();
    view! {
        <tr data-job=j.id.clone() data-urgency=level.to_string() class:overdue=level == 0>
            <td><A to=Route::AdminJob(j.id.clone())>{j.lead.customer.name.clone()}</A>
                <br/><span class="muted">{format!("{} {} · {} · {}", j.lead.property.suburb, j.lead.property.postcode,
                    label(&constant(&j.lead.damage_type)), label(&constant(&j.lead.urgency)))}</span></td>
            <td>{j.contractor.clone().map(|c| c.company_name).unwrap_or_default()}</td>
            <td data-status=constant(&j.status)>{label(&constant(&j.status))}
                {(j.status == JobStatus::QUOTED).then(|| view! { <span class="alert-tag">"To approve"</span> })}
                {j.alert.clone().map(|a| view! { <span class="alert-tag">{label(&a)}</span> })}</td>
            <td class="days">{days}</td>
            <td>{match (j.status == JobStatus::AWAITING_CONTACT, j.contact_due_at.clone()) {
                (true, Some(d)) => view! { {when(&d)} {contact_late.then(|| view! { <span class="alert-tag">"Late"</span> })} }.into_any(),
                _ => view! { <span class="muted">"contacted"</span> }.into_any(),
            }}</td>
            <td>{match claim {
                None => view! { <span class="muted">"no claim"</span> }.into_any(),
                Some(c) => view! {
                    <A to=Route::Claim(c.id.clone())>{label(&constant(&c.status))}</A>
                    <br/><span class="muted">{match c.decision_business_days_left {
                        None => "decided".to_string(),
                        Some(n) if n < 0 => format!("due {} · {} business day(s) late", c.decision_due_on, -n),
                        Some(n) => format!("due {} · {n} business day(s) left", c.decision_due_on),
                    }}</span>
                    {c.decision_overdue.then(|| view! { <span class="alert-tag">"Overdue"</span> })}
                }.into_any(),
            }}</td>
            <td>{format!("{} / {}", j.quote_cents.map(money).unwrap_or_else(|| "—".into()), j.approved_cents.map(money).unwrap_or_else(|| "—".into()))}</td>
        </tr>
    }
}
