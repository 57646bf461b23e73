//! The contractor's jobs: a board by stage, and a job's page with the customer's details, the
//! moves allowed from here, the timeline, notes and photos (straight from a phone's camera).

use crate::nav::{self, A};
use crate::route::Route;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, advance_job, job_detail, my_jobs, return_lead};
use crate::lists::{Paged, choice};
use crate::page_of;
use crate::pages::files::{FileRow, Files, file_rows};
use crate::ui::{ErrorBox, Load, constant, day, label, money, parse_dollars, phone, shown, when};

const STAGES: [my_jobs::JobStatus; 7] = {
    use my_jobs::JobStatus::*;
    [AWAITING_CONTACT, CONTACTED, INSPECTED, QUOTED, APPROVED, IN_PROGRESS, COMPLETED]
};

#[component]
pub fn JobsBoard() -> impl IntoView {
    // The jobs being worked, every one of them page by page; the completed ones newest first,
    // a few at a time (a contractor's history grows without end).
    let open = Paged::<my_jobs::MyJobsMyJobsNodes>::default();
    let done = Paged::<my_jobs::MyJobsMyJobsNodes>::default();
    let fetch = move |completed: bool, after: Option<String>| {
        let (list, vars) = if completed {
            let status = Some(my_jobs::JobStatus::COMPLETED);
            (done, my_jobs::Variables { status, open: None, after: after.clone(), first: 20 })
        } else {
            (open, my_jobs::Variables { status: None, open: Some(true), after: after.clone(), first: 100 })
        };
        list.load(after, vec![], |_| async move { Ok(page_of!(api::call::<gql::MyJobs>(vars).await?.my_jobs)) });
    };
    let reload = move || {
        fetch(false, None);
        fetch(true, None);
    };
    reload();
    let fresh = move || match nav::route() {
        Route::Jobs { accepted } => accepted,
        _ => None,
    };
    let card = move |j: my_jobs::MyJobsMyJobsNodes| {
        let is_new = fresh() == Some(j.id.clone());
        view! {
            <li class="job card" class:new=is_new data-job=j.id.clone()>
                <A to=Route::Job(j.id.clone())>
                    <strong class="customer">{j.lead.customer.name.clone()}</strong>
                </A>
                <a class="phone" href=format!("tel:{}", j.lead.customer.phone)>{phone(&j.lead.customer.phone)}</a>
                <p class="muted">{format!("{}, {} {}", j.lead.property.address, j.lead.property.suburb, j.lead.property.postcode)}</p>
                <p>{label(&constant(&j.lead.damage_type))} " · " {label(&constant(&j.lead.urgency))}</p>
                {j.alert.clone().map(|a| view! { <p class="alert-tag">{label(&a)}</p> })}
            </li>
        }
    };
    let column = move |stage: my_jobs::JobStatus| {
        let completed = stage == my_jobs::JobStatus::COMPLETED;
        let list = if completed { done } else { open };
        let name = label(&constant(&stage));
        let at = StoredValue::new(stage);
        let here = move || {
            at.with_value(|stage| {
                list.rows.with(|r| r.iter().filter(|j| j.status == *stage).cloned().collect::<Vec<_>>())
            })
        };
        // The completed column counts them all, not only those loaded.
        let count = move || if completed { list.total() } else { here().len() as i64 };
        view! {
            <section class="column" aria-label=name.clone()>
                <h2>{name.clone()} <span class="count">{count}</span></h2>
                <ul>{move || here().into_iter().map(card).collect_view()}</ul>
                {completed.then(|| done.foot("completed jobs", &[], Callback::new(move |_| fetch(true, None)), Callback::new(move |c| fetch(true, Some(c)))))}
            </section>
        }
    };
    let nothing = move || {
        [open, done].iter().all(|l| l.rows.with(Vec::is_empty) && l.state.with(|s| matches!(s, Load::Ready(_))))
    };
    view! {
        <section class="page" aria-labelledby="jobs-title">
            <div class="page-head"><h1 id="jobs-title">"My jobs"</h1>
                <button class="secondary small" on:click=move |_| reload()>"Refresh"</button></div>
            {move || {
                let n = crate::field::waiting().iter().filter(|w| w.item.refused.is_none()).count();
                (n > 0).then(|| view! {
                    <p class="queue" role="status">{format!("{n} photo(s) or note(s) on this phone wait to be sent; they go as soon as there is signal.")}</p>
                })
            }}
            <Show when=nothing fallback=move || view! {
                <div class="board">{STAGES.into_iter().map(column).collect_view()}</div>
                {open.foot("jobs in progress", &[], Callback::new(move |_| fetch(false, None)), Callback::new(move |c| fetch(false, Some(c))))}
            }>
                <p class="empty">"No jobs yet. Accept an offer and it lands here."</p>
            </Show>
        </section>
    }
}

