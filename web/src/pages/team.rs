//! Logins: a company owner's team (invite staff, send an invitation again, switch staff off and
//! on), NRP's list of every login (search, role, status, and the same actions plus resetting a
//! second factor and ending sessions), and the page an invitation's link opens.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, users};
use crate::nav::{self, A};
use crate::ui::{ErrorBox, Load, Loading, label, when};

type Row = users::UsersUsersEdgesNode;

fn status(r: &Row) -> String {
    label(&crate::ui::constant(&r.status))
}

fn is(r: &Row, s: &str) -> bool {
    crate::ui::constant(&r.status) == s
}

/// One action on a login, then the list reloads; an error shows above the list.
fn act(what: &'static str, id: String, error: RwSignal<Option<ApiError>>, done: Callback<()>) {
    leptos::task::spawn_local(async move {
        let r = match what {
            "resend" => {
                api::call::<gql::ResendInvitation>(gql::resend_invitation::Variables { user_id: id }).await.map(|_| ())
            }
            "disable" => api::call::<gql::DisableUser>(gql::disable_user::Variables { id }).await.map(|_| ()),
            "enable" => api::call::<gql::EnableUser>(gql::enable_user::Variables { id }).await.map(|_| ()),
            "reset-factor" => api::call::<gql::ResetSecondFactor>(gql::reset_second_factor::Variables { user_id: id })
                .await
                .map(|_| ()),
            _ => api::call::<gql::EndUserSessions>(gql::end_user_sessions::Variables { user_id: id }).await.map(|_| ()),
        };
        match r {
            Ok(()) => {
                error.set(None);
                done.run(());
            }
            Err(e) => error.set(Some(e)),
        }
    });
}

