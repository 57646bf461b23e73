use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// The date `n` business days after `from`, skipping Saturdays and Sundays. Public holidays vary
/// by state and are not counted out (the Code of Practice deadline is then conservative by a day).
pub fn add_business_days(from: NaiveDate, n: u32) -> NaiveDate {
    let mut date = from;
    let mut left = n;
    while left > 0 {
        date += Duration::days(1);
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    date
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
}
