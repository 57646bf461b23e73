//! `/admin/search?q=…`: what the header's search box found — leads, jobs, claims and
//! contractors, newest first, each opening its own page; "Load more" follows the cursor.

use leptos::prelude::*;

use crate::api;
use crate::gql::{self, search};
use crate::lists::choice;
use crate::nav::{self, A};
use crate::route::Route;
use crate::session::is_admin;
use crate::ui::{Load, constant, fetch_into, label, phone, shown, when};

use search::SearchSearchNodes as Node;

/// What was searched for (`?q=`), tracked.
fn typed_query() -> String {
    match nav::route() {
        Route::Search { q } => q,
        _ => String::new(),
    }
}

/// The search box in the admin's header.
#[component]
pub fn SearchBox() -> impl IntoView {
    let text = RwSignal::new(String::new());
    view! {
        <form class="global-search" role="search" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if !text.get_untracked().trim().is_empty() {
                nav::go(&Route::Search { q: text.get_untracked().trim().to_string() });
            }
        }>
            <label for="global-search" class="visually-hidden">"Search leads, jobs, claims and contractors"</label>
            <input id="global-search" type="search" placeholder="Name, phone, claim, address…"
                prop:value=text on:input=move |ev| text.set(event_target_value(&ev)) />
        </form>
    }
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let rows = RwSignal::new(Vec::<Node>::new());
    let state = RwSignal::new(Load::<Option<String>>::Loading);
    // "" (everything) or one kind of result.
    let kind = RwSignal::new(String::new());
    let fetch = move |after: Option<String>| {
        let q = typed_query();
        let kinds = choice::<search::SearchKind>(kind).map(|k| vec![k]);
        fetch_into(state, async move {
            let d = api::call::<gql::Search>(search::Variables { q, kinds, after: after.clone() }).await?.search;
            if after.is_none() {
                rows.set(d.nodes);
            } else {
                rows.update(|r| r.extend(d.nodes));
            }
            Ok(d.page_info.has_next_page.then_some(d.page_info.end_cursor).flatten())
        });
    };
    Effect::new(move |_| {
        let _ = typed_query();
        fetch(None);
    });
    view! {
        <section class="page" aria-labelledby="search-title">
            <div class="page-head"><h1 id="search-title">{move || format!("Search: {}", typed_query())}</h1>
                <div class="field"><label for="search-kind">"Show"</label>
                <select id="search-kind" on:change=move |ev| { kind.set(event_target_value(&ev)); fetch(None); }>
                    <option value="">"Everything"</option>
                    <option value="LEAD">"Leads"</option>
                    <option value="JOB">"Jobs"</option>
                    <option value="CLAIM">"Claims"</option>
                    {is_admin().then(|| view! { <option value="CONTRACTOR">"Contractors"</option> })}
                </select></div></div>
            {move || (!rows.with(Vec::is_empty)).then(|| view! {
                <ul class="results plain">{rows.get().into_iter().map(|n| result(n, is_admin())).collect_view()}</ul>
            })}
            {shown(state, "the results", Callback::new(move |_| fetch(None)), move |next| {
                view! {
                    {rows.with(Vec::is_empty).then(|| view! { <p class="empty">"Nothing matches. Try part of a name, the phone number or the claim number."</p> })}
                    {next.map(|cursor| view! {
                        <button class="secondary small load-more" on:click=move |_| fetch(Some(cursor.clone()))>"Load more"</button>
                    })}
                }.into_any()
            })}
        </section>
    }
}

/// One hit; `admin` links a lead to its page (partners open their work from the job).
fn result(n: Node, admin: bool) -> AnyView {
    match n {
        Node::Lead(l) => view! {
            <li class="result card" data-kind="LEAD" data-id=l.id.clone()>
                <span class="kind">"Lead"</span>
                {if admin {
                    view! { <A to=Route::Lead(l.id.clone())><strong>{l.customer.name.clone()}</strong></A> }.into_any()
                } else {
                    view! { <strong>{l.customer.name.clone()}</strong> }.into_any()
                }}
                {format!(" · {} · {}, {} {} {}", phone(&l.customer.phone), l.property.address, l.property.suburb, l.property.state, l.property.postcode)}
                <br/><span class="muted">{format!("{} damage · {} · {}{}", label(&constant(&l.damage_type)), label(&constant(&l.status)), when(&l.created_at),
                    l.claim_number.clone().map(|c| format!(" · claim {c}")).unwrap_or_default())}</span>
            </li>
        }.into_any(),
        Node::Job(j) => view! {
            <li class="result card" data-kind="JOB" data-id=j.id.clone()>
                <span class="kind">"Job"</span>
                <A to=Route::AdminJob(j.id.clone())><strong>{j.lead.customer.name.clone()}</strong></A>
                {format!(" · {} · {}, {} {}", phone(&j.lead.customer.phone), j.lead.property.address, j.lead.property.suburb, j.lead.property.postcode)}
                <br/><span class="muted">{format!("{} · {} · {}", label(&constant(&j.status)), j.contractor.clone().map(|c| c.company_name).unwrap_or_default(), when(&j.created_at))}</span>
            </li>
        }.into_any(),
        Node::Claim(c) => view! {
            <li class="result card" data-kind="CLAIM" data-id=c.id.clone()>
                <span class="kind">"Claim"</span>
                <A to=Route::Claim(c.id.clone())><strong>{c.claim_number.clone()}</strong></A>
                {format!(" · {} · {}, {} {}", c.lead.customer.name, c.lead.property.address, c.lead.property.suburb, c.lead.property.postcode)}
                <br/><span class="muted">{format!("{} · {} · lodged {}", label(&constant(&c.status)), c.insurer.clone().map(|i| i.name).unwrap_or_default(), when(&c.lodged_at))}</span>
            </li>
        }.into_any(),
        Node::Contractor(c) => {
            view! {
                <li class="result card" data-kind="CONTRACTOR" data-id=c.id.clone()>
                    <span class="kind">"Contractor"</span>
                    <A to={Route::Contractors { search: Some(c.company_name.clone()) }}><strong>{c.company_name.clone()}</strong></A>
                    {format!(" · {} · {} · ABN {}", c.contact_name, phone(&c.phone), c.abn)}
                    <br/><span class="muted">{format!("{} · based in {}", label(&constant(&c.status)), c.base_postcode)}</span>
                </li>
            }.into_any()
        }
    }
}
