//! The two apps' shells: routes, navigation, and the role guard.

use leptos::prelude::*;

use crate::nav::{self, A};
use crate::session::{self, Role};
use crate::{api, pages};

/// Which bundle is running.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Contractor,
    Admin,
    /// Sign-in and security, a company's team, and the pages emailed links open (`/account`).
    Account,
}

/// Where a role starts, and whether that is in this bundle (else a full page load).
pub fn start_page(role: Role) -> &'static str {
    match role {
        Role::Admin => "/admin",
        Role::Partner => "/admin/portal",
        Role::Contractor => "/offers",
    }
}

/// Goes to `path`: inside this app in place, into the other app by loading it.
pub fn go(here: Which, path: &str) {
    let target = if path.starts_with("/admin") {
        Which::Admin
    } else if path.starts_with("/account") {
        Which::Account
    } else {
        Which::Contractor
    };
    if target == here {
        nav::navigate(path);
    } else if let Some(w) = web_sys::window() {
        let _ = w.location().assign(path);
    }
}

/// Renews a kept session before showing anything, then renders the page `route` picks.
fn shell(here: Which, route: impl Fn() -> AnyView + Send + Sync + 'static) -> impl IntoView {
    session::init();
    nav::init();
    provide_context(here);
    let restoring = RwSignal::new(session::was_signed_in());
    if restoring.get_untracked() {
        leptos::task::spawn_local(async move {
            let _ = api::refresh().await;
            restoring.set(false);
        });
    }
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <Nav />
        <main id="main" tabindex="-1">
            {move || if restoring.get() {
                view! { <p class="loading">"Signing you in…"</p> }.into_any()
            } else {
                route()
            }}
        </main>
    }
}

fn not_found() -> impl IntoView {
    view! { <section class="card narrow"><h1>"Not found"</h1><p>"There is no page here."</p><A href="/">"Home"</A></section> }
}

/// The contractor app (and sign-in, sign-up for everyone).
pub fn contractor_app() -> impl IntoView {
    crate::field::start();
    shell(Which::Contractor, move || {
        let segments: Vec<String> = nav::path().split('/').filter(|s| !s.is_empty()).map(String::from).collect();
        let c = Role::Contractor;
        match segments.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            [] => view! { <Home /> }.into_any(),
            ["login"] => view! { <pages::login::LoginPage /> }.into_any(),
            ["signup"] => view! { <pages::signup::SignupPage /> }.into_any(),
            ["offers"] | ["offers", _] => view! { <Guard role=c><pages::offers::OffersPage /></Guard> }.into_any(),
            ["jobs"] => view! { <Guard role=c><pages::jobs::JobsBoard /></Guard> }.into_any(),
            ["jobs", _] => view! { <Guard role=c><pages::jobs::JobPage /></Guard> }.into_any(),
            ["payouts"] => view! { <Guard role=c><pages::payouts::PayoutsPage /></Guard> }.into_any(),
            ["profile"] => view! { <Guard role=c><pages::profile::ProfilePage /></Guard> }.into_any(),
            _ => not_found().into_any(),
        }
    })
}

/// The header's links for the people of an app that brings its own (the admin app: admins and
/// insurer users, with the search box): given as context, so the contractor bundle never
/// carries them.
#[derive(Clone)]
pub struct HeaderExtra(pub ViewFn);

/// The admin app's header links, by who is signed in.
fn admin_links() -> AnyView {
    match session::signal().get().map(|s| s.role) {
        Some(Role::Admin) => view! {
            <pages::search::SearchBox />
            <A href="/admin">"Dashboard"</A>
            <A href="/admin/leads">"Leads"</A>
            <A href="/admin/contractors">"Contractors"</A>
            <A href="/admin/jobs">"Jobs"</A>
            <A href="/admin/claims">"Claims"</A>
            <A href="/admin/payouts">"Payouts"</A>
            <A href="/admin/partners">"Partners"</A>
            <A href="/admin/users">"Logins"</A>
            <A href="/admin/notifications">"Notifications"</A>
            <A href="/admin/audit">"Audit log"</A>
            <a href="/account">"Account"</a>
        }
        .into_any(),
        Some(Role::Partner) => view! {
            <pages::search::SearchBox />
            <A href="/admin/portal">"Your jobs"</A>
            <A href="/admin/claims">"Claims"</A>
            <A href="/admin/partners/me">"Webhook"</A>
            <a href="/account">"Account"</a>
        }
        .into_any(),
        _ => ().into_any(),
    }
}

