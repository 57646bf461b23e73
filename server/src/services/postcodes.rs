//! Importing postcode centroids from a `Postcode,Suburb,State,Lat,Lon` file.
//!
//! Policy: the whole file is checked before anything is written; a malformed line rejects the
//! file with its line number and imports nothing. Rows with unknown (`0,0`) coordinates are
//! skipped and counted, never used as points. Importing the same file twice changes nothing.

use std::collections::HashSet;
use std::io::Read;

use sea_orm::TransactionTrait;
use serde_json::json;

use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::domain::Postcode;
use crate::error::{ServiceError, ServiceResult};
use crate::store::{self, postcodes::Locality};

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub rows_read: usize,
    pub localities_imported: usize,
    pub skipped_unknown_location: usize,
    pub distinct_postcodes: usize,
}

/// Why a file was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {message}")]
pub struct MalformedFile {
    pub line: u64,
    pub message: String,
}

const EXPECTED_HEADER: [&str; 5] = ["postcode", "suburb", "state", "lat", "lon"];

/// Parses and checks a whole file. Returns the rows to import and how many were skipped.
pub fn parse_file(reader: impl Read) -> Result<(Vec<Locality>, usize, usize), MalformedFile> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).trim(csv::Trim::All).from_reader(reader);
    let header = rdr.headers().map_err(|e| MalformedFile { line: 1, message: format!("unreadable header: {e}") })?;
    let names: Vec<String> = header.iter().map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
    if names != EXPECTED_HEADER {
        return Err(MalformedFile {
            line: 1,
            message: format!(
                "expected header Postcode,Suburb,State,Lat,Lon, found {}",
                header.iter().collect::<Vec<_>>().join(",")
            ),
        });
    }
    let mut rows = Vec::new();
    let mut skipped = 0;
    let mut read = 0;
    let mut seen = HashSet::new();
    for record in rdr.records() {
        let record = record.map_err(|e| MalformedFile {
            line: e.position().map_or(0, |p| p.line()),
            message: format!("unreadable row: {e}"),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let bad = |message: String| MalformedFile { line, message };
        if record.len() != 5 {
            return Err(bad(format!("expected 5 fields, found {}", record.len())));
        }
        read += 1;
        let postcode = Postcode::parse_padded(&record[0]).map_err(bad)?;
        let suburb = record[1].to_string();
        if suburb.is_empty() || suburb.chars().count() > 100 {
            return Err(bad("suburb must have 1 to 100 characters".into()));
        }
        let state = record[2].to_ascii_uppercase();
        if !(2..=3).contains(&state.len()) || !state.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(bad(format!("state {:?} is not a state or territory code", &record[2])));
        }
        let lat: f64 = record[3].parse().map_err(|_| bad(format!("latitude {:?} is not a number", &record[3])))?;
        let lon: f64 = record[4].parse().map_err(|_| bad(format!("longitude {:?} is not a number", &record[4])))?;
        if lat == 0.0 && lon == 0.0 {
            skipped += 1;
            continue;
        }
        if !(-56.0..=-9.0).contains(&lat) || !(72.0..=169.0).contains(&lon) {
            return Err(bad(format!("point {lat},{lon} is outside Australia")));
        }
        if seen.insert((postcode.as_str().to_string(), suburb.to_lowercase(), state.clone())) {
            rows.push(Locality { postcode: postcode.into_inner(), suburb, state, latitude: lat, longitude: lon });
        }
    }
    Ok((rows, skipped, read))
}

/// Imports a whole file in one transaction and rebuilds the centroids.
#[tracing::instrument(skip_all)]
pub async fn import(ctx: &AppContext, meta: &RequestMeta, reader: impl Read) -> ServiceResult<ImportReport> {
    meta.principal.require_admin()?;
    let (rows, skipped, read) = parse_file(reader).map_err(|e| ServiceError::validation("file", e.to_string()))?;
    let distinct: HashSet<&str> = rows.iter().map(|r| r.postcode.as_str()).collect();
    let report = ImportReport {
        rows_read: read,
        localities_imported: rows.len(),
        skipped_unknown_location: skipped,
        distinct_postcodes: distinct.len(),
    };
    let txn = ctx.db.begin().await?;
    store::postcodes::upsert_localities(&txn, &rows).await?;
    store::postcodes::rebuild_centroids(&txn).await?;
    super::audit::record(
        &txn,
        meta,
        "postcodes.imported",
        "postcode",
        None,
        json!({ "rowsRead": read, "imported": rows.len(), "skippedUnknownLocation": skipped, "postcodes": report.distinct_postcodes }),
    )
    .await?;
    txn.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_digit_postcodes_are_padded_and_unknown_points_skipped() {
        let csv = "Postcode,Suburb,State,Lat,Lon\n800,Darwin,NT,-12.800,130.960\n813,Sanderson,NT,0.000,0.000\n2000,Sydney,NSW,-33.86,151.21\n";
        let (rows, skipped, read) = parse_file(csv.as_bytes()).unwrap();
        assert_eq!(read, 3);
        assert_eq!(skipped, 1);
        assert_eq!(rows[0].postcode, "0800");
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn a_malformed_row_names_its_line() {
        let csv = "Postcode,Suburb,State,Lat,Lon\n2000,Sydney,NSW,-33.86,151.21\n2001,Sydney,NSW,north,151.21\n";
        assert_eq!(parse_file(csv.as_bytes()).unwrap_err().line, 3);
        let csv = "Postcode,Suburb,State,Lat,Lon\n2000,Sydney,NSW,-33.86\n";
        assert_eq!(parse_file(csv.as_bytes()).unwrap_err().line, 2);
        let csv = "Postcode,Suburb,State,Lat,Lon\n20000,Sydney,NSW,-33.86,151.21\n";
        assert_eq!(parse_file(csv.as_bytes()).unwrap_err().line, 2);
        let csv = "Postcode,Suburb,State,Lat,Lon\n2000,Sydney,NSW,51.5,-0.12\n";
        assert!(parse_file(csv.as_bytes()).unwrap_err().message.contains("outside Australia"));
    }

    #[test]
    fn a_file_of_another_shape_is_rejected_at_line_one() {
        let err = parse_file("pc,name\n2000,Sydney\n".as_bytes()).unwrap_err();
        assert_eq!(err.line, 1);
    }
}
