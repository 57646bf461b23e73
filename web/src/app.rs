//! The two apps' shells: routes, navigation, and the role guard.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::nav::{self, A};
use crate::route::{Route, Which};
use crate::session::{self, Role};
use crate::{api, pages};

/// Where a role starts.
pub fn start_page(role: Role) -> Route {
    match role {
        Role::Admin => Route::Dashboard,
        Role::Partner => Route::Portal,
        Role::Contractor => Route::Offers,
    }
}

/// Renews a kept session before showing anything, then renders the page `route` picks.
fn shell(here: Which, page: impl Fn(Route) -> AnyView + Send + Sync + 'static) -> impl IntoView {
    session::init();
    nav::start(here);
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
                page(nav::route())
            }}
        </main>
    }
}

fn not_found() -> impl IntoView {
    view! { <section class="card narrow"><h1>"Not found"</h1><p>"There is no page here."</p><A to=Route::Home>"Home"</A></section> }
}

/// The contractor app (and sign-in, sign-up for everyone).
pub fn contractor_app() -> impl IntoView {
    crate::field::start();
    shell(Which::Contractor, move |page| {
        let c = Role::Contractor;
        match page {
            Route::Home => view! { <Home /> }.into_any(),
            Route::Login => view! { <pages::login::LoginPage /> }.into_any(),
            Route::Signup => view! { <pages::signup::SignupPage /> }.into_any(),
            Route::Offers | Route::Offer(_) => view! { <Guard role=c><pages::offers::OffersPage /></Guard> }.into_any(),
            Route::Jobs { .. } => view! { <Guard role=c><pages::jobs::JobsBoard /></Guard> }.into_any(),
            Route::Job(_) => view! { <Guard role=c><pages::jobs::JobPage /></Guard> }.into_any(),
            Route::Payouts => view! { <Guard role=c><pages::payouts::PayoutsPage /></Guard> }.into_any(),
            Route::Profile => view! { <Guard role=c><pages::profile::ProfilePage /></Guard> }.into_any(),
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
            <A to=Route::Dashboard>"Dashboard"</A>
            <A to=Route::Leads>"Leads"</A>
            <A to={Route::Contractors { search: None }}>"Contractors"</A>
            <A to=Route::AdminJobs>"Jobs"</A>
            <A to=Route::Claims>"Claims"</A>
            <A to=Route::AdminPayouts>"Payouts"</A>
            <A to=Route::Partners>"Partners"</A>
            <More>
                <span class="signed-in">{move || session::signal().get().map(|s| s.email)}</span>
                <A to=Route::Users>"Logins"</A>
                <A to=Route::Notifications>"Notifications"</A>
                <A to=Route::Audit>"Audit log"</A>
                <A to=Route::Account>"Account"</A>
            </More>
        }
        .into_any(),
        Some(Role::Partner) => view! {
            <pages::search::SearchBox />
            <A to=Route::Portal>"Your jobs"</A>
            <A to=Route::Claims>"Claims"</A>
            <A to=Route::OwnPartner>"Webhook"</A>
            <More>
                <span class="signed-in">{move || session::signal().get().map(|s| s.email)}</span>
                <A to=Route::Account>"Account"</A>
            </More>
        }
        .into_any(),
        _ => ().into_any(),
    }
}

/// The header's less used links, behind a "More" button (a disclosure the browser runs), so a
/// desktop header stays one row. Following a link closes it; so do Escape and a click outside.
#[component]
fn More(children: Children) -> impl IntoView {
    let menu = NodeRef::<leptos::html::Details>::new();
    let close = move || {
        if let Some(d) = menu.get_untracked() {
            d.set_open(false);
        }
    };
    let outside = window_event_listener(leptos::ev::click, move |ev| {
        let inside =
            menu.get_untracked().zip(ev.target()).is_some_and(|(d, t)| d.contains(t.dyn_ref::<web_sys::Node>()));
        if !inside {
            close();
        }
    });
    on_cleanup(move || outside.remove());
    view! {
        <details class="more" node_ref=menu on:keydown=move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Escape" {
                close();
            }
        }>
            <summary>"More"</summary>
            <div class="menu" on:click=move |_| close()>{children()}</div>
        </details>
    }
}

