//! The admin's job and claim pages: everything the contractor's job page shows, and the admin's
//! own steps — approve the quote (an amount), move or cancel the job with a reason, rate it for
//! the customer, notes, the photos and reports opened in place, the claim (lodge, assess, decide,
//! settle) with its Code of Practice clock, and the payout.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::admin_job::{self, ClaimFields, ClaimStatus, JobStatus};
use crate::gql::{self, admin_advance_job, admin_claim, retype};
use crate::nav::{self, A};
use crate::pages::files::{FileRow, Files, file_rows};
use crate::pages::jobs::{Timeline, TimelineEntry, timeline_entries};
use crate::route::Route;
use crate::session::is_admin;
use crate::ui::{ErrorBox, Load, constant, day, fetch_into, label, money, parse_dollars, phone, shown, when};

type Job = admin_job::AdminJobJob;

/// `/admin/jobs/{id}`.
#[component]
pub fn AdminJobPage() -> impl IntoView {
    let id = move || match nav::route() {
        Route::AdminJob(id) => id,
        _ => String::new(),
    };
    let state = RwSignal::new(Load::<Job>::Loading);
    let load = move || {
        let id = id();
        fetch_into(state, async move { api::call::<gql::AdminJob>(admin_job::Variables { id }).await.map(|d| d.job) });
    };
    Effect::new(move |_| load());
    let reload = Callback::new(move |_| load());
    view! {
        <section class="page" aria-labelledby="job-title">
            {move || if is_admin() {
                view! { <p><A to=Route::AdminJobs>"← Jobs"</A></p> }.into_any()
            } else {
                view! { <p><A to=Route::Portal>"← Your jobs"</A></p> }.into_any()
            }}
            {shown(state, "the job", reload, move |j| view! { <JobView job=j reload /> }.into_any())}
        </section>
    }
}

