//! Admin: partners (insurers and lead sources) and their API keys; a new key's secret is shown
//! once, right after it is made.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, create_partner, partners};
use crate::lists::choice;
use crate::nav::A;
use crate::route::Route;
use crate::ui::{ErrorBox, Load, constant, label, shown, when};

#[component]
pub fn PartnersPage() -> impl IntoView {
    let state = RwSignal::new(Load::<Vec<partners::PartnersPartners>>::Loading);
    let secret = RwSignal::new(None::<(String, String)>);
    let error = RwSignal::new(None::<ApiError>);
    let load = move || {
        leptos::task::spawn_local(async move {
            state.set(match api::call::<gql::Partners>(partners::Variables).await {
                Ok(d) => Load::Ready(d.partners),
                Err(e) => Load::Failed(e),
            });
        });
    };
    load();
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new("INSURER".to_string());
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = create_partner::CreatePartnerInput {
            name: name.get_untracked(),
            kind: choice(kind).unwrap_or(create_partner::PartnerKind::INSURER),
            webhook_url: None,
        };
        leptos::task::spawn_local(async move {
            match api::call::<gql::CreatePartner>(create_partner::Variables { input }).await {
                Ok(_) => {
                    name.set(String::new());
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let new_key = move |partner_id: String, partner: String| {
        let label = web_sys::window()
            .and_then(|w| w.prompt_with_message("A label for the key (e.g. production)").ok().flatten())
            .unwrap_or_default();
        if label.trim().is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            let input = gql::create_api_key::CreateApiKeyInput { partner_id, label, expires_at: None };
            match api::call::<gql::CreateApiKey>(gql::create_api_key::Variables { input }).await {
                Ok(d) => {
                    secret.set(Some((partner, d.create_api_key.secret)));
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let revoke = move |id: String| {
        leptos::task::spawn_local(async move {
            match api::call::<gql::RevokeApiKey>(gql::revoke_api_key::Variables { id }).await {
                Ok(_) => load(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="page" aria-labelledby="partners-title">
            <h1 id="partners-title">"Partners"</h1>
            {move || secret.get().map(|(p, s)| view! {
                <div class="banner" role="alert">
                    <p><strong>{format!("New API key for {p}. Copy it now: it is not shown again.")}</strong></p>
                    <code class="secret">{s}</code>
                    <button class="small secondary" on:click=move |_| secret.set(None)>"I have copied it"</button>
                </div>
            })}
            {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
            <form class="filters card" on:submit=create aria-label="Add a partner">
                <label for="pn">"Name"</label>
                <input id="pn" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
                <label for="pk">"Kind"</label>
                <select id="pk" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="INSURER">"Insurer"</option>
                    <option value="LEAD_SOURCE">"Lead source"</option>
                </select>
                <button type="submit" class="small">"Add partner"</button>
            </form>
            {shown(state, "partners", Callback::new(move |_| load()), move |v| match v {
                list if list.is_empty() => view! { <p class="empty">"No partners yet."</p> }.into_any(),
                list => list.into_iter().map(|p| {
                    let (pid, pname) = (p.id.clone(), p.name.clone());
                    view! {
                        <section class="card" data-partner=p.id.clone()>
                            <div class="page-head"><h2><A to=Route::Partner(p.id.clone())>{p.name.clone()}</A> <span class="muted">{format!(" · {}", label(&constant(&p.kind)))}</span></h2>
                                <button class="small" on:click=move |_| new_key(pid.clone(), pname.clone())>"New API key"</button></div>
                            <p class="muted">{p.webhook_url.clone().map(|u| format!("Webhook: {u}")).unwrap_or_else(|| "No webhook".into())}
                                " · " <A to=Route::Partner(p.id.clone())>"Webhook and deliveries"</A></p>
                            <ul class="plain">
                                {p.api_keys.into_iter().map(|k| {
                                    let st = constant(&k.status);
                                    let kid = k.id.clone();
                                    view! {
                                        <li>
                                            <code>{format!("{}…", k.prefix)}</code> {format!(" {} · {} · created {}", k.label, label(&st), when(&k.created_at))}
                                            {k.last_used_at.map(|t| format!(" · last used {}", when(&t)))}
                                            {matches!(k.status, partners::ApiKeyStatus::ACTIVE).then(|| view! { <button class="small secondary" on:click=move |_| revoke(kid.clone())>"Revoke"</button> })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    }
                }).collect_view().into_any(),
            })}
        </section>
    }
}