/// The rows of a list of logins, with what the viewer may do to each.
#[component]
fn Logins(rows: Vec<Row>, admin: bool, error: RwSignal<Option<ApiError>>, reload: Callback<()>) -> impl IntoView {
    view! {
        <table class="logins">
            <thead><tr><th>"Email"</th><th>"Role"</th><th>"Status"</th><th>"Last sign-in"</th><th></th></tr></thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let staff = crate::ui::constant(&r.company_role) == "STAFF";
                    let may_run = admin || staff;
                    let (i1, i2, i3, i4, i5) = (r.id.clone(), r.id.clone(), r.id.clone(), r.id.clone(), r.id.clone());
                    view! {
                        <tr data-user=r.id.clone() data-status=crate::ui::constant(&r.status)>
                            <td>{r.email.clone()}</td>
                            <td>{label(&crate::ui::constant(&r.role))} {staff.then_some(" (staff)")}</td>
                            <td>{status(&r)}</td>
                            <td>{r.last_login_at.as_deref().map(when).unwrap_or_else(|| "never".into())}</td>
                            <td class="actions">
                                {(may_run && is(&r, "INVITED")).then(|| view! {
                                    <button class="secondary resend" on:click=move |_| act("resend", i1.clone(), error, reload)>"Send invitation again"</button>
                                })}
                                {(may_run && !is(&r, "DISABLED")).then(|| view! {
                                    <button class="secondary disable" on:click=move |_| act("disable", i2.clone(), error, reload)>"Switch off"</button>
                                })}
                                {(may_run && is(&r, "DISABLED")).then(|| view! {
                                    <button class="secondary enable" on:click=move |_| act("enable", i3.clone(), error, reload)>"Switch on"</button>
                                })}
                                {admin.then(|| view! {
                                    <button class="secondary end-sessions" on:click=move |_| act("end", i4.clone(), error, reload)>"Sign out everywhere"</button>
                                    <button class="secondary reset-factor" on:click=move |_| act("reset-factor", i5.clone(), error, reload)>"Reset second factor"</button>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

fn load_into(state: RwSignal<Load<Vec<Row>>>, filter: Option<users::UserFilterInput>) {
    leptos::task::spawn_local(async move {
        let r = api::call::<gql::Users>(users::Variables { filter, after: None }).await;
        state.set(match r {
            Ok(d) => Load::Ready(d.users.edges.into_iter().map(|e| e.node).collect()),
            Err(e) => Load::Failed(e),
        });
    });
}

/// A company owner's staff, on the profile: invite by email, and run the invitations.
#[component]
pub fn Team() -> impl IntoView {
    let state = RwSignal::new(Load::<Vec<Row>>::Loading);
    let reload = Callback::new(move |_| load_into(state, None));
    reload.run(());
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let sent = RwSignal::new(None::<String>);
    let invite = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let address = email.get_untracked().trim().to_string();
        let input = gql::invite_user::InviteUserInput { email: address.clone(), contractor_id: None, partner_id: None };
        leptos::task::spawn_local(async move {
            match api::call::<gql::InviteUser>(gql::invite_user::Variables { input }).await {
                Ok(_) => {
                    email.set(String::new());
                    sent.set(Some(address));
                    reload.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let email_error = move || error.with(|e| e.as_ref().and_then(|e| e.for_field("email")));
    view! {
        <section class="card team" aria-labelledby="team-h">
            <h2 id="team-h">"Your team"</h2>
            <p class="muted">"Staff get your company's offers and work its jobs. They don't see payouts or bank details, and can't change the company or its staff."</p>
            <form class="invite" on:submit=invite novalidate>
                <div class="field" class:invalid=move || email_error().is_some()>
                    <label for="invite-email">"Invite by email"</label>
                    <input id="invite-email" type="email" autocomplete="off" required aria-describedby="invite-email-error"
                        prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
                    <p class="field-error" id="invite-email-error" aria-live="polite">{email_error}</p>
                </div>
                <button type="submit">"Send invitation"</button>
            </form>
            {move || sent.get().map(|a| view! { <p class="banner" role="status">"Invitation sent to " {a} "."</p> })}
            {move || error.get().filter(|e| e.for_field("email").is_none()).map(|e| view! { <ErrorBox error=e /> })}
            {move || match state.get() {
                Load::Loading => view! { <Loading what="your team" /> }.into_any(),
                Load::Failed(e) => view! { <ErrorBox error=e retry=reload /> }.into_any(),
                Load::Ready(rows) => view! { <Logins rows admin=false error reload /> }.into_any(),
            }}
        </section>
    }
}

/// NRP's list of every login.
#[component]
pub fn UsersPage() -> impl IntoView {
    let state = RwSignal::new(Load::<Vec<Row>>::Loading);
    let search = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let standing = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let filter = move || {
        let pick = |v: String| (!v.is_empty()).then_some(serde_json::Value::String(v));
        let role = pick(role.get_untracked()).and_then(|v| serde_json::from_value(v).ok());
        let status = pick(standing.get_untracked()).and_then(|v| serde_json::from_value(v).ok());
        let text = search.get_untracked().trim().to_string();
        Some(users::UserFilterInput { search: (!text.is_empty()).then_some(text), role, status })
    };
    let reload = Callback::new(move |_| load_into(state, filter()));
    reload.run(());
    view! {
        <section class="page" aria-labelledby="users-title">
            <h1 id="users-title">"Logins"</h1>
            <form class="filters" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); reload.run(()) }>
                <label for="user-search">"Email"</label>
                <input id="user-search" type="search" prop:value=search on:input=move |ev| search.set(event_target_value(&ev)) />
                <label for="user-role">"Role"</label>
                <select id="user-role" on:change=move |ev| role.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    <option value="ADMIN">"Admin"</option>
                    <option value="CONTRACTOR">"Contractor"</option>
                    <option value="PARTNER">"Partner"</option>
                </select>
                <label for="user-status">"Status"</label>
                <select id="user-status" on:change=move |ev| standing.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    <option value="ACTIVE">"Active"</option>
                    <option value="INVITED">"Invited"</option>
                    <option value="DISABLED">"Disabled"</option>
                </select>
                <button type="submit">"Find"</button>
            </form>
            {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
            {move || match state.get() {
                Load::Loading => view! { <Loading what="logins" /> }.into_any(),
                Load::Failed(e) => view! { <ErrorBox error=e retry=reload /> }.into_any(),
                Load::Ready(rows) if rows.is_empty() => view! { <p>"No login matches."</p> }.into_any(),
                Load::Ready(rows) => view! { <Logins rows admin=true error reload /> }.into_any(),
            }}
        </section>
    }
}

/// `/accept-invite?token=…`: chooses the password an invitation asks for.
#[component]
pub fn AcceptInvitePage() -> impl IntoView {
    let token = nav::query("token").unwrap_or_default();
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let vars = gql::accept_invitation::Variables { token: token.clone(), password: password.get_untracked() };
        leptos::task::spawn_local(async move {
            match api::call::<gql::AcceptInvitation>(vars).await {
                Ok(d) => done.set(Some(d.accept_invitation)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let beside = move |f: &'static str| move || error.with(|e| e.as_ref().and_then(|e| e.for_field(f)));
    view! {
        <Show when=move || done.with(Option::is_none) fallback=move || view! {
            <section class="card narrow" role="status" id="invite-done">
                <h1>"You're in"</h1>
                <p>"Sign in as " <strong>{done.get()}</strong> " with the password you chose."</p>
                <A href="/login">"Sign in"</A>
            </section>
        }>
            <form class="card narrow" on:submit=submit.clone() novalidate aria-labelledby="invite-title">
                <h1 id="invite-title">"Choose your password"</h1>
                <div class="field" class:invalid=move || beside("password")().is_some()>
                    <label for="password">"Password"</label>
                    <input id="password" type="password" autocomplete="new-password" required aria-describedby="password-hint password-error"
                        prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
                    <p class="hint" id="password-hint">"At least 10 characters"</p>
                    <p class="field-error" id="password-error" aria-live="polite">{beside("password")}</p>
                </div>
                <p class="field-error" id="token-error" role="alert">{beside("token")}</p>
                <button type="submit">"Save and continue"</button>
                <p class="error" role="alert">{move || error.with(|e| e.as_ref().filter(|e| e.field.is_none() && e.fields.is_empty()).map(|e| e.message.clone()))}</p>
            </form>
        </Show>
    }
}