#[component]
pub fn JobPage() -> impl IntoView {
    let id = move || match nav::route() {
        Route::Job(id) => id,
        _ => String::new(),
    };
    let state = RwSignal::new(Load::<job_detail::JobDetailJob>::Loading);
    // The files and the timeline, renewed on their own when the phone's queue sends something
    // (the rest of the page, and whatever is typed in it, stays).
    let latest = RwSignal::new(None::<job_detail::JobDetailJob>);
    let fetch = move |whole: bool| {
        let id = id();
        leptos::task::spawn_local(async move {
            match api::call::<gql::JobDetail>(job_detail::Variables { id }).await {
                Ok(d) => {
                    latest.set(Some(d.job.clone()));
                    if whole {
                        state.set(Load::Ready(d.job));
                    }
                }
                Err(e) if whole => state.set(Load::Failed(e)),
                Err(_) => {}
            }
        });
    };
    let load = move || fetch(true);
    Effect::new(move |_| {
        let _ = id();
        load();
    });
    Effect::new(move |first: Option<()>| {
        let _ = crate::field::sent();
        if first.is_some() {
            fetch(false);
        }
    });
    // Where the photos are taken, if the person has already allowed it (no prompt on load).
    crate::field::locate(true);
    view! {
        <section class="page" aria-labelledby="job-title">
            <p><A to={Route::Jobs { accepted: None }}>"← My jobs"</A></p>
            {shown(state, "the job", Callback::new(move |_| load()), move |j| view! { <JobView job=j latest reload=Callback::new(move |_| load()) /> }.into_any())}
        </section>
    }
}

#[component]
fn JobView(
    job: job_detail::JobDetailJob,
    latest: RwSignal<Option<job_detail::JobDetailJob>>,
    reload: Callback<()>,
) -> impl IntoView {
    let l = job.lead.clone();
    let job_id = job.id.clone();
    let files = Signal::derive(move || latest.with(|j| file_rows!(j.iter().flat_map(|j| &j.attachments))));
    let entries = Signal::derive(move || latest.with(|j| timeline_entries!(j.iter().flat_map(|j| &j.timeline))));
    view! {
        <h1 id="job-title">{format!("{} — {}", l.customer.name, l.property.suburb)}</h1>
        <p class="status-line">"Stage: " <strong data-status=constant(&job.status)>{label(&constant(&job.status))}</strong>
            {job.alert.clone().map(|a| view! { <span class="alert-tag">{label(&a)}</span> })}</p>
        <div class="grid2">
            <section class="card" aria-labelledby="customer-h">
                <h2 id="customer-h">"Customer"</h2>
                <dl class="facts">
                    <dt>"Name"</dt><dd class="customer">{l.customer.name.clone()}</dd>
                    <dt>"Phone"</dt><dd><a href=format!("tel:{}", l.customer.phone)>{phone(&l.customer.phone)}</a></dd>
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
            <div>
                <Moves job_id=job_id.clone() allowed=job.allowed_transitions.clone() reload />
                <ReturnLead job_id=job_id.clone() until=job.returnable_until.clone() returned=job.lead_return.clone() reload />
            </div>
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
                    <dt>"Decision due"</dt><dd>{day(&c.decision_due_on)}</dd>
                </dl>
                {c.decision_note.clone().map(|n| view! { <p class="note">{n}</p> })}
            </section>
        })}
        <Photos job_id=job_id.clone() files />
        <Timeline job_id=job_id.clone() reload entries on_site=true />
    }
}

/// The stages this user may move the job to from here.
#[component]
fn Moves(job_id: String, allowed: Vec<job_detail::JobStatus>, reload: Callback<()>) -> impl IntoView {
    let quote = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let needs_quote = allowed.iter().any(|a| matches!(a, job_detail::JobStatus::QUOTED));
    let go = move |to: job_detail::JobStatus| {
        let job_id = job_id.clone();
        let cents = parse_dollars(&quote.get_untracked());
        let quoting = matches!(to, job_detail::JobStatus::QUOTED);
        let Some(to) = crate::gql::retype::<_, advance_job::JobStatus>(&to) else { return };
        let n = note.get_untracked();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let input = advance_job::AdvanceJobInput {
                job_id,
                to,
                note: (!n.trim().is_empty()).then_some(n),
                quote_cents: if quoting { cents } else { None },
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
    // Cancelling and approving are the insurer's and NRP's, not the contractor's.
    let moves: Vec<_> = allowed
        .into_iter()
        .filter(|a| !matches!(a, job_detail::JobStatus::CANCELLED | job_detail::JobStatus::APPROVED))
        .collect();
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
                    view! { <button class="move" data-to=constant(&to) disabled=move || busy.get() on:click=move |_| go(t.clone())>
                        {format!("Mark {}", label(&constant(&to)).to_lowercase())}</button> }
                }).collect_view()}
            </div>
            {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
        </section>
    }
}

