//! The admin lists' shared machinery: rows paged on the API's Relay cursors ("load more"),
//! filters held in signals, a late answer to an older filter dropped unseen, the foot of the
//! list (loading, error, "none match", how many are shown), and the CSV of what the list shows,
//! written by the server's `/reports/*.csv` with the same filters.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::ui::{ErrorBox, Load, Loading, fetch_latest};

/// One page of a connection: its rows, how many match in all, the cursor after it if more follow.
pub struct Page<R> {
    pub rows: Vec<R>,
    pub total: i64,
    pub next: Option<String>,
}

/// A [`Page`] from a generated connection (`nodes`, `totalCount`, `pageInfo`), each node mapped.
#[macro_export]
macro_rules! page_of {
    ($conn:expr) => {
        $crate::page_of!($conn, |n| n)
    };
    ($conn:expr, $map:expr) => {{
        let c = $conn;
        $crate::lists::Page {
            rows: c.nodes.into_iter().map($map).collect(),
            total: c.total_count,
            next: if c.page_info.has_next_page { c.page_info.end_cursor } else { None },
        }
    }};
}

/// A list on a cursor: the rows shown so far and where the next page stands.
pub struct Paged<R: Send + Sync + 'static> {
    pub rows: RwSignal<Vec<R>>,
    /// Loading, failed, or (how many match, the cursor to continue from).
    pub state: RwSignal<Load<(i64, Option<String>)>>,
    generation: RwSignal<u32>,
}

impl<R: Send + Sync + 'static> Clone for Paged<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: Send + Sync + 'static> Copy for Paged<R> {}

impl<R: Send + Sync + 'static> Default for Paged<R> {
    fn default() -> Self {
        Paged { rows: RwSignal::new(Vec::new()), state: RwSignal::new(Load::Loading), generation: RwSignal::new(0) }
    }
}

impl<R: Send + Sync + 'static> Paged<R> {
    /// Fetches a page: with `after: None` the list starts over (a filter changed) and any answer
    /// still on its way for the earlier filter is dropped when it comes; with a cursor, the page
    /// after it is appended.
    pub fn load(
        self,
        after: Option<String>,
        fetch: impl std::future::Future<Output = Result<Page<R>, ApiError>> + 'static,
    ) {
        if after.is_none() {
            self.generation.update(|g| *g += 1);
        }
        let (mine, generation, rows) = (self.generation.get_untracked(), self.generation, self.rows);
        let current = move || generation.try_get_untracked() == Some(mine);
        fetch_latest(self.state, current, async move {
            let page = fetch.await?;
            if !current() {
                return Ok((0, None)); // a newer filter has replaced this one; dropped unseen
            }
            if after.is_none() {
                rows.set(page.rows);
            } else {
                rows.update(|r| r.extend(page.rows));
            }
            Ok((page.total, page.next))
        });
    }

    /// The message for `field` when the last fetch was refused on it, to show beside its input.
    pub fn field_error(self, field: &'static str) -> Signal<Option<String>> {
        let state = self.state;
        Signal::derive(move || {
            state.with(|s| match s {
                Load::Failed(e) => e.for_field(field),
                _ => None,
            })
        })
    }

    /// The foot of the list: loading `what`, the error with a retry (unless it names one of
    /// `beside`, the fields that show their own error), "no `what` match", or how many are shown
    /// with "Load more" while more follow.
    pub fn foot(
        self,
        what: &'static str,
        beside: &'static [&'static str],
        retry: Callback<()>,
        more: Callback<String>,
    ) -> impl Fn() -> AnyView + Send + Sync + 'static {
        let rows = self.rows;
        move || {
            match self.state.get() {
            Load::Loading => view! { <Loading what=what /> }.into_any(),
            Load::Failed(e) if beside.iter().any(|f| e.for_field(f).is_some()) => ().into_any(),
            Load::Failed(e) => view! { <ErrorBox error=e retry=retry /> }.into_any(),
            Load::Ready(_) if rows.with(Vec::is_empty) => view! { <p class="empty">{format!("No {what} match.")}</p> }.into_any(),
            Load::Ready((total, next)) => view! {
                <p class="muted list-count">{format!("{} of {total} shown", rows.with(Vec::len))}</p>
                {next.map(|cursor| view! {
                    <button class="secondary small load-more" on:click=move |_| more.run(cursor.clone())>"Load more"</button>
                })}
            }
            .into_any(),
        }
        }
    }
}

/// A day range filter: "`what` from" and "to" date inputs (ids `{id}-from`, `{id}-to`), each
/// change reloading the list, and the refusal of a range that ends before it starts under "to".
#[component]
pub fn DayRange(
    id: &'static str,
    what: &'static str,
    from: RwSignal<String>,
    to: RwSignal<String>,
    error: Signal<Option<String>>,
    on_change: Callback<()>,
) -> impl IntoView {
    let (from_id, to_id, error_id) = (format!("{id}-from"), format!("{id}-to"), format!("{id}-to-error"));
    view! {
        <div class="field"><label for=from_id.clone()>{format!("{what} from")}</label>
        <input id=from_id type="date" prop:value=from on:change=move |ev| { from.set(event_target_value(&ev)); on_change.run(()); } /></div>
        <div class="field"><label for=to_id.clone()>"to"</label>
        <input id=to_id type="date" aria-describedby=error_id.clone() prop:value=to on:change=move |ev| { to.set(event_target_value(&ev)); on_change.run(()); } />
        <p class="field-error" id=error_id>{move || error.get()}</p></div>
    }
}

/// A filter's text, trimmed; `None` when empty.
pub fn text(s: RwSignal<String>) -> Option<String> {
    Some(s.get_untracked().trim().to_string()).filter(|t| !t.is_empty())
}

/// A filter's generated GraphQL enum value from its wire name (`AWAITING_CONTACT`); `None` for
/// "all".
pub fn choice<T: serde::de::DeserializeOwned>(s: RwSignal<String>) -> Option<T> {
    text(s).and_then(|s| serde_json::from_value(serde_json::Value::String(s)).ok())
}

/// Downloads `/reports/{report}.csv` with the filters that are set, as the list shows them; a
/// refusal (too many rows, a bad filter) lands in `error`.
pub fn export_csv(
    report: &'static str,
    params: Vec<(&'static str, RwSignal<String>)>,
    error: RwSignal<Option<ApiError>>,
) {
    let q: Vec<String> = params
        .into_iter()
        .filter_map(|(k, v)| text(v).map(|t| format!("{k}={}", String::from(js_sys::encode_uri_component(&t)))))
        .collect();
    let path = format!("/reports/{report}.csv?{}", q.join("&"));
    error.set(None);
    leptos::task::spawn_local(async move {
        if let Err(e) = api::download(&path, &format!("{report}.csv")).await {
            error.set(Some(e));
        }
    });
}