#[component]
fn JobView(job: Job, reload: Callback<()>) -> impl IntoView {
    let l = job.lead.clone();
    let status = job.status.clone();
    let stage_since = job.stage_entered_at.clone().map(|t| format!(" since {}", when(&t)));
    let claim = l.claim.clone();
    let can_cancel = job.allowed_transitions.contains(&JobStatus::CANCELLED);
    let ratable = status == JobStatus::COMPLETED && job.satisfaction.is_none();
    let files: Vec<FileRow> = file_rows!(job.attachments.iter());
    let entries: Vec<TimelineEntry> = timeline_entries!(job.timeline.iter());
    view! {
        <h1 id="job-title">{format!("{} — {} {}", l.customer.name, l.property.suburb, l.property.postcode)}</h1>
        <p class="status-line">"Stage: " <strong data-status=constant(&status)>{label(&constant(&status))}</strong>
            {stage_since}
            {job.alert.clone().map(|a| view! { <span class="alert-tag">{label(&a)}</span> })}
            {is_admin().then(|| view! { " · " <A to=Route::Lead(l.id.clone())>"the lead"</A> })}</p>
        <div class="grid2">
            <section class="card" aria-labelledby="customer-h">
                <h2 id="customer-h">"Customer and property"</h2>
                <dl class="facts">
                    <dt>"Name"</dt><dd class="customer">{l.customer.name.clone()}</dd>
                    <dt>"Phone"</dt><dd><a href=format!("tel:{}", l.customer.phone)>{phone(&l.customer.phone)}</a></dd>
                    {l.customer.email.clone().map(|e| view! { <dt>"Email"</dt><dd><a href=format!("mailto:{e}")>{e.clone()}</a></dd> })}
                    <dt>"Address"</dt><dd>{format!("{}, {} {} {}", l.property.address, l.property.suburb, l.property.state, l.property.postcode)}</dd>
                    <dt>"Damage"</dt><dd>{label(&constant(&l.damage_type))} " · " {label(&constant(&l.urgency))}</dd>
                    <dt>"Insurer"</dt><dd>{l.insurer.clone().map(|i| i.name).unwrap_or_else(|| "none".into())}
                        {l.claim_number.clone().map(|c| format!(" · claim {c}"))}</dd>
                    {job.contact_due_at.clone().map(|d| view! { <dt>"Contact by"</dt><dd>{when(&d)}</dd> })}
                </dl>
                <p>{l.description.clone()}</p>
            </section>
            <section class="card" aria-labelledby="contractor-h">
                <h2 id="contractor-h">"Contractor"</h2>
                {job.contractor.clone().map(|c| view! {
                    <dl class="facts">
                        <dt>"Company"</dt><dd class="contractor">{c.company_name.clone()}</dd>
                        <dt>"Contact"</dt><dd>{c.contact_name.clone()}</dd>
                        <dt>"Phone"</dt><dd><a href=format!("tel:{}", c.phone)>{phone(&c.phone)}</a></dd>
                        <dt>"Email"</dt><dd><a href=format!("mailto:{}", c.email)>{c.email.clone()}</a></dd>
                    </dl>
                })}
                <dl class="facts money">
                    <dt>"Quote"</dt><dd class="quote">{job.quote_cents.map(money).unwrap_or_else(|| "not yet".into())}</dd>
                    <dt>"Approved"</dt><dd class="approved">{job.approved_cents.map(money).unwrap_or_else(|| "not yet".into())}</dd>
                    {job.satisfaction.map(|s| view! { <dt>"Customer rating"</dt><dd class="rating">{format!("{s} / 5")}
                        {job.satisfaction_comment.clone().map(|c| view! { <br/><span class="muted">{c}</span> })}</dd> })}
                    {job.cancelled_reason.clone().map(|r| view! { <dt>"Cancelled"</dt><dd>{r}</dd> })}
                </dl>
            </section>
        </div>
        <div class="grid2">
            <Moves job_id=job.id.clone() allowed=job.allowed_transitions.clone() quote=job.quote_cents reload />
            <section class="card" aria-labelledby="more-h">
                <h2 id="more-h">"Cancel or rate"</h2>
                {can_cancel.then(|| view! { <CancelJob job_id=job.id.clone() reload /> })}
                {ratable.then(|| view! { <RateJob job_id=job.id.clone() reload /> })}
                {(!can_cancel && !ratable).then(|| view! { <p class="muted">"Nothing to do here at this stage."</p> })}
            </section>
        </div>
        {job.lead_return.clone().map(|r| view! { <ReturnPanel r reload /> })}
        <div class="grid2">
            <ClaimPanel claim lead_id=l.id.clone() has_insurer=l.insurer.is_some() reload />
            {is_admin().then(|| view! { <Payout payout=job.payout.clone() approved=job.approved_cents.is_some() /> })}
        </div>
        <section class="card" aria-labelledby="files-h">
            <h2 id="files-h">"Photos and reports"</h2>
            <Files inline=true files=files />
        </section>
        <Timeline job_id=job.id.clone() reload entries />
    }
}

