//! Sign-in: email and password, then (for a login with a second factor) the code from the
//! authenticator app or a recovery code. Every error is shown beside its field.

use leptos::prelude::*;

use crate::api::{self, ApiError, SignIn};
use crate::app::start_page;
use crate::nav::{self, A};
use crate::route::{Route, Which};
use crate::session;

#[component]
pub fn LoginPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let challenge = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let arrive = move || {
        // In the account app the page asked for stays (it shows once signed in).
        if let Some(s) = session::current()
            && nav::here() != Which::Account
        {
            nav::go(&start_page(s.role));
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let step = match challenge.get_untracked() {
                None => api::login(email.get_untracked().trim().to_string(), password.get_untracked()).await,
                Some(c) => api::second_factor(c, code.get_untracked()).await.map(|()| SignIn::Done),
            };
            match step {
                Ok(SignIn::Done) => arrive(),
                Ok(SignIn::Code(c)) => challenge.set(Some(c)),
                // The challenge ran out (or its tries did): back to the password.
                Err(e) if e.code == "UNAUTHENTICATED" && challenge.get_untracked().is_some() => {
                    challenge.set(None);
                    code.set(String::new());
                    error.set(Some(e));
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let beside = move |name: &'static str| move || error.with(|e| e.as_ref().and_then(|e| e.for_field(name)));
    let general = move || {
        error.with(|e| {
            e.as_ref()
                .filter(|e| ["email", "password", "code"].iter().all(|f| e.for_field(f).is_none()))
                .map(|e| e.message.clone())
        })
    };
    // Plain links: these pages live in the contractor bundle, for admins too.
    view! {
        <form class="card narrow" on:submit=submit novalidate aria-labelledby="login-title">
            <h1 id="login-title">"Sign in"</h1>
            <Show when=move || challenge.with(Option::is_none) fallback=move || view! {
                <div class="field" class:invalid=move || beside("code")().is_some()>
                    <label for="code">"Code from your authenticator app"</label>
                    <input id="code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus
                        aria-describedby="code-hint code-error"
                        prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
                    <p class="hint" id="code-hint">"Six digits. Lost your phone? Enter one of your recovery codes instead."</p>
                    <p class="field-error" id="code-error" aria-live="polite">{beside("code")}</p>
                </div>
            }>
                <div class="field" class:invalid=move || beside("email")().is_some()>
                    <label for="email">"Email"</label>
                    <input id="email" type="email" autocomplete="username" required aria-describedby="email-error"
                        prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
                    <p class="field-error" id="email-error" aria-live="polite">{beside("email")}</p>
                </div>
                <div class="field" class:invalid=move || beside("password")().is_some()>
                    <label for="password">"Password"</label>
                    <input id="password" type="password" autocomplete="current-password" required aria-describedby="password-error"
                        prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
                    <p class="field-error" id="password-error" aria-live="polite">{beside("password")}</p>
                </div>
            </Show>
            <button type="submit" disabled=move || busy.get()>
                {move || match (busy.get(), challenge.with(Option::is_some)) {
                    (true, _) => "Signing in…",
                    (false, true) => "Verify",
                    (false, false) => "Sign in",
                }}
            </button>
            <p class="error" role="alert">{general}</p>
            <p><A to=Route::ForgotPassword>"Forgot your password?"</A></p>
            <p>"New contractor? " <A to=Route::Signup>"Join the network"</A></p>
        </form>
    }
}
