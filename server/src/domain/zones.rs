//! Which clock a date is read on. A person reads a date, and a rule counts days, in the time
//! zone of the place concerned: the property's state for a lead and its claim, the company's base
//! for a contractor, NRP's configured zone (`NRP_TIMEZONE`) for reports. UTC is never a local
//! date in Australia: a Monday morning in Sydney is still Sunday there.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Australia;
use chrono_tz::Tz;

/// The zone of a place given its state and postcode. Two NSW places keep another clock: Broken
/// Hill (2880) runs on South Australian time, Lord Howe Island (2898) on its own.
pub fn zone_of(state: &str, postcode: &str) -> Tz {
    match postcode {
        "2880" => return Australia::Broken_Hill,
        "2898" => return Australia::Lord_Howe,
        _ => {}
    }
    match state.trim().to_ascii_uppercase().as_str() {
        "NSW" | "ACT" => Australia::Sydney,
        "VIC" => Australia::Melbourne,
        "QLD" => Australia::Brisbane,
        "SA" => Australia::Adelaide,
        "WA" => Australia::Perth,
        "TAS" => Australia::Hobart,
        "NT" => Australia::Darwin,
        _ => zone_of_postcode(postcode),
    }
}

/// The zone of a postcode alone (a contractor's base), by Australia Post's state ranges.
pub fn zone_of_postcode(postcode: &str) -> Tz {
    let Ok(n) = postcode.parse::<u32>() else { return Australia::Sydney };
    match n {
        2880 => Australia::Broken_Hill,
        2898 => Australia::Lord_Howe,
        800..=999 => Australia::Darwin,
        3000..=3999 | 8000..=8999 => Australia::Melbourne,
        4000..=4999 | 9000..=9999 => Australia::Brisbane,
        5000..=5999 => Australia::Adelaide,
        6000..=6999 => Australia::Perth,
        7000..=7999 => Australia::Hobart,
        // NSW and the ACT, and anything unknown: NRP's home clock.
        _ => Australia::Sydney,
    }
}

/// The calendar date at `t` on the clock of `zone`.
pub fn local_date(t: DateTime<Utc>, zone: Tz) -> NaiveDate {
    t.with_timezone(&zone).date_naive()
}