/// What a job's stage can move to, as the signed-in user may move it: the quote's amount when
/// quoting, the approved amount (the quote, unless changed) when approving.
#[component]
fn Moves(
    job_id: String,
    allowed: Vec<JobStatus>,
    quote: Option<crate::ui::Cents>,
    reload: Callback<()>,
) -> impl IntoView {
    let moves: Vec<JobStatus> = allowed.into_iter().filter(|s| *s != JobStatus::CANCELLED).collect();
    let asks_quote = moves.contains(&JobStatus::QUOTED);
    let asks_approval = moves.contains(&JobStatus::APPROVED);
    let quote_typed = RwSignal::new(String::new());
    let approved_typed = RwSignal::new(quote.map(|c| money(c).replace('$', "")).unwrap_or_default());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let go = move |to: JobStatus| {
        let amount = |typed: RwSignal<String>, field: &str| -> Result<Option<crate::ui::Cents>, ApiError> {
            let t = typed.get_untracked();
            match parse_dollars(&t) {
                Some(c) => Ok(Some(c)),
                None => Err(ApiError::on_field(field, "enter an amount in dollars, e.g. 12,345.67")),
            }
        };
        let (quote_cents, approved_cents) = match to {
            JobStatus::QUOTED => match amount(quote_typed, "quoteCents") {
                Ok(c) => (c, None),
                Err(e) => return error.set(Some(e)),
            },
            JobStatus::APPROVED => match amount(approved_typed, "approvedCents") {
                Ok(c) => (None, c),
                Err(e) => return error.set(Some(e)),
            },
            _ => (None, None),
        };
        let n = note.get_untracked();
        let Some(to) = retype::<_, admin_advance_job::JobStatus>(&to) else { return };
        let input = admin_advance_job::AdvanceJobInput {
            job_id: job_id.clone(),
            to,
            note: (!n.trim().is_empty()).then_some(n),
            quote_cents,
            approved_cents,
            scheduled_for: None,
        };
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::call::<gql::AdminAdvanceJob>(admin_advance_job::Variables { input }).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let field_error = move |f: &'static str| move || error.with(|e| e.as_ref().and_then(|e| e.for_field(f)));
    view! {
        <section class="card" aria-labelledby="moves-h">
            <h2 id="moves-h">"Next step"</h2>
            {moves.is_empty().then(|| view! { <p class="muted">"No move to make from this stage."</p> })}
            {asks_quote.then(|| view! {
                <div class="field">
                    <label for="quote">"Quote (AUD, incl. GST)"</label>
                    <input id="quote" inputmode="decimal" placeholder="12,345.67" aria-describedby="quote-error"
                        prop:value=quote_typed on:input=move |ev| quote_typed.set(event_target_value(&ev)) />
                    <p class="field-error" id="quote-error" aria-live="polite">{field_error("quoteCents")}</p>
                </div>
            })}
            {asks_approval.then(|| view! {
                <div class="field">
                    <label for="approved">"Approved amount (AUD, incl. GST)"</label>
                    <input id="approved" inputmode="decimal" aria-describedby="approved-error"
                        prop:value=approved_typed on:input=move |ev| approved_typed.set(event_target_value(&ev)) />
                    <p class="field-error" id="approved-error" aria-live="polite">{field_error("approvedCents")}</p>
                </div>
            })}
            {(!moves.is_empty()).then(|| view! {
                <label for="move-note">"Note (optional)"</label>
                <input id="move-note" prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) />
            })}
            <div class="actions">
                {moves.into_iter().map(|to| {
                    let go = go.clone();
                    let text = match to {
                        JobStatus::APPROVED => "Approve the quote".to_string(),
                        ref other => format!("Mark {}", label(&constant(other)).to_lowercase()),
                    };
                    let t = to.clone();
                    view! { <button class="move" data-to=constant(&to) disabled=move || busy.get() on:click=move |_| go(t.clone())>{text}</button> }
                }).collect_view()}
            </div>
            {move || error.get().filter(|e| e.for_field("quoteCents").is_none() && e.for_field("approvedCents").is_none())
                .map(|e| view! { <ErrorBox error=e /> })}
        </section>
    }
}

