use std::fmt;

/// An Australian postcode: exactly four digits, stored zero-padded (`0800`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode(String);

impl Postcode {
    /// Strict form for user input: four digits.
    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim();
        if s.len() != 4 || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err("a postcode has 4 digits, e.g. 2000 or 0800".into());
        }
        Ok(Postcode(s.to_string()))
    }

    /// Lenient form for reference files, whose NT/ACT postcodes lost their leading zero (`800`).
    pub fn parse_padded(input: &str) -> Result<Self, String> {
        let s = input.trim();
        if s.is_empty() || s.len() > 4 || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("postcode {s:?} is not 1 to 4 digits"));
        }
        Ok(Postcode(format!("{s:0>4}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_input_needs_four_digits() {
        assert_eq!(Postcode::parse(" 2000 ").unwrap().as_str(), "2000");
        assert_eq!(Postcode::parse("0800").unwrap().as_str(), "0800");
        for bad in ["800", "20000", "20a0", ""] {
            assert!(Postcode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reference_files_get_their_lost_leading_zero_back() {
        assert_eq!(Postcode::parse_padded("800").unwrap().as_str(), "0800");
        assert_eq!(Postcode::parse_padded("200").unwrap().as_str(), "0200");
        assert_eq!(Postcode::parse_padded("3000").unwrap().as_str(), "3000");
        assert!(Postcode::parse_padded("12345").is_err());
        assert!(Postcode::parse_padded("x1").is_err());
    }
}
