//! Admin screens: contractors (search, verify, suspend, reinstate) and the audit log.

use crate::nav::{self, A};
use crate::route::Route;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, admin_claims, admin_jobs, audit_log, contractors};
use crate::lists::{DayRange, PAGE, Paged, SortHeader, choice, text};
use crate::page_of;
use crate::ui::{ErrorBox, constant, day, fixed, label, money, phone, when};

#[component]
pub fn ContractorsPage() -> impl IntoView {
    // `?search=` (from a search result) fills the box.
    let given = match nav::route() {
        Route::Contractors { search } => search,
        _ => None,
    };
    let search = RwSignal::new(given.unwrap_or_default());
    let status = RwSignal::new(String::new());
    let specialty = RwSignal::new(String::new());
    let postcode = RwSignal::new(String::new());
    let sort = RwSignal::new("NEWEST".to_string());
    let (from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let list = Paged::<contractors::ContractorsContractorsNodes>::default();
    let fetch =
        move |after: Option<String>, first: i64| {
            let filter = contractors::ContractorFilterInput {
                search: text(search),
                status: choice(status),
                specialty: choice(specialty),
                postcode: text(postcode),
                joined_from: text(from),
                joined_to: text(to),
            };
            let vars = contractors::Variables { filter: Some(filter), after: after.clone(), first, sort: choice(sort) };
            let params = vec![
                ("search", search),
                ("status", status),
                ("specialty", specialty),
                ("postcode", postcode),
                ("from", from),
                ("to", to),
                ("sort", sort),
            ];
            list.load(after, params, |_| async move {
                Ok(page_of!(api::call::<gql::Contractors>(vars).await?.contractors))
            });
        };
    let load = move |after: Option<String>| fetch(after, PAGE);
    load(None);
    let export_error = RwSignal::new(None::<ApiError>);
    let export = move |_| list.export("contractors", export_error);
    let rows = list.rows;
    // A row's action shows the rows shown again, where they were.
    let reload = Callback::new(move |_| fetch(None, list.extent()));
    let resort = Callback::new(move |_| load(None));
    let postcode_error = list.field_error("postcode");
    view! {
        <section class="page" aria-labelledby="contractors-title">
            <h1 id="contractors-title">"Contractors"</h1>
            <form class="filters" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(None); } role="search">
                <div class="field"><label for="search">"Search"</label>
                <input id="search" type="search" placeholder="Company, contact, email or ABN"
                    prop:value=search on:input=move |ev| search.set(event_target_value(&ev)) /></div>
                <div class="field"><label for="status-filter">"Status"</label>
                <select id="status-filter" on:change=move |ev| { status.set(event_target_value(&ev)); load(None); }>
                    <option value="">"All"</option>
                    <option value="PENDING">"Pending verification"</option>
                    <option value="ACTIVE">"Active"</option>
                    <option value="SUSPENDED">"Suspended"</option>
                </select></div>
                <div class="field"><label for="trade-filter">"Trade"</label>
                <select id="trade-filter" on:change=move |ev| { specialty.set(event_target_value(&ev)); load(None); }>
                    <option value="">"All"</option>
                    {["WATER", "FIRE", "MOULD", "STORM"].into_iter().map(|d| view! { <option value=d>{label(d)}</option> }).collect_view()}
                </select></div>
                <div class="field"><label for="postcode-filter">"Postcode"</label>
                <input id="postcode-filter" inputmode="numeric" aria-describedby="postcode-filter-error" prop:value=postcode
                    on:input=move |ev| postcode.set(event_target_value(&ev)) />
                <p class="field-error" id="postcode-filter-error">{move || postcode_error.get()}</p></div>
                <DayRange id="joined" what="Joined" from to error=list.field_error("filter.joinedTo") on_change=resort />
                <button type="submit" class="small">"Search"</button>
                <button type="button" class="small secondary export" on:click=export>"Export CSV"</button>
            </form>
            {move || export_error.get().map(|e| view! { <ErrorBox error=e /> })}
            {move || (!rows.with(Vec::is_empty)).then(|| view! {
                <div class="table-wrap"><table>
                    // A sorted column's header, clicked again, goes back to the newest first.
                    <thead><tr><SortHeader label="Company" sort orders=&[("NAME", "ascending"), ("NEWEST", "none")] on_change=resort />
                        <th scope="col">"Contact"</th><th scope="col">"Base"</th>
                        <SortHeader label="Jobs" sort orders=&[("ACTIVE_JOBS", "descending"), ("NEWEST", "none")] on_change=resort />
                        <SortHeader label="Score" sort orders=&[("SCORE", "descending"), ("NEWEST", "none")] on_change=resort />
                        <th scope="col">"Status"</th><th scope="col">"Actions"</th></tr></thead>
                    <tbody>
                        {rows.get().into_iter().map(|c| view! { <ContractorRow c reload /> }).collect_view()}
                    </tbody>
                </table></div>
            })}
            {list.foot("contractors", &["postcode", "filter.joinedTo"], Callback::new(move |_| load(None)), Callback::new(move |c| load(Some(c))))}
        </section>
    }
}