/// The contractor's return of the lead: what it said and, while pending, uphold (the job is
/// cancelled and the lead routed again) or reject (the job goes on), with a note it sees.
#[component]
fn ReturnPanel(r: admin_job::AdminJobJobLeadReturn, reload: Callback<()>) -> impl IntoView {
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let pending = matches!(r.status, admin_job::ReturnStatus::PENDING);
    let decide = move |uphold: bool| {
        let n = note.get_untracked();
        let vars =
            gql::decide_lead_return::Variables { id: r.id.clone(), uphold, note: (!n.trim().is_empty()).then_some(n) };
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::call::<gql::DecideLeadReturn>(vars).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let decide2 = decide.clone();
    view! {
        <section class="card" aria-labelledby="return-h">
            <h2 id="return-h">"Lead returned by the contractor"</h2>
            <dl class="facts">
                <dt>"Status"</dt><dd data-return-status=constant(&r.status)>{label(&constant(&r.status))}</dd>
                <dt>"Reason"</dt><dd>{label(&constant(&r.reason))}</dd>
                <dt>"Returned"</dt><dd>{when(&r.created_at)}</dd>
            </dl>
            <p class="note">{r.note.clone()}</p>
            {r.decision_note.clone().map(|n| view! { <p class="note">{format!("Decision: {n}")}</p> })}
            {pending.then(|| view! {
                <label for="return-decision">"Note for the contractor (optional)"</label>
                <input id="return-decision" prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) />
                <p class="muted">"Upheld: the job is cancelled, the lead is routed to the next companies, and it does not count against the contractor's score."</p>
                <div class="actions">
                    <button class="small" disabled=move || busy.get() on:click=move |_| decide(true)>"Uphold"</button>
                    <button class="small secondary" disabled=move || busy.get() on:click=move |_| decide2(false)>"Reject"</button>
                </div>
            })}
            {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
        </section>
    }
}

#[component]
fn CancelJob(job_id: String, reload: Callback<()>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let vars = gql::cancel_job::Variables { job_id: job_id.clone(), reason: reason.get_untracked() };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::call::<gql::CancelJob>(vars).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let reason_error = move || error.with(|e| e.as_ref().and_then(|e| e.for_field("reason")));
    view! {
        <form class="cancel-job" novalidate on:submit=submit>
            <div class="field" class:invalid=move || reason_error().is_some()>
                <label for="cancel-reason">"Why the job is cancelled"</label>
                <input id="cancel-reason" required aria-describedby="cancel-reason-error"
                    prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev)) />
                <p class="field-error" id="cancel-reason-error" aria-live="polite">{reason_error}</p>
            </div>
            <p class="muted">"The lead goes back to the unassigned queue."</p>
            <button type="submit" class="small danger" disabled=move || busy.get()>"Cancel the job"</button>
            {move || error.get().filter(|e| e.for_field("reason").is_none()).map(|e| view! { <ErrorBox error=e /> })}
        </form>
    }
}

#[component]
fn RateJob(job_id: String, reload: Callback<()>) -> impl IntoView {
    let score = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(s) = score.get_untracked().parse::<i64>() else {
            return error.set(Some(ApiError::on_field("score", "choose a score from 1 to 5")));
        };
        if busy.get_untracked() {
            return;
        }
        let vars = gql::rate_job::Variables { job_id: job_id.clone(), score: s };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::call::<gql::RateJob>(vars).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let score_error = move || error.with(|e| e.as_ref().and_then(|e| e.for_field("score")));
    view! {
        <form class="rate-job" novalidate on:submit=submit>
            <div class="field">
                <label for="rating">"The customer's rating"</label>
                <select id="rating" aria-describedby="rating-error" on:change=move |ev| score.set(event_target_value(&ev))>
                    <option value="">"Choose…"</option>
                    {(1..=5).rev().map(|n| view! { <option value=n.to_string()>{format!("{n} / 5")}</option> }).collect_view()}
                </select>
                <p class="field-error" id="rating-error" aria-live="polite">{score_error}</p>
            </div>
            <button type="submit" class="small" disabled=move || busy.get()>"Save the rating"</button>
            {move || error.get().filter(|e| e.for_field("score").is_none()).map(|e| view! { <ErrorBox error=e /> })}
        </form>
    }
}

