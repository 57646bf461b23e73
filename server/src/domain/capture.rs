//! What a phone says about a photo or note it took on site: its own key for the item (so a resend
//! is recognised), when it was taken and, if the person allowed it, where.

use chrono::{DateTime, Duration, SubsecRound, Utc};

use super::ValidationError;

/// A checked capture: the key is 8 to 64 letters, digits, `-` or `_`; the time is not in the
/// future (five minutes of clock drift allowed) nor older than the job; the position is a real one.
#[derive(Clone, Debug, PartialEq)]
pub struct Capture {
    pub client_key: String,
    pub captured_at: DateTime<Utc>,
    pub position: Option<Position>,
}

/// A capture as the phone sent it, before [`check`].
#[derive(Clone, Debug, PartialEq)]
pub struct CaptureInput {
    pub client_key: String,
    pub captured_at: DateTime<Utc>,
    pub position: Option<Position>,
}

impl CaptureInput {
    /// Checks it against the server's clock and the job's creation time.
    pub fn check(&self, job_created: DateTime<Utc>) -> Result<Capture, ValidationError> {
        check(&self.client_key, self.captured_at, self.position, Utc::now(), job_created)
    }
}

/// WGS 84 degrees; the accuracy is the radius in metres the phone is confident of.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Position {
    pub latitude: f64,
    pub longitude: f64,
    pub accuracy_m: Option<f64>,
}

/// How far ahead of the server's clock a phone's may run.
pub const CLOCK_DRIFT: Duration = Duration::minutes(5);
/// How long before the job was created a capture may be dated (a phone whose clock is behind).
pub const BEFORE_JOB: Duration = Duration::days(1);

fn err(field: &str, message: impl Into<String>) -> ValidationError {
    ValidationError { field: format!("capture.{field}"), message: message.into() }
}

/// Checks a capture against the server's `now` and the job's creation time.
pub fn check(
    client_key: &str,
    captured_at: DateTime<Utc>,
    position: Option<Position>,
    now: DateTime<Utc>,
    job_created: DateTime<Utc>,
) -> Result<Capture, ValidationError> {
    let key = client_key.trim();
    if !(8..=64).contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(err("clientKey", "the key is 8 to 64 letters, digits, '-' or '_'"));
    }
    if captured_at > now + CLOCK_DRIFT {
        return Err(err("capturedAt", "the time taken is in the future; check the phone's clock"));
    }
    if captured_at < job_created - BEFORE_JOB {
        return Err(err("capturedAt", "the time taken is before the job existed; check the phone's clock"));
    }
    if let Some(p) = position {
        if !p.latitude.is_finite() || !(-90.0..=90.0).contains(&p.latitude) {
            return Err(err("position.latitude", "the latitude is -90 to 90 degrees"));
        }
        if !p.longitude.is_finite() || !(-180.0..=180.0).contains(&p.longitude) {
            return Err(err("position.longitude", "the longitude is -180 to 180 degrees"));
        }
        if let Some(a) = p.accuracy_m
            && (!a.is_finite() || !(0.0..=100_000.0).contains(&a))
        {
            return Err(err("position.accuracyMetres", "the accuracy is 0 to 100,000 metres"));
        }
    }
    // Milliseconds, as phones tell time and as both databases keep it alike.
    Ok(Capture { client_key: key.to_string(), captured_at: captured_at.trunc_subsecs(3), position })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_capture_is_checked_field_by_field() {
        let now = at("2026-12-02T03:00:00Z");
        let job = at("2026-12-01T22:00:00Z");
        let here = Some(Position { latitude: -33.81, longitude: 151.0, accuracy_m: Some(12.0) });
        let ok = check(" 0193f0c2-7a1b-7cc1-9d1e-3f0a1b2c3d4e ", at("2026-12-02T02:10:00Z"), here, now, job).unwrap();
        assert_eq!(ok.client_key, "0193f0c2-7a1b-7cc1-9d1e-3f0a1b2c3d4e");
        let field = |r: Result<Capture, ValidationError>| r.unwrap_err().field;
        assert_eq!(field(check("short", now, None, now, job)), "capture.clientKey");
        assert_eq!(field(check("has space in it", now, None, now, job)), "capture.clientKey");
        assert_eq!(field(check(&"k".repeat(65), now, None, now, job)), "capture.clientKey");
        // Drift within five minutes passes; beyond, the phone's clock is wrong.
        assert!(check("key-00001", now + Duration::minutes(4), None, now, job).is_ok());
        assert_eq!(field(check("key-00001", now + Duration::minutes(6), None, now, job)), "capture.capturedAt");
        assert!(check("key-00001", job - Duration::hours(23), None, now, job).is_ok());
        assert_eq!(field(check("key-00001", job - Duration::hours(25), None, now, job)), "capture.capturedAt");
        let pos = |latitude, longitude, accuracy_m| Some(Position { latitude, longitude, accuracy_m });
        assert_eq!(field(check("key-00001", now, pos(-91.0, 151.0, None), now, job)), "capture.position.latitude");
        assert_eq!(field(check("key-00001", now, pos(f64::NAN, 151.0, None), now, job)), "capture.position.latitude");
        assert_eq!(field(check("key-00001", now, pos(-33.0, 181.0, None), now, job)), "capture.position.longitude");
        assert_eq!(
            field(check("key-00001", now, pos(-33.0, 151.0, Some(-1.0)), now, job)),
            "capture.position.accuracyMetres"
        );
        assert!(check("key-00001", now, pos(-33.0, 151.0, None), now, job).is_ok());
    }
}
