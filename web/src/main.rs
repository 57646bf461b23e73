//! NRP CRM web app: contractors work their offers and jobs here (often on a phone), admins run
//! the network. Client-side rendered with Leptos; every call is a typed GraphQL operation.

mod api;
mod gql;
mod pages;
mod session;
mod ui;
mod ws;

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::path;

use crate::session::Role;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    session::init();
    // Back from an earlier visit: renew silently with the kept refresh token.
    let restoring = RwSignal::new(session::stored_refresh_token().is_some());
    if restoring.get_untracked() {
        leptos::task::spawn_local(async move {
            let _ = api::refresh().await;
            restoring.set(false);
        });
    }
    view! {
        <Router>
            <a class="skip" href="#main">"Skip to content"</a>
            <Nav />
            <main id="main" tabindex="-1">
                <Show when=move || !restoring.get() fallback=|| view! { <p class="loading">"Signing you in…"</p> }>
                    <Routes fallback=|| view! { <section class="card narrow"><h1>"Not found"</h1><p>"There is no page here."</p><A href="/">"Home"</A></section> }>
                        <Route path=path!("/") view=Home />
                        <Route path=path!("/login") view=pages::login::LoginPage />
                        <Route path=path!("/signup") view=pages::signup::SignupPage />
                        <Route path=path!("/offers") view=move || view! { <Guard role=Role::Contractor><pages::offers::OffersPage /></Guard> } />
                        <Route path=path!("/jobs") view=move || view! { <Guard role=Role::Contractor><pages::jobs::JobsBoard /></Guard> } />
                        <Route path=path!("/jobs/:id") view=move || view! { <Guard role=Role::Contractor><pages::jobs::JobPage /></Guard> } />
                        <Route path=path!("/payouts") view=move || view! { <Guard role=Role::Contractor><pages::payouts::PayoutsPage /></Guard> } />
                        <Route path=path!("/profile") view=move || view! { <Guard role=Role::Contractor><pages::profile::ProfilePage /></Guard> } />
                        <Route path=path!("/admin") view=move || view! { <Guard role=Role::Admin><pages::dashboard::DashboardPage /></Guard> } />
                        <Route path=path!("/admin/contractors") view=move || view! { <Guard role=Role::Admin><pages::admin::ContractorsPage /></Guard> } />
                        <Route path=path!("/admin/leads") view=move || view! { <Guard role=Role::Admin><pages::leads::LeadsPage /></Guard> } />
                        <Route path=path!("/admin/leads/:id") view=move || view! { <Guard role=Role::Admin><pages::leads::LeadPage /></Guard> } />
                        <Route path=path!("/admin/jobs") view=move || view! { <Guard role=Role::Admin><pages::admin::JobsPage /></Guard> } />
                        <Route path=path!("/admin/claims") view=move || view! { <Guard role=Role::Admin><pages::admin::ClaimsPage /></Guard> } />
                        <Route path=path!("/admin/payouts") view=move || view! { <Guard role=Role::Admin><pages::admin_payouts::AdminPayoutsPage /></Guard> } />
                        <Route path=path!("/admin/partners") view=move || view! { <Guard role=Role::Admin><pages::partners::PartnersPage /></Guard> } />
                        <Route path=path!("/admin/audit") view=move || view! { <Guard role=Role::Admin><pages::admin::AuditPage /></Guard> } />
                    </Routes>
                </Show>
            </main>
        </Router>
    }
}

/// `/`: where each role starts.
#[component]
fn Home() -> impl IntoView {
    let navigate = use_navigate();
    Effect::new(move |_| {
        let to = match session::signal().get().map(|s| s.role) {
            None => "/login",
            Some(Role::Admin) => "/admin",
            Some(_) => "/offers",
        };
        navigate(to, Default::default());
    });
}

/// Shows `children` to a signed-in user of `role`; otherwise the sign-in form or a refusal.
#[component]
fn Guard(role: Role, children: ChildrenFn) -> impl IntoView {
    move || match session::signal().get().map(|s| s.role) {
        None => view! { <pages::login::LoginPage /> }.into_any(),
        Some(r) if r == role => children().into_any(),
        Some(_) => view! {
            <section class="card narrow" role="alert"><h1>"Not for this account"</h1>
                <p>"This page is for another kind of account."</p><A href="/">"Go to your start page"</A></section>
        }
        .into_any(),
    }
}

#[component]
fn Nav() -> impl IntoView {
    let navigate = use_navigate();
    let sign_out = move |_| {
        api::logout();
        navigate("/login", Default::default());
    };
    view! {
        <header>
            <nav aria-label="Main">
                <A href="/" attr:class="brand">"NRP CRM"</A>
                {move || match session::signal().get() {
                    None => view! { <A href="/login">"Sign in"</A> <A href="/signup">"Join"</A> }.into_any(),
                    Some(s) => {
                        let links = match s.role {
                            Role::Admin => view! {
                                <A href="/admin">"Dashboard"</A>
                                <A href="/admin/leads">"Leads"</A>
                                <A href="/admin/contractors">"Contractors"</A>
                                <A href="/admin/jobs">"Jobs"</A>
                                <A href="/admin/claims">"Claims"</A>
                                <A href="/admin/payouts">"Payouts"</A>
                                <A href="/admin/partners">"Partners"</A>
                                <A href="/admin/audit">"Audit log"</A>
                            }.into_any(),
                            _ => view! {
                                <A href="/offers">"Offers"</A>
                                <A href="/jobs">"My jobs"</A>
                                <A href="/payouts">"Payouts"</A>
                                <A href="/profile">"Profile"</A>
                            }.into_any(),
                        };
                        let who = s.email.clone();
                        view! {
                            {links}
                            <span class="who">{who}</span>
                            <button class="link-button" on:click=sign_out.clone()>"Sign out"</button>
                        }.into_any()
                    }
                }}
            </nav>
        </header>
    }
}