/// The payout for the job: the ledger's figures once the job is completed with an approved
/// amount.
#[component]
fn Payout(payout: Option<admin_job::AdminJobJobPayout>, approved: bool) -> impl IntoView {
    view! {
        <section class="card payout" aria-labelledby="payout-h">
            <h2 id="payout-h">"Payout"</h2>
            {match payout {
                None => view! { <p class="muted">{if approved {
                    "Made when the job is completed."
                } else {
                    "Made when the job is completed with an approved amount."
                }}</p> }.into_any(),
                Some(p) => view! {
                    <dl class="facts">
                        <dt>"Status"</dt><dd data-payout-status=constant(&p.status)>{label(&constant(&p.status))}
                            {p.status_reason.clone().map(|r| view! { <span class="muted">{format!(" ({r})")}</span> })}</dd>
                        <dt>"Job value"</dt><dd>{money(p.gross_cents)}</dd>
                        <dt>"NRP commission"</dt><dd>{format!("{} ({}%)", money(p.commission_cents), crate::ui::fixed(p.commission_bps as f64 / 100.0, 2))}</dd>
                        <dt>"To the contractor"</dt><dd class="payout-amount">{money(p.payout_cents)}</dd>
                        {(p.reversed_cents.0 > 0).then(|| view! { <dt>"Reversed"</dt><dd>{money(p.reversed_cents)}</dd> })}
                        {p.transfer_id.clone().map(|t| view! { <dt>"Stripe transfer"</dt><dd><code>{t}</code></dd> })}
                        {p.paid_at.clone().map(|t| view! { <dt>"Paid"</dt><dd>{when(&t)}</dd> })}
                    </dl>
                    <p><A to=Route::AdminPayouts>"All payouts"</A></p>
                }.into_any(),
            }}
        </section>
    }
}

/// The claim on a lead: lodge it when there is none, then move it on as its status allows, with
/// the decision's amount and note; the deadline counts down in business days.
#[component]
pub fn ClaimPanel(
    claim: Option<ClaimFields>,
    lead_id: String,
    has_insurer: bool,
    reload: Callback<()>,
) -> impl IntoView {
    view! {
        <section class="card claim" aria-labelledby="claim-h">
            <h2 id="claim-h">"Insurance claim"</h2>
            {match claim {
                Some(c) => view! { <ClaimFacts c=c.clone() /> <ClaimMoves c reload /> }.into_any(),
                None if has_insurer => view! { <LodgeClaim lead_id reload /> }.into_any(),
                None => view! { <p class="muted">"The lead has no insurer: no claim."</p> }.into_any(),
            }}
        </section>
    }
}

/// The claim's figures and its Code of Practice clock.
#[component]
fn ClaimFacts(c: ClaimFields) -> impl IntoView {
    let clock = match c.decision_business_days_left {
        None => "decided".to_string(),
        Some(0) => "due today".to_string(),
        Some(1) => "1 business day left".to_string(),
        Some(n) if n > 1 => format!("{n} business days left"),
        Some(-1) => "1 business day overdue".to_string(),
        Some(n) => format!("{} business days overdue", -n),
    };
    view! {
        <dl class="facts">
            <dt>"Claim"</dt><dd>{c.claim_number.clone()} {c.insurer.clone().map(|i| format!(" · {}", i.name))}</dd>
            <dt>"Status"</dt><dd data-claim-status=constant(&c.status)>{label(&constant(&c.status))}</dd>
            <dt>"Claimed"</dt><dd>{money(c.claimed_cents)}</dd>
            <dt>"Excess"</dt><dd>{money(c.excess_cents)}</dd>
            {c.approved_cents.map(|a| view! { <dt>"Approved"</dt><dd class="claim-approved">{money(a)}</dd> })}
            <dt>"Lodged"</dt><dd>{when(&c.lodged_at)}</dd>
            <dt>"Decision due"</dt><dd class="decision-clock">{day(&c.decision_due_on)} " · " {clock}
                {c.decision_overdue.then(|| view! { <span class="alert-tag">"Overdue under the Code of Practice"</span> })}</dd>
            {c.decided_at.clone().map(|t| view! { <dt>"Decided"</dt><dd>{when(&t)}</dd> })}
            {c.settled_at.clone().map(|t| view! { <dt>"Settled"</dt><dd>{when(&t)}</dd> })}
        </dl>
        {c.decision_note.clone().map(|n| view! { <p class="note">{n}</p> })}
    }
}