/// Handing the lead back within 24 hours of winning it (bad contact details, a duplicate, work
/// not as described), and what NRP decided.
#[component]
fn ReturnLead(
    job_id: String,
    until: Option<String>,
    returned: Option<job_detail::JobDetailJobLeadReturn>,
    reload: Callback<()>,
) -> impl IntoView {
    use return_lead::ReturnReason as R;
    if let Some(r) = returned {
        let status = constant(&r.status);
        let said = match r.decision_note.clone() {
            Some(n) => format!("NRP: {n}"),
            None => String::new(),
        };
        return view! {
            <section class="card" aria-labelledby="return-h">
                <h2 id="return-h">"Lead returned"</h2>
                <p data-return-status=status.clone()>{match r.status {
                    job_detail::ReturnStatus::PENDING => "NRP is looking at your return; the job stands until then.",
                    job_detail::ReturnStatus::UPHELD => "Upheld: the lead went back to routing and does not count against your score.",
                    _ => "Not upheld: the job goes on.",
                }}</p>
                <p class="note">{format!("{}: {}", label(&constant(&r.reason)), r.note)}</p>
                {(!said.is_empty()).then(|| view! { <p class="note">{said}</p> })}
            </section>
        }
        .into_any();
    }
    let Some(until) = until else { return ().into_any() };
    let reason = RwSignal::new(String::from("BAD_CONTACT"));
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let reason = choice(reason).unwrap_or(R::BAD_CONTACT);
        let vars = return_lead::Variables { job_id: job_id.clone(), reason, note: note.get_untracked() };
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::call::<gql::ReturnLead>(vars).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="return-h">
            <details>
                <summary id="return-h">"Return this lead"</summary>
                <form on:submit=submit>
                    <p class="muted">{format!("Until {}: NRP decides; an upheld return does not count against your score.", when(&until))}</p>
                    <label for="return-reason">"Why"</label>
                    <select id="return-reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                        <option value="BAD_CONTACT">"The customer cannot be reached"</option>
                        <option value="DUPLICATE">"A job I had already"</option>
                        <option value="OUT_OF_SCOPE">"Not the work described"</option>
                    </select>
                    <label for="return-note">"What is wrong"</label>
                    <textarea id="return-note" maxlength="1000" aria-describedby="return-note-error"
                        prop:value=note on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                    <p class="field-error" id="return-note-error">{move || error.with(|e| e.as_ref().and_then(|e| e.for_field("note")))}</p>
                    <button type="submit" class="secondary" disabled=move || busy.get()>"Return the lead"</button>
                    {move || error.get().filter(|e| e.for_field("note").is_none()).map(|e| view! { <ErrorBox error=e /> })}
                </form>
            </details>
        </section>
    }
    .into_any()
}

/// The entries of any operation's `timeline { at toStatus kind actor note capturedAt }`.
macro_rules! timeline_entries {
    ($timeline:expr) => {
        $timeline
            .map(|e| {
                $crate::pages::jobs::TimelineEntry::new(
                    &e.at,
                    e.to_status.as_ref().map($crate::ui::constant),
                    $crate::ui::constant(&e.kind),
                    &e.actor,
                    e.note.clone(),
                    e.captured_at.clone(),
                )
            })
            .collect()
    };
}
pub(crate) use timeline_entries;

/// One line of a job's timeline, from any of the operations that read one.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    at: String,
    what: String,
    actor: String,
    note: Option<String>,
    taken: Option<String>,
}

impl TimelineEntry {
    /// `to`: the stage a move went to (`CONTACTED`); else the event's `kind` names it. `taken`:
    /// when a note written on site was written, if it waited on the phone.
    pub fn new(
        at: &str,
        to: Option<String>,
        kind: String,
        actor: &str,
        note: Option<String>,
        taken: Option<String>,
    ) -> Self {
        let what = match to {
            Some(to) => format!("→ {}", label(&to)),
            None => label(&kind),
        };
        TimelineEntry { at: at.to_string(), what, actor: actor.to_string(), note, taken }
    }
}

