//! Money: AUD in integer cents, rates in basis points. Never floating point.

/// Basis points in a whole (100%).
pub const BPS_WHOLE: i64 = 10_000;

/// Splits a gross amount into NRP's commission and the contractor's payout:
/// `commission = round_half_up(gross × bps / 10 000)`, `payout = gross − commission`, so the two
/// always add back to the gross to the cent. `gross` and `bps` are non-negative; `bps ≤ 10 000`.
pub fn split_commission(gross_cents: i64, bps: i32) -> (i64, i64) {
    let gross = i128::from(gross_cents.max(0));
    let bps = i128::from(bps.clamp(0, 10_000));
    let whole = i128::from(BPS_WHOLE);
    // Round half up: add half the divisor before the integer division.
    let commission = (gross * bps + whole / 2) / whole;
    let commission = i64::try_from(commission).unwrap_or(i64::MAX);
    (commission, gross_cents.max(0) - commission)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fifteen_percent_of_a_round_amount() {
        assert_eq!(split_commission(1_000_000, 1500), (150_000, 850_000));
    }

    #[test]
    fn half_a_cent_rounds_up_and_less_rounds_down() {
        // 12.5% of 1 cent is 0.125 → 0; 50% of 1 cent is 0.5 → 1; 15% of 10 cents = 1.5 → 2.
        assert_eq!(split_commission(1, 1250), (0, 1));
        assert_eq!(split_commission(1, 5000), (1, 0));
        assert_eq!(split_commission(10, 1500), (2, 8));
        assert_eq!(split_commission(333, 1500), (50, 283)); // 49.95 → 50
    }

    #[test]
    fn zero_and_full_rates() {
        assert_eq!(split_commission(12_345, 0), (0, 12_345));
        assert_eq!(split_commission(12_345, 10_000), (12_345, 0));
    }

    proptest! {
        #[test]
        fn commission_and_payout_always_add_up_to_the_gross(gross in 0i64..=10_000_000_000_000, bps in 0i32..=10_000) {
            let (commission, payout) = split_commission(gross, bps);
            prop_assert_eq!(commission + payout, gross);
            prop_assert!(commission >= 0 && payout >= 0);
            // Within half a cent of the exact commission.
            let exact = gross as f64 * f64::from(bps) / 10_000.0;
            prop_assert!((commission as f64 - exact).abs() <= 0.5 + exact * 1e-12);
        }
    }
}