/// Moves a claim on: assessing, a decision (approved in full, in part with the amount, or
/// declined, each with a note), settled.
#[component]
fn ClaimMoves(c: ClaimFields, reload: Callback<()>) -> impl IntoView {
    let moves = c.allowed_transitions.clone();
    let amount = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let asks_amount = moves.contains(&ClaimStatus::PARTIALLY_APPROVED);
    let asks_note = moves
        .iter()
        .any(|m| matches!(m, ClaimStatus::APPROVED | ClaimStatus::PARTIALLY_APPROVED | ClaimStatus::DECLINED));
    let claim_id = c.id.clone();
    let go = move |to: ClaimStatus| {
        let approved_cents = if to == ClaimStatus::PARTIALLY_APPROVED {
            match parse_dollars(&amount.get_untracked()) {
                Some(c) => Some(c),
                None => {
                    return error
                        .set(Some(ApiError::on_field("approvedCents", "enter the approved amount in dollars")));
                }
            }
        } else {
            None
        };
        let n = note.get_untracked();
        let input = gql::update_claim::UpdateClaimInput {
            claim_id: claim_id.clone(),
            status: retype(&to),
            approved_cents,
            excess_cents: None,
            note: (!n.trim().is_empty()).then_some(n),
        };
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::call::<gql::UpdateClaim>(gql::update_claim::Variables { input }).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let amount_error = move || error.with(|e| e.as_ref().and_then(|e| e.for_field("approvedCents")));
    (!moves.is_empty()).then(|| view! {
        <div class="claim-moves">
            {asks_amount.then(|| view! {
                <div class="field">
                    <label for="claim-amount">"Amount approved, if in part (AUD)"</label>
                    <input id="claim-amount" inputmode="decimal" aria-describedby="claim-amount-error"
                        prop:value=amount on:input=move |ev| amount.set(event_target_value(&ev)) />
                    <p class="field-error" id="claim-amount-error" aria-live="polite">{amount_error}</p>
                </div>
            })}
            {asks_note.then(|| view! {
                <label for="claim-note">"Decision note"</label>
                <input id="claim-note" prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) />
            })}
            <div class="actions">
                {moves.into_iter().map(|to| {
                    let go = go.clone();
                    let text = match to {
                        ClaimStatus::ASSESSING => "Start assessing",
                        ClaimStatus::APPROVED => "Approve in full",
                        ClaimStatus::PARTIALLY_APPROVED => "Approve in part",
                        ClaimStatus::DECLINED => "Decline",
                        ClaimStatus::SETTLED => "Mark settled",
                        _ => "Move on",
                    };
                    let t = to.clone();
                    view! { <button class="small claim-move" data-to=constant(&to) disabled=move || busy.get() on:click=move |_| go(t.clone())>{text}</button> }
                }).collect_view()}
            </div>
            {move || error.get().filter(|e| e.for_field("approvedCents").is_none()).map(|e| view! { <ErrorBox error=e /> })}
        </div>
    })
}

