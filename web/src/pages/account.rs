//! Accounts people run themselves: asking for a reset link, choosing a new password from one,
//! confirming an email from its link, and (signed in, on the profile) confirming the email,
//! changing the password and seeing and ending sessions. Every error is shown beside its field.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use serde_json::{Value, json};

use crate::gql;
use crate::nav::{self, A};
use crate::route::Route;
use crate::session;
use crate::ui::{ErrorBox, Load, Loading, fetch_into, shown, when};

/// The message for `name`, or the error's own when it names no field and `name` is where
/// general errors go.
fn beside(error: RwSignal<Option<ApiError>>, name: &'static str) -> impl Fn() -> Option<String> + Copy {
    move || error.with(|e| e.as_ref().and_then(|e| e.for_field(name)))
}

fn general(error: RwSignal<Option<ApiError>>, fields: &'static [&'static str]) -> impl Fn() -> Option<String> + Copy {
    move || {
        error.with(|e| {
            e.as_ref().filter(|e| !fields.iter().any(|f| e.for_field(f).is_some())).map(|e| e.message.clone())
        })
    }
}

/// A JSON string, or empty.
fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn codes_of(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().map(text).collect()).unwrap_or_default()
}

/// One of the person's sessions.
#[derive(Clone)]
struct SessionRow {
    id: String,
    user_agent: Option<String>,
    ip_address: Option<String>,
    created_at: String,
    last_used_at: String,
    current: bool,
}

