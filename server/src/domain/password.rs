use secrecy::{ExposeSecret, SecretString};

/// A new password that meets the policy: 10 to 128 characters, not all the same character.
pub struct Password(SecretString);

impl Password {
    pub fn parse(input: &str) -> Result<Self, String> {
        let len = input.chars().count();
        if len < 10 {
            return Err("a password needs at least 10 characters".into());
        }
        if len > 128 {
            return Err("a password may have at most 128 characters".into());
        }
        let mut chars = input.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err("a password cannot be one character repeated".into());
        }
        Ok(Password(SecretString::from(input.to_string())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_long_and_repeated_passwords_are_rejected() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse(&"ab".repeat(65)).is_err());
        assert!(Password::parse("aaaaaaaaaaaa").is_err());
        assert_eq!(Password::parse("correct horse battery").unwrap().expose(), "correct horse battery");
    }
}