/// The job's timeline, newest first, with the form that adds a note. `on_site` (the contractor's
/// phone): the note is kept on the phone first and sent from its queue.
#[component]
pub fn Timeline(
    job_id: String,
    #[prop(into)] entries: Signal<Vec<TimelineEntry>>,
    reload: Callback<()>,
    #[prop(optional)] on_site: bool,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="timeline-h">
            <h2 id="timeline-h">"Timeline"</h2>
            <Note job_id reload on_site />
            <ol class="timeline">
                {move || entries.get().into_iter().rev().map(|e| view! {
                    <li>
                        <time>{when(&e.at)}</time>
                        <span>{e.what}</span>
                        <span class="muted">{format!(" by {}", e.actor)}</span>
                        {e.taken.map(|t| view! { <span class="muted">{format!(" · written {}", when(&t))}</span> })}
                        {e.note.map(|n| view! { <p class="note">{n}</p> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn Note(job_id: String, reload: Callback<()>, on_site: bool) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let note = text.get_untracked();
        if note.trim().is_empty() {
            return error.set(Some(ApiError::on_field("note", "Write the note first.")));
        }
        error.set(None);
        if on_site {
            crate::field::write_note(job_id.clone(), note);
            return text.set(String::new());
        }
        let vars = gql::add_job_note::Variables { job_id: job_id.clone(), note, capture: None };
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
            <input id="note" required aria-describedby="note-error" prop:value=text on:input=move |ev| text.set(event_target_value(&ev))
                on:focus=move |_| if on_site { crate::field::locate(false) } />
            <button type="submit" class="small" disabled=move || busy.get()>"Add"</button>
            <p class="field-error" id="note-error" aria-live="polite">{move || error.get().map(|e| e.message)}</p>
        </form>
    }
}

/// The job's photos and reports, with the camera button. A photo is kept on the phone first and
/// sent from its queue, shown here until the server has it.
#[component]
fn Photos(job_id: String, files: Signal<Vec<FileRow>>) -> impl IntoView {
    let for_queue = job_id.clone();
    let on_file = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(list) = input.files() else { return };
        for i in 0..list.length() {
            if let Some(file) = list.get(i) {
                crate::field::take_photo(job_id.clone(), file);
            }
        }
        // The same photo may be chosen again.
        input.set_value("");
    };
    view! {
        <section class="card" aria-labelledby="photos-h">
            <h2 id="photos-h">"Photos and reports"</h2>
            <label class="button-like" for="photo" on:pointerdown=move |_| crate::field::locate(false)>"Take or add a photo"</label>
            <input id="photo" class="visually-hidden" type="file" multiple accept="image/*,application/pdf" capture="environment" on:change=on_file />
            <Queue job_id=for_queue />
            <Files files />
        </section>
    }
}

/// What this phone still has to send for a job: photos and notes in the order taken, with where
/// each stands; a refused one keeps the server's reason until the person discards it.
#[component]
fn Queue(job_id: String) -> impl IntoView {
    let mine = move || {
        let job = job_id.clone();
        crate::field::waiting().into_iter().filter(move |w| w.item.job_id == job).collect::<Vec<_>>()
    };
    move || {
        let items = mine();
        let lost = crate::field::unkept();
        let warning = (lost > 0).then(|| view! {
            <p class="field-error" role="alert">{format!("{lost} item(s) could be neither kept on this phone nor sent: take them again when there is signal.")}</p>
        });
        let list = (!items.is_empty()).then(|| {
            let online = web_sys::window().is_none_or(|w| w.navigator().on_line());
            view! {
                <div class="queue" role="status" aria-live="polite">
                    <h3>{format!("Waiting to send ({})", items.len())}</h3>
                    <ul>
                        {items.into_iter().map(|w| {
                            let what = match (&w.item.note, &w.item.filename) {
                                (Some(n), _) => format!("Note “{}”", n.chars().take(40).collect::<String>()),
                                (None, f) => format!("Photo {}", f.as_deref().unwrap_or("")),
                            };
                            let state = match (&w.item.refused, w.sending) {
                                (Some(why), _) => format!("Not accepted: {why}"),
                                (None, true) => "Sending…".to_string(),
                                (None, false) if !online => "Waiting for signal".to_string(),
                                (None, false) => "Waiting to retry".to_string(),
                            };
                            let seq = w.seq;
                            view! {
                                <li data-queue-state=if w.item.refused.is_some() { "refused" } else if w.sending { "sending" } else { "waiting" }>
                                    <strong>{what}</strong>
                                    <span class="muted">{format!(" · taken {}", when(&w.item.captured_at))}</span>
                                    <span class="queue-state">{format!(" · {state}")}</span>
                                    {w.item.refused.is_some().then(|| view! {
                                        <button class="link-button" on:click=move |_| crate::field::discard(seq)>"Discard"</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <button class="secondary small" on:click=move |_| crate::field::send_now()>"Send now"</button>
                </div>
            }
        });
        view! { {warning} {list} }
    }
}