/// The admin app, under `/admin`.
pub fn admin_app() -> impl IntoView {
    provide_context(HeaderExtra(ViewFn::from(admin_links)));
    shell(Which::Admin, move |page| match page {
        Route::Dashboard => view! { <AdminOnly><pages::dashboard::DashboardPage /></AdminOnly> }.into_any(),
        Route::Leads => view! { <AdminOnly><pages::leads::LeadsPage /></AdminOnly> }.into_any(),
        Route::NewLead => view! { <AdminOnly><pages::admin_intake::IntakePage /></AdminOnly> }.into_any(),
        Route::Lead(_) => view! { <AdminOnly><pages::leads::LeadPage /></AdminOnly> }.into_any(),
        Route::Contractors { .. } => view! { <AdminOnly><pages::admin::ContractorsPage /></AdminOnly> }.into_any(),
        Route::AdminJobs => view! { <AdminOnly><pages::admin::JobsPage /></AdminOnly> }.into_any(),
        Route::Portal => view! { <Guard role=Role::Partner><pages::portal::PortalPage /></Guard> }.into_any(),
        Route::AdminJob(_) => view! { <AdminOrPartner><pages::admin_job::AdminJobPage /></AdminOrPartner> }.into_any(),
        Route::Claims => view! { <AdminOrPartner><pages::admin::ClaimsPage /></AdminOrPartner> }.into_any(),
        Route::Claim(_) => view! { <AdminOrPartner><pages::admin_job::AdminClaimPage /></AdminOrPartner> }.into_any(),
        Route::AdminPayouts => view! { <AdminOnly><pages::admin_payouts::AdminPayoutsPage /></AdminOnly> }.into_any(),
        Route::Partners => view! { <AdminOnly><pages::partners::PartnersPage /></AdminOnly> }.into_any(),
        Route::OwnPartner => view! { <Guard role=Role::Partner><pages::partner::PartnerPage /></Guard> }.into_any(),
        Route::Partner(_) => view! { <AdminOnly><pages::partner::PartnerPage /></AdminOnly> }.into_any(),
        Route::Audit => view! { <AdminOnly><pages::admin::AuditPage /></AdminOnly> }.into_any(),
        Route::Search { .. } => view! { <AdminOrPartner><pages::search::SearchPage /></AdminOrPartner> }.into_any(),
        Route::Users => view! { <AdminOnly><pages::team::UsersPage /></AdminOnly> }.into_any(),
        Route::Notifications => {
            view! { <AdminOnly><pages::admin_notifications::NotificationsPage /></AdminOnly> }.into_any()
        }
        _ => not_found().into_any(),
    })
}

/// The account app, under `/account`: anyone signed in runs their own account there (and an
/// owner its team); the pages emailed links open need no sign-in.
pub fn account_app() -> impl IntoView {
    shell(Which::Account, move |page| match page {
        Route::Account => view! { <SignedIn><pages::account::AccountPage /></SignedIn> }.into_any(),
        Route::ForgotPassword => view! { <pages::account::ForgotPasswordPage /> }.into_any(),
        Route::ResetPassword { .. } => view! { <pages::account::ResetPasswordPage /> }.into_any(),
        Route::VerifyEmail { .. } => view! { <pages::account::VerifyEmailPage /> }.into_any(),
        Route::AcceptInvite { .. } => view! { <pages::team::AcceptInvitePage /> }.into_any(),
        _ => not_found().into_any(),
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
        None => nav::go(&Route::Login),
        Some(r) => nav::go(&start_page(r)),
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
                <p>"This page is for another kind of account."</p><A to=start_page(r)>"Go to your start page"</A></section>
        }
        .into_any(),
    }
    }
}

#[component]
fn Nav() -> impl IntoView {
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            // A shared phone must stop getting this person's offers: drop its alerts first.
            crate::push::turn_off().await;
            api::logout();
            nav::go(&Route::Login);
        });
    };
    view! {
        <header>
            <nav aria-label="Main">
                <a href=Route::Home.href() class="brand">"NRP CRM"</a>
                {move || match session::signal().get() {
                    None => view! { <A to=Route::Login>"Sign in"</A> <A to=Route::Signup>"Join"</A> }.into_any(),
                    Some(s) => {
                        let links = match (s.role, nav::here()) {
                            // The admin app's own links (and search box), given by that app: the
                            // contractor bundle carries none of them.
                            (Role::Admin | Role::Partner, Which::Admin) => {
                                use_context::<HeaderExtra>().map(|x| x.0.run()).into_any()
                            }
                            // On a phone these are a tab bar at the bottom of the screen.
                            (Role::Contractor, Which::Contractor) => view! {
                                <div class="tabs">
                                    <A to=Route::Offers>"Offers"</A>
                                    <A to={Route::Jobs { accepted: None }}>"My jobs"</A>
                                    {(!s.staff).then(|| view! { <A to=Route::Payouts>"Payouts"</A> })}
                                    <A to=Route::Profile>"Profile"</A>
                                </div>
                            }.into_any(),
                            (r, Which::Account) => view! {
                                <A to=start_page(r)>"Back to the app"</A>
                                <A to=Route::Account>"Account"</A>
                            }.into_any(),
                            (r, _) => view! { <A to=start_page(r)>"Your start page"</A> }.into_any(),
                        };
                        view! {
                            {links}
                            <span class="who" title=s.email.clone()>{s.email.clone()}</span>
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
                <p>"This page is for another kind of account."</p><A to=start_page(r)>"Go to your start page"</A></section>
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
                <p><a href=Route::Dashboard.href() id="enrol-continue">"Continue to the dashboard"</a></p>
            </section>
        }
        .into_any(),
        Some(false) => children().into_any(),
    }
    }
}
