//! Small parsers for free text and bounded numbers, shared by every input type.

/// Trimmed, non-empty, at most `max` characters.
pub fn required_text(input: &str, what: &str, max: usize) -> Result<String, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(format!("{what} is required"));
    }
    if s.chars().count() > max {
        return Err(format!("{what} may have at most {max} characters"));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(format!("{what} may not contain control characters"));
    }
    Ok(s.to_string())
}

/// Like [`required_text`], but blank means "none".
pub fn optional_text(input: Option<&str>, what: &str, max: usize) -> Result<Option<String>, String> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => required_text(s, what, max).map(Some),
    }
}

/// An integer within `min..=max`.
pub fn bounded_int(value: i32, what: &str, min: i32, max: i32) -> Result<i32, String> {
    if value < min || value > max {
        return Err(format!("{what} must be between {min} and {max}"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(required_text("  Acme  ", "name", 10).unwrap(), "Acme");
        assert!(required_text("   ", "name", 10).is_err());
        assert!(required_text("abcdefghijk", "name", 10).is_err());
        assert!(required_text("a\u{0}b", "name", 10).is_err());
        assert_eq!(optional_text(Some("  "), "note", 5).unwrap(), None);
    }

    #[test]
    fn integers_outside_their_range_are_rejected() {
        assert!(bounded_int(0, "radius", 1, 500).is_err());
        assert!(bounded_int(501, "radius", 1, 500).is_err());
        assert_eq!(bounded_int(500, "radius", 1, 500).unwrap(), 500);
    }
}
