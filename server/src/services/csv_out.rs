//! Every CSV the server writes goes through this writer, which keeps spreadsheet programs from
//! running what people typed: a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage
//! return (the characters Excel, LibreOffice and Google Sheets read as the start of a formula)
//! is prefixed with `'`, unless it is a plain number such as `-12.50` that the server wrote.

use std::borrow::Cow;

use crate::error::ServiceError;

/// A cell as a spreadsheet may safely open it.
pub fn safe_cell(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// The most rows one CSV export holds.
pub const MAX_ROWS: u64 = 10_000;

/// Refuses an export of `total` rows over [`MAX_ROWS`] (`BAD_USER_INPUT` on `filter`), naming
/// what matched (`"claims"`) and the filters that narrow it (`"dates, status"`).
pub fn fits(total: u64, what: &str, narrow: &str) -> Result<(), ServiceError> {
    if total > MAX_ROWS {
        return Err(ServiceError::validation(
            "filter",
            format!("{total} {what} match; narrow the filter ({narrow}) to {MAX_ROWS} or fewer to export them"),
        ));
    }
    Ok(())
}

/// A CSV writer into memory whose every cell passes [`safe_cell`].
pub struct CsvOut {
    inner: csv::Writer<Vec<u8>>,
}

impl Default for CsvOut {
    fn default() -> Self {
        CsvOut { inner: csv::Writer::from_writer(Vec::new()) }
    }
}

impl CsvOut {
    pub fn row<I, S>(&mut self, cells: I) -> Result<(), ServiceError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells.into_iter().map(|c| safe_cell(c.as_ref()).into_owned()).collect();
        self.inner.write_record(&cells).map_err(|e| ServiceError::Internal(anyhow::Error::new(e)))
    }

    pub fn finish(self) -> Result<String, ServiceError> {
        let bytes = self.inner.into_inner().map_err(|e| ServiceError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
        String::from_utf8(bytes).map_err(|e| ServiceError::Internal(anyhow::Error::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_numbers_are_not() {
        for risky in ["=HYPERLINK(\"http://x\",\"y\")", "+61 2", "-cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx", "-"] {
            assert_eq!(safe_cell(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in ["-12.50", "-3", "1500", "Harbour City Restorations", "a=b", ""] {
            assert_eq!(safe_cell(plain), plain);
        }
        assert_eq!(safe_cell("-1.2.3"), "'-1.2.3");
        assert_eq!(safe_cell("-.5"), "'-.5");
    }

    #[test]
    fn the_writer_quotes_and_neutralises_every_cell() {
        let mut w = CsvOut::default();
        w.row(["=1+1", "a,b", "-4.00"]).unwrap();
        assert_eq!(w.finish().unwrap(), "'=1+1,\"a,b\",-4.00\n");
    }
}
