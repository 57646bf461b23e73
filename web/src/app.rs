//! The two apps' shells: routes, navigation, and the role guard.

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::path;

use crate::session::{self, Role};
use crate::{api, pages};

/// Which bundle is running.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Contractor,
    Admin,
}

/// Where a role starts, and whether that is in this bundle (else a full page load).
pub fn start_page(role: Role) -> &'static str {
    match role {
        Role::Admin => "/admin",
        _ => "/offers",
    }
}

/// Goes to `path`: inside this app through the router, into the other app by loading it.
pub fn go(navigate: &impl Fn(&str, leptos_router::NavigateOptions), here: Which, path: &str) {
    let target = if path.starts_with("/admin") { Which::Admin } else { Which::Contractor };
    if target == here {
        navigate(path, Default::default());
    } else if let Some(w) = web_sys::window() {
        let _ = w.location().assign(path);
    }
}

/// Renews a kept session before showing anything, then renders `routes`.
fn shell(here: Which, routes: impl IntoView + 'static) -> impl IntoView {
    session::init();
    provide_context(here);
    let restoring = RwSignal::new(session::stored_refresh_token().is_some());
    if restoring.get_untracked() {
        leptos::task::spawn_local(async move {
            let _ = api::refresh().await;
            restoring.set(false);
        });
    }
    let routes = std::cell::RefCell::new(Some(routes));
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <Nav />
        <main id="main" tabindex="-1">
            {move || if restoring.get() {
                view! { <p class="loading">"Signing you in…"</p> }.into_any()
            } else {
                routes.borrow_mut().take().map(|r| r.into_any()).unwrap_or_else(|| ().into_any())
            }}
        </main>
    }
}

fn not_found() -> impl IntoView {
    view! { <section class="card narrow"><h1>"Not found"</h1><p>"There is no page here."</p><A href="/">"Home"</A></section> }
}

/// The contractor app (and sign-in, sign-up for everyone).
pub fn contractor_app() -> impl IntoView {
    view! {
        <Router>
            {shell(Which::Contractor, view! {
                <Routes fallback=not_found>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/login") view=pages::login::LoginPage />
                    <Route path=path!("/signup") view=pages::signup::SignupPage />
                    <Route path=path!("/offers") view=move || view! { <Guard role=Role::Contractor><pages::offers::OffersPage /></Guard> } />
                    <Route path=path!("/jobs") view=move || view! { <Guard role=Role::Contractor><pages::jobs::JobsBoard /></Guard> } />
                    <Route path=path!("/jobs/:id") view=move || view! { <Guard role=Role::Contractor><pages::jobs::JobPage /></Guard> } />
                    <Route path=path!("/payouts") view=move || view! { <Guard role=Role::Contractor><pages::payouts::PayoutsPage /></Guard> } />
                    <Route path=path!("/profile") view=move || view! { <Guard role=Role::Contractor><pages::profile::ProfilePage /></Guard> } />
                </Routes>
            })}
        </Router>
    }
}

/// The admin app, under `/admin`.
pub fn admin_app() -> impl IntoView {
    view! {
        <Router>
            {shell(Which::Admin, view! {
                <Routes fallback=not_found>
                    <Route path=path!("/admin") view=move || view! { <Guard role=Role::Admin><pages::dashboard::DashboardPage /></Guard> } />
                    <Route path=path!("/admin/leads") view=move || view! { <Guard role=Role::Admin><pages::leads::LeadsPage /></Guard> } />
                    <Route path=path!("/admin/leads/:id") view=move || view! { <Guard role=Role::Admin><pages::leads::LeadPage /></Guard> } />
                    <Route path=path!("/admin/contractors") view=move || view! { <Guard role=Role::Admin><pages::admin::ContractorsPage /></Guard> } />
                    <Route path=path!("/admin/jobs") view=move || view! { <Guard role=Role::Admin><pages::admin::JobsPage /></Guard> } />
                    <Route path=path!("/admin/claims") view=move || view! { <Guard role=Role::Admin><pages::admin::ClaimsPage /></Guard> } />
                    <Route path=path!("/admin/payouts") view=move || view! { <Guard role=Role::Admin><pages::admin_payouts::AdminPayoutsPage /></Guard> } />
                    <Route path=path!("/admin/partners") view=move || view! { <Guard role=Role::Admin><pages::partners::PartnersPage /></Guard> } />
                    <Route path=path!("/admin/audit") view=move || view! { <Guard role=Role::Admin><pages::admin::AuditPage /></Guard> } />
                </Routes>
            })}
        </Router>
    }
}

/// `/`: where each role starts.
#[component]
fn Home() -> impl IntoView {
    let navigate = use_navigate();
    Effect::new(move |_| match session::signal().get().map(|s| s.role) {
        None => navigate("/login", Default::default()),
        Some(r) => go(&navigate, Which::Contractor, start_page(r)),
    });
}

/// Shows `children` to a signed-in user of `role`; otherwise the sign-in form or a refusal.
#[component]
fn Guard(role: Role, children: ChildrenFn) -> impl IntoView {
    move || {
        match session::signal().get().map(|s| s.role) {
        None => view! { <pages::login::LoginPage /> }.into_any(),
        Some(r) if r == role => children().into_any(),
        Some(r) => view! {
            <section class="card narrow" role="alert"><h1>"Not for this account"</h1>
                <p>"This page is for another kind of account."</p><a href=start_page(r)>"Go to your start page"</a></section>
        }
        .into_any(),
    }
    }
}

#[component]
fn Nav() -> impl IntoView {
    let here = use_context::<Which>().unwrap_or(Which::Contractor);
    let navigate = use_navigate();
    let sign_out = move |_| {
        api::logout();
        go(&navigate, here, "/login");
    };
    view! {
        <header>
            <nav aria-label="Main">
                <a href="/" class="brand">"NRP CRM"</a>
                {move || match session::signal().get() {
                    None => view! { <a href="/login">"Sign in"</a> <a href="/signup">"Join"</a> }.into_any(),
                    Some(s) => {
                        let links = match (s.role, here) {
                            (Role::Admin, Which::Admin) => view! {
                                <A href="/admin">"Dashboard"</A>
                                <A href="/admin/leads">"Leads"</A>
                                <A href="/admin/contractors">"Contractors"</A>
                                <A href="/admin/jobs">"Jobs"</A>
                                <A href="/admin/claims">"Claims"</A>
                                <A href="/admin/payouts">"Payouts"</A>
                                <A href="/admin/partners">"Partners"</A>
                                <A href="/admin/audit">"Audit log"</A>
                            }.into_any(),
                            (Role::Contractor, Which::Contractor) => view! {
                                <A href="/offers">"Offers"</A>
                                <A href="/jobs">"My jobs"</A>
                                <A href="/payouts">"Payouts"</A>
                                <A href="/profile">"Profile"</A>
                            }.into_any(),
                            (r, _) => view! { <a href=start_page(r)>"Your start page"</a> }.into_any(),
                        };
                        view! {
                            {links}
                            <span class="who">{s.email.clone()}</span>
                            <button class="link-button" on:click=sign_out.clone()>"Sign out"</button>
                        }.into_any()
                    }
                }}
            </nav>
        </header>
    }
}
