//! Field capture: a photo or note a contractor takes on site is written to the phone first (an
//! IndexedDB store that outlives a closed tab or a flat battery), then sent from there in the
//! order taken, one at a time, as soon as the server answers. Each item carries its own key, so a
//! resend after a lost answer is the same item to the server, never a second copy; the time it was
//! taken; and, when the person allows the phone to tell, where.
//!
//! Sending stops at the first item the network or the server cannot take now (no signal, the
//! server restarting, a rate limit) and tries again on the browser's `online` event, on a timer
//! that backs off from 2 s to a minute, and on "Send now". An item the server refuses for good (a
//! job no longer the contractor's, a file it does not accept) stays on the phone with the
//! server's reason until the person discards it; the items after it go on. Items belong to the
//! person who took them: another person signed in on the same phone never sends them.

use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, IdbDatabase, IdbObjectStore, IdbRequest, IdbTransactionMode};

use crate::api::{self, ApiError};
use crate::gql::{self, add_job_note, upload_attachment};
use crate::session;

const DB: &str = "nrp-field";
const STORE: &str = "queue";
/// A fix older than this is not "where it was taken".
const FIX_MAX_AGE_MS: f64 = 5.0 * 60_000.0;

/// What the phone keeps about an item, beside the photo's bytes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// The item's key for the server (a UUID).
    pub key: String,
    pub job_id: String,
    /// Who took it (the signed-in email): only they send it.
    pub user: String,
    /// A note's text; `None` for a photo.
    pub note: Option<String>,
    /// A photo's file name.
    pub filename: Option<String>,
    /// RFC 3339, by the phone's clock.
    pub captured_at: String,
    /// Latitude, longitude, accuracy in metres.
    pub position: Option<(f64, f64, f64)>,
    /// The server's reason, once it refused the item for good.
    pub refused: Option<String>,
}

/// An item as the page shows it: its place in the queue and whether it is on its way now.
#[derive(Clone, Debug, PartialEq)]
pub struct Waiting {
    pub seq: f64,
    pub item: Item,
    pub sending: bool,
}

thread_local! {
    static WAITING: ArcRwSignal<Vec<Waiting>> = ArcRwSignal::new(Vec::new());
    static SENT: ArcRwSignal<u32> = ArcRwSignal::new(0);
    static UNKEPT: ArcRwSignal<u32> = ArcRwSignal::new(0);
    static DATABASE: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
    static FIX: Cell<Option<(f64, f64, f64, f64)>> = const { Cell::new(None) };
    static LOCATING: Cell<bool> = const { Cell::new(false) };
    static SENDING: Cell<bool> = const { Cell::new(false) };
    static BACKOFF_S: Cell<u32> = const { Cell::new(0) };
    static STARTED: Cell<bool> = const { Cell::new(false) };
    /// A retry is already scheduled: one timer, however many items wait.
    static TIMER: Cell<bool> = const { Cell::new(false) };
    /// Which retry is the live one: "send now" makes a scheduled one stale.
    static TIMER_GEN: Cell<u32> = const { Cell::new(0) };
}

/// The signed-in person's items on this phone, oldest first (tracked).
pub fn waiting() -> Vec<Waiting> {
    let me = session::signal().with(|s| s.as_ref().map(|s| s.email.clone()));
    let mut all = WAITING.with(|w| w.get());
    all.retain(|w| Some(&w.item.user) == me.as_ref());
    all
}

/// Counts the items sent since the page loaded (tracked): a job page reloads its files on it.
pub fn sent() -> u32 {
    SENT.with(|s| s.get())
}

/// Loads what waits from an earlier visit and starts sending; listens for the link coming back.
pub fn start() {
    if STARTED.replace(true) {
        return;
    }
    if let Some(w) = web_sys::window() {
        let online = Closure::<dyn FnMut()>::new(send_now);
        let _ = w.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
        online.forget();
    }
    // A sign-in (or a renewed session after a restart) may unblock what waits.
    Effect::new(move |_| {
        if session::signal().with(|s| s.is_some()) {
            send_now();
        }
    });
}