/// The admin app, under `/admin`.
pub fn admin_app() -> impl IntoView {
    provide_context(HeaderExtra(ViewFn::from(admin_links)));
    shell(Which::Admin, move || {
        let segments: Vec<String> = nav::path().split('/').filter(|s| !s.is_empty()).map(String::from).collect();
        match segments.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["admin"] => view! { <AdminOnly><pages::dashboard::DashboardPage /></AdminOnly> }.into_any(),
            ["admin", "leads"] => view! { <AdminOnly><pages::leads::LeadsPage /></AdminOnly> }.into_any(),
            ["admin", "leads", "new"] => {
                view! { <AdminOnly><pages::admin_intake::IntakePage /></AdminOnly> }.into_any()
            }
            ["admin", "leads", _] => view! { <AdminOnly><pages::leads::LeadPage /></AdminOnly> }.into_any(),
            ["admin", "contractors"] => view! { <AdminOnly><pages::admin::ContractorsPage /></AdminOnly> }.into_any(),
            ["admin", "jobs"] => view! { <AdminOnly><pages::admin::JobsPage /></AdminOnly> }.into_any(),
            ["admin", "portal"] => view! { <Guard role=Role::Partner><pages::portal::PortalPage /></Guard> }.into_any(),
            ["admin", "jobs", _] => {
                view! { <AdminOrPartner><pages::admin_job::AdminJobPage /></AdminOrPartner> }.into_any()
            }
            ["admin", "claims"] => view! { <AdminOrPartner><pages::admin::ClaimsPage /></AdminOrPartner> }.into_any(),
            ["admin", "claims", _] => {
                view! { <AdminOrPartner><pages::admin_job::AdminClaimPage /></AdminOrPartner> }.into_any()
            }
            ["admin", "payouts"] => {
                view! { <AdminOnly><pages::admin_payouts::AdminPayoutsPage /></AdminOnly> }.into_any()
            }
            ["admin", "partners"] => view! { <AdminOnly><pages::partners::PartnersPage /></AdminOnly> }.into_any(),
            ["admin", "partners", "me"] => {
                view! { <Guard role=Role::Partner><pages::partner::PartnerPage /></Guard> }.into_any()
            }
            ["admin", "partners", _] => view! { <AdminOnly><pages::partner::PartnerPage /></AdminOnly> }.into_any(),
            ["admin", "audit"] => view! { <AdminOnly><pages::admin::AuditPage /></AdminOnly> }.into_any(),
            ["admin", "search"] => view! { <AdminOrPartner><pages::search::SearchPage /></AdminOrPartner> }.into_any(),
            ["admin", "users"] => view! { <AdminOnly><pages::team::UsersPage /></AdminOnly> }.into_any(),
            ["admin", "notifications"] => {
                view! { <AdminOnly><pages::admin_notifications::NotificationsPage /></AdminOnly> }.into_any()
            }
            _ => not_found().into_any(),
        }
    })
}

/// The account app, under `/account`: anyone signed in runs their own account there (and an
/// owner its team); the pages emailed links open need no sign-in.
pub fn account_app() -> impl IntoView {
    shell(Which::Account, move || {
        let segments: Vec<String> = nav::path().split('/').filter(|s| !s.is_empty()).map(String::from).collect();
        match segments.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["account"] => view! { <SignedIn><pages::account::AccountPage /></SignedIn> }.into_any(),
            ["account", "forgot-password"] => view! { <pages::account::ForgotPasswordPage /> }.into_any(),
            ["account", "reset-password"] => view! { <pages::account::ResetPasswordPage /> }.into_any(),
            ["account", "verify-email"] => view! { <pages::account::VerifyEmailPage /> }.into_any(),
            ["account", "accept-invite"] => view! { <pages::team::AcceptInvitePage /> }.into_any(),
            _ => not_found().into_any(),
        }
    })
}

/// Shows `children` to anyone signed in; otherwise the sign-in form.
#[component]
fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let signed_in = Memo::new(move |_| session::signal().with(Option::is_some));
    move || if signed_in.get() { children().into_any() } else { view! { <pages::login::LoginPage /> }.into_any() }
}

/// `/`: where each role starts.
#[component]
fn Home() -> impl IntoView {
    Effect::new(move |_| match session::signal().get().map(|s| s.role) {
        None => nav::navigate("/login"),
        Some(r) => go(Which::Contractor, start_page(r)),
    });
}