#[component]
fn ContractorRow(c: contractors::ContractorsContractorsNodes, reload: Callback<()>) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let status = constant(&c.status);
    let act = move |what: &'static str, id: String| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let r = match what {
                "verify" => {
                    api::call::<gql::VerifyContractor>(gql::verify_contractor::Variables { id }).await.map(|_| ())
                }
                "suspend" => {
                    api::call::<gql::SuspendContractor>(gql::suspend_contractor::Variables { id, reason: None })
                        .await
                        .map(|_| ())
                }
                _ => {
                    api::call::<gql::ReinstateContractor>(gql::reinstate_contractor::Variables { id }).await.map(|_| ())
                }
            };
            match r {
                Ok(()) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let editing = RwSignal::new(false);
    let id = c.id.clone();
    use contractors::ContractorStatus as S;
    let buttons = match c.status {
        S::PENDING => vec![("verify", "Verify"), ("suspend", "Suspend")],
        S::ACTIVE => vec![("suspend", "Suspend")],
        _ => vec![("reinstate", "Reinstate")],
    };
    view! {
        <tr data-contractor=c.id.clone()>
            <td><strong>{c.company_name.clone()}</strong><br/><span class="muted">{format!("ABN {}", c.abn)}</span></td>
            <td>{c.contact_name.clone()}<br/><a href=format!("mailto:{}", c.email)>{c.email.clone()}</a><br/>{phone(&c.phone)}</td>
            <td>{c.base_postcode.clone()}<br/><span class="muted">{c.specialties.iter().map(|s| label(&constant(s))).collect::<Vec<_>>().join(", ")}</span></td>
            <td>{format!("{} / {}", c.active_jobs, c.max_active_jobs)}</td>
            <td class="score">{fixed(c.performance_score, 2)}</td>
            <td><span class=format!("status s-{}", status.to_lowercase())>{label(&status)}</span>
                {c.status_reason.clone().map(|r| view! { <br/><span class="muted">{r}</span> })}</td>
            <td class="actions">
                {buttons.into_iter().map(|(what, text)| {
                    let id = id.clone();
                    view! { <button class="small" data-action=what disabled=move || busy.get() on:click=move |_| act(what, id.clone())>{text}</button> }
                }).collect_view()}
                <button class="small secondary" data-action="edit" aria-expanded=move || editing.get().to_string()
                    on:click=move |_| editing.update(|e| *e = !*e)>"Edit"</button>
                {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
            </td>
        </tr>
        <Show when=move || editing.get()>
            <tr class="edit-row"><td colspan="7"><EditContractor c=c.clone() reload done=Callback::new(move |_| editing.set(false)) /></td></tr>
        </Show>
    }
}

/// Admin: the terms NRP sets for a contractor (commission, capacity, daily cap, radius).
#[component]
fn EditContractor(
    c: contractors::ContractorsContractorsNodes,
    reload: Callback<()>,
    done: Callback<()>,
) -> impl IntoView {
    let fields: [(&'static str, &'static str, RwSignal<String>); 4] = [
        (
            "commissionBps",
            "Commission (basis points; empty = the network default)",
            RwSignal::new(c.commission_bps.map(|v| v.to_string()).unwrap_or_default()),
        ),
        ("maxActiveJobs", "Jobs at once", RwSignal::new(c.max_active_jobs.to_string())),
        (
            "dailyLeadCap",
            "Offers per day (empty = no cap)",
            RwSignal::new(c.daily_lead_cap.map(|v| v.to_string()).unwrap_or_default()),
        ),
        ("serviceRadiusKm", "Service radius (km)", RwSignal::new(c.service_radius_km.to_string())),
    ];
    let error = RwSignal::new(None::<ApiError>);
    let id = c.id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let num = |i: usize| fields[i].2.get_untracked().trim().parse::<i64>().ok();
        let bad: Vec<(String, String)> = fields
            .iter()
            .filter(|(_, _, v)| {
                let t = v.get_untracked();
                !t.trim().is_empty() && t.trim().parse::<i64>().is_err()
            })
            .map(|(name, _, _)| (name.to_string(), "enter a whole number".to_string()))
            .collect();
        if !bad.is_empty() {
            error.set(Some(ApiError {
                message: "Some values are not whole numbers.".into(),
                code: "BAD_USER_INPUT".into(),
                field: None,
                fields: bad,
            }));
            return;
        }
        let vars = gql::admin_update_terms::Variables {
            id: id.clone(),
            commission: num(0),
            cap: num(2),
            max_jobs: num(1),
            radius: num(3),
        };
        leptos::task::spawn_local(async move {
            let result = api::call::<gql::AdminUpdateTerms>(vars).await;
            match result {
                Ok(_) => {
                    done.run(());
                    reload.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let fe = move |f: &'static str| error.with(|e| e.as_ref().and_then(|e| e.for_field(f)));
    view! {
        <form class="filters" novalidate on:submit=submit aria-label=format!("Edit {}", c.company_name)>
            {fields.into_iter().map(|(name, text, value)| {
                let id = format!("edit-{name}");
                view! {
                    <div class="field">
                        <label for=id.clone()>{text}</label>
                        <input id=id inputmode="numeric" prop:value=value
                            on:input=move |ev| value.set(event_target_value(&ev))
                            on:change=move |ev| value.set(event_target_value(&ev)) />
                        <p class="field-error">{move || fe(name)}</p>
                    </div>
                }
            }).collect_view()}
            <button type="submit" class="small">"Save"</button>
            {move || error.get().filter(|e| e.fields.is_empty() && e.field.is_none()).map(|e| view! { <ErrorBox error=e /> })}
        </form>
    }
}

/// The kinds of record the server audits, offered in the audit log's filter.
const AUDITED: [&str; 12] = [
    "lead",
    "job",
    "claim",
    "contractor",
    "partner",
    "payout",
    "payout_batch",
    "user",
    "notification",
    "webhook_delivery",
    "postcode",
    "system",
];

/// Admin: the audit log, newest (or oldest) first, by action, kind of record and the days it was written;
/// "load more" continues it and the CSV holds what it shows.
#[component]
pub fn AuditPage() -> impl IntoView {
    let action = RwSignal::new(String::new());
    let entity = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let sort = RwSignal::new("NEWEST".to_string());
    let list = Paged::<audit_log::AuditLogAuditLogNodes>::default();
    let load = move |after: Option<String>| {
        let filter = audit_log::AuditFilterInput {
            action: text(action),
            entity_type: text(entity),
            entity_id: None,
            actor_id: None,
            from: text(from),
            to: text(to),
        };
        let vars = audit_log::Variables { filter: Some(filter), after: after.clone(), sort: choice(sort) };
        let params = vec![("action", action), ("entityType", entity), ("from", from), ("to", to), ("sort", sort)];
        list.load(after, params, |_| async move { Ok(page_of!(api::call::<gql::AuditLog>(vars).await?.audit_log)) });
    };
    load(None);
    let export_error = RwSignal::new(None::<ApiError>);
    let export = move |_| list.export("audit", export_error);
    let resort = Callback::new(move |_| load(None));
    let rows = list.rows;
    view! {
        <section class="page" aria-labelledby="audit-title">
            <h1 id="audit-title">"Audit log"</h1>
            <form class="filters" role="search" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(None); }>
                <div class="field"><label for="action">"Action"</label>
                <input id="action" placeholder="e.g. contractor.verified" prop:value=action on:input=move |ev| action.set(event_target_value(&ev)) /></div>
                <div class="field"><label for="entity-type">"Record"</label>
                <input id="entity-type" list="audited" placeholder="e.g. lead" prop:value=entity
                    on:input=move |ev| entity.set(event_target_value(&ev)) on:change=move |_| load(None) />
                <datalist id="audited">{AUDITED.iter().map(|t| view! { <option value=*t /> }).collect_view()}</datalist></div>
                <DayRange id="audit" what="Recorded" from to error=list.field_error("to") on_change=Callback::new(move |_| load(None)) />
                <button type="submit" class="small">"Filter"</button>
                <button type="button" class="small secondary export" on:click=export>"Export CSV"</button>
            </form>
            {move || export_error.get().map(|e| view! { <ErrorBox error=e /> })}
            {move || (!rows.with(Vec::is_empty)).then(|| view! {
                <div class="table-wrap"><table class="audit">
                    <thead><tr><SortHeader label="When" sort orders=&[("NEWEST", "descending"), ("OLDEST", "ascending")] on_change=resort />
                        <th scope="col">"Who"</th><th scope="col">"Action"</th><th scope="col">"What"</th></tr></thead>
                    <tbody>
                        {rows.get().into_iter().map(|r| view! {
                            <tr data-action=r.action.clone()>
                                <td>{when(&r.created_at)}</td>
                                <td>{r.actor_label.clone()}</td>
                                <td><code>{r.action.clone()}</code></td>
                                <td>{format!("{} {}", r.entity_type, r.entity_id.clone().unwrap_or_default())}
                                    <details><summary>"Changes"</summary><pre>{serde_json::to_string_pretty(&r.changes).unwrap_or_default()}</pre></details></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table></div>
            })}
            {list.foot("entries", &["to"], Callback::new(move |_| load(None)), Callback::new(move |c| load(Some(c))))}
        </section>
    }
}

const JOB_STAGES: [&str; 8] =
    ["AWAITING_CONTACT", "CONTACTED", "INSPECTED", "QUOTED", "APPROVED", "IN_PROGRESS", "COMPLETED", "CANCELLED"];

/// Admin: every job, newest first, by stage and the days it was created, with the overdue ones
/// flagged; "load more" continues the list and the CSV holds what it shows.
#[component]
pub fn JobsPage() -> impl IntoView {
    let status = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let sort = RwSignal::new("NEWEST".to_string());
    let list = Paged::<admin_jobs::AdminJobsJobsNodes>::default();
    let overdue = RwSignal::new(0usize);
    let load = move |after: Option<String>| {
        let vars = admin_jobs::Variables {
            status: choice(status),
            after: after.clone(),
            from: text(from),
            to: text(to),
            sort: choice(sort),
        };
        let params = vec![("status", status), ("from", from), ("to", to), ("sort", sort)];
        list.load(after, params, |ticket| async move {
            let d = api::call::<gql::AdminJobs>(vars).await?;
            if ticket.current() {
                overdue.set(d.overdue_jobs.len());
            }
            Ok(page_of!(d.jobs))
        });
    };
    load(None);
    let export_error = RwSignal::new(None::<ApiError>);
    let export = move |_| list.export("jobs", export_error);
    let resort = Callback::new(move |_| load(None));
    let rows = list.rows;
    view! {
        <section class="page" aria-labelledby="ajobs-title">
            <h1 id="ajobs-title">"Jobs"</h1>
            {move || {
                let n = overdue.get();
                let cls = if n > 0 { "alert-line" } else { "muted" };
                view! { <p class=cls>{format!("{n} job(s) overdue for contact or idle")}</p> }
            }}
            <form class="filters" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(None); }>
                <div class="field"><label for="j-status">"Stage"</label>
                <select id="j-status" on:change=move |ev| { status.set(event_target_value(&ev)); load(None); }>
                    <option value="">"All"</option>
                    {JOB_STAGES.iter().map(|s| view! { <option value=*s>{label(s)}</option> }).collect_view()}
                </select></div>
                <DayRange id="j" what="Created" from to error=list.field_error("createdTo") on_change=Callback::new(move |_| load(None)) />
                <button type="button" class="small secondary export" on:click=export>"Export CSV"</button>
            </form>
            {move || export_error.get().map(|e| view! { <ErrorBox error=e /> })}
            {move || (!rows.with(Vec::is_empty)).then(|| view! {
                <div class="table-wrap"><table>
                    <thead><tr><SortHeader label="Created" sort orders=&[("NEWEST", "descending"), ("OLDEST", "ascending")] on_change=resort />
                        <th scope="col">"Contractor"</th><th scope="col">"Where"</th>
                        <th scope="col">"Stage"</th><th scope="col">"Quote / approved"</th></tr></thead>
                    <tbody>
                        {rows.get().into_iter().map(|j| view! {
                            <tr data-job=j.id.clone()>
                                <td><A to=Route::AdminJob(j.id.clone())>{when(&j.created_at)}</A>
                                    <br/><span class="muted">{format!("updated {}", when(&j.updated_at))}</span></td>
                                <td>{j.contractor.map(|c| c.company_name).unwrap_or_default()}</td>
                                <td><A to=Route::Lead(j.lead.id.clone())>{format!("{} {}", j.lead.property.suburb, j.lead.property.postcode)}</A>
                                    <br/><span class="muted">{format!("{} · {}", label(&constant(&j.lead.damage_type)), label(&constant(&j.lead.urgency)))}</span></td>
                                <td>{label(&constant(&j.status))}{j.alert.map(|a| view! { <span class="alert-tag">{label(&a)}</span> })}</td>
                                <td>{format!("{} / {}", j.quote_cents.map(money).unwrap_or_else(|| "—".into()), j.approved_cents.map(money).unwrap_or_else(|| "—".into()))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table></div>
            })}
            {list.foot("jobs", &["createdTo"], Callback::new(move |_| load(None)), Callback::new(move |c| load(Some(c))))}
        </section>
    }
}

const CLAIM_STATUSES: [&str; 6] = ["LODGED", "ASSESSING", "APPROVED", "PARTIALLY_APPROVED", "DECLINED", "SETTLED"];

/// Claims as far as the caller may see them (admins all, an insurer its own), newest first, by
/// status and the days they were lodged, with decisions past their 10-business-day deadline
/// flagged; "load more" continues the list and the CSV holds what it shows.
#[component]
pub fn ClaimsPage() -> impl IntoView {
    let status = RwSignal::new(String::new());
    // "true" while only overdue decisions are shown, as the CSV's `overdue` parameter.
    let overdue = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let sort = RwSignal::new("NEWEST".to_string());
    let list = Paged::<admin_claims::AdminClaimsClaimsNodes>::default();
    let load = move |after: Option<String>| {
        let vars = admin_claims::Variables {
            status: choice(status),
            overdue: text(overdue).map(|_| true),
            after: after.clone(),
            from: text(from),
            to: text(to),
            sort: choice(sort),
        };
        let params = vec![("status", status), ("overdue", overdue), ("from", from), ("to", to), ("sort", sort)];
        list.load(after, params, |_| async move { Ok(page_of!(api::call::<gql::AdminClaims>(vars).await?.claims)) });
    };
    load(None);
    let export_error = RwSignal::new(None::<ApiError>);
    let export = move |_| list.export("claims", export_error);
    let resort = Callback::new(move |_| load(None));
    let rows = list.rows;
    view! {
        <section class="page" aria-labelledby="claims-title">
            <h1 id="claims-title">"Claims"</h1>
            <form class="filters" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(None); }>
                <div class="field"><label for="c-status">"Status"</label>
                <select id="c-status" on:change=move |ev| { status.set(event_target_value(&ev)); load(None); }>
                    <option value="">"All"</option>
                    {CLAIM_STATUSES.iter().map(|s| view! { <option value=*s>{label(s)}</option> }).collect_view()}
                </select></div>
                <DayRange id="c" what="Lodged" from to error=list.field_error("lodgedTo") on_change=Callback::new(move |_| load(None)) />
                <label class="check"><input id="c-overdue" type="checkbox"
                    on:change=move |ev| { overdue.set(if event_target_checked(&ev) { "true".into() } else { String::new() }); load(None); } />
                    "Only decisions overdue"</label>
                <button type="button" class="small secondary export" on:click=export>"Export CSV"</button>
            </form>
            {move || export_error.get().map(|e| view! { <ErrorBox error=e /> })}
            {move || (!rows.with(Vec::is_empty)).then(|| view! {
                <div class="table-wrap"><table>
                    <thead><tr><SortHeader label="Claim (lodged)" sort orders=&[("NEWEST", "descending")] on_change=resort />
                        <th scope="col">"Insurer"</th><th scope="col">"Status"</th><th scope="col">"Claimed / approved"</th>
                        <SortHeader label="Decision due" sort orders=&[("DECISION_DUE", "ascending")] on_change=resort /></tr></thead>
                    <tbody>
                        {rows.get().into_iter().map(|c| view! {
                            <tr data-claim=c.id.clone()>
                                <td><A to=Route::Claim(c.id.clone())>{c.claim_number.clone()}</A><br/><span class="muted">{when(&c.lodged_at)}</span></td>
                                <td>{c.insurer.map(|i| i.name).unwrap_or_default()}</td>
                                <td>{label(&constant(&c.status))}</td>
                                <td>{format!("{} / {}", money(c.claimed_cents), c.approved_cents.map(money).unwrap_or_else(|| "—".into()))}</td>
                                <td>{day(&c.decision_due_on)}{c.decision_overdue.then(|| view! { <span class="alert-tag">"Overdue"</span> })}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table></div>
            })}
            {list.foot("claims", &["lodgedTo"], Callback::new(move |_| load(None)), Callback::new(move |c| load(Some(c))))}
        </section>
    }
}
