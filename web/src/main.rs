//! NRP CRM web app. This first slice signs a user in against the GraphQL API and shows who they
//! are; the contractor and admin screens build on it.

mod api;

use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let session = RwSignal::new(None::<api::Session>);
    view! {
        <header>"NRP CRM"</header>
        <main>
            {move || match session.get() {
                None => view! { <Login session /> }.into_any(),
                Some(s) => view! { <Signed s session /> }.into_any(),
            }}
        </main>
    }
}

#[component]
fn Login(session: RwSignal<Option<api::Session>>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::login(&email.get_untracked(), &password.get_untracked()).await {
                Ok(s) => session.set(Some(s)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card" on:submit=submit aria-labelledby="login-title">
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
        </form>
    }
}

#[component]
fn Signed(s: api::Session, session: RwSignal<Option<api::Session>>) -> impl IntoView {
    let refresh = s.refresh_token.clone();
    let logout = move |_| {
        let token = refresh.clone();
        leptos::task::spawn_local(async move {
            // Signing out locally must not wait on the network; the server call only revokes the token.
            let _ = api::logout(&token).await;
        });
        session.set(None);
    };
    view! {
        <section class="card">
            <h1>"Signed in"</h1>
            <dl>
                <dt>"Email"</dt><dd>{s.email}</dd>
                <dt>"Role"</dt><dd>{s.role}</dd>
            </dl>
            <p>"The GraphQL API is at "<a href="/graphql">"/graphql"</a>"."</p>
            <button on:click=logout>"Sign out"</button>
        </section>
    }
}
