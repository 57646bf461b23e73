//! The admin lists' shared machinery: rows paged on the API's Relay cursors ("load more"),
//! filters held in signals, a late answer to an older filter dropped unseen, the foot of the
//! list (loading, error, "none match", how many are shown), and the CSV of what the list shows,
//! written by the server's `/reports/*.csv` with the same filters.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::ui::{ErrorBox, Load, Loading, fetch_latest};

/// How many rows a list fetches at a time.
pub const PAGE: i64 = 50;

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

/// A list on a cursor: the rows shown so far, where the next page stands, and the filters they
/// were fetched with.
pub struct Paged<R: Send + Sync + 'static> {
    pub rows: RwSignal<Vec<R>>,
    /// Loading, failed, or (how many match, the cursor to continue from).
    pub state: RwSignal<Load<(i64, Option<String>)>>,
    generation: RwSignal<u32>,
    /// (how many match, the next cursor) as of the last page shown.
    last: RwSignal<(i64, Option<String>)>,
    /// A page is being added to the rows shown.
    appending: RwSignal<bool>,
    /// The filters of the rows shown, as a report's query string: what "Export CSV" exports.
    shown: RwSignal<String>,
}

impl<R: Send + Sync + 'static> Clone for Paged<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: Send + Sync + 'static> Copy for Paged<R> {}

impl<R: Send + Sync + 'static> Default for Paged<R> {
    fn default() -> Self {
        Paged {
            rows: RwSignal::new(Vec::new()),
            state: RwSignal::new(Load::Loading),
            generation: RwSignal::new(0),
            last: RwSignal::new((0, None)),
            appending: RwSignal::new(false),
            shown: RwSignal::new(String::new()),
        }
    }
}

/// Which fetch of a list this is: [`Ticket::current`] says whether its answer still counts (no
/// newer filter has replaced it), for anything the fetch sets beside the rows.
#[derive(Clone, Copy)]
pub struct Ticket {
    generation: RwSignal<u32>,
    mine: u32,
}

impl Ticket {
    pub fn current(self) -> bool {
        self.generation.try_get_untracked() == Some(self.mine)
    }
}

