/// An Australian phone number in E.164 (`+61412345678`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts the ways Australians write numbers: `0412 345 678`, `(02) 9876 5432`, `+61 412 345 678`,
    /// `61412345678`. Area codes 2, 3, 7, 8 and mobiles (4) are accepted.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err("a phone number is required".into());
        }
        let mut cleaned = String::with_capacity(trimmed.len());
        for (i, c) in trimmed.chars().enumerate() {
            match c {
                '0'..='9' => cleaned.push(c),
                '+' if i == 0 => cleaned.push(c),
                ' ' | '-' | '(' | ')' | '.' => {}
                _ => {
                    return Err(
                        "a phone number may contain only digits, spaces, dashes, brackets and a leading +".into()
                    );
                }
            }
        }
        let national = if let Some(rest) = cleaned.strip_prefix("+61") {
            rest.strip_prefix('0').unwrap_or(rest).to_string()
        } else if let Some(rest) = cleaned.strip_prefix('0') {
            rest.to_string()
        } else if cleaned.len() == 11 && cleaned.starts_with("61") {
            cleaned[2..].to_string()
        } else {
            return Err("enter an Australian number, e.g. 0412 345 678 or +61 2 9876 5432".into());
        };
        if national.len() != 9 || !matches!(national.as_bytes()[0], b'2' | b'3' | b'4' | b'7' | b'8') {
            return Err("enter an Australian number, e.g. 0412 345 678 or +61 2 9876 5432".into());
        }
        Ok(Phone(format!("+61{national}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A stored number written the Australian way, for people and spreadsheets (a leading `+` would
/// be read as a formula): `+61412345678` → `0412 345 678`, `+61298765432` → `(02) 9876 5432`,
/// `+611300123456` → `1300 123 456`; anything else as stored. The web apps' `ui::phone` writes
/// numbers the same way.
pub fn national(e164: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_numbers_read_back_the_australian_way() {
        for (stored, shown) in [
            ("+61412345678", "0412 345 678"),
            ("+61298765432", "(02) 9876 5432"),
            ("+611300123456", "1300 123 456"),
            ("+64211234567", "+64211234567"),
        ] {
            assert_eq!(national(stored), shown, "{stored}");
            assert_eq!(
                Phone::parse(&national(stored)).ok().map(Phone::into_inner).as_deref().unwrap_or(stored),
                stored
            );
        }
    }

    #[test]
    fn common_australian_formats_become_e164() {
        for (input, expected) in [
            ("0412 345 678", "+61412345678"),
            ("(02) 9876 5432", "+61298765432"),
            ("+61 412 345 678", "+61412345678"),
            ("+61 (0) 412 345 678", "+61412345678"),
            ("61412345678", "+61412345678"),
            ("08-9123-4567", "+61891234567"),
        ] {
            assert_eq!(Phone::parse(input).unwrap().as_str(), expected, "{input}");
        }
    }

    #[test]
    fn foreign_short_and_lettered_numbers_are_rejected() {
        for bad in ["", "+1 415 555 0100", "0412 345", "0412 345 6789", "0512 345 678", "04I2 345 678", "1300 123 456"]
        {
            assert!(Phone::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
