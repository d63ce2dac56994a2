//! RFC 4180 CSV: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF.
//!
//! Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as
//! a formula (OWASP "CSV injection"): such a cell is written with a leading `'` and quoted,
//! which spreadsheets show as text. A UTF-8 byte-order mark (`bom=true`) makes Excel read
//! the file as UTF-8.

use crate::error::ApiError;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

/// The rows a CSV export without `limit` holds at most.
pub const MAX_CSV_LIMIT: i64 = 10_000;

/// The page size of a list: `limit` (1 to 200, default 50), except that a CSV export without
/// one gets up to [`MAX_CSV_LIMIT`] rows at once (spreadsheets want everything).
pub fn page_limit(raw: Option<&str>, as_csv: bool) -> Result<i64, ApiError> {
    match raw {
        None if as_csv => Ok(MAX_CSV_LIMIT),
        _ => super::pagination::limit(raw),
    }
}

/// How a list answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOutput {
    Json,
    Csv,
    Xlsx,
}

impl ListOutput {
    /// A file of rows rather than a JSON page (no `limit`: up to [`MAX_CSV_LIMIT`] rows).
    pub fn is_table(self) -> bool {
        self != Self::Json
    }
}

/// What the request asks for: `format=json|csv|xlsx`, else CSV for `Accept: text/csv`.
pub fn output(req: &HttpRequest, format: Option<&str>) -> Result<ListOutput, ApiError> {
    match format {
        Some("xlsx") => Ok(ListOutput::Xlsx),
        Some("csv" | "json") | None => Ok(if wanted(req, format)? {
            ListOutput::Csv
        } else {
            ListOutput::Json
        }),
        Some(_) => Err(ApiError::invalid(
            "query.format",
            "must be json, csv or xlsx",
        )),
    }
}

/// Whether the request asks for CSV (`format=csv` or `Accept: text/csv`).
pub fn wanted(req: &HttpRequest, format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        Some("csv") => return Ok(true),
        Some("json") => return Ok(false),
        Some(_) => return Err(ApiError::invalid("query.format", "must be csv or json")),
        None => {}
    }
    Ok(req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            accept
                .split(',')
                .any(|part| part.trim().split(';').next() == Some("text/csv"))
        }))
}

/// What a spreadsheet would take for the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a cell is written with a leading `'`: it starts with a formula character, after
/// any number of `'`. Counting the quotes makes the escape reversible: [`unescape_cell`]
/// removes exactly the one this added, so text round-trips through export and import.
fn looks_like_formula(field: &str) -> bool {
    field.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// A cell as it was before [`CsvWriter`] protected it from spreadsheets.
pub fn unescape_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if looks_like_formula(rest) => rest,
        _ => cell,
    }
}

/// The UTF-8 byte-order mark.
const BOM: &str = "\u{FEFF}";

/// Builds a CSV document row by row.
#[derive(Debug, Default)]
pub struct CsvWriter {
    out: String,
}

impl CsvWriter {
    pub fn new(header: &[&str]) -> Self {
        let mut writer = Self::default();
        writer.row(header.iter().copied());
        writer
    }

    pub fn row<'a>(&mut self, fields: impl IntoIterator<Item = &'a str>) {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            if looks_like_formula(field) {
                self.out.push_str("\"'");
                self.out.push_str(&field.replace('"', "\"\""));
                self.out.push('"');
            } else if field.contains([',', '"', '\r', '\n']) {
                self.out.push('"');
                self.out.push_str(&field.replace('"', "\"\""));
                self.out.push('"');
            } else {
                self.out.push_str(field);
            }
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// A `text/csv` response with a weak ETag and a download file name, led by a byte-order mark
/// when `bom`.
pub fn response(req: &HttpRequest, mut body: String, filename: &str, bom: bool) -> HttpResponse {
    if bom {
        body.insert_str(0, BOM);
    }
    super::conditional::download(
        req,
        body.into_bytes(),
        "text/csv; charset=utf-8",
        &format!("inline; filename=\"{filename}\""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_cells_come_back_exactly() {
        for text in [
            "=SUM(A1)",
            "'=x",
            "''+1",
            "'plain",
            "plain",
            "-5",
            "우주협력의",
            "",
        ] {
            let mut csv = CsvWriter::default();
            csv.row([text]);
            let written = csv.finish();
            let cell = written.trim_end_matches("\r\n");
            let unquoted = cell
                .strip_prefix('"')
                .and_then(|c| c.strip_suffix('"'))
                .map(|c| c.replace("\"\"", "\""))
                .unwrap_or_else(|| cell.to_owned());
            assert_eq!(unescape_cell(&unquoted), text, "{written}");
        }
    }

    #[test]
    fn fields_with_separators_are_quoted_and_quotes_doubled() {
        let mut csv = CsvWriter::new(&["a", "b"]);
        csv.row(["plain", "has,comma"]);
        csv.row(["say \"hi\"", "two\nlines"]);
        csv.row(["한국어", ""]);
        assert_eq!(
            csv.finish(),
            "a,b\r\nplain,\"has,comma\"\r\n\"say \"\"hi\"\"\",\"two\nlines\"\r\n한국어,\r\n"
        );
    }

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_are_written_as_text() {
        let mut csv = CsvWriter::new(&["a", "b", "c"]);
        csv.row(["=HYPERLINK(\"http://x.invalid\",\"c\")", "+1", "-2"]);
        csv.row(["@SUM(A1)", "\tx", "a=b"]);
        assert_eq!(
            csv.finish(),
            "a,b,c\r\n\"'=HYPERLINK(\"\"http://x.invalid\"\",\"\"c\"\")\",\"'+1\",\"'-2\"\r\n\
             \"'@SUM(A1)\",\"'\tx\",a=b\r\n"
        );
    }
}
