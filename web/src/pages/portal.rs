//! `/admin/portal`: the insurer's own work (partner users; the access policy shows them nothing
//! of other partners). Each job with the clocks insurers age work by — days in its stage, the
//! contact deadline, the claim's decision deadline — the overdue ones first, and the quotes
//! waiting for their approval; then their leads still waiting for a contractor. The jobs filter
//! on the server (open ones by default, a stage, the days received) and both lists export as CSV.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, portal_jobs, portal_leads};
use crate::lists::{DayRange, Paged, choice, text};
use crate::nav::A;
use crate::page_of;
use crate::route::Route;
use crate::ui::{ErrorBox, constant, day, label, money, ms, when};

use portal_jobs::{JobStatus, PortalJobsJobsNodes as Job};

const DAY_MS: f64 = 86_400_000.0;

/// A job's stages, for the "Show" filter.
const STAGES: [&str; 8] =
    ["AWAITING_CONTACT", "CONTACTED", "INSPECTED", "QUOTED", "APPROVED", "IN_PROGRESS", "COMPLETED", "CANCELLED"];

/// The leads still waiting for a contractor (as `PortalLeads` filters them).
const WAITING: &str = "NEW,OFFERING,UNASSIGNED,DUPLICATE";

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
    let jobs = Paged::<Job>::default();
    let leads = Paged::<portal_leads::PortalLeadsLeadsNodes>::default();
    // "OPEN" (the default: the work still going), "" (every job) or one stage.
    let show = RwSignal::new("OPEN".to_string());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let sort = RwSignal::new("NEWEST".to_string());
    // The CSV's query for "Show": `open=true` for the open jobs, `status=` for one stage.
    let (open_param, status_param) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let load_jobs = move |after: Option<String>| {
        let shown = show.get_untracked();
        let open = shown == "OPEN";
        let status = if open { None } else { choice(show) };
        let vars = portal_jobs::Variables {
            after: after.clone(),
            status,
            open: open.then_some(true),
            from: text(from),
            to: text(to),
            sort: choice(sort),
        };
        open_param.set(if open { "true".into() } else { String::new() });
        status_param.set(if open { String::new() } else { shown });
        let params = vec![("open", open_param), ("status", status_param), ("from", from), ("to", to), ("sort", sort)];
        jobs.load(after, params, |_| async move { Ok(page_of!(api::call::<gql::PortalJobs>(vars).await?.jobs)) })
    };
    // The CSV of the waiting leads names the statuses the list shows.
    let waiting = RwSignal::new(WAITING.to_string());
    let load_leads = move |after: Option<String>| {
        leads.load(after.clone(), vec![("statusIn", waiting)], |_| async move {
            Ok(page_of!(api::call::<gql::PortalLeads>(portal_leads::Variables { after }).await?.leads))
        })
    };
    let export_error = RwSignal::new(None::<ApiError>);
    let refilter = Callback::new(move |_| load_jobs(None));
    let load = move || {
        load_jobs(None);
        load_leads(None);
    };
    load();
    // The most urgent of the jobs shown first; within each, the longest in its stage.
    let sorted = move || {
        let mut rows = jobs.rows.get();
        rows.sort_by_key(|j| (urgency(j), j.stage_entered_at.as_deref().map(ms).unwrap_or(0.0) as i64));
        rows
    };
    let summary = move || {
        jobs.rows.with(|rows| {
            let late = rows.iter().filter(|j| urgency(j) == 0).count();
            let quotes = rows.iter().filter(|j| j.status == JobStatus::QUOTED).count();
            (late, format!("{late} overdue · {quotes} quote(s) waiting for your approval, of the jobs shown"))
        })
    };
    view! {
        <section class="page" aria-labelledby="portal-title">
            <div class="page-head"><h1 id="portal-title">"Your jobs"</h1>
                <button class="secondary small" on:click=move |_| load()>"Refresh"</button></div>
            <form class="filters" role="search" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load_jobs(None); }>
                <div class="field"><label for="portal-show">"Show"</label>
                <select id="portal-show" prop:value=show on:change=move |ev| { show.set(event_target_value(&ev)); load_jobs(None); }>
                    <option value="OPEN">"Open jobs"</option>
                    <option value="">"All jobs"</option>
                    {STAGES.iter().map(|s| view! { <option value=*s>{label(s)}</option> }).collect_view()}
                </select></div>
                <DayRange id="portal" what="Received" from to error=jobs.field_error("createdTo") on_change=refilter />
                <div class="field"><label for="portal-sort">"Order"</label>
                <select id="portal-sort" prop:value=sort on:change=move |ev| { sort.set(event_target_value(&ev)); load_jobs(None); }>
                    <option value="NEWEST">"Newest first"</option>
                    <option value="OLDEST">"Oldest first"</option>
                </select></div>
                <button type="button" class="small secondary export" on:click=move |_| jobs.export("jobs", export_error)>"Export CSV"</button>
            </form>
            {move || export_error.get().map(|e| view! { <ErrorBox error=e /> })}
            {move || (!jobs.rows.with(Vec::is_empty)).then(|| view! {
                <p class=move || { if summary().0 > 0 { "alert-line" } else { "muted" } }>{move || summary().1}</p>
                <div class="table-wrap"><table class="portal-jobs">
                    <thead><tr><th scope="col">"Customer"</th><th scope="col">"Contractor"</th><th scope="col">"Stage"</th>
                        <th scope="col">"Days in stage"</th><th scope="col">"Contact by"</th><th scope="col">"Claim decision"</th>
                        <th scope="col">"Quote"</th></tr></thead>
                    <tbody>{move || sorted().into_iter().map(job_row).collect_view()}</tbody>
                </table></div>
            })}
            {jobs.foot("jobs", &["createdTo"], Callback::new(move |_| load_jobs(None)), Callback::new(move |c| load_jobs(Some(c))))}
            <div class="page-head"><h2>"Leads waiting for a contractor"</h2>
                <button type="button" class="small secondary export-leads" on:click=move |_| leads.export("leads", export_error)>"Export CSV"</button></div>
            {move || (!leads.rows.with(Vec::is_empty)).then(|| view! {
                <ul class="plain waiting">
                    {move || leads.rows.get().into_iter().map(|l| view! {
                        <li data-lead=l.id.clone()>{format!("{} · {} {} · {} damage · {} · received {} ({} day(s))",
                            l.customer.name, l.property.suburb, l.property.postcode, label(&constant(&l.damage_type)),
                            label(&constant(&l.status)), when(&l.created_at), days_since(&l.created_at))}
                            {l.claim_number.clone().map(|c| format!(" · claim {c}"))}</li>
                    }).collect_view()}
                </ul>
            })}
            {leads.foot("waiting leads", &[], Callback::new(move |_| load_leads(None)), Callback::new(move |c| load_leads(Some(c))))}
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
                        Some(n) if n < 0 => format!("due {} · {} business day(s) late", day(&c.decision_due_on), -n),
                        Some(n) => format!("due {} · {n} business day(s) left", day(&c.decision_due_on)),
                    }}</span>
                    {c.decision_overdue.then(|| view! { <span class="alert-tag">"Overdue"</span> })}
                }.into_any(),
            }}</td>
            <td>{format!("{} / {}", j.quote_cents.map(money).unwrap_or_else(|| "—".into()), j.approved_cents.map(money).unwrap_or_else(|| "—".into()))}</td>
        </tr>
    }
}
