use std::fmt;

/// An Australian Business Number: 11 digits whose weighted checksum is divisible by 89.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Abn(String);

const WEIGHTS: [u32; 11] = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];

impl Abn {
    /// Accepts spaces between digits (`51 824 753 556`), nothing else.
    pub fn parse(input: &str) -> Result<Self, String> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 11 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err("an ABN has 11 digits".into());
        }
        let sum: u32 = digits
            .bytes()
            .map(|b| u32::from(b - b'0'))
            .enumerate()
            .map(|(i, d)| if i == 0 { d.wrapping_sub(1) } else { d })
            .zip(WEIGHTS)
            .map(|(d, w)| d.wrapping_mul(w))
            .sum();
        if digits.starts_with('0') || !sum.is_multiple_of(89) {
            return Err("this is not a valid ABN (checksum failed)".into());
        }
        Ok(Abn(digits))
    }

    /// The 11 digits, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `51 824 753 556`, the way the ATO writes it.
    pub fn formatted(digits: &str) -> String {
        if digits.len() != 11 {
            return digits.to_string();
        }
        format!("{} {} {} {}", &digits[0..2], &digits[2..5], &digits[5..8], &digits[8..11])
    }
}

impl fmt::Display for Abn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&Abn::formatted(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ato_example_abn_is_valid_with_or_without_spaces() {
        assert_eq!(Abn::parse("51 824 753 556").unwrap().as_str(), "51824753556");
        assert_eq!(Abn::parse("51824753556").unwrap().to_string(), "51 824 753 556");
    }

    #[test]
    fn a_single_changed_digit_fails_the_checksum() {
        assert!(Abn::parse("51 824 753 557").unwrap_err().contains("checksum"));
        assert!(Abn::parse("61 824 753 556").is_err());
    }

    #[test]
    fn wrong_lengths_and_letters_are_rejected() {
        assert!(Abn::parse("5182475355").is_err());
        assert!(Abn::parse("518247535566").is_err());
        assert!(Abn::parse("51-824-753-556").is_err());
        assert!(Abn::parse("5182475355a").is_err());
        assert!(Abn::parse("").is_err());
    }

    #[test]
    fn a_leading_zero_is_never_valid() {
        assert!(Abn::parse("00000000000").is_err());
    }
}
