use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::app::{Which, go, start_page};
use crate::session;

#[component]
pub fn LoginPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let here = use_context::<Which>().unwrap_or(Which::Contractor);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::login(email.get_untracked().trim().to_string(), password.get_untracked()).await {
                Ok(()) => {
                    if let Some(s) = session::current() {
                        go(here, start_page(s.role));
                    }
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
                .filter(|e| e.for_field("email").is_none() && e.for_field("password").is_none())
                .map(|e| e.message.clone())
        })
    };
    // Plain links: these pages live in the contractor bundle, for admins too.
    view! {
        <form class="card narrow" on:submit=submit novalidate aria-labelledby="login-title">
            <h1 id="login-title">"Sign in"</h1>
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
            <button type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Signing in…" } else { "Sign in" }}
            </button>
            <p class="error" role="alert">{general}</p>
            <p><a href="/forgot-password">"Forgot your password?"</a></p>
            <p>"New contractor? " <a href="/signup">"Join the network"</a></p>
        </form>
    }
}