/// Sends what waits at once, forgetting the back-off (the browser says it is online, or the
/// person asked).
pub fn send_now() {
    BACKOFF_S.set(0);
    // A retry scheduled under the old back-off would wait its full time after this attempt
    // fails: drop it, so the next one comes after the shortest wait again.
    TIMER_GEN.set(TIMER_GEN.get().wrapping_add(1));
    TIMER.set(false);
    kick();
}

/// Keeps a photo for a job and starts sending it.
pub fn take_photo(job_id: String, file: web_sys::File) {
    let taken = js_sys::Date::new_0();
    leptos::task::spawn_local(async move {
        settle_fix().await;
        keep(new_item(job_id, None, Some(file.name()), taken), Some(file.into())).await;
    });
}

/// Keeps a note for a job and starts sending it.
pub fn write_note(job_id: String, text: String) {
    let taken = js_sys::Date::new_0();
    leptos::task::spawn_local(async move {
        settle_fix().await;
        keep(new_item(job_id, Some(text), None, taken), None).await;
    });
}

/// A position asked for a moment ago (the tap that opened the camera) is usually a breath away:
/// wait for it up to two seconds, so the item carries it.
async fn settle_fix() {
    for _ in 0..20 {
        if !LOCATING.get() {
            return;
        }
        let pause = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 100);
            }
        });
        let _ = JsFuture::from(pause).await;
    }
}

/// Drops an item the server refused (the person read why).
pub fn discard(seq: f64) {
    leptos::task::spawn_local(async move {
        if let Ok(s) = store(IdbTransactionMode::Readwrite).await
            && let Ok(r) = s.delete(&JsValue::from_f64(seq))
        {
            let _ = done(&r).await;
        }
        refresh().await;
    });
}

/// Asks the phone where it is, if the person allowed it (never prompts on page load: call it
/// from a tap, or with `only_if_granted` when a page opens).
pub fn locate(only_if_granted: bool) {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else { return };
    let ask = move || {
        let Ok(geo) = web_sys::window().map(|w| w.navigator()).ok_or(JsValue::NULL).and_then(|n| n.geolocation())
        else {
            return;
        };
        let ok = Closure::once_into_js(move |p: web_sys::Position| {
            let c = p.coords();
            FIX.set(Some((c.latitude(), c.longitude(), c.accuracy(), js_sys::Date::now())));
            LOCATING.set(false);
        });
        let failed = Closure::once_into_js(move || LOCATING.set(false));
        let options = web_sys::PositionOptions::new();
        options.set_enable_high_accuracy(true);
        options.set_maximum_age(60_000);
        options.set_timeout(20_000);
        let asked = geo.get_current_position_with_error_callback_and_options(
            ok.unchecked_ref(),
            Some(failed.unchecked_ref()),
            &options,
        );
        LOCATING.set(asked.is_ok());
    };
    if !only_if_granted {
        return ask();
    }
    let query = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&query, &"name".into(), &"geolocation".into());
    let Ok(p) = nav.permissions().and_then(|p| p.query(&query)) else { return };
    LOCATING.set(true);
    leptos::task::spawn_local(async move {
        match JsFuture::from(p).await.map(web_sys::PermissionStatus::unchecked_from_js) {
            Ok(status) if status.state() == web_sys::PermissionState::Granted => ask(),
            _ => LOCATING.set(false),
        }
    });
}

fn new_item(job_id: String, note: Option<String>, filename: Option<String>, now: js_sys::Date) -> Item {
    let position =
        FIX.get().filter(|f| now.get_time() - f.3 <= FIX_MAX_AGE_MS).map(|(lat, lng, acc, _)| (lat, lng, acc));
    Item {
        key: new_key(),
        job_id,
        user: session::current().map(|s| s.email).unwrap_or_default(),
        note,
        filename,
        captured_at: now.to_iso_string().into(),
        position,
        refused: None,
    }
}

fn new_key() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("{:x}-{:x}", js_sys::Date::now() as u64, (js_sys::Math::random() * 1e15) as u64))
}

