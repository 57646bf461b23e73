//! `Money`: AUD cents as a string of digits. GraphQL's `Int` is 32 bits, which ends at
//! $21,474,836.47; totals and the dashboard pass that, and JSON numbers lose whole cents past
//! 2^53 in JavaScript. A string of digits holds any 64-bit amount exactly in every client.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// AUD cents, e.g. `"1234567"` for $12,345.67 (a leading `-` for a negative amount).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(pub i64);

const EXPECTED: &str = "Money is AUD cents as a string of digits, e.g. \"1234567\" for $12,345.67";

/// Parses `-?[0-9]{1,19}` into cents, refusing signs, spaces, decimals and overflow.
pub fn parse_cents(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// AUD cents as a string of digits: `"1234567"` is $12,345.67 (a leading `-` for a negative
/// amount). 64-bit, exact in every client; GraphQL's `Int` is 32 bits. Inputs also accept an
/// integer while integrations move over; send strings.
#[Scalar(name = "Money")]
impl ScalarType for Money {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => parse_cents(s).map(Money).ok_or_else(|| InputValueError::custom(EXPECTED)),
            // Integers are still read, so clients can move over at their own pace; they are
            // exact only up to 2^53 in JavaScript, so send strings.
            Value::Number(n) => n.as_i64().map(Money).ok_or_else(|| InputValueError::custom(EXPECTED)),
            _ => Err(InputValueError::custom(EXPECTED)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        match value {
            Value::String(s) => parse_cents(s).is_some(),
            Value::Number(n) => n.as_i64().is_some(),
            _ => false,
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

impl From<i64> for Money {
    fn from(c: i64) -> Self {
        Money(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_travel_as_strings_of_digits_and_anything_else_is_refused() {
        assert_eq!(Money::parse(Value::String("1234567".into())).unwrap(), Money(1_234_567));
        assert_eq!(Money::parse(Value::String("-250".into())).unwrap(), Money(-250));
        assert_eq!(Money::parse(Value::String("9223372036854775807".into())).unwrap(), Money(i64::MAX));
        assert_eq!(Money::parse(Value::from(2_147_483_648_i64)).unwrap(), Money(2_147_483_648), "past 32 bits");
        for bad in ["", "-", "+5", "12.50", "1 000", "1e6", "9223372036854775808", "abc", " 5"] {
            assert!(Money::parse(Value::String(bad.into())).is_err(), "{bad:?}");
        }
        assert!(Money::parse(Value::Boolean(true)).is_err());
        assert_eq!(Money(3_000_000_000).to_value(), Value::String("3000000000".into()));
    }
}