/// Shows `children` to a signed-in user of `role`; otherwise the sign-in form or a refusal.
#[component]
fn Guard(role: Role, children: ChildrenFn) -> impl IntoView {
    // Only a change of who is signed in re-renders the page: a renewed token must not (the page
    // would lose what is typed or shown once, such as new recovery codes).
    let signed_in_as = Memo::new(move |_| session::signal().get().map(|s| s.role));
    move || {
        match signed_in_as.get() {
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
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            // A shared phone must stop getting this person's offers: drop its alerts first.
            crate::push::turn_off().await;
            api::logout();
            go(here, "/login");
        });
    };
    view! {
        <header>
            <nav aria-label="Main">
                <a href="/" class="brand">"NRP CRM"</a>
                {move || match session::signal().get() {
                    None => view! { <a href="/login">"Sign in"</a> <a href="/signup">"Join"</a> }.into_any(),
                    Some(s) => {
                        let links = match (s.role, here) {
                            // The admin app's own links (and search box), given by that app: the
                            // contractor bundle carries none of them.
                            (Role::Admin | Role::Partner, Which::Admin) => {
                                use_context::<HeaderExtra>().map(|x| x.0.run()).into_any()
                            }
                            // On a phone these are a tab bar at the bottom of the screen.
                            (Role::Contractor, Which::Contractor) => view! {
                                <div class="tabs">
                                    <A href="/offers">"Offers"</A>
                                    <A href="/jobs">"My jobs"</A>
                                    {(!s.staff).then(|| view! { <A href="/payouts">"Payouts"</A> })}
                                    <A href="/profile">"Profile"</A>
                                </div>
                            }.into_any(),
                            (r, Which::Account) => view! {
                                <a href=start_page(r)>"Back to the app"</a>
                                <A href="/account">"Account"</A>
                            }.into_any(),
                            (r, _) => view! { <a href=start_page(r)>"Your start page"</a> }.into_any(),
                        };
                        view! {
                            {links}
                            <span class="who">{s.email.clone()}</span>
                            <button class="link-button" on:click=sign_out>"Sign out"</button>
                        }.into_any()
                    }
                }}
            </nav>
        </header>
    }
}

thread_local! {
    /// Whether this admin must still set up the second factor NRP requires (asked once a page
    /// load). Reference-counted, not owned by the page that first asked: it outlives navigation.
    static MUST_ENROL: ArcRwSignal<Option<bool>> = ArcRwSignal::new(None);
}

/// An admin page (the admin app only: the contractor bundle never carries the set-up screens).
#[component]
fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let gated: ChildrenFn = std::sync::Arc::new(move || view! { <AdminGate children=children.clone() /> }.into_any());
    view! { <Guard role=Role::Admin children=gated /> }
}

/// A page for admins (past NRP's second-factor rule) and for partner users, whom the access
/// policy shows only their own.
#[component]
fn AdminOrPartner(children: ChildrenFn) -> impl IntoView {
    let role = Memo::new(move |_| session::signal().get().map(|s| s.role));
    move || {
        match role.get() {
        None => view! { <pages::login::LoginPage /> }.into_any(),
        Some(Role::Admin) => view! { <AdminGate children=children.clone() /> }.into_any(),
        Some(Role::Partner) => children().into_any(),
        Some(r) => view! {
            <section class="card narrow" role="alert"><h1>"Not for this account"</h1>
                <p>"This page is for another kind of account."</p><a href=start_page(r)>"Go to your start page"</a></section>
        }
        .into_any(),
    }
    }
}

/// An admin's pages, once NRP's second-factor rule is met: until then, the set-up.
#[component]
fn AdminGate(children: ChildrenFn) -> impl IntoView {
    let must = MUST_ENROL.with(ArcRwSignal::clone);
    if must.get_untracked().is_none() {
        let must = must.clone();
        leptos::task::spawn_local(async move {
            let (q, op) = (crate::gql::second_factor_status::QUERY, crate::gql::second_factor_status::OPERATION_NAME);
            let r = api::run(q, op, serde_json::json!({})).await;
            must.set(Some(r.is_ok_and(|d| d["secondFactor"]["required"] == true && d["secondFactor"]["on"] != true)));
        });
    }
    move || {
        match must.get() {
        None => view! { <p class="loading">"Checking your account…"</p> }.into_any(),
        Some(true) => view! {
            <section class="card narrow" aria-labelledby="enrol-h">
                <h1 id="enrol-h">"Set up your second factor"</h1>
                <p>"NRP requires admins to sign in with a code from their phone as well as a password. Set it up to continue."</p>
                <pages::account::SecondFactor />
                <p><a href="/admin" id="enrol-continue">"Continue to the dashboard"</a></p>
            </section>
        }
        .into_any(),
        Some(false) => children().into_any(),
    }
    }
}