fn sessions(d: &Value) -> Vec<SessionRow> {
    let opt = |v: &Value| v.as_str().map(String::from);
    d["mySessions"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|s| SessionRow {
                    id: text(&s["id"]),
                    user_agent: opt(&s["userAgent"]),
                    ip_address: opt(&s["ipAddress"]),
                    created_at: text(&s["createdAt"]),
                    last_used_at: text(&s["lastUsedAt"]),
                    current: s["current"] == true,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One labelled input with its error beneath it.
#[component]
fn Field(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
    error: RwSignal<Option<ApiError>>,
    /// The server's name for the field, if not `id`.
    #[prop(optional)]
    field: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let message = beside(error, field.unwrap_or(id));
    let err_id = format!("{id}-error");
    let described = match hint {
        Some(_) => format!("{id}-hint {err_id}"),
        None => err_id.clone(),
    };
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id>{label}</label>
            <input id=id type=kind autocomplete=autocomplete required aria-describedby=described
                aria-invalid=move || if message().is_some() { "true" } else { "false" }
                prop:value=value on:input=move |ev| value.set(event_target_value(&ev)) />
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <p class="field-error" id=err_id aria-live="polite">{message}</p>
        </div>
    }
}

/// `/forgot-password`: asks for a reset link. The answer is the same whether or not the address
/// has a login.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let sent = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let address = email.get_untracked().trim().to_string();
        leptos::task::spawn_local(async move {
            let (q, op) = (gql::request_password_reset::QUERY, gql::request_password_reset::OPERATION_NAME);
            match api::run(q, op, json!({ "email": address })).await {
                Ok(_) => sent.set(Some(address)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        {move || match sent.get() {
            Some(address) => view! {
                <section class="card narrow" role="status" id="reset-sent">
                    <h1>"Check your email"</h1>
                    <p>"If " <strong>{address}</strong> " has an NRP login, we've sent it a link to choose a new password. The link works once, for 30 minutes."</p>
                    <p class="muted">"Nothing there? Check your spam folder, or ask again in a few minutes."</p>
                    <A to=Route::Login>"Back to sign in"</A>
                </section>
            }.into_any(),
            None => view! {
                <form class="card narrow" on:submit=submit novalidate aria-labelledby="forgot-title">
                    <h1 id="forgot-title">"Forgot your password?"</h1>
                    <p>"Enter your login email and we'll send you a link to choose a new one."</p>
                    <Field id="email" label="Email" kind="email" autocomplete="username" value=email error />
                    <button type="submit" disabled=move || busy.get()>
                        {move || if busy.get() { "Sending…" } else { "Send the link" }}
                    </button>
                    <p class="error" role="alert">{general(error, &["email"])}</p>
                    <p><A to=Route::Login>"Back to sign in"</A></p>
                </form>
            }.into_any(),
        }}
    }
}

/// `/reset-password?token=…`: chooses a new password with an emailed link.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = match nav::route() {
        Route::ResetPassword { token } => token,
        _ => String::new(),
    };
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let done = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if password.get_untracked() != confirm.get_untracked() {
            error.set(Some(ApiError::on_field("confirm", "the two passwords differ")));
            return;
        }
        busy.set(true);
        error.set(None);
        let vars = json!({ "token": token, "password": password.get_untracked() });
        leptos::task::spawn_local(async move {
            match api::run(gql::reset_password::QUERY, gql::reset_password::OPERATION_NAME, vars).await {
                Ok(_) => done.set(true),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <Show when=move || !done.get() fallback=|| view! {
            <section class="card narrow" role="status" id="reset-done">
                <h1>"Password changed"</h1>
                <p>"Every device that was signed in has been signed out. Sign in with your new password."</p>
                <A to=Route::Login>"Sign in"</A>
            </section>
        }>
            <form class="card narrow" on:submit=submit.clone() novalidate aria-labelledby="reset-title">
                <h1 id="reset-title">"Choose a new password"</h1>
                <Field id="password" label="New password" kind="password" autocomplete="new-password" value=password
                    error hint="At least 10 characters" />
                <Field id="confirm" label="The same again" kind="password" autocomplete="new-password" value=confirm error />
                <p class="field-error" id="token-error" role="alert">{beside(error, "token")}</p>
                {move || beside(error, "token")().map(|_| view! { <p><A to=Route::ForgotPassword>"Ask for a new link"</A></p> })}
                <button type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Save the new password" }}
                </button>
                <p class="error" role="alert">{general(error, &["password", "confirm", "token"])}</p>
            </form>
        </Show>
    }
}

/// `/verify-email?token=…`: confirms the address the link was sent to, at once.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let token = match nav::route() {
        Route::VerifyEmail { token } => token,
        _ => String::new(),
    };
    let state = RwSignal::new(Load::<String>::Loading);
    fetch_into(state, async move {
        let (q, op) = (gql::verify_email::QUERY, gql::verify_email::OPERATION_NAME);
        api::run(q, op, json!({ "token": token })).await.map(|d| d["verifyEmail"].as_str().unwrap_or_default().into())
    });
    view! {
        <section class="card narrow" aria-live="polite" id="verify-email">
            // Not `shown`: a link's token works once, so a failure gets its own heading and the way
            // to a new link instead of "Try again".
            {move || match state.get() {
                Load::Loading => view! { <Loading what="your confirmation" /> }.into_any(),
                Load::Ready(address) => view! {
                    <h1>"Email confirmed"</h1>
                    <p><strong>{address}</strong> " is confirmed. NRP can now check your company; we'll email you when you're verified."</p>
                    <A to=Route::Home>"Continue"</A>
                }.into_any(),
                Load::Failed(e) => view! {
                    <h1>"This link didn't work"</h1>
                    <ErrorBox error=e />
                    <p>"Sign in and ask for a new link from your account."</p>
                    <A to=Route::Account>"Your account"</A>
                }.into_any(),
            }}
        </section>
    }
}

/// `/account`: the signed-in person's own settings, and a company owner's team.
#[component]
pub fn AccountPage() -> impl IntoView {
    let owner = session::current().is_some_and(|s| !s.staff && s.role != session::Role::Admin);
    view! {
        <section class="page" aria-labelledby="account-title">
            <h1 id="account-title">"Your account"</h1>
            <AccountSecurity />
            {owner.then(|| view! { <super::team::Team /> })}
        </section>
    }
}

/// The signed-in person's own account: confirming the email, changing the password, and the
/// sessions (devices) signed in, each of which can be ended.
#[component]
pub fn AccountSecurity() -> impl IntoView {
    let state = RwSignal::new(Load::<Value>::Loading);
    let load = move || {
        leptos::task::spawn_local(async move {
            let r = api::run(gql::my_sessions::QUERY, gql::my_sessions::OPERATION_NAME, json!({})).await;
            state.set(match r {
                Ok(d) => Load::Ready(d),
                Err(e) => Load::Failed(e),
            });
        });
    };
    load();
    let reload = Callback::new(move |_| load());
    view! {
        <section class="card account-security" aria-labelledby="security-h">
            <h2 id="security-h">"Sign-in and security"</h2>
            {shown(state, "your sessions", reload, move |d| view! {
                    <EmailStatus email=text(&d["me"]["email"]) verified=d["me"]["emailVerified"] == true />
                    <ChangePassword reload />
                    <SecondFactor />
                    <Sessions sessions=sessions(&d) reload />
                }.into_any())}
        </section>
    }
}

#[component]
fn EmailStatus(email: String, verified: bool) -> impl IntoView {
    let note = RwSignal::new(None::<Result<String, ApiError>>);
    let resend = move |_| {
        leptos::task::spawn_local(async move {
            let (q, op) = (gql::resend_email_verification::QUERY, gql::resend_email_verification::OPERATION_NAME);
            let r = api::run(q, op, json!({})).await;
            note.set(Some(r.map(|_| "Sent: open the link in the email.".to_string())));
        });
    };
    view! {
        <p class="email-status">
            "Login email: " <strong>{email}</strong> " "
            {if verified {
                view! { <span class="muted">"✓ Confirmed"</span> }.into_any()
            } else {
                view! {
                    <span class="warn">"Not confirmed yet: NRP verifies your company once it is."</span>
                    " " <button class="secondary" id="resend-verification" on:click=resend>"Send the link again"</button>
                }.into_any()
            }}
        </p>
        {move || note.get().map(|r| match r {
            Ok(m) => view! { <p class="banner" role="status">{m}</p> }.into_any(),
            Err(e) => view! { <ErrorBox error=e /> }.into_any(),
        })}
        <ChangeEmail />
    }
}

#[component]
fn ChangeEmail() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let sent = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let address = email.get_untracked().trim().to_string();
        let vars = json!({ "password": password.get_untracked(), "email": address });
        leptos::task::spawn_local(async move {
            match api::run(gql::change_email::QUERY, gql::change_email::OPERATION_NAME, vars).await {
                Ok(_) => {
                    password.set(String::new());
                    sent.set(Some(address));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <details class="change-email">
            <summary>"Use another email address"</summary>
            <form on:submit=submit novalidate>
                <Field id="new-email" field="email" label="New email" kind="email" autocomplete="email" value=email error />
                <Field id="email-password" field="password" label="Your password" kind="password"
                    autocomplete="current-password" value=password error />
                <button type="submit">"Send a confirmation link"</button>
                <p class="error" role="alert">{general(error, &["email", "password"])}</p>
            </form>
            {move || sent.get().map(|a| view! {
                <p class="banner" role="status">"We've emailed " {a} ": your login moves there once you open the link."</p>
            })}
        </details>
    }
}

#[component]
fn ChangePassword(reload: Callback<()>) -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        saved.set(false);
        let vars = json!({ "currentPassword": current.get_untracked(), "newPassword": new.get_untracked() });
        leptos::task::spawn_local(async move {
            match api::run(gql::change_password::QUERY, gql::change_password::OPERATION_NAME, vars).await {
                Ok(_) => {
                    current.set(String::new());
                    new.set(String::new());
                    saved.set(true);
                    reload.run(());
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="change-password" on:submit=submit novalidate aria-labelledby="change-h">
            <h3 id="change-h">"Change your password"</h3>
            <Field id="current-password" field="currentPassword" label="Current password" kind="password"
                autocomplete="current-password" value=current error />
            <Field id="new-password" field="newPassword" label="New password" kind="password"
                autocomplete="new-password" value=new error hint="At least 10 characters" />
            <button type="submit" disabled=move || busy.get()>"Change password"</button>
            {move || saved.get().then(|| view! { <p class="banner" role="status">"Password changed. Your other devices were signed out."</p> })}
            <p class="error" role="alert">{general(error, &["currentPassword", "newPassword"])}</p>
        </form>
    }
}

/// A short name for a browser from its `User-Agent`.
fn device(agent: Option<&str>) -> String {
    let Some(a) = agent else { return "Unknown device".into() };
    let browser = ["Edg/", "Firefox/", "Chrome/", "Safari/"].iter().find(|b| a.contains(*b)).map(|b| match *b {
        "Edg/" => "Edge",
        "Firefox/" => "Firefox",
        "Chrome/" => "Chrome",
        _ => "Safari",
    });
    let system = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS", "Mac"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(k, _)| a.contains(k))
    .map(|(_, v)| *v);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.into(),
        (None, Some(s)) => s.into(),
        (None, None) => a.chars().take(40).collect(),
    }
}

#[component]
fn Sessions(sessions: Vec<SessionRow>, reload: Callback<()>) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let others = sessions.iter().filter(|s| !s.current).count();
    let end = move |id: String| {
        leptos::task::spawn_local(async move {
            match api::run(gql::end_session::QUERY, gql::end_session::OPERATION_NAME, json!({ "id": id })).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let end_others = move |_| {
        leptos::task::spawn_local(async move {
            match api::run(gql::end_other_sessions::QUERY, gql::end_other_sessions::OPERATION_NAME, json!({})).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <h3>"Where you're signed in"</h3>
        <ul class="sessions">
            {sessions.into_iter().map(|s| {
                let id = s.id.clone();
                view! {
                    <li class="session" data-session=s.id.clone() class:current=s.current>
                        <strong>{device(s.user_agent.as_deref())}</strong>
                        {s.current.then(|| view! { " " <span class="muted">"(this device)"</span> })}
                        <br />
                        <span class="muted">
                            {s.ip_address.clone().unwrap_or_default()} " · last used " {when(&s.last_used_at)}
                            " · signed in " {when(&s.created_at)}
                        </span>
                        {(!s.current).then(|| view! {
                            " " <button class="secondary end-session" on:click=move |_| end(id.clone())>"Sign out"</button>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
        {(others > 0).then(|| view! {
            <button class="secondary" id="end-other-sessions" on:click=end_others>"Sign out everywhere else"</button>
        })}
        {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
    }
}

/// Recovery codes, shown once, with a way to keep them.
#[component]
fn RecoveryCodes(codes: Vec<String>, done: Callback<()>) -> impl IntoView {
    view! {
        <div class="recovery-codes" role="status">
            <p><strong>"Your recovery codes."</strong> " Each one signs you in once if you lose your phone. Keep them somewhere safe: they are not shown again."</p>
            <ul class="codes">{codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
            <button class="secondary" id="codes-saved" on:click=move |_| done.run(())>"I've saved them"</button>
        </div>
    }
}

/// The second factor: set it up (QR code or key, then a first code), replace the recovery
/// codes, or turn it off.
#[component]
pub fn SecondFactor() -> impl IntoView {
    let state = RwSignal::new(Load::<Value>::Loading);
    let load = move || {
        fetch_into(state, async move {
            let (q, op) = (gql::second_factor_status::QUERY, gql::second_factor_status::OPERATION_NAME);
            api::run(q, op, json!({})).await.map(|d| d["secondFactor"].clone())
        })
    };
    load();
    let setting_up = RwSignal::new(None::<Value>);
    let codes = RwSignal::new(None::<Vec<String>>);
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let start = move |_| {
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::run(gql::enrol_second_factor::QUERY, gql::enrol_second_factor::OPERATION_NAME, json!({})).await {
                Ok(d) => setting_up.set(Some(d["enrolSecondFactor"].clone())),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // One form for every step that takes a code: confirming, new codes, turning off.
    let act = move |what: &'static str| {
        busy.set(true);
        error.set(None);
        let typed = code.get_untracked();
        leptos::task::spawn_local(async move {
            let vars = json!({ "code": typed });
            let result = match what {
                "confirm" => {
                    api::run(gql::confirm_second_factor::QUERY, gql::confirm_second_factor::OPERATION_NAME, vars)
                        .await
                        .map(|d| Some(codes_of(&d["confirmSecondFactor"])))
                }
                "codes" => {
                    api::run(gql::replace_recovery_codes::QUERY, gql::replace_recovery_codes::OPERATION_NAME, vars)
                        .await
                        .map(|d| Some(codes_of(&d["replaceRecoveryCodes"])))
                }
                _ => api::run(gql::turn_off_second_factor::QUERY, gql::turn_off_second_factor::OPERATION_NAME, vars)
                    .await
                    .map(|_| None),
            };
            match result {
                Ok(shown) => {
                    code.set(String::new());
                    setting_up.set(None);
                    if what == "confirm" {
                        // This session has now passed the factor: a fresh token says so.
                        let _ = api::renew().await;
                    }
                    codes.set(shown);
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let code_field = move || {
        view! { <Field id="factor-code" field="code" label="Code from your authenticator app" kind="text"
        autocomplete="one-time-code" value=code error /> }
    };
    view! {
        <section class="second-factor" aria-labelledby="factor-h">
            <h3 id="factor-h">"Second factor"</h3>
            {move || codes.get().map(|c| view! { <RecoveryCodes codes=c done=Callback::new(move |_| codes.set(None)) /> })}
            {shown(state, "your second factor", Callback::new(move |_| load()), move |s| match setting_up.get() {
                Some(e) => view! {
                    <form class="factor-setup" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); act("confirm") } novalidate>
                        <p>"Scan this with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password…), then enter the code it shows."</p>
                        <div class="qr" inner_html=text(&e["qrSvg"])></div>
                        <p>"Can't scan? Type this key: " <code id="factor-secret">{text(&e["secret"])}</code></p>
                        {code_field()}
                        <button type="submit" disabled=move || busy.get()>"Turn on"</button>
                    </form>
                }.into_any(),
                None if s["on"] != true => view! {
                    <p>
                        {if s["required"] == true { "NRP requires a second factor for your account: set one up to continue." } else {
                            "Protect your login with a code from your phone as well as your password." }}
                    </p>
                    <button id="set-up-factor" on:click=start>"Set up a second factor"</button>
                }.into_any(),
                None => view! {
                    <p>"✓ On. " {format!("{} recovery codes left.", s["recoveryCodesLeft"].as_u64().unwrap_or(0))}</p>
                    <form on:submit=move |ev: leptos::ev::SubmitEvent| ev.prevent_default() novalidate>
                        {code_field()}
                        <button type="button" class="secondary" id="new-codes" disabled=move || busy.get() on:click=move |_| act("codes")>"New recovery codes"</button>
                        {(s["required"] != true).then(|| view! {
                            " " <button type="button" class="secondary" id="turn-off-factor" disabled=move || busy.get() on:click=move |_| act("off")>"Turn off"</button>
                        })}
                    </form>
                }.into_any(),
            })}
            <p class="error" role="alert">{general(error, &["code"])}</p>
        </section>
    }
}
