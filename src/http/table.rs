//! Tabular answers: one header and rows of text, written as CSV or as an Excel workbook.

use super::csv::CsvWriter;
use crate::error::ApiError;
use actix_web::{HttpRequest, HttpResponse};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// The media type of an Excel workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// One sheet's worth of rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&'static str]) -> Self {
        Self {
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    pub fn to_csv(&self) -> String {
        let mut csv = CsvWriter::new(&self.header);
        for row in &self.rows {
            csv.row(row.iter().map(String::as_str));
        }
        csv.finish()
    }
}

/// A workbook with one sheet per `(name, table)`. Every cell is written as text: a workbook
/// never runs a cell as a formula, so nothing needs escaping. It is built on a blocking
/// thread: ten thousand rows are a few hundred milliseconds of CPU that the HTTP worker's
/// other requests should not wait behind.
pub async fn workbook(sheets: Vec<(&'static str, Table)>) -> Result<Vec<u8>, ApiError> {
    let failed = |e: String| ApiError::Internal(anyhow::anyhow!("writing a workbook: {e}"));
    actix_web::web::block(move || build(&sheets).map_err(|e| e.to_string()))
        .await
        .map_err(|e| failed(e.to_string()))?
        .map_err(failed)
}

fn build(sheets: &[(&str, Table)]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for (name, table) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name)?;
        for (col, title) in table.header.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *title, &bold)?;
        }
        for (i, row) in table.rows.iter().enumerate() {
            for (col, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    sheet.write_string(i as u32 + 1, col as u16, cell)?;
                }
            }
        }
    }
    book.save_to_buffer()
}

/// An attachment answer holding a workbook.
pub fn xlsx_response(req: &HttpRequest, body: Vec<u8>, filename: &str) -> HttpResponse {
    super::conditional::download(
        req,
        body,
        XLSX,
        &format!("attachment; filename=\"{filename}\""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_workbook_is_a_zip_archive_with_every_sheet() {
        let mut table = Table::new(&["code", "title"]);
        table.push(vec!["POL-1".into(), "=1+1 우주협력".into()]);
        let bytes = workbook(vec![
            ("recommendations", table),
            ("history", Table::new(&["x"])),
        ])
        .await
        .expect("workbook");
        assert_eq!(&bytes[..2], b"PK");
    }
}
