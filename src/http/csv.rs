//! RFC 4180 CSV: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF.

use crate::error::ApiError;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

/// The largest page a CSV export may ask for (spreadsheets want everything at once).
pub const MAX_CSV_LIMIT: i64 = 10_000;

/// The page size of a list: `limit` as for any JSON page, or for a CSV export up to
/// [`MAX_CSV_LIMIT`], which is also its default.
pub fn page_limit(raw: Option<&str>, as_csv: bool) -> Result<i64, ApiError> {
    if !as_csv {
        return super::pagination::limit(raw);
    }
    match super::params::param::<i64>("limit", raw, "a whole number")? {
        None => Ok(MAX_CSV_LIMIT),
        Some(n) if (1..=MAX_CSV_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid(
            "query.limit",
            format!("must be between 1 and {MAX_CSV_LIMIT} for CSV"),
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
            if field.contains([',', '"', '\r', '\n']) {
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

/// A `text/csv` response with a weak ETag and a download file name.
pub fn response(req: &HttpRequest, body: String, filename: &str) -> HttpResponse {
    let etag = super::conditional::body_tag(body.as_bytes());
    let cached = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag.trim_start_matches("W/"))
        });
    let mut builder = if cached {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    builder
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{filename}\""),
        ));
    if cached {
        builder.finish()
    } else {
        builder.content_type("text/csv; charset=utf-8").body(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
