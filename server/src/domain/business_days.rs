use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// The date `n` business days after `from`, skipping Saturdays and Sundays. Public holidays vary
/// by state and are not counted out (the Code of Practice deadline is then conservative by a day).
pub fn add_business_days(from: NaiveDate, n: u32) -> NaiveDate {
    let mut date = from;
    let mut left = n;
    while left > 0 {
        date += Duration::days(1);
        if is_business_day(date) {
            left -= 1;
        }
    }
    date
}

fn is_business_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Business days from `from` to `to`: how many lie after `from` up to and including `to`, or,
/// when `to` is earlier, minus how many lie after `to` up to and including `from`. A deadline
/// due today is 0 away; one due on the next business day, 1; one that passed on the last
/// business day, -1.
pub fn business_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let (start, end, sign) = if to >= from { (from, to, 1) } else { (to, from, -1) };
    let days = (end - start).num_days();
    // Whole weeks hold five business days each; walk only the last part week.
    let mut count = days / 7 * 5;
    let mut d = start + Duration::days(days / 7 * 7);
    while d < end {
        d += Duration::days(1);
        if is_business_day(d) {
            count += 1;
        }
    }
    sign * count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn ten_business_days_skip_two_weekends() {
        // Monday 2 Nov 2026 + 10 business days = Monday 16 Nov.
        assert_eq!(add_business_days(d(2026, 11, 2), 10), d(2026, 11, 16));
        // Friday 6 Nov + 10 = Friday 20 Nov.
        assert_eq!(add_business_days(d(2026, 11, 6), 10), d(2026, 11, 20));
    }

    #[test]
    fn a_weekend_lodgement_counts_from_monday() {
        // Saturday 7 Nov + 1 = Monday 9 Nov; Sunday 8 Nov + 10 = Friday 20 Nov.
        assert_eq!(add_business_days(d(2026, 11, 7), 1), d(2026, 11, 9));
        assert_eq!(add_business_days(d(2026, 11, 8), 10), d(2026, 11, 20));
        assert_eq!(add_business_days(d(2026, 11, 8), 0), d(2026, 11, 8));
    }

    #[test]
    fn business_days_between_counts_to_a_deadline_and_past_it() {
        // Monday 2 Nov to Monday 16 Nov: ten business days, and the way back is minus ten.
        assert_eq!(business_days_between(d(2026, 11, 2), d(2026, 11, 16)), 10);
        assert_eq!(business_days_between(d(2026, 11, 16), d(2026, 11, 2)), -10);
        assert_eq!(business_days_between(d(2026, 11, 16), d(2026, 11, 16)), 0);
        // Friday to Monday is one; Saturday to Monday is one; Monday to the Sunday before, none.
        assert_eq!(business_days_between(d(2026, 11, 6), d(2026, 11, 9)), 1);
        assert_eq!(business_days_between(d(2026, 11, 7), d(2026, 11, 9)), 1);
        assert_eq!(business_days_between(d(2026, 11, 9), d(2026, 11, 8)), -1);
        // It agrees with add_business_days for every start in a fortnight and every span to 30.
        for start in 0..14 {
            let from = d(2026, 11, 1) + Duration::days(start);
            for n in 0..30 {
                let to = add_business_days(from, n);
                assert_eq!(business_days_between(from, to), i64::from(n), "{from} + {n}");
            }
        }
    }
}
