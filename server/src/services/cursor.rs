//! Cursors of lists ordered by a key before the id (value, decision date): the key and the id
//! of the last row shown, opaque to clients (URL-safe base64 of 8 + 16 bytes).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};

pub fn encode(key: i64, id: Uuid) -> String {
    let mut bytes = key.to_be_bytes().to_vec();
    bytes.extend_from_slice(id.as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The (key, id) of a cursor from [`encode`]; anything else is `BAD_USER_INPUT` on `after`.
pub fn decode(cursor: Option<&str>) -> ServiceResult<Option<(i64, Uuid)>> {
    let Some(c) = cursor else { return Ok(None) };
    let bad = || ServiceError::validation("after", "not a valid cursor");
    let bytes = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    let bytes: [u8; 24] = bytes.try_into().map_err(|_| bad())?;
    let mut key = [0u8; 8];
    key.copy_from_slice(&bytes[..8]);
    let id = Uuid::from_slice(&bytes[8..]).map_err(|_| bad())?;
    Ok(Some((i64::from_be_bytes(key), id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_anything_else_is_refused() {
        let id = Uuid::now_v7();
        assert_eq!(decode(Some(&encode(-1, id))).ok(), Some(Some((-1, id))));
        assert_eq!(decode(None).ok(), Some(None));
        for bad in ["", "not-a-cursor", &URL_SAFE_NO_PAD.encode([0u8; 23])] {
            assert!(decode(Some(bad)).is_err(), "{bad:?}");
        }
    }
}
