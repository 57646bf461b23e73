//! Domain value types: parse once at the edge, then pass values that are valid by construction.

mod abn;
mod business_days;
pub mod capture;
pub mod cells;
mod email;
mod money;
mod password;
mod phone;
mod postcode;
pub mod score;
mod text;
pub mod zones;

pub use abn::Abn;
pub use business_days::{add_business_days, business_days_between};
pub use email::Email;
pub use money::{BPS_WHOLE, split_commission};
pub use password::Password;
pub use phone::{Phone, national as phone_national};
pub use postcode::Postcode;
pub use text::{bounded_int, optional_text, required_text};

/// A value that failed to parse, with the input field it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

/// Attaches the input field path to a parse failure.
pub trait AtField<T> {
    fn at(self, field: &str) -> Result<T, ValidationError>;
}

impl<T> AtField<T> for Result<T, String> {
    fn at(self, field: &str) -> Result<T, ValidationError> {
        self.map_err(|message| ValidationError { field: field.to_string(), message })
    }
}

/// Collects every field error of a form, so the client can show them all at once.
#[derive(Default)]
pub struct FieldErrors(Vec<ValidationError>);

impl FieldErrors {
    /// Keeps the value, or records the error and returns `None`.
    pub fn check<T>(&mut self, r: Result<T, ValidationError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(ValidationError { field: field.into(), message: message.into() });
    }

    /// `Err` with every error if there was any.
    pub fn finish(self) -> Result<(), Vec<ValidationError>> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
    }
}
