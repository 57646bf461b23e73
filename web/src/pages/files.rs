//! A job's photos and reports, opened through the authorised download route: the session's
//! token fetches them (a bare link reaches nothing), images shown in place on a desk, any file
//! opened in a new tab.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::ui::{ErrorBox, when};

/// One file as a list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct FileRow {
    pub url: String,
    pub name: String,
    /// The type found in its bytes (`image/jpeg`).
    pub kind: String,
    pub size: i64,
    /// When the server got it.
    pub at: String,
    /// When it was taken on site, if it came from the phone's queue.
    pub taken: Option<String>,
}

/// The rows of any operation's `attachments { url filename contentType sizeBytes createdAt
/// capturedAt }` (each operation has its own generated type; the fields are the same).
macro_rules! file_rows {
    ($attachments:expr) => {
        $attachments
            .map(|a| $crate::pages::files::FileRow {
                url: a.url.clone(),
                name: a.filename.clone(),
                kind: a.content_type.clone(),
                size: a.size_bytes,
                at: a.created_at.clone(),
                taken: a.captured_at.clone(),
            })
            .collect()
    };
}
pub(crate) use file_rows;

/// The files of a job: `inline` shows images in place (the admin's desk); without it each file
/// opens on a tap, so a phone on site downloads only the photo it asks for.
#[component]
pub fn Files(#[prop(into)] files: Signal<Vec<FileRow>>, #[prop(optional)] inline: bool) -> impl IntoView {
    move || {
        let files = files.get();
        if files.is_empty() {
            return view! { <p class="muted">"None yet."</p> }.into_any();
        }
        view! {
            <ul class="files gallery">
                {files.into_iter().map(|f| {
                    let taken = f.taken.as_deref().map(|t| format!(" · taken {}", when(t))).unwrap_or_default();
                    let facts = format!(" · {} KB · {}{taken}", (f.size + 1023) / 1024, when(&f.at));
                    if inline && f.kind.starts_with("image/") {
                        view! { <li><InlineImage url=f.url name=f.name.clone() kind=f.kind /><span class="muted">{format!("{}{facts}", f.name)}</span></li> }.into_any()
                    } else {
                        view! { <li><OpenInTab url=f.url name=f.name kind=f.kind /><span class="muted">{facts}</span></li> }.into_any()
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    }
}

#[component]
fn InlineImage(url: String, name: String, kind: String) -> impl IntoView {
    let src = RwSignal::new(None::<Result<String, ApiError>>);
    leptos::task::spawn_local(async move {
        // Gone from the page before the file arrived (the job reloaded): let the URL go.
        if let Some(Some(Ok(u))) = src.try_set(Some(api::blob_url(&url, &kind).await)) {
            let _ = web_sys::Url::revoke_object_url(&u);
        }
    });
    on_cleanup(move || {
        if let Some(Ok(u)) = src.try_get_untracked().flatten() {
            let _ = web_sys::Url::revoke_object_url(&u);
        }
    });
    move || match src.get() {
        None => view! { <p class="loading">"Loading the photo…"</p> }.into_any(),
        Some(Ok(u)) => {
            view! { <img class="attachment" src=u alt=format!("Photo: {name}") loading="lazy" /> }.into_any()
        }
        Some(Err(e)) => view! { <ErrorBox error=e /> }.into_any(),
    }
}

#[component]
fn OpenInTab(url: String, name: String, kind: String) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let open = move |_| {
        // The tab opens now, while the click counts as the user's (a pop-up blocker would stop
        // one opened after the download); the file goes into it when it arrives.
        let Some(tab) = web_sys::window().and_then(|w| w.open_with_url_and_target("", "_blank").ok().flatten()) else {
            return error
                .set(Some(ApiError::on_field("file", "The browser blocked the new tab; allow pop-ups for NRP.")));
        };
        let (url, kind) = (url.clone(), kind.clone());
        leptos::task::spawn_local(async move {
            match api::blob_url(&url, &kind).await {
                Ok(u) => {
                    let _ = tab.location().set_href(&u);
                }
                Err(e) => {
                    let _ = tab.close();
                    error.set(Some(e));
                }
            }
        });
    };
    view! {
        <button class="link-button open-file" on:click=open>{format!("Open {name}")}</button>
        {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
    }
}
