//! Opaque IDs and cursors.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::ServiceError;

/// Parses a client-supplied ID; `field` names the argument in the error.
pub fn parse_id(id: &ID, field: &str) -> Result<Uuid, ServiceError> {
    Uuid::parse_str(id.as_str()).map_err(|_| ServiceError::validation(field, "not a valid ID"))
}

pub fn to_id(id: Uuid) -> ID {
    ID(id.to_string())
}

/// The partner an operation is about: the given id, or the caller's own partner when omitted.
pub fn partner_or_self(p: &crate::auth::Principal, id: Option<&ID>, field: &str) -> Result<Uuid, ServiceError> {
    p.require_authenticated()?;
    match id {
        Some(id) => parse_id(id, field),
        None => p.partner_id().ok_or_else(|| {
            ServiceError::validation(field, format!("{field} is required unless you call as a partner"))
        }),
    }
}

/// Cursors are opaque to clients; today they wrap the row's time-ordered id.
pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

pub fn decode_cursor(cursor: Option<&str>) -> Result<Option<Uuid>, ServiceError> {
    let Some(c) = cursor else { return Ok(None) };
    let bytes = URL_SAFE_NO_PAD.decode(c).map_err(|_| ServiceError::validation("after", "not a valid cursor"))?;
    Uuid::from_slice(&bytes).map(Some).map_err(|_| ServiceError::validation("after", "not a valid cursor"))
}

/// What a paged field adds to a query's complexity: its page size times its subtree, so a query
/// cannot ask for a hundred rows of a hundred rows each and stay under the limit.
pub fn list_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let rows = first.map(|n| n.clamp(1, 100) as usize).unwrap_or(20);
    rows.saturating_mul(child_complexity).saturating_add(1)
}

/// What an unpaged list adds: its usual length at most (`rows`) times its subtree.
pub fn rows_cost(rows: usize, child_complexity: usize) -> usize {
    rows.saturating_mul(child_complexity).saturating_add(1)
}

/// `first`, defaulting to 20 and capped at 100.
pub fn page_size(first: Option<i32>) -> Result<u64, ServiceError> {
    match first {
        None => Ok(20),
        Some(n) if (1..=100).contains(&n) => Ok(n as u64),
        Some(_) => Err(ServiceError::validation("first", "first must be between 1 and 100")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(Some(&encode_cursor(id))).unwrap(), Some(id));
        assert!(decode_cursor(Some("not-a-cursor!")).is_err());
        assert_eq!(decode_cursor(None).unwrap(), None);
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(page_size(None).unwrap(), 20);
        assert_eq!(page_size(Some(100)).unwrap(), 100);
        assert!(page_size(Some(101)).is_err());
        assert!(page_size(Some(0)).is_err());
    }
}
