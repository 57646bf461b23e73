use crate::nav::A;
use leptos::prelude::*;

use crate::api;
use crate::app::{Which, go, start_page};
use crate::session;

#[component]
pub fn LoginPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
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
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card narrow" on:submit=submit aria-labelledby="login-title">
            <h1 id="login-title">"Sign in"</h1>
            <label for="email">"Email"</label>
            <input id="email" type="email" autocomplete="username" required
                prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
            <label for="password">"Password"</label>
            <input id="password" type="password" autocomplete="current-password" required
                prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
            <button type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Signing in…" } else { "Sign in" }}
            </button>
            <p class="error" role="alert">{move || error.get()}</p>
            <p>"New contractor? " <A href="/signup">"Join the network"</A></p>
        </form>
    }
}