async fn keep(item: Item, file: Option<Blob>) {
    let record = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&record, &"meta".into(), &serde_json::to_string(&item).unwrap_or_default().into());
    if let Some(f) = &file {
        let _ = js_sys::Reflect::set(&record, &"file".into(), f);
    }
    let kept = match store(IdbTransactionMode::Readwrite).await.and_then(|s| s.add(&record)) {
        Ok(r) => done(&r).await.is_ok(),
        Err(_) => false,
    };
    if !kept {
        // No room or no IndexedDB here (or the browser closed the connection: open it afresh next
        // time): send it now instead, under the same key, so nothing the person took is dropped
        // unsent.
        DATABASE.with(|d| *d.borrow_mut() = None);
        if send(&item, file).await.is_ok() {
            SENT.with(|s| s.update(|n| *n += 1));
        } else {
            UNKEPT.with(|u| u.update(|n| *n += 1));
        }
    }
    refresh().await;
    kick();
}

/// Items this phone could neither keep nor send (tracked): the page says so.
pub fn unkept() -> u32 {
    UNKEPT.with(|u| u.get())
}

async fn database() -> Result<IdbDatabase, JsValue> {
    if let Some(db) = DATABASE.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let factory = web_sys::window().ok_or(JsValue::NULL)?.indexed_db()?.ok_or(JsValue::NULL)?;
    let open = factory.open_with_u32(DB, 1)?;
    let upgrading = open.clone();
    let upgrade = Closure::once_into_js(move || {
        if let Ok(db) = upgrading.result().map(IdbDatabase::unchecked_from_js) {
            let params = web_sys::IdbObjectStoreParameters::new();
            params.set_auto_increment(true);
            params.set_key_path_opt_str(Some("seq"));
            let _ = db.create_object_store_with_optional_parameters(STORE, &params);
        }
    });
    open.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    let db = IdbDatabase::unchecked_from_js(done(&open).await?);
    DATABASE.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}

async fn store(mode: IdbTransactionMode) -> Result<IdbObjectStore, JsValue> {
    database().await?.transaction_with_str_and_mode(STORE, mode)?.object_store(STORE)
}

