//! Who is signed in. The access token lives in memory only; the refresh token is kept in
//! `localStorage` so a reload (or a phone that dropped the tab) stays signed in. Tokens rotate on
//! every refresh, and only one refresh runs at a time: a rotated token used twice would end the
//! session for safety.

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::lock::Mutex;
use leptos::prelude::*;

const REFRESH_KEY: &str = "nrp.refresh";

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
    pub refresh_token: String,
    /// `Date.now()` milliseconds when the access token expires.
    pub expires_at_ms: f64,
    pub email: String,
    pub role: Role,
    pub contractor_id: Option<String>,
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
pub fn current() -> Option<Session> {
    signal().get_untracked()
}

/// Signs in (or out, with `None`), keeping the refresh token for the next visit.
pub fn set(s: Option<Session>) {
    if let Some(storage) = storage() {
        let _ = match &s {
            Some(s) => storage.set_item(REFRESH_KEY, &s.refresh_token),
            None => storage.remove_item(REFRESH_KEY),
        };
    }
    signal().set(s);
}

/// The refresh token kept from an earlier visit (or rotated by another tab).
pub fn stored_refresh_token() -> Option<String> {
    storage().and_then(|s| s.get_item(REFRESH_KEY).ok().flatten()).filter(|t| !t.is_empty())
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
