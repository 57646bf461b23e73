/// An email address, trimmed and lower-cased: the form it is stored and compared in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, String> {
        let email = input.trim().to_lowercase();
        let invalid = || Err("this is not a valid email address".to_string());
        if email.is_empty() {
            return Err("an email address is required".into());
        }
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid();
        }
        let Some((local, domain)) = email.rsplit_once('@') else { return invalid() };
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return invalid();
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels.iter().any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'))
            || !domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-')
        {
            return invalid();
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Jo.Smith@Example.COM ").unwrap().as_str(), "jo.smith@example.com");
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for bad in
            ["", "jo", "jo@", "@example.com", "jo@example", "jo smith@example.com", "jo@@example.com", "jo@-x.com"]
        {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