/// The instant a local day starts in `zone`: local midnight, or the first valid local hour
/// where a clock change skips midnight.
pub fn start_of_day(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    (0..3)
        .find_map(|h| day.and_hms_opt(h, 0, 0).and_then(|t| zone.from_local_datetime(&t).earliest()))
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

/// The start (inclusive) and end (exclusive) of a range of instants, each open when not given.
pub type Instants = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The years a day filter may name: a four-digit year. Dates far outside (chrono reads signed
/// years such as `-200000-01-01`) are not in any record, and would fall outside what the
/// databases' timestamps hold.
const FILTER_YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

/// A range of whole local days, `to` included, as the instants `[start of from, start of the day
/// after to)`; a range that ends before it starts is refused on `to_field`, and a day outside
/// the years 1000 to 9999 on its own field (`to_field` with `To`/`to` read as `From`/`from` for
/// the first day).
pub fn day_range(
    zone: Tz,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    to_field: &str,
) -> Result<Instants, super::ValidationError> {
    let from_field = match to_field.strip_suffix("To") {
        Some(stem) => format!("{stem}From"),
        None => format!("{}from", to_field.strip_suffix("to").unwrap_or(to_field)),
    };
    for (day, field) in [(from, from_field.as_str()), (to, to_field)] {
        if day.is_some_and(|d| !FILTER_YEARS.contains(&d.year())) {
            return Err(super::ValidationError {
                field: field.into(),
                message: "give a day with a four-digit year, such as 2026-11-01".into(),
            });
        }
    }
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(super::ValidationError {
            field: to_field.into(),
            message: "the last day is before the first".into(),
        });
    }
    Ok((from.map(|d| start_of_day(d, zone)), to.and_then(|d| d.succ_opt()).map(|d| start_of_day(d, zone))))
}

/// NRP's configured zone (`NRP_TIMEZONE`): an IANA name such as `Australia/Sydney`.
pub fn parse_zone(name: &str) -> Option<Tz> {
    name.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_monday_morning_is_monday_in_the_propertys_state() {
        // 08:00 on Monday 5 October 2026 in Sydney, the day after clocks went forward (UTC+11).
        let t = utc("2026-10-04T21:00:00Z");
        assert_eq!(t.date_naive(), d(2026, 10, 4), "UTC says Sunday");
        assert_eq!(local_date(t, zone_of("NSW", "2000")), d(2026, 10, 5));
        // Brisbane keeps no daylight saving: still Monday, 07:00.
        assert_eq!(local_date(t, zone_of("QLD", "4000")), d(2026, 10, 5));
        // Perth (UTC+8): 05:00 Monday.
        assert_eq!(local_date(t, zone_of("WA", "6000")), d(2026, 10, 5));
        // 22:30 UTC Sunday is 06:30 Monday in Perth but the same Sunday evening nowhere west of it.
        assert_eq!(local_date(utc("2026-11-01T22:30:00Z"), zone_of("WA", "6000")), d(2026, 11, 2));
        assert_eq!(local_date(utc("2026-11-01T15:30:00Z"), zone_of("WA", "6000")), d(2026, 11, 1));
    }

    #[test]
    fn days_start_at_local_midnight_across_daylight_saving_changes() {
        // Sydney: 4 October 2026 starts at UTC+10, 5 October at UTC+11.
        assert_eq!(start_of_day(d(2026, 10, 4), Australia::Sydney), utc("2026-10-03T14:00:00Z"));
        assert_eq!(start_of_day(d(2026, 10, 5), Australia::Sydney), utc("2026-10-04T13:00:00Z"));
        // 5 April 2026, clocks go back: the day starts at UTC+11.
        assert_eq!(start_of_day(d(2026, 4, 5), Australia::Sydney), utc("2026-04-04T13:00:00Z"));
        assert_eq!(start_of_day(d(2026, 4, 6), Australia::Sydney), utc("2026-04-05T14:00:00Z"));
        assert_eq!(start_of_day(d(2026, 10, 5), Australia::Perth), utc("2026-10-04T16:00:00Z"));
        assert_eq!(start_of_day(d(2026, 10, 5), Australia::Adelaide), utc("2026-10-04T13:30:00Z"));
    }

    #[test]
    fn a_day_filter_takes_four_digit_years_and_names_the_field_it_refuses() {
        let z = Australia::Sydney;
        let far = NaiveDate::from_ymd_opt(-200_000, 1, 1).unwrap();
        let e = day_range(z, Some(far), None, "filter.createdTo").unwrap_err();
        assert_eq!(e.field, "filter.createdFrom");
        assert_eq!(day_range(z, None, Some(d(10_000, 1, 1)), "to").unwrap_err().field, "to");
        assert_eq!(day_range(z, Some(d(999, 12, 31)), None, "to").unwrap_err().field, "from");
        assert_eq!(
            day_range(z, Some(d(2026, 12, 1)), Some(d(2026, 11, 30)), "lodgedTo").unwrap_err().field,
            "lodgedTo"
        );
        let (a, b) = day_range(z, Some(d(2026, 12, 1)), Some(d(2026, 12, 1)), "to").unwrap();
        assert_eq!((a, b), (Some(utc("2026-11-30T13:00:00Z")), Some(utc("2026-12-01T13:00:00Z"))));
    }

    #[test]
    fn places_get_their_own_clocks() {
        assert_eq!(zone_of("NSW", "2880"), Australia::Broken_Hill);
        assert_eq!(zone_of("NSW", "2898"), Australia::Lord_Howe);
        assert_eq!(zone_of("act", "2600"), Australia::Sydney);
        assert_eq!(zone_of_postcode("0800"), Australia::Darwin);
        assert_eq!(zone_of_postcode("6000"), Australia::Perth);
        assert_eq!(zone_of_postcode("7000"), Australia::Hobart);
        assert_eq!(zone_of_postcode("2150"), Australia::Sydney);
        assert_eq!(parse_zone("Australia/Perth"), Some(Australia::Perth));
        assert_eq!(parse_zone("Mars/Olympus"), None);
    }
}