#[component]
fn LodgeClaim(lead_id: String, reload: Callback<()>) -> impl IntoView {
    let number = RwSignal::new(String::new());
    let claimed = RwSignal::new(String::new());
    let excess = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(claimed_cents) = parse_dollars(&claimed.get_untracked()) else {
            return error.set(Some(ApiError::on_field("claimedCents", "enter the amount claimed in dollars")));
        };
        let typed_excess = excess.get_untracked();
        let excess_cents =
            if typed_excess.trim().is_empty() { Some(crate::ui::Cents(0)) } else { parse_dollars(&typed_excess) };
        let Some(excess_cents) = excess_cents else {
            return error
                .set(Some(ApiError::on_field("excessCents", "enter the excess in dollars (or leave it empty)")));
        };
        let n = number.get_untracked();
        if busy.get_untracked() {
            return;
        }
        let input = gql::lodge_claim::CreateClaimInput {
            lead_id: lead_id.clone(),
            claim_number: (!n.trim().is_empty()).then(|| n.trim().to_string()),
            claimed_cents,
            excess_cents: Some(excess_cents),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::call::<gql::LodgeClaim>(gql::lodge_claim::Variables { input }).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let fe = move |f: &'static str| move || error.with(|e| e.as_ref().and_then(|e| e.for_field(f)));
    let known = ["claimNumber", "claimedCents", "excessCents"];
    view! {
        <form class="lodge-claim" novalidate on:submit=submit>
            <p class="muted">"No claim lodged yet. The insurer has 10 business days to decide once it is."</p>
            <div class="field">
                <label for="claim-number">"Claim number (empty: the lead's)"</label>
                <input id="claim-number" aria-describedby="claim-number-error" prop:value=number on:input=move |ev| number.set(event_target_value(&ev)) />
                <p class="field-error" id="claim-number-error" aria-live="polite">{fe("claimNumber")}</p>
            </div>
            <div class="field">
                <label for="claimed">"Amount claimed (AUD)"</label>
                <input id="claimed" inputmode="decimal" aria-describedby="claimed-error" prop:value=claimed on:input=move |ev| claimed.set(event_target_value(&ev)) />
                <p class="field-error" id="claimed-error" aria-live="polite">{fe("claimedCents")}</p>
            </div>
            <div class="field">
                <label for="excess">"Excess (AUD)"</label>
                <input id="excess" inputmode="decimal" aria-describedby="excess-error" prop:value=excess on:input=move |ev| excess.set(event_target_value(&ev)) />
                <p class="field-error" id="excess-error" aria-live="polite">{fe("excessCents")}</p>
            </div>
            <button type="submit" class="small" disabled=move || busy.get()>"Lodge the claim"</button>
            {move || error.get().filter(|e| known.iter().all(|f| e.for_field(f).is_none())).map(|e| view! { <ErrorBox error=e /> })}
        </form>
    }
}

/// `/admin/claims/{id}`: a claim, its clock and its steps, with the lead and the job it is for.
#[component]
pub fn AdminClaimPage() -> impl IntoView {
    let id = move || match nav::route() {
        Route::Claim(id) => id,
        _ => String::new(),
    };
    let state = RwSignal::new(Load::<admin_claim::AdminClaimClaim>::Loading);
    let load = move || {
        let id = id();
        fetch_into(
            state,
            async move { api::call::<gql::AdminClaim>(admin_claim::Variables { id }).await.map(|d| d.claim) },
        );
    };
    Effect::new(move |_| load());
    let reload = Callback::new(move |_| load());
    view! {
        <section class="page" aria-labelledby="claim-title">
            <p><A to=Route::Claims>"← Claims"</A></p>
            {shown(state, "the claim", reload, move |c| {
                let l = c.lead.clone();
                // The fragment's type is the job page's: one panel for both pages.
                let fields: Option<ClaimFields> = retype(&c.claim_fields);
                let number = c.claim_fields.claim_number.clone();
                view! {
                    <h1 id="claim-title">{format!("Claim {} — {} {}", number, l.property.suburb, l.property.postcode)}</h1>
                    <p class="status-line">{format!("{} · {} · {}", l.customer.name, phone(&l.customer.phone), l.property.address)}
                        {is_admin().then(|| view! { " · " <A to=Route::Lead(l.id.clone())>"the lead"</A> })}
                        {l.job.clone().map(|j| view! { " · " <A to=Route::AdminJob(j.id.clone())>{format!("the job ({})", label(&constant(&j.status)).to_lowercase())}</A> })}</p>
                    {match fields {
                        Some(f) => view! { <ClaimPanel claim=Some(f) lead_id=l.id.clone() has_insurer=true reload /> }.into_any(),
                        None => view! { <ErrorBox error=ApiError::on_field("claim", "The app could not read this claim; reload the page.") /> }.into_any(),
                    }}
                }.into_any()
            })}
        </section>
    }
}
