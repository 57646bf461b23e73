//! Admin: leads (filterable, with the live unassigned queue) and a lead's page with the routing
//! explanation, its offers, manual assignment, re-routing and cancellation.

use crate::nav::{self, A};
use crate::route::Route;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, lead_detail, lead_updates, leads};
use crate::lists::{DayRange, PAGE, Paged, SortHeader, choice, text};
use crate::page_of;
use crate::pages::offers::LinkBadge;
use crate::ui::{Cents, ErrorBox, Load, constant, fixed, label, money, ms, phone, shown, when};
use crate::ws::{self, LinkState};

const STATUSES: [&str; 7] = ["NEW", "OFFERING", "ASSIGNED", "COMPLETED", "UNASSIGNED", "CANCELLED", "DUPLICATE"];

#[derive(Clone)]
struct Row {
    id: String,
    status: String,
    damage: String,
    urgency: String,
    created: String,
    value: Option<Cents>,
    place: String,
}

fn to_row(l: leads::LeadsLeadsNodes) -> Row {
    Row {
        id: l.id,
        status: constant(&l.status),
        damage: constant(&l.damage_type),
        urgency: constant(&l.urgency),
        created: l.created_at,
        value: l.estimated_value_cents,
        place: format!("{} {} {}", l.property.suburb, l.property.state, l.property.postcode),
    }
}

