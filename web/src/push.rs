//! Alerts on this device: the service worker (`/sw.js`) that shows NRP's push notifications,
//! and turning Web Push on (permission, a subscription with the server's key, registered with
//! the server) and off (on sign-out, so a shared phone stops getting someone else's offers).

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{NotificationPermission, PushSubscription, ServiceWorkerRegistration};

use crate::{api, gql};

/// Where alerts stand on this device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertState {
    /// This browser has no service workers or push (an old browser, a private window).
    Unsupported,
    /// The user said no; only the browser's site settings can undo it.
    Blocked,
    Off,
    On,
}

fn container() -> Option<web_sys::ServiceWorkerContainer> {
    let nav = web_sys::window()?.navigator();
    // `serviceWorker` is missing on plain http (other than localhost) and in some private modes.
    js_sys::Reflect::has(&nav, &JsValue::from_str("serviceWorker")).ok()?.then(|| nav.service_worker())
}

fn supported() -> bool {
    let Some(w) = web_sys::window() else { return false };
    container().is_some()
        && js_sys::Reflect::has(&w, &JsValue::from_str("PushManager")).unwrap_or(false)
        && js_sys::Reflect::has(&w, &JsValue::from_str("Notification")).unwrap_or(false)
}

/// Registers the service worker (at start-up; it is small and caches nothing).
pub fn register_worker() {
    if let Some(c) = container() {
        let _ = c.register("/sw.js");
    }
}

async fn registration() -> Result<ServiceWorkerRegistration, String> {
    let c = container().ok_or("this browser cannot show alerts")?;
    let _ = JsFuture::from(c.register("/sw.js")).await.map_err(|_| "the alert service could not start")?;
    let ready = c.ready().map_err(|_| "the alert service is not ready")?;
    JsFuture::from(ready)
        .await
        .map_err(|_| "the alert service is not ready")?
        .dyn_into()
        .map_err(|_| "no registration".into())
}

async fn current() -> Option<PushSubscription> {
    let reg = registration().await.ok()?;
    let pm = reg.push_manager().ok()?;
    let sub = JsFuture::from(pm.get_subscription().ok()?).await.ok()?;
    sub.dyn_into::<PushSubscription>().ok()
}

/// Where alerts stand now.
pub async fn state() -> AlertState {
    if !supported() {
        return AlertState::Unsupported;
    }
    match web_sys::Notification::permission() {
        NotificationPermission::Denied => AlertState::Blocked,
        NotificationPermission::Granted if current().await.is_some() => AlertState::On,
        _ => AlertState::Off,
    }
}

fn key_bytes(b64url: &str) -> js_sys::Uint8Array {
    // base64url → bytes, through the browser's own decoder.
    let std = b64url.replace('-', "+").replace('_', "/");
    let padded = format!("{std}{}", "=".repeat((4 - std.len() % 4) % 4));
    let bin = web_sys::window().and_then(|w| w.atob(&padded).ok()).unwrap_or_default();
    let bytes: Vec<u8> = bin.chars().map(|c| c as u32 as u8).collect();
    js_sys::Uint8Array::from(bytes.as_slice())
}

fn label() -> String {
    let ua = web_sys::window().and_then(|w| w.navigator().user_agent().ok()).unwrap_or_default();
    let device = ["iPhone", "iPad", "Android", "Windows", "Macintosh", "Linux"].into_iter().find(|d| ua.contains(d));
    let browser = ["Edg", "Firefox", "Chrome", "Safari"].into_iter().find(|b| ua.contains(b));
    match (device, browser) {
        (Some(d), Some(b)) => format!("{} on {d}", if b == "Edg" { "Edge" } else { b }),
        (Some(d), None) => d.to_string(),
        _ => "This browser".into(),
    }
}

/// Asks for permission, subscribes with the server's key and registers the device.
pub async fn turn_on() -> Result<(), String> {
    if !supported() {
        return Err("This browser cannot show alerts. On iPhone, add the app to your Home Screen first.".into());
    }
    let key = api::call::<gql::WebPushPublicKey>(gql::web_push_public_key::Variables)
        .await
        .map_err(|e| e.message)?
        .web_push_public_key
        .ok_or("Alerts are not set up on this server yet.")?;
    let asked = web_sys::Notification::request_permission().map_err(|_| "the browser refused to ask")?;
    let answer = JsFuture::from(asked).await.map_err(|_| "the browser refused to ask")?;
    if answer.as_string().as_deref() != Some("granted") {
        return Err("Alerts are blocked for this site. Allow notifications in the browser's site settings.".into());
    }
    let reg = registration().await?;
    let pm = reg.push_manager().map_err(|_| "this browser has no push service")?;
    let options = web_sys::PushSubscriptionOptionsInit::new();
    options.set_user_visible_only(true);
    options.set_application_server_key(&key_bytes(&key));
    let promise = pm.subscribe_with_options(&options).map_err(|_| "the push service refused")?;
    let sub: PushSubscription = JsFuture::from(promise)
        .await
        .map_err(|_| "Could not reach the browser's push service. Check your connection and try again.")?
        .dyn_into()
        .map_err(|_| "the push service gave no subscription")?;
    let json: serde_json::Value = js_sys::JSON::stringify(&sub)
        .ok()
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok())
        .ok_or("the subscription could not be read")?;
    let input = gql::register_push_subscription::PushSubscriptionInput {
        endpoint: sub.endpoint(),
        p256dh: json["keys"]["p256dh"].as_str().unwrap_or_default().to_string(),
        auth: json["keys"]["auth"].as_str().unwrap_or_default().to_string(),
        label: Some(label()),
    };
    api::call::<gql::RegisterPushSubscription>(gql::register_push_subscription::Variables { input })
        .await
        .map_err(|e| e.message)?;
    Ok(())
}

/// Stops alerts on this device: tells the server, then drops the subscription.
pub async fn turn_off() {
    let Some(sub) = current().await else { return };
    let endpoint = Some(sub.endpoint());
    let _ = api::call::<gql::RemovePushSubscription>(gql::remove_push_subscription::Variables { endpoint }).await;
    if let Ok(p) = sub.unsubscribe() {
        let _ = JsFuture::from(p).await;
    }
}

/// Whether the page is on screen (an offer shown on a visible page has been seen).
pub fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}

/// Tells the server the contractor has seen this offer (so no SMS follows it).
pub fn mark_seen(id: String) {
    leptos::task::spawn_local(async move {
        let _ = api::call::<gql::MarkOfferSeen>(gql::mark_offer_seen::Variables { id }).await;
    });
}
