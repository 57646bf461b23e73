//! Small shared pieces: loading state, money and time formatting, the error box.

use leptos::prelude::*;

use crate::api::ApiError;

/// Where a fetched value stands.
#[derive(Clone)]
pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(ApiError),
}

/// AUD cents as the API's `Money` scalar carries them: a string of digits (`"1234567"`), exact
/// past JavaScript's 2^53 and GraphQL's 32-bit `Int`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cents(pub i64);

impl serde::Serialize for Cents {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Cents {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = Cents;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("AUD cents as a string of digits")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Cents, E> {
                v.parse().map(Cents).map_err(|_| E::custom("not a number of cents"))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Cents, E> {
                Ok(Cents(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Cents, E> {
                i64::try_from(v).map(Cents).map_err(|_| E::custom("too many cents"))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Cents from what a person typed: `1234.5`, `$1,234.50` or `1234`; at most two decimals, no
/// floating point on the way.
pub fn parse_dollars(typed: &str) -> Option<Cents> {
    let t = typed.trim().replace(['$', ',', ' '], "");
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() && frac.is_empty() || frac.len() > 2 {
        return None;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(frac) {
        return None;
    }
    let dollars: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let cents: i64 = format!("{frac:0<2}").parse().ok()?;
    dollars.checked_mul(100)?.checked_add(cents).map(Cents)
}

/// `$12,345.67` from cents.
pub fn money(amount: Cents) -> String {
    let cents = amount.0;
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let dollars = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}${grouped}.{:02}", c % 100)
}

/// `x` with `digits` decimals (0 to 3), by integer arithmetic: the app avoids the float
/// formatting machinery, which costs the phone a download.
pub fn fixed(x: f64, digits: u32) -> String {
    let scale = 10i64.pow(digits.min(3));
    let n = (x * scale as f64).round() as i64;
    let sign = if n < 0 { "-" } else { "" };
    let n = n.unsigned_abs();
    let (int, frac) = (n / scale as u64, n % scale as u64);
    if digits == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac:0width$}", width = digits.min(3) as usize)
    }
}

/// Milliseconds since the epoch of an RFC 3339 time (NaN if unreadable).
pub fn ms(rfc3339: &str) -> f64 {
    js_sys::Date::parse(rfc3339)
}

/// A short local date and time.
pub fn when(rfc3339: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms(rfc3339)));
    let s: String = d.to_locale_string("en-AU", &wasm_bindgen::JsValue::UNDEFINED).into();
    s
}

/// The year, month, day and weekday (0 = Monday) of a calendar date as the API writes dates
/// (`2026-12-18`); a date is a day on NRP's calendar, not an instant, so no time zone moves it.
fn civil(ymd: &str) -> Option<(i64, usize, i64, usize)> {
    let mut parts = ymd.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (Some(Some(y)), Some(Some(m @ 1..=12)), Some(Some(d @ 1..=31))) = (parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    // Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    // 1970-01-01 was a Thursday.
    Some((y, m as usize - 1, d, (days + 3).rem_euclid(7) as usize))
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A calendar date the Australian way: `2026-12-18` → `Fri 18 Dec 2026`; anything that is not
/// such a date as given.
pub fn day(ymd: &str) -> String {
    match civil(ymd) {
        Some((y, m, d, wd)) => format!("{} {d} {} {y}", WEEKDAYS[wd], MONTHS[m]),
        None => ymd.to_string(),
    }
}

/// A chart's tick: `2026-12-18` → `18 Dec`.
pub fn short_day(ymd: &str) -> String {
    match civil(ymd) {
        Some((_, m, d, _)) => format!("{d} {}", MONTHS[m]),
        None => ymd.to_string(),
    }
}

/// `4:05` (m:ss) or `1:02:03`; `0:00` once past.
pub fn countdown(ms_left: f64) -> String {
    let s = (ms_left / 1000.0).max(0.0).floor() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// A phone number the Australian way: `+61412345678` → `0412 345 678`, `+61298765432` →
/// `(02) 9876 5432`, `+611300123456` → `1300 123 456`; anything else as given.
pub fn phone(e164: &str) -> String {
    let Some(n) = e164.strip_prefix("+61").filter(|n| n.bytes().all(|b| b.is_ascii_digit())) else {
        return e164.to_string();
    };
    match n.len() {
        9 if n.starts_with('4') || n.starts_with('5') => format!("0{} {} {}", &n[..3], &n[3..6], &n[6..]),
        9 => format!("(0{}) {} {}", &n[..1], &n[1..5], &n[5..]),
        10 if n.starts_with("1300") || n.starts_with("1800") => format!("{} {} {}", &n[..4], &n[4..7], &n[7..]),
        _ => format!("0{n}"),
    }
}

/// `WATER` → `Water`, `IN_PROGRESS` → `In progress`.
pub fn label(constant: &str) -> String {
    let lower = constant.to_lowercase().replace('_', " ");
    let mut c = lower.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The enum constant of a generated GraphQL enum value (`WATER`), as it goes over the wire.
pub fn constant(v: &impl serde::Serialize) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A server or network error, said plainly, with a retry when one makes sense.
#[component]
pub fn ErrorBox(error: ApiError, #[prop(optional, into)] retry: Option<Callback<()>>) -> impl IntoView {
    view! {
        <div class="error-box" role="alert">
            <p>{error.message.clone()}</p>
            {retry.map(|r| view! { <button class="secondary" on:click=move |_| r.run(())>"Try again"</button> })}
        </div>
    }
}

/// Fetches into `state` (loading first), for the `shown` helper to draw.
pub fn fetch_into<T: Send + Sync + 'static>(
    state: RwSignal<Load<T>>,
    fut: impl std::future::Future<Output = Result<T, ApiError>> + 'static,
) {
    state.set(Load::Loading);
    leptos::task::spawn_local(async move {
        state.set(match fut.await {
            Ok(v) => Load::Ready(v),
            Err(e) => Load::Failed(e),
        });
    });
}

/// As [`fetch_into`], for a fetch that a newer one may replace (a changed filter): the answer is
/// kept only while `current()` still holds, so a slow, stale answer never overwrites a newer one.
pub fn fetch_latest<T: Send + Sync + 'static>(
    state: RwSignal<Load<T>>,
    current: impl Fn() -> bool + 'static,
    fut: impl std::future::Future<Output = Result<T, ApiError>> + 'static,
) {
    state.set(Load::Loading);
    leptos::task::spawn_local(async move {
        let r = fut.await;
        if current() {
            let _ = state.try_set(match r {
                Ok(v) => Load::Ready(v),
                Err(e) => Load::Failed(e),
            });
        }
    });
}

/// Draws a fetched region: a loading line, the error with a retry, or `ready`'s view.
pub fn shown<T: Clone + Send + Sync + 'static>(
    state: RwSignal<Load<T>>,
    what: &'static str,
    retry: Callback<()>,
    ready: impl Fn(T) -> AnyView + Send + Sync + 'static,
) -> impl Fn() -> AnyView + Send + Sync + 'static {
    move || match state.get() {
        Load::Loading => view! { <Loading what=what /> }.into_any(),
        Load::Failed(e) => view! { <ErrorBox error=e retry=retry /> }.into_any(),
        Load::Ready(v) => ready(v),
    }
}

/// A spinner line for a region that is loading.
#[component]
pub fn Loading(#[prop(into)] what: String) -> impl IntoView {
    view! { <p class="loading" aria-live="polite">"Loading " {what} "…"</p> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_dollars_become_exact_cents() {
        for (typed, cents) in [("1234.5", 123_450), ("$1,234.50", 123_450), ("1234", 123_400), (".5", 50), ("0.07", 7)]
        {
            assert_eq!(parse_dollars(typed), Some(Cents(cents)), "{typed}");
        }
        for bad in ["", ".", "1.234", "12a", "-5", "1.2.3", "99999999999999999999"] {
            assert_eq!(parse_dollars(bad), None, "{bad}");
        }
    }

    #[test]
    fn money_groups_thousands_and_keeps_the_sign() {
        assert_eq!(money(Cents(123_456_789)), "$1,234,567.89");
        assert_eq!(money(Cents(5)), "$0.05");
        assert_eq!(money(Cents(-100_000)), "-$1,000.00");
        assert_eq!(money(Cents(i64::MAX)), "$92,233,720,368,547,758.07");
    }

    #[test]
    fn phone_numbers_read_the_australian_way() {
        assert_eq!(phone("+61412345678"), "0412 345 678");
        assert_eq!(phone("+61298765432"), "(02) 9876 5432");
        assert_eq!(phone("+611300123456"), "1300 123 456");
        assert_eq!(phone("+6491234567"), "+6491234567");
    }

    #[test]
    fn small_formatters() {
        assert_eq!(fixed(12.345, 1), "12.3");
        assert_eq!(fixed(-0.5, 0), "-1");
        assert_eq!(label("IN_PROGRESS"), "In progress");
        assert_eq!(countdown(65_000.0), "1:05");
        assert_eq!(countdown(3_723_000.0), "1:02:03");
        assert_eq!(countdown(-5.0), "0:00");
    }

    #[test]
    fn calendar_dates_read_the_australian_way() {
        assert_eq!(day("2026-12-18"), "Fri 18 Dec 2026");
        assert_eq!(day("1970-01-01"), "Thu 1 Jan 1970");
        assert_eq!(day("2028-02-29"), "Tue 29 Feb 2028");
        assert_eq!(day("2000-03-01"), "Wed 1 Mar 2000");
        assert_eq!(day("1969-12-31"), "Wed 31 Dec 1969");
        for odd in ["", "soon", "2026-13-01", "2026-12"] {
            assert_eq!(day(odd), odd);
        }
        assert_eq!(short_day("2026-01-05"), "5 Jan");
    }
}
