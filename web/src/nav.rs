//! A small client-side router: the History API, one signal holding the current location, and
//! links that navigate without reloading. (The apps' routes are a handful of fixed paths, so a
//! general router's code is not worth its bytes on a phone.)

use std::cell::RefCell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

thread_local! {
    static LOCATION: RefCell<Option<RwSignal<String>>> = const { RefCell::new(None) };
}

fn current_url() -> String {
    web_sys::window()
        .map(|w| w.location())
        .map(|l| format!("{}{}", l.pathname().unwrap_or_default(), l.search().unwrap_or_default()))
        .unwrap_or_else(|| "/".into())
}

/// Makes the location signal; call once at the app's root, so it lives as long as the app (a
/// signal made inside a view would be dropped when that view is redrawn).
pub fn init() {
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

/// The current path, tracked (`/jobs/123`).
pub fn path() -> String {
    location().with(|l| l.split('?').next().unwrap_or("/").to_string())
}

/// The path's `n`-th segment (`/jobs/123` → 1: `123`), tracked.
pub fn segment(n: usize) -> Option<String> {
    path().split('/').filter(|s| !s.is_empty()).nth(n).map(String::from)
}

/// A query parameter, tracked.
pub fn query(name: &str) -> Option<String> {
    location().with(|l| {
        let q = l.split_once('?')?.1;
        q.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    })
}

/// Goes to `to` inside this app, adding a history entry.
pub fn navigate(to: &str) {
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(to));
    }
    location().set(to.to_string());
    if let Some(w) = web_sys::window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// A link inside the app: plain clicks navigate in place; modified clicks (new tab) and the
/// keyboard work as for any link. `aria-current="page"` marks where you are.
#[component]
pub fn A(#[prop(into)] href: String, children: Children) -> impl IntoView {
    let target = href.clone();
    let here = {
        let href = href.clone();
        move || {
            let p = path();
            (p == href || (href != "/" && href != "/admin" && p.starts_with(&format!("{href}/")))).then_some("page")
        }
    };
    view! {
        <a href=href aria-current=here on:click=move |ev: leptos::ev::MouseEvent| {
            if ev.button() == 0 && !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key()) {
                ev.prevent_default();
                navigate(&target);
            }
        }>{children()}</a>
    }
}
