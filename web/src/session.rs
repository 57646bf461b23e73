//! Who is signed in. The access token lives in memory only. The refresh token is a cookie the
//! app cannot read (`HttpOnly`, sent only to `/auth`), so a reload (or a phone that dropped the
//! tab) stays signed in while a script injected into the page cannot take the session away; the
//! app keeps only a "signed in" mark in `localStorage`, to know whether to try. Tokens rotate on
//! every refresh, and only one refresh runs at a time in a tab.

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::lock::Mutex;
use leptos::prelude::*;

/// Set while this browser holds a session cookie (its value is no secret).
const MARK_KEY: &str = "nrp.signed_in";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Contractor,
    Partner,
}

/// A signed-in user.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub access_token: String,
    /// `Date.now()` milliseconds when the access token expires.
    pub expires_at_ms: f64,
    pub email: String,
    pub role: Role,
    pub contractor_id: Option<String>,
    /// Staff of the company, not its owner: no payouts, company settings or staff.
    pub staff: bool,
}

thread_local! {
    static SIGNAL: RefCell<Option<RwSignal<Option<Session>>>> = const { RefCell::new(None) };
    static REFRESHING: Rc<Mutex<()>> = Rc::new(Mutex::new(()));
}

/// Creates the app-wide session signal (once, in the root component).
pub fn init() -> RwSignal<Option<Session>> {
    let s = RwSignal::new(None);
    SIGNAL.with(|c| *c.borrow_mut() = Some(s));
    s
}

/// The session signal, for components.
pub fn signal() -> RwSignal<Option<Session>> {
    SIGNAL.with(|c| *c.borrow()).unwrap_or_else(init)
}

/// The current session, without subscribing.
/// Whether an NRP admin is signed in, tracked (partner users share some admin pages, without
/// NRP's own parts).
pub fn is_admin() -> bool {
    signal().with(|s| s.as_ref().is_some_and(|s| s.role == Role::Admin))
}

pub fn current() -> Option<Session> {
    signal().get_untracked()
}

/// Signs in (or out, with `None`), marking whether to renew the session on the next visit.
pub fn set(s: Option<Session>) {
    if let Some(storage) = storage() {
        let _ = match &s {
            Some(_) => storage.set_item(MARK_KEY, "1"),
            None => storage.remove_item(MARK_KEY),
        };
    }
    signal().set(s);
}

/// Whether an earlier visit (or another tab) left a session to renew.
pub fn was_signed_in() -> bool {
    storage().and_then(|s| s.get_item(MARK_KEY).ok().flatten()).is_some_and(|v| v == "1")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// `Date.now()`.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The lock one refresh holds at a time.
pub fn refresh_lock() -> Rc<Mutex<()>> {
    REFRESHING.with(Rc::clone)
}
