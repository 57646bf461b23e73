//! A small client-side router: the History API, one signal holding the current location (read
//! as a typed [`Route`]), and links that navigate without reloading. (The apps' pages are a
//! few dozen fixed paths, so a general router's code is not worth its bytes on a phone.)

use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::route::{Route, Which};

thread_local! {
    static LOCATION: RefCell<Option<RwSignal<String>>> = const { RefCell::new(None) };
    static APP: Cell<Which> = const { Cell::new(Which::Contractor) };
}

fn current_url() -> String {
    web_sys::window()
        .map(|w| w.location())
        .map(|l| format!("{}{}", l.pathname().unwrap_or_default(), l.search().unwrap_or_default()))
        .unwrap_or_else(|| "/".into())
}

/// Makes the location signal for the app `app`; call once at the app's root, so it lives as
/// long as the app (a signal made inside a view would be dropped when that view is redrawn).
pub fn start(app: Which) {
    APP.with(|a| a.set(app));
    init();
}

fn init() {
    if LOCATION.with(|l| l.borrow().is_some()) {
        return;
    }
    let s = RwSignal::new(current_url());
    LOCATION.with(|l| *l.borrow_mut() = Some(s));
    if let Some(w) = web_sys::window() {
        let on_pop = Closure::<dyn Fn()>::new(move || s.set(current_url()));
        let _ = w.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
        on_pop.forget(); // lives as long as the page
    }
}

/// The location signal (`/jobs?new=…`), kept in step with back and forward.
fn location() -> RwSignal<String> {
    if let Some(s) = LOCATION.with(|l| *l.borrow()) {
        return s;
    }
    init();
    LOCATION.with(|l| *l.borrow()).unwrap_or_else(|| RwSignal::new(current_url()))
}

/// The page shown, tracked (`/jobs/123` → [`Route::Job`]).
pub fn route() -> Route {
    location().with(|l| Route::parse(l))
}

/// Goes to `to` inside this app, adding a history entry (see [`go`] for a page that may be in
/// another app).
fn navigate(to: &str) {
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(to));
    }
    location().set(to.to_string());
    if let Some(w) = web_sys::window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// Goes to `to`: inside this app in place, into another app by loading it.
pub fn go(to: &Route) {
    if to.app() == here() {
        navigate(&to.href());
    } else if let Some(w) = web_sys::window() {
        let _ = w.location().assign(&to.href());
    }
}

/// The app running (set by its shell).
pub fn here() -> Which {
    APP.with(Cell::get)
}

/// A link to a page: plain clicks in this app navigate in place (into another app they load
/// it); modified clicks (new tab) and the keyboard work as for any link. `aria-current="page"`
/// marks where you are.
#[component]
pub fn A(#[prop(into)] to: Route, children: Children) -> impl IntoView {
    let href = to.href();
    let current = {
        let to = to.clone();
        move || to.contains(&route()).then_some("page")
    };
    view! {
        <a href=href aria-current=current on:click=move |ev: leptos::ev::MouseEvent| {
            if ev.button() == 0 && !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key()) {
                ev.prevent_default();
                go(&to);
            }
        }>{children()}</a>
    }
}
