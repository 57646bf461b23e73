//! Logins: a company owner's team (invite staff, send an invitation again, switch staff off and
//! on), NRP's list of every login (search, role, status, and the same actions plus resetting a
//! second factor and ending sessions), and the page an invitation's link opens.

use leptos::prelude::*;

use serde_json::{Value, json};

use crate::api::{self, ApiError};
use crate::gql;
use crate::lists::{DayRange, PAGE, Page, Paged};
use crate::nav::{self, A};
use crate::route::Route;
use crate::ui::{ErrorBox, constant, label, when};

/// One login as the lists show it.
#[derive(Clone)]
struct Row {
    id: String,
    email: String,
    role: String,
    company_role: Option<CompanyRole>,
    status: UserStatus,
    last_login_at: Option<String>,
}

/// Where a login stands (`UserStatus`).
#[derive(Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum UserStatus {
    Active,
    Invited,
    Disabled,
}

/// What a viewer does to a login from the list.
#[derive(Clone, Copy)]
enum Action {
    Resend,
    Disable,
    Enable,
    ResetFactor,
    EndSessions,
}

/// A login's place in its company (`CompanyRole`; this bundle reads answers untyped).
#[derive(Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum CompanyRole {
    Owner,
    Staff,
}

/// A page of logins from a `Users` answer.
fn page(d: &Value) -> Page<Row> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let users = &d["users"];
    let rows = users["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|e| &e["node"])
                .map(|n| Row {
                    id: text(&n["id"]),
                    email: text(&n["email"]),
                    role: text(&n["role"]),
                    company_role: serde_json::from_value(n["companyRole"].clone()).ok(),
                    status: serde_json::from_value(n["status"].clone()).unwrap_or(UserStatus::Active),
                    last_login_at: n["lastLoginAt"].as_str().map(String::from),
                })
                .collect()
        })
        .unwrap_or_default();
    let info = &users["pageInfo"];
    Page {
        rows,
        total: users["totalCount"].as_i64().unwrap_or_default(),
        next: info["hasNextPage"].as_bool().unwrap_or_default().then(|| text(&info["endCursor"])),
    }
}