#[component]
pub fn LeadsPage() -> impl IntoView {
    let status = RwSignal::new(String::new());
    let postcode = RwSignal::new(String::new());
    let damage = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let sort = RwSignal::new("NEWEST".to_string());
    let list = Paged::<Row>::default();
    let rows = list.rows;
    // The unassigned queue, oldest first (the longest wait is worked first), paged as the list.
    let queue = Paged::<Row>::default();
    let link = RwSignal::new(LinkState::Connecting);
    let load = move |after: Option<String>| {
        let filter = leads::LeadFilterInput {
            status: choice(status),
            damage_type: choice(damage),
            postcode: text(postcode),
            received_from: text(from),
            received_to: text(to),
            status_in: None,
        };
        let vars =
            leads::Variables { filter: Some(filter), after: after.clone(), sort: choice(sort), first: Some(PAGE) };
        let params = vec![
            ("status", status),
            ("damageType", damage),
            ("postcode", postcode),
            ("from", from),
            ("to", to),
            ("sort", sort),
        ];
        list.load(after, params, |_| async move { Ok(page_of!(api::call::<gql::Leads>(vars).await?.leads, to_row)) });
    };
    load(None);
    let export_error = RwSignal::new(None::<ApiError>);
    let export = move |_| list.export("leads", export_error);
    let load_queue =
        move |after: Option<String>| {
            let filter = leads::LeadFilterInput {
                status: Some(leads::LeadStatus::UNASSIGNED),
                damage_type: None,
                postcode: None,
                received_from: None,
                received_to: None,
                status_in: None,
            };
            let sort = Some(leads::LeadSort::OLDEST);
            let vars = leads::Variables { filter: Some(filter), after: after.clone(), sort, first: Some(PAGE) };
            queue.load(after, Vec::new(), |_| async move {
                Ok(page_of!(api::call::<gql::Leads>(vars).await?.leads, to_row))
            });
        };
    load_queue(None);
    // Live: a lead that lands in UNASSIGNED joins the queue in its place by age, one that leaves
    // it (its previous status says so, shown or not) goes, and the count follows.
    ws::subscribe::<gql::LeadUpdates>(lead_updates::Variables, link, move |d| {
        let u = d.lead_updates;
        let unassigned = matches!(u.status, lead_updates::LeadStatus::UNASSIGNED);
        let was_queued = matches!(u.previous_status, Some(lead_updates::LeadStatus::UNASSIGNED));
        let status = constant(&u.status);
        let l = u.lead;
        let row = Row {
            id: l.id,
            status: status.clone(),
            damage: constant(&l.damage_type),
            urgency: constant(&l.urgency),
            created: l.created_at,
            value: l.estimated_value_cents,
            place: format!("{} {} {}", l.property.suburb, l.property.state, l.property.postcode),
        };
        let shown = queue.rows.with_untracked(|q| q.iter().any(|r| r.id == row.id));
        let all_shown = queue.rows.with_untracked(Vec::len) as i64 >= queue.total();
        queue.rows.update(|q| {
            q.retain(|r| r.id != row.id);
            // Beyond the last row shown it comes with "Load more".
            let at = ms(&row.created);
            match q.iter().position(|r| ms(&r.created) > at) {
                Some(i) if unassigned => q.insert(i, row.clone()),
                None if unassigned && all_shown => q.push(row.clone()),
                _ => {}
            }
        });
        queue.add_to_total(i64::from(unassigned) - i64::from(was_queued || shown));
        rows.update(|rs| {
            if let Some(r) = rs.iter_mut().find(|r| r.id == row.id) {
                r.status = status.clone();
            }
        });
    });
    // The list's table sorts by its columns; the queue's does not.
    let resort = Callback::new(move |_| load(None));
    let table = move |rows: Vec<Row>, sortable: bool| {
        let (received, value) = if sortable {
            (
                view! { <SortHeader label="Received" sort orders=&[("NEWEST", "descending"), ("OLDEST", "ascending")] on_change=resort /> }.into_any(),
                view! { <SortHeader label="Value" sort orders=&[("VALUE", "descending")] on_change=resort /> }.into_any(),
            )
        } else {
            (view! { <th scope="col">"Received"</th> }.into_any(), view! { <th scope="col">"Value"</th> }.into_any())
        };
        view! {
            <div class="table-wrap"><table>
                <thead><tr>{received}<th scope="col">"Where"</th><th scope="col">"Damage"</th>
                    {value}<th scope="col">"Status"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr data-lead=r.id.clone()>
                            <td><A to=Route::Lead(r.id.clone())>{when(&r.created)}</A></td>
                            <td>{r.place}</td>
                            <td>{label(&r.damage)} " · " {label(&r.urgency)}</td>
                            <td>{r.value.map(money).unwrap_or_default()}</td>
                            <td><span class=format!("status l-{}", r.status.to_lowercase())>{label(&r.status)}</span></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table></div>
        }
    };
    let postcode_error = list.field_error("postcode");
    view! {
        <section class="page" aria-labelledby="leads-title">
            <div class="page-head"><h1 id="leads-title">"Leads"</h1><LinkBadge link />
                <A to=Route::NewLead>"New lead by phone"</A></div>
            <section class="card queue" aria-labelledby="queue-h">
                <h2 id="queue-h">"Unassigned queue " <span class="count">{move || queue.total()}</span></h2>
                {move || (!queue.rows.with(Vec::is_empty)).then(|| table(queue.rows.get(), false))}
                {queue.foot_saying("unassigned leads", Some("Nothing waiting: every lead has a contractor or open offers."), &[],
                    Callback::new(move |_| load_queue(None)), Callback::new(move |c| load_queue(Some(c))))}
            </section>
            <form class="filters" role="search" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(None); }>
                <div class="field"><label for="lead-status">"Status"</label>
                <select id="lead-status" on:change=move |ev| { status.set(event_target_value(&ev)); load(None); }>
                    <option value="">"All"</option>
                    {STATUSES.iter().map(|s| view! { <option value=*s>{label(s)}</option> }).collect_view()}
                </select></div>
                <div class="field"><label for="lead-damage">"Damage"</label>
                <select id="lead-damage" on:change=move |ev| { damage.set(event_target_value(&ev)); load(None); }>
                    <option value="">"All"</option>
                    {["WATER", "FIRE", "MOULD", "STORM"].into_iter().map(|d| view! { <option value=d>{label(d)}</option> }).collect_view()}
                </select></div>
                <div class="field"><label for="lead-postcode">"Postcode"</label>
                <input id="lead-postcode" inputmode="numeric" aria-describedby="lead-postcode-error" prop:value=postcode on:input=move |ev| postcode.set(event_target_value(&ev)) />
                <p class="field-error" id="lead-postcode-error">{move || postcode_error.get()}</p></div>
                <DayRange id="lead" what="Received" from to error=list.field_error("receivedTo") on_change=Callback::new(move |_| load(None)) />
                <div class="field"><label for="lead-sort">"Order"</label>
                <select id="lead-sort" prop:value=sort on:change=move |ev| { sort.set(event_target_value(&ev)); load(None); }>
                    <option value="NEWEST">"Newest first"</option>
                    <option value="OLDEST">"Oldest first"</option>
                    <option value="VALUE">"Highest value first"</option>
                </select></div>
                <button type="submit" class="small">"Filter"</button>
                <button type="button" class="small secondary export" on:click=export>"Export CSV"</button>
            </form>
            {move || export_error.get().map(|e| view! { <ErrorBox error=e /> })}
            {move || (!rows.with(Vec::is_empty)).then(|| table(rows.get(), true))}
            {list.foot("leads", &["postcode", "receivedTo"], Callback::new(move |_| load(None)), Callback::new(move |c| load(Some(c))))}
        </section>
    }
}