impl<R: Send + Sync + 'static> Paged<R> {
    /// Fetches a page with the filters `params` (their names as the list's CSV report takes
    /// them): with `after: None` the list starts over (a filter changed) and any answer still on
    /// its way for the earlier filter is dropped when it comes; with a cursor, the page after it
    /// is appended.
    pub fn load<F: std::future::Future<Output = Result<Page<R>, ApiError>> + 'static>(
        self,
        after: Option<String>,
        params: Vec<(&'static str, RwSignal<String>)>,
        fetch: impl FnOnce(Ticket) -> F,
    ) {
        if after.is_none() {
            self.generation.update(|g| *g += 1);
        }
        let ticket = Ticket { generation: self.generation, mine: self.generation.get_untracked() };
        let query = query_of(params);
        let (rows, last, appending, shown) = (self.rows, self.last, self.appending, self.shown);
        appending.set(after.is_some());
        let fetch = fetch(ticket);
        fetch_latest(self.state, move || ticket.current(), async move {
            let page = fetch.await;
            if !ticket.current() {
                return Ok((0, None)); // a newer filter has replaced this one; dropped unseen
            }
            appending.set(false);
            let page = page?;
            if after.is_none() {
                rows.set(page.rows);
                shown.set(query);
            } else {
                rows.update(|r| r.extend(page.rows));
            }
            last.set((page.total, page.next.clone()));
            Ok((page.total, page.next))
        });
    }

    /// How many match, as of the last page shown (tracked).
    pub fn total(self) -> i64 {
        self.last.with(|l| l.0)
    }

    /// Counts rows that joined (or, negative, left) the list since its last page, as a live
    /// event says, so the count stays true between fetches.
    pub fn add_to_total(self, by: i64) {
        self.last.update(|l| l.0 = (l.0 + by).max(0));
    }

    /// How many rows to fetch to show again what is shown now (after acting on a row, so the list
    /// stays where it was): at least a page, at most what the API gives at once.
    pub fn extent(self) -> i64 {
        (self.rows.with_untracked(Vec::len) as i64).clamp(PAGE, 100)
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

    /// Downloads `/reports/{report}.csv` for the rows shown (their filters, not what is typed in
    /// the boxes but not yet applied); a refusal (too many rows) lands in `error`.
    pub fn export(self, report: &'static str, error: RwSignal<Option<ApiError>>) {
        let path = format!("/reports/{report}.csv?{}", self.shown.get_untracked());
        error.set(None);
        leptos::task::spawn_local(async move {
            if let Err(e) = api::download(&path, &format!("{report}.csv")).await {
                error.set(Some(e));
            }
        });
    }

    /// The foot of the list: loading `what`, the error with a retry (unless it names one of
    /// `beside`, the fields that show their own error), "no `what` match", or how many are shown
    /// with "Load more" while more follow. The button stays in place (and keeps the keyboard's
    /// focus) while the next page comes.
    pub fn foot(
        self,
        what: &'static str,
        beside: &'static [&'static str],
        retry: Callback<()>,
        more: Callback<String>,
    ) -> impl IntoView {
        self.foot_saying(what, None, beside, retry, more)
    }

    /// As [`Paged::foot`], saying `empty` instead of "No `what` match." when nothing does.
    pub fn foot_saying(
        self,
        what: &'static str,
        empty: Option<&'static str>,
        beside: &'static [&'static str],
        retry: Callback<()>,
        more: Callback<String>,
    ) -> impl IntoView {
        let Paged { rows, state, last, appending, .. } = self;
        let status = move || match state.get() {
            Load::Loading if !appending.get() => view! { <Loading what=what /> }.into_any(),
            Load::Failed(e) if beside.iter().any(|f| e.for_field(f).is_some()) => ().into_any(),
            Load::Failed(e) => view! { <ErrorBox error=e retry=retry /> }.into_any(),
            Load::Ready(_) if rows.with(Vec::is_empty) => {
                view! { <p class="empty">{empty.map_or_else(|| format!("No {what} match."), String::from)}</p> }
                    .into_any()
            }
            _ => ().into_any(),
        };
        let showing =
            move || !rows.with(Vec::is_empty) && (appending.get() || state.with(|s| matches!(s, Load::Ready(_))));
        let count = move || format!("{} of {} {what} shown", rows.with(Vec::len), last.with(|l| l.0));
        let click = move |_| {
            if !appending.get_untracked()
                && let Some(cursor) = last.with_untracked(|l| l.1.clone())
            {
                more.run(cursor);
            }
        };
        view! {
            {status}
            <Show when=showing>
                <p class="muted list-count" aria-live="polite">{count}</p>
                <Show when=move || last.with(|l| l.1.is_some())>
                    <button class="secondary small load-more" aria-busy=move || appending.get().to_string() on:click=click>
                        {move || if appending.get() { "Loading more…" } else { "Load more" }}
                    </button>
                </Show>
            </Show>
        }
    }
}

/// The query string of the filters that are set (`status=QUOTED&from=2026-11-01`).
fn query_of(params: Vec<(&'static str, RwSignal<String>)>) -> String {
    let q: Vec<String> = params
        .into_iter()
        .filter_map(|(k, v)| text(v).map(|t| format!("{k}={}", String::from(js_sys::encode_uri_component(&t)))))
        .collect();
    q.join("&")
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
        <div class="field"><label for=to_id.clone()><span class="visually-hidden">{what} " "</span>"to"</label>
        <input id=to_id type="date" aria-describedby=error_id.clone() aria-invalid=move || error.with(Option::is_some).to_string()
            prop:value=to on:change=move |ev| { to.set(event_target_value(&ev)); on_change.run(()); } />
        <p class="field-error" id=error_id aria-live="polite">{move || error.get()}</p></div>
    }
}

/// A column header that orders the list: a button that cycles through `orders` (each an order's
/// wire name and the direction it sorts this column, `descending`, `ascending`, or `none` for
/// the list's default order that does not sort by this column), starting with
/// the first; `aria-sort` says how the column is sorted now.
#[component]
pub fn SortHeader(
    label: &'static str,
    sort: RwSignal<String>,
    orders: &'static [(&'static str, &'static str)],
    on_change: Callback<()>,
) -> impl IntoView {
    let current = move || sort.with(|s| orders.iter().position(|(o, _)| o == s));
    let click = move |_| {
        let next = current().map_or(0, |k| (k + 1) % orders.len());
        sort.set(orders[next].0.to_string());
        on_change.run(());
    };
    let direction = move || current().map_or("none", |k| orders[k].1);
    let arrow = move || match direction() {
        "descending" => " ▼",
        "ascending" => " ▲",
        _ => "",
    };
    view! {
        <th scope="col" aria-sort=direction>
            <button type="button" class="sort" on:click=click>{label}<span aria-hidden="true">{arrow}</span></button>
        </th>
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