/// The result of an IndexedDB request, once it has one.
async fn done(r: &IdbRequest) -> Result<JsValue, JsValue> {
    let r = r.clone();
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let (ok, failed) = (r.clone(), r.clone());
        let on_ok = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &ok.result().unwrap_or(JsValue::UNDEFINED));
        });
        let on_err = Closure::once_into_js(move || {
            let _ = reject.call1(&JsValue::NULL, &failed);
        });
        r.set_onsuccess(Some(on_ok.unchecked_ref()));
        r.set_onerror(Some(on_err.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

/// Every item on the phone, oldest first, with its file.
async fn all() -> Vec<(f64, Item, Option<Blob>)> {
    let Ok(s) = store(IdbTransactionMode::Readonly).await else { return Vec::new() };
    let Ok(r) = s.get_all() else { return Vec::new() };
    let Ok(rows) = done(&r).await else { return Vec::new() };
    js_sys::Array::from(&rows)
        .iter()
        .filter_map(|row| {
            let seq = js_sys::Reflect::get(&row, &"seq".into()).ok()?.as_f64()?;
            let meta = js_sys::Reflect::get(&row, &"meta".into()).ok()?.as_string()?;
            let item: Item = serde_json::from_str(&meta).ok()?;
            let file = js_sys::Reflect::get(&row, &"file".into()).ok().and_then(|f| f.dyn_into::<Blob>().ok());
            Some((seq, item, file))
        })
        .collect()
}

async fn refresh() {
    let sending = SENDING.get();
    let now: Vec<Waiting> =
        all().await.into_iter().map(|(seq, item, _)| Waiting { seq, item, sending: false }).collect();
    WAITING.with(|w| {
        // The item on its way keeps its mark.
        let on_way = w.with_untracked(|old| old.iter().find(|x| x.sending).map(|x| x.seq));
        w.set(
            now.into_iter()
                .map(|mut x| {
                    x.sending = sending && Some(x.seq) == on_way;
                    x
                })
                .collect(),
        );
    });
}

fn mark_sending(seq: Option<f64>) {
    WAITING.with(|w| w.update(|list| list.iter_mut().for_each(|x| x.sending = Some(x.seq) == seq)));
}

fn kick() {
    if SENDING.replace(true) {
        return;
    }
    leptos::task::spawn_local(async move {
        let again = flush().await;
        SENDING.set(false);
        mark_sending(None);
        refresh().await;
        if again && !TIMER.replace(true) {
            let wait = BACKOFF_S.get().clamp(2, 60);
            BACKOFF_S.set(wait * 2);
            let generation = TIMER_GEN.get();
            set_timeout(
                move || {
                    if TIMER_GEN.get() != generation {
                        return;
                    }
                    TIMER.set(false);
                    kick();
                },
                std::time::Duration::from_secs(u64::from(wait)),
            );
        }
    });
}

/// Sends this person's items in order; `true` when some wait for the link to come back.
async fn flush() -> bool {
    loop {
        let Some(me) = session::current().map(|s| s.email) else { return false };
        let Some((seq, mut item, file)) = all().await.into_iter().find(|(_, i, _)| i.user == me && i.refused.is_none())
        else {
            return false;
        };
        mark_sending(Some(seq));
        match send(&item, file.clone()).await {
            Ok(()) => {
                SENT.with(|s| s.update(|n| *n += 1));
                let gone =
                    match store(IdbTransactionMode::Readwrite).await.and_then(|s| s.delete(&JsValue::from_f64(seq))) {
                        Ok(r) => done(&r).await.is_ok(),
                        Err(_) => false,
                    };
                if !gone {
                    // Sent but still on the phone: it goes again later under its key (harmless),
                    // after the back-off rather than at once.
                    DATABASE.with(|d| *d.borrow_mut() = None);
                    return true;
                }
                BACKOFF_S.set(0);
            }
            Err(e) if for_now(&e) => return true,
            Err(e) => {
                item.refused = Some(e.message);
                if let (Ok(meta), Ok(s)) = (serde_json::to_string(&item), store(IdbTransactionMode::Readwrite).await) {
                    let record = js_sys::Object::new();
                    let _ = js_sys::Reflect::set(&record, &"seq".into(), &JsValue::from_f64(seq));
                    let _ = js_sys::Reflect::set(&record, &"meta".into(), &meta.into());
                    if let Some(f) = &file {
                        let _ = js_sys::Reflect::set(&record, &"file".into(), f);
                    }
                    let marked = match s.put(&record) {
                        Ok(r) => done(&r).await.is_ok(),
                        Err(_) => false,
                    };
                    if !marked {
                        DATABASE.with(|d| *d.borrow_mut() = None);
                        return true;
                    }
                }
            }
        }
        refresh().await;
    }
}

/// A failure that may pass: no link, a server that is busy or restarting, a session to renew.
fn for_now(e: &ApiError) -> bool {
    matches!(e.code.as_str(), "NETWORK" | "HTTP" | "INTERNAL" | "RATE_LIMITED" | "UNAUTHENTICATED")
}

async fn send(item: &Item, file: Option<Blob>) -> Result<(), ApiError> {
    let position = |p: Option<(f64, f64, f64)>| p.map(|(latitude, longitude, a)| (latitude, longitude, Some(a)));
    match (&item.note, file) {
        (Some(note), _) => {
            let capture = add_job_note::CaptureInput {
                client_key: item.key.clone(),
                captured_at: item.captured_at.clone(),
                position: position(item.position).map(|(latitude, longitude, accuracy_metres)| {
                    add_job_note::PositionInput { latitude, longitude, accuracy_metres }
                }),
            };
            let vars =
                add_job_note::Variables { job_id: item.job_id.clone(), note: note.clone(), capture: Some(capture) };
            api::call::<gql::AddJobNote>(vars).await.map(|_| ())
        }
        (None, Some(file)) => {
            let capture = upload_attachment::CaptureInput {
                client_key: item.key.clone(),
                captured_at: item.captured_at.clone(),
                position: position(item.position).map(|(latitude, longitude, accuracy_metres)| {
                    upload_attachment::PositionInput { latitude, longitude, accuracy_metres }
                }),
            };
            let vars = upload_attachment::Variables { job_id: item.job_id.clone(), file: (), capture: Some(capture) };
            api::upload_attachment(vars, &file, item.filename.as_deref().unwrap_or("photo")).await
        }
        (None, None) => Err(ApiError::on_field("file", "The phone no longer has this photo.")),
    }
}