#[component]
pub fn LeadPage() -> impl IntoView {
    let id = move || match nav::route() {
        Route::Lead(id) => id,
        _ => String::new(),
    };
    let state = RwSignal::new(Load::<lead_detail::LeadDetailLead>::Loading);
    let load = move || {
        let id = id();
        leptos::task::spawn_local(async move {
            state.set(match api::call::<gql::LeadDetail>(lead_detail::Variables { id }).await {
                Ok(d) => Load::Ready(d.lead),
                Err(e) => Load::Failed(e),
            });
        });
    };
    Effect::new(move |_| {
        let _ = id();
        load();
    });
    view! {
        <section class="page" aria-labelledby="lead-title">
            <p><A to=Route::Leads>"← Leads"</A></p>
            {shown(state, "the lead", Callback::new(move |_| load()), move |l| view! { <LeadView l reload=Callback::new(move |_| load()) /> }.into_any())}
        </section>
    }
}

#[component]
fn LeadView(l: lead_detail::LeadDetailLead, reload: Callback<()>) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let status = constant(&l.status);
    use lead_detail::LeadStatus;
    let open = matches!(l.status, LeadStatus::NEW | LeadStatus::OFFERING | LeadStatus::UNASSIGNED);
    let lead_id = l.id.clone();
    let assign = move |contractor: String| {
        let lead = lead_id.clone();
        leptos::task::spawn_local(async move {
            match api::call::<gql::AssignLead>(gql::assign_lead::Variables { lead, contractor }).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let lid = l.id.clone();
    let reroute = move |_| {
        let lead = lid.clone();
        leptos::task::spawn_local(async move {
            match api::call::<gql::RerouteLead>(gql::reroute_lead::Variables { lead }).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let lid = l.id.clone();
    let cancel_why = RwSignal::new(String::new());
    let cancel = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lead = lid.clone();
        let reason = Some(cancel_why.get_untracked().trim().to_string()).filter(|r| !r.is_empty());
        leptos::task::spawn_local(async move {
            match api::call::<gql::CancelLead>(gql::cancel_lead::Variables { lead, reason }).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let duplicate = matches!(l.status, LeadStatus::DUPLICATE);
    let why = RwSignal::new(String::new());
    let lid = l.id.clone();
    let release = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let vars = gql::release_duplicate::Variables { lead: lid.clone(), reason: why.get_untracked() };
        leptos::task::spawn_local(async move {
            match api::call::<gql::ReleaseDuplicate>(vars).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let why_error = move || error.with(|e| e.as_ref().and_then(|e| e.for_field("reason")));
    let routing = l.routing.clone();
    view! {
        <h1 id="lead-title">{format!("{} damage — {} {}", label(&constant(&l.damage_type)), l.property.suburb, l.property.postcode)}</h1>
        <p class="status-line">"Status: " <strong data-status=status.clone()>{label(&status)}</strong>
            {l.assigned_contractor.clone().map(|c| format!(" · assigned to {}", c.company_name))}
            {l.job.clone().map(|j| view! { " · " <A to=Route::AdminJob(j.id.clone())>{format!("job {}", label(&constant(&j.status)).to_lowercase())}</A> })}</p>
        <div class="grid2">
            <section class="card" aria-labelledby="lead-facts">
                <h2 id="lead-facts">"The property"</h2>
                <dl class="facts">
                    <dt>"Customer"</dt><dd>{format!("{} · {}", l.customer.name, phone(&l.customer.phone))}</dd>
                    <dt>"Address"</dt><dd>{format!("{}, {} {} {}", l.property.address, l.property.suburb, l.property.state, l.property.postcode)}</dd>
                    <dt>"Urgency"</dt><dd>{label(&constant(&l.urgency))}</dd>
                    <dt>"Value"</dt><dd>{l.estimated_value_cents.map(money).unwrap_or_else(|| "not given".into())}</dd>
                    <dt>"Insurer"</dt><dd>{l.insurer.clone().map(|i| i.name).unwrap_or_else(|| "—".into())}
                        {l.claim_number.clone().map(|c| format!(" · claim {c}"))}</dd>
                    <dt>"Received"</dt><dd>{when(&l.created_at)}</dd>
                </dl>
                <p>{l.description.clone()}</p>
                {open.then(|| view! {
                    <div class="actions">
                        <button class="small" on:click=reroute>"Re-route"</button>
                    </div>
                    <form class="cancel-lead" on:submit=cancel novalidate>
                        <div class="field" class:invalid=move || why_error().is_some()>
                            <label for="cancel-reason">"Reason to cancel (optional, kept in the audit log)"</label>
                            <input id="cancel-reason" type="text" maxlength="500" aria-describedby="cancel-reason-error"
                                prop:value=cancel_why on:input=move |ev| cancel_why.set(event_target_value(&ev)) />
                            <p class="field-error" id="cancel-reason-error" aria-live="polite">{why_error}</p>
                        </div>
                        <button type="submit" class="small secondary">"Cancel lead"</button>
                    </form>
                })}
                {duplicate.then(|| view! {
                    <form class="release-duplicate" on:submit=release novalidate>
                        <p class="muted">"Held as a copy of an earlier lead. If it is not (another unit, another event), send it to routing."</p>
                        <div class="field" class:invalid=move || why_error().is_some()>
                            <label for="release-reason">"Why it is not a duplicate"</label>
                            <input id="release-reason" type="text" required aria-describedby="release-reason-error"
                                prop:value=why on:input=move |ev| why.set(event_target_value(&ev)) />
                            <p class="field-error" id="release-reason-error" aria-live="polite">{why_error}</p>
                        </div>
                        <button type="submit" class="small">"Not a duplicate: route it"</button>
                    </form>
                })}
                {move || error.get().filter(|e| e.for_field("reason").is_none()).map(|e| view! { <ErrorBox error=e /> })}
            </section>
            <section class="card" aria-labelledby="offers-h">
                <h2 id="offers-h">"Offers"</h2>
                {l.offers.is_empty().then(|| view! { <p class="muted">"No offers made."</p> })}
                <ol class="plain timeline">
                    {l.offers.iter().map(|o| {
                        let st = constant(&o.status);
                        // When it was answered, or when it ran out (or runs out, while open).
                        let end = match (&o.responded_at, &o.status) {
                            (Some(at), _) => format!("{} {}", label(&st).to_lowercase(), when(at)),
                            (None, lead_detail::OfferStatus::OPEN) => format!("open until {}", when(&o.expires_at)),
                            (None, _) => format!("{} · it ran until {}", label(&st).to_lowercase(), when(&o.expires_at)),
                        };
                        view! {
                            <li data-offer=o.id.clone() data-offer-status=st>
                                <strong>{format!("#{} {}", o.rank, o.contractor.company_name)}</strong>
                                <br/><span class="muted">{format!("offered {} · {end}", when(&o.created_at))}</span>
                                {o.decline_reason.clone().map(|r| view! { <span class="muted">{format!(" ({r})")}</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            </section>
        </div>
        {routing.map(|r| {
            let assign = assign.clone();
            view! {
                <section class="card" aria-labelledby="routing-h">
                    <h2 id="routing-h">"Why these contractors"</h2>
                    <p class="muted">{format!("Routed {} from the {} · {} candidate(s), waves of {}", when(&r.ran_at), label(&constant(&r.point_source)).to_lowercase(), r.candidate_count, r.wave_size)}</p>
                    <div class="table-wrap"><table class="routing">
                        <thead><tr><th scope="col">"#"</th><th scope="col">"Contractor"</th><th scope="col">"Score"</th>
                            <th scope="col">"Perf."</th><th scope="col">"Resp."</th><th scope="col">"Avail."</th><th scope="col">"Sat."</th>
                            <th scope="col">"Distance"</th><th scope="col">"Offered"</th>{open.then(|| view! { <th scope="col">"Assign"</th> })}</tr></thead>
                        <tbody>
                            {r.candidates.into_iter().map(|c| {
                                let assign = assign.clone();
                                let cid = c.contractor_id.clone();
                                view! {
                                    <tr data-candidate=c.contractor_id.clone()>
                                        <td>{c.rank}</td><td>{c.company_name.clone()}</td><td>{fixed(c.score, 3)}</td>
                                        <td>{fixed(c.terms.performance, 2)}</td><td>{fixed(c.terms.response, 2)}</td>
                                        <td>{fixed(c.terms.availability, 2)}</td><td>{fixed(c.terms.satisfaction, 2)}</td>
                                        <td>{c.distance_km.map(|d| format!("{} km", fixed(d, 1))).unwrap_or_default()}</td>
                                        <td>{if c.offered { "yes" } else { "" }}</td>
                                        {open.then(|| view! { <td><button class="small" on:click=move |_| assign(cid.clone())>"Assign"</button></td> })}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table></div>
                    <h3>"Left out"</h3>
                    <p class="muted">{r.excluded_counts.iter().map(|c| format!("{}: {}", label(&c.reason), c.count)).collect::<Vec<_>>().join(" · ")}</p>
                    <details><summary>{format!("{} contractor(s) left out, with the reason", r.excluded.len())}</summary>
                        <ul class="plain">
                            {r.excluded.into_iter().map(|x| view! {
                                <li>{format!("{} — {}{}", x.company_name, label(&constant(&x.reason)).to_lowercase(), x.distance_km.map(|d| format!(" ({} km)", fixed(d, 1))).unwrap_or_default())}</li>
                            }).collect_view()}
                        </ul>
                    </details>
                </section>
            }
        })}
    }
}