/// Fetches logins into `list`: a first page (`after: None`, `first` rows) or the page after a
/// cursor; `params` are the filters as `/reports/users.csv` takes them, for "Export CSV".
fn fetch(
    list: Paged<Row>,
    filter: Value,
    params: Vec<(&'static str, RwSignal<String>)>,
    after: Option<String>,
    first: i64,
) {
    let vars = json!({ "filter": filter, "after": after, "first": first });
    list.load(after, params, |_| async move {
        api::run(gql::users::QUERY, gql::users::OPERATION_NAME, vars).await.map(|d| page(&d))
    });
}

/// One action on a login, then the list reloads; an error shows above the list.
fn act(what: Action, id: String, error: RwSignal<Option<ApiError>>, done: Callback<()>) {
    leptos::task::spawn_local(async move {
        // Switching off and on name the login `id`; the others `userId`.
        let (q, op, vars) = match what {
            Action::Resend => {
                (gql::resend_invitation::QUERY, gql::resend_invitation::OPERATION_NAME, json!({ "userId": id }))
            }
            Action::Disable => (gql::disable_user::QUERY, gql::disable_user::OPERATION_NAME, json!({ "id": id })),
            Action::Enable => (gql::enable_user::QUERY, gql::enable_user::OPERATION_NAME, json!({ "id": id })),
            Action::ResetFactor => {
                (gql::reset_second_factor::QUERY, gql::reset_second_factor::OPERATION_NAME, json!({ "userId": id }))
            }
            Action::EndSessions => {
                (gql::end_user_sessions::QUERY, gql::end_user_sessions::OPERATION_NAME, json!({ "userId": id }))
            }
        };
        let r = api::run(q, op, vars).await.map(|_| ());
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
                    let staff = r.company_role == Some(CompanyRole::Staff);
                    let may_run = admin || staff;
                    let (i1, i2, i3, i4, i5) = (r.id.clone(), r.id.clone(), r.id.clone(), r.id.clone(), r.id.clone());
                    let (invited, disabled) = (r.status == UserStatus::Invited, r.status == UserStatus::Disabled);
                    let status = constant(&r.status);
                    view! {
                        <tr data-user=r.id.clone() data-status=status.clone()>
                            <td>{r.email.clone()}</td>
                            <td>{label(&r.role)} {staff.then_some(" (staff)")}</td>
                            <td>{label(&status)}</td>
                            <td>{r.last_login_at.as_deref().map(when).unwrap_or_else(|| "never".into())}</td>
                            <td class="actions">
                                {(may_run && invited).then(|| view! {
                                    <button class="secondary resend" on:click=move |_| act(Action::Resend, i1.clone(), error, reload)>"Send invitation again"</button>
                                })}
                                {(may_run && !disabled).then(|| view! {
                                    <button class="secondary disable" on:click=move |_| act(Action::Disable, i2.clone(), error, reload)>"Switch off"</button>
                                })}
                                {(may_run && disabled).then(|| view! {
                                    <button class="secondary enable" on:click=move |_| act(Action::Enable, i3.clone(), error, reload)>"Switch on"</button>
                                })}
                                {admin.then(|| view! {
                                    <button class="secondary end-sessions" on:click=move |_| act(Action::EndSessions, i4.clone(), error, reload)>"Sign out everywhere"</button>
                                    <button class="secondary reset-factor" on:click=move |_| act(Action::ResetFactor, i5.clone(), error, reload)>"Reset second factor"</button>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A company owner's staff, on the profile: invite by email, and run the invitations.
#[component]
pub fn Team() -> impl IntoView {
    let list = Paged::<Row>::default();
    fetch(list, Value::Null, Vec::new(), None, PAGE);
    // After an action, the rows shown again, where they were.
    let reload = Callback::new(move |_| fetch(list, Value::Null, Vec::new(), None, list.extent()));
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let sent = RwSignal::new(None::<String>);
    let invite = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let address = email.get_untracked().trim().to_string();
        let vars = json!({ "input": { "email": address } });
        leptos::task::spawn_local(async move {
            match api::run(gql::invite_user::QUERY, gql::invite_user::OPERATION_NAME, vars).await {
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
            {move || (!list.rows.with(Vec::is_empty)).then(|| view! { <Logins rows=list.rows.get() admin=false error reload /> })}
            {list.foot("logins", &[], Callback::new(move |_| fetch(list, Value::Null, Vec::new(), None, PAGE)),
                Callback::new(move |c| fetch(list, Value::Null, Vec::new(), Some(c), PAGE)))}
        </section>
    }
}

/// NRP's list of every login.
#[component]
pub fn UsersPage() -> impl IntoView {
    let list = Paged::<Row>::default();
    let search = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let standing = RwSignal::new(String::new());
    let (from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let error = RwSignal::new(None::<ApiError>);
    let filter = move || {
        let mut f = serde_json::Map::new();
        for (key, v) in [
            ("search", search.get_untracked().trim().to_string()),
            ("role", role.get_untracked()),
            ("status", standing.get_untracked()),
            ("addedFrom", from.get_untracked()),
            ("addedTo", to.get_untracked()),
        ] {
            if !v.is_empty() {
                f.insert(key.into(), Value::String(v));
            }
        }
        Value::Object(f)
    };
    let params = move || vec![("search", search), ("role", role), ("status", standing), ("from", from), ("to", to)];
    let load = Callback::new(move |after: Option<String>| fetch(list, filter(), params(), after, PAGE));
    load.run(None);
    let reload = Callback::new(move |_| fetch(list, filter(), params(), None, list.extent()));
    let export = move |_| list.export("users", error);
    view! {
        <section class="page" aria-labelledby="users-title">
            <h1 id="users-title">"Logins"</h1>
            <form class="filters" role="search" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load.run(None) }>
                <div class="field"><label for="user-search">"Email"</label>
                <input id="user-search" type="search" prop:value=search on:input=move |ev| search.set(event_target_value(&ev)) /></div>
                <div class="field"><label for="user-role">"Role"</label>
                <select id="user-role" on:change=move |ev| { role.set(event_target_value(&ev)); load.run(None); }>
                    <option value="">"Any"</option>
                    <option value="ADMIN">"Admin"</option>
                    <option value="CONTRACTOR">"Contractor"</option>
                    <option value="PARTNER">"Partner"</option>
                </select></div>
                <div class="field"><label for="user-status">"Status"</label>
                <select id="user-status" on:change=move |ev| { standing.set(event_target_value(&ev)); load.run(None); }>
                    <option value="">"Any"</option>
                    <option value="ACTIVE">"Active"</option>
                    <option value="INVITED">"Invited"</option>
                    <option value="DISABLED">"Disabled"</option>
                </select></div>
                <DayRange id="added" what="Added" from to error=list.field_error("filter.addedTo") on_change=Callback::new(move |_| load.run(None)) />
                <button type="submit" class="small">"Find"</button>
                <button type="button" class="small secondary export" on:click=export>"Export CSV"</button>
            </form>
            {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
            {move || (!list.rows.with(Vec::is_empty)).then(|| view! { <Logins rows=list.rows.get() admin=true error reload /> })}
            {list.foot("logins", &["filter.addedTo"], Callback::new(move |_| load.run(None)), Callback::new(move |c| load.run(Some(c))))}
        </section>
    }
}

/// `/accept-invite?token=…`: chooses the password an invitation asks for.
#[component]
pub fn AcceptInvitePage() -> impl IntoView {
    let token = match nav::route() {
        Route::AcceptInvite { token } => token,
        _ => String::new(),
    };
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let vars = json!({ "token": token, "password": password.get_untracked() });
        leptos::task::spawn_local(async move {
            match api::run(gql::accept_invitation::QUERY, gql::accept_invitation::OPERATION_NAME, vars).await {
                Ok(d) => done.set(Some(d["acceptInvitation"].as_str().unwrap_or_default().to_string())),
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
                <A to=Route::Login>"Sign in"</A>
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
