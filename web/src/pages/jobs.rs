//! The contractor's jobs: a board by stage, and a job's page with the customer's details, the
//! moves allowed from here, the timeline, notes and photos (straight from a phone's camera).

use crate::nav::A;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, advance_job, job_detail, my_jobs};
use crate::ui::{ErrorBox, Load, Loading, constant, label, money, parse_dollars, when};

const STAGES: [&str; 7] =
    ["AWAITING_CONTACT", "CONTACTED", "INSPECTED", "QUOTED", "APPROVED", "IN_PROGRESS", "COMPLETED"];

#[component]
pub fn JobsBoard() -> impl IntoView {
    let state = RwSignal::new(Load::<Vec<my_jobs::MyJobsMyJobsNodes>>::Loading);
    let reload = move || {
        state.set(Load::Loading);
        leptos::task::spawn_local(async move {
            state.set(match api::call::<gql::MyJobs>(my_jobs::Variables { status: None }).await {
                Ok(d) => Load::Ready(d.my_jobs.nodes),
                Err(e) => Load::Failed(e),
            });
        });
    };
    reload();
    let fresh = move || crate::nav::query("new");
    view! {
        <section class="page" aria-labelledby="jobs-title">
            <div class="page-head"><h1 id="jobs-title">"My jobs"</h1>
                <button class="secondary small" on:click=move |_| reload()>"Refresh"</button></div>
            {move || match state.get() {
                Load::Loading => view! { <Loading what="your jobs" /> }.into_any(),
                Load::Failed(e) => view! { <ErrorBox error=e retry=Callback::new(move |_| reload()) /> }.into_any(),
                Load::Ready(jobs) if jobs.is_empty() => view! {
                    <p class="empty">"No jobs yet. Accept an offer and it lands here."</p>
                }.into_any(),
                Load::Ready(jobs) => view! {
                    <div class="board">
                        {STAGES.iter().map(|stage| {
                            let here: Vec<_> = jobs.iter().filter(|j| constant(&j.status) == *stage).cloned().collect();
                            view! {
                                <section class="column" aria-label=label(stage)>
                                    <h2>{label(stage)} <span class="count">{here.len()}</span></h2>
                                    <ul>
                                        {here.into_iter().map(|j| {
                                            let is_new = fresh() == Some(j.id.clone());
                                            view! {
                                                <li class="job card" class:new=is_new data-job=j.id.clone()>
                                                    <A href=format!("/jobs/{}", j.id)>
                                                        <strong class="customer">{j.lead.customer.name.clone()}</strong>
                                                    </A>
                                                    <a class="phone" href=format!("tel:{}", j.lead.customer.phone)>{j.lead.customer.phone.clone()}</a>
                                                    <p class="muted">{format!("{}, {} {}", j.lead.property.address, j.lead.property.suburb, j.lead.property.postcode)}</p>
                                                    <p>{label(&constant(&j.lead.damage_type))} " · " {label(&constant(&j.lead.urgency))}</p>
                                                    {j.alert.clone().map(|a| view! { <p class="alert-tag">{label(&a)}</p> })}
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                </section>
                            }
                        }).collect_view()}
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
pub fn JobPage() -> impl IntoView {
    let id = move || crate::nav::segment(1).unwrap_or_default();
    let state = RwSignal::new(Load::<job_detail::JobDetailJob>::Loading);
    let load = move || {
        let id = id();
        leptos::task::spawn_local(async move {
            state.set(match api::call::<gql::JobDetail>(job_detail::Variables { id }).await {
                Ok(d) => Load::Ready(d.job),
                Err(e) => Load::Failed(e),
            });
        });
    };
    Effect::new(move |_| {
        let _ = id();
        load();
    });
    view! {
        <section class="page" aria-labelledby="job-title">
            <p><A href="/jobs">"← My jobs"</A></p>
            {move || match state.get() {
                Load::Loading => view! { <Loading what="the job" /> }.into_any(),
                Load::Failed(e) => view! { <ErrorBox error=e retry=Callback::new(move |_| load()) /> }.into_any(),
                Load::Ready(j) => view! { <JobView job=j reload=Callback::new(move |_| load()) /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn JobView(job: job_detail::JobDetailJob, reload: Callback<()>) -> impl IntoView {
    let l = job.lead.clone();
    let job_id = job.id.clone();
    view! {
        <h1 id="job-title">{format!("{} — {}", l.customer.name, l.property.suburb)}</h1>
        <p class="status-line">"Stage: " <strong data-status=constant(&job.status)>{label(&constant(&job.status))}</strong>
            {job.alert.clone().map(|a| view! { <span class="alert-tag">{label(&a)}</span> })}</p>
        <div class="grid2">
            <section class="card" aria-labelledby="customer-h">
                <h2 id="customer-h">"Customer"</h2>
                <dl class="facts">
                    <dt>"Name"</dt><dd class="customer">{l.customer.name.clone()}</dd>
                    <dt>"Phone"</dt><dd><a href=format!("tel:{}", l.customer.phone)>{l.customer.phone.clone()}</a></dd>
                    {l.customer.email.clone().map(|e| view! { <dt>"Email"</dt><dd><a href=format!("mailto:{e}")>{e.clone()}</a></dd> })}
                    <dt>"Address"</dt><dd>{format!("{}, {} {} {}", l.property.address, l.property.suburb, l.property.state, l.property.postcode)}</dd>
                    <dt>"Damage"</dt><dd>{label(&constant(&l.damage_type))} " · " {label(&constant(&l.urgency))}</dd>
                    {l.claim_number.clone().map(|c| view! { <dt>"Claim"</dt><dd>{c}</dd> })}
                    {job.contact_due_at.clone().map(|d| view! { <dt>"Contact by"</dt><dd>{when(&d)}</dd> })}
                    {job.quote_cents.map(|c| view! { <dt>"Quote"</dt><dd>{money(c)}</dd> })}
                    {job.approved_cents.map(|c| view! { <dt>"Approved"</dt><dd>{money(c)}</dd> })}
                </dl>
                <p>{l.description.clone()}</p>
            </section>
            <Moves job_id=job_id.clone() allowed=job.allowed_transitions.iter().map(constant).collect() reload />
        </div>
        {l.claim.clone().map(|c| view! {
            <section class="card" aria-labelledby="claim-h">
                <h2 id="claim-h">"Insurance claim"</h2>
                <dl class="facts">
                    <dt>"Claim"</dt><dd>{c.claim_number.clone()}</dd>
                    <dt>"Status"</dt><dd data-claim-status=constant(&c.status)>{label(&constant(&c.status))}
                        {c.decision_overdue.then(|| view! { <span class="alert-tag">"Decision overdue"</span> })}</dd>
                    <dt>"Claimed"</dt><dd>{money(c.claimed_cents)}</dd>
                    {c.approved_cents.map(|a| view! { <dt>"Approved"</dt><dd>{money(a)}</dd> })}
                    <dt>"Excess"</dt><dd>{money(c.excess_cents)}</dd>
                    <dt>"Decision due"</dt><dd>{c.decision_due_on.clone()}</dd>
                </dl>
                {c.decision_note.clone().map(|n| view! { <p class="note">{n}</p> })}
            </section>
        })}
        <Photos job_id=job_id.clone() attachments=job.attachments.clone() reload />
        <Timeline job_id=job_id.clone() reload entries=job.timeline.iter().map(|e| TimelineEntry::new(
            &e.at, e.to_status.as_ref().map(constant), constant(&e.kind), &e.actor, e.note.clone())).collect() />
    }
}

/// The stages this user may move the job to from here.
#[component]
fn Moves(job_id: String, allowed: Vec<String>, reload: Callback<()>) -> impl IntoView {
    let quote = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let needs_quote = allowed.iter().any(|a| a == "QUOTED");
    let go = move |to: String| {
        let job_id = job_id.clone();
        let cents = parse_dollars(&quote.get_untracked());
        let to_enum = match to.as_str() {
            "CONTACTED" => advance_job::JobStatus::CONTACTED,
            "INSPECTED" => advance_job::JobStatus::INSPECTED,
            "QUOTED" => advance_job::JobStatus::QUOTED,
            "APPROVED" => advance_job::JobStatus::APPROVED,
            "IN_PROGRESS" => advance_job::JobStatus::IN_PROGRESS,
            "COMPLETED" => advance_job::JobStatus::COMPLETED,
            "CANCELLED" => advance_job::JobStatus::CANCELLED,
            other => advance_job::JobStatus::Other(other.to_string()),
        };
        let n = note.get_untracked();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let input = advance_job::AdvanceJobInput {
                job_id,
                to: to_enum,
                note: (!n.trim().is_empty()).then_some(n),
                quote_cents: if to == "QUOTED" { cents } else { None },
                approved_cents: None,
                scheduled_for: None,
            };
            match api::call::<gql::AdvanceJob>(advance_job::Variables { input }).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let moves: Vec<String> = allowed.into_iter().filter(|a| a != "CANCELLED" && a != "APPROVED").collect();
    view! {
        <section class="card" aria-labelledby="moves-h">
            <h2 id="moves-h">"Next step"</h2>
            {moves.is_empty().then(|| view! { <p class="muted">"Nothing to do here until the insurer or NRP moves the job on."</p> })}
            {needs_quote.then(|| view! {
                <label for="quote">"Quote (AUD, incl. GST)"</label>
                <input id="quote" inputmode="decimal" placeholder="12,345.67" aria-describedby="quote-error"
                    prop:value=quote on:input=move |ev| quote.set(event_target_value(&ev)) />
                <p class="field-error" id="quote-error">{move || error.with(|e| e.as_ref().and_then(|e| e.for_field("quoteCents")))}</p>
            })}
            {(!moves.is_empty()).then(|| view! {
                <label for="move-note">"Note (optional)"</label>
                <input id="move-note" prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) />
            })}
            <div class="actions">
                {moves.into_iter().map(|to| {
                    let go = go.clone();
                    let t = to.clone();
                    view! { <button class="move" data-to=to.clone() disabled=move || busy.get() on:click=move |_| go(t.clone())>
                        {format!("Mark {}", label(&to).to_lowercase())}</button> }
                }).collect_view()}
            </div>
            {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
        </section>
    }
}

/// One line of a job's timeline, from any of the operations that read one.
pub struct TimelineEntry {
    at: String,
    what: String,
    actor: String,
    note: Option<String>,
}

impl TimelineEntry {
    /// `to`: the stage a move went to (`CONTACTED`); else the event's `kind` names it.
    pub fn new(at: &str, to: Option<String>, kind: String, actor: &str, note: Option<String>) -> Self {
        let what = match to {
            Some(to) => format!("→ {}", label(&to)),
            None => label(&kind),
        };
        TimelineEntry { at: at.to_string(), what, actor: actor.to_string(), note }
    }
}

/// The job's timeline, newest first, with the form that adds a note.
#[component]
pub fn Timeline(job_id: String, entries: Vec<TimelineEntry>, reload: Callback<()>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="timeline-h">
            <h2 id="timeline-h">"Timeline"</h2>
            <Note job_id reload />
            <ol class="timeline">
                {entries.into_iter().rev().map(|e| view! {
                    <li>
                        <time>{when(&e.at)}</time>
                        <span>{e.what}</span>
                        <span class="muted">{format!(" by {}", e.actor)}</span>
                        {e.note.map(|n| view! { <p class="note">{n}</p> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn Note(job_id: String, reload: Callback<()>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let vars = gql::add_job_note::Variables { job_id: job_id.clone(), note: text.get_untracked() };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::call::<gql::AddJobNote>(vars).await {
                Ok(_) => {
                    text.set(String::new());
                    reload.run(());
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline" on:submit=submit>
            <label for="note">"Add a note"</label>
            <input id="note" required aria-describedby="note-error" prop:value=text on:input=move |ev| text.set(event_target_value(&ev)) />
            <button type="submit" class="small" disabled=move || busy.get()>"Add"</button>
            <p class="field-error" id="note-error" aria-live="polite">{move || error.get().map(|e| e.message)}</p>
        </form>
    }
}

#[component]
fn Photos(
    job_id: String,
    attachments: Vec<job_detail::JobDetailJobAttachments>,
    reload: Callback<()>,
) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let on_file = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        let job_id = job_id.clone();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::upload_attachment(&job_id, file).await {
                Ok(()) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="photos-h">
            <h2 id="photos-h">"Photos and reports"</h2>
            <label class="button-like" for="photo">{move || if busy.get() { "Uploading…" } else { "Take or add a photo" }}</label>
            <input id="photo" class="visually-hidden" type="file" accept="image/*,application/pdf" capture="environment" on:change=on_file />
            {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
            {attachments.is_empty().then(|| view! { <p class="muted">"None yet."</p> })}
            <ul class="files">
                {attachments.into_iter().map(|a| view! {
                    <li>{a.filename} <span class="muted">{format!(" · {} · {} KB · {}", a.kind.to_lowercase(), (a.size_bytes + 1023) / 1024, when(&a.created_at))}</span></li>
                }).collect_view()}
            </ul>
        </section>
    }
}
