//! A CSV file in the columns of the recommendation list's CSV, as import input for one
//! existing report. Headers match without regard to case or order; the export's derived
//! columns (id, progress, version, …) are accepted and ignored, any other column is an error.

use crate::domain::{AgencyRole, Health, Language, Priority, Status};
use crate::http::csv::unescape_cell;
use crate::http::validate::{Checks, EXTERNAL_ID_MAX, TEXT_MAX, TITLE_MAX};
use crate::recommendations::dto::table::LANGUAGE_COLUMNS;
use crate::reports::model::ReportRef;
use crate::transfer::model::{
    ImportBatch, RecommendationImport, ReportImport, ReportTarget, RowError, SourceFormat,
    TranslationImport,
};
use chrono::NaiveDate;
use std::collections::HashMap;

/// Columns an import reads.
const WRITABLE: [&str; 11] = [
    "code",
    "external_id",
    "category",
    "title",
    "text",
    "status",
    "health",
    "priority",
    "target_on",
    "lead_agency_code",
    "supporting_agency_codes",
];

/// Columns the export derives: read past.
const DERIVED: [&str; 10] = [
    "id",
    "report_id",
    "lead_agency_name",
    "progress",
    "milestone_count",
    "overdue_milestone_count",
    "stale",
    "status_changed_at",
    "version",
    "updated_at",
];

const REQUIRED: [&str; 4] = ["code", "category", "title", "status"];

/// Reads the rows of `body` for the report `report` names.
pub fn parse(body: &[u8], report: ReportRef) -> ImportBatch {
    let mut errors = Vec::new();
    let mut recommendations = Vec::new();
    let body = body.strip_prefix("\u{FEFF}".as_bytes()).unwrap_or(body);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut records = reader.records();
    let columns = match records.next() {
        Some(Ok(header)) => header_columns(&header, &mut errors),
        Some(Err(e)) => {
            errors.push(RowError::new(
                Some(1),
                None,
                format!("unreadable header: {e}"),
            ));
            None
        }
        None => {
            errors.push(RowError::new(None, None, "the file is empty"));
            None
        }
    };
    if let Some(columns) = columns {
        for (i, record) in records.enumerate() {
            let row = i + 2;
            match record {
                Ok(record) if record.iter().all(|c| c.trim().is_empty()) => {}
                Ok(record) => {
                    if let Some(rec) = read_row(row, &record, &columns, &mut errors) {
                        recommendations.push(rec);
                    }
                }
                Err(e) => errors.push(RowError::new(Some(row), None, format!("unreadable: {e}"))),
            }
        }
    }
    ImportBatch {
        format: SourceFormat::Csv,
        agencies: Vec::new(),
        agencies_by_name: false,
        reports: vec![ReportImport {
            target: ReportTarget::Existing(report),
            categories: Vec::new(),
            recommendations,
        }],
        errors,
    }
}

/// Where each writable column is; `None` (with errors) when the header is unusable.
fn header_columns(
    header: &csv::StringRecord,
    errors: &mut Vec<RowError>,
) -> Option<HashMap<&'static str, usize>> {
    let mut columns = HashMap::new();
    let before = errors.len();
    let mut seen = std::collections::HashSet::new();
    for (i, raw) in header.iter().enumerate() {
        let name = raw.trim().to_lowercase();
        if !seen.insert(name.clone()) {
            errors.push(RowError::new(Some(1), Some(raw.trim()), "appears twice"));
        } else if let Some(known) = WRITABLE
            .iter()
            .chain(&LANGUAGE_COLUMNS)
            .find(|c| **c == name)
        {
            columns.insert(*known, i);
        } else if !DERIVED.contains(&name.as_str()) {
            errors.push(RowError::new(
                Some(1),
                Some(raw.trim()),
                format!(
                    "unknown column; the columns are those of the CSV export: {}",
                    [&WRITABLE[..], &LANGUAGE_COLUMNS[..]].concat().join(", ")
                ),
            ));
        }
    }
    for required in REQUIRED {
        if !columns.contains_key(required) {
            errors.push(RowError::new(
                Some(1),
                Some(required),
                "required column is missing",
            ));
        }
    }
    (errors.len() == before).then_some(columns)
}

fn read_row(
    row: usize,
    record: &csv::StringRecord,
    columns: &HashMap<&'static str, usize>,
    errors: &mut Vec<RowError>,
) -> Option<RecommendationImport> {
    let before = errors.len();
    // Some(cell) when the file has the column; cells come back as they were before export.
    let cell = |name: &str| -> Option<&str> {
        columns
            .get(name)
            .map(|&i| unescape_cell(record.get(i).unwrap_or("")))
    };
    let mut fail = |column: &str, message: String| {
        errors.push(RowError::new(Some(row), Some(column), message));
    };
    let text_of = |name: &str| cell(name).unwrap_or("").trim().to_owned();
    let mut checks = Checks::new();
    let code = text_of("code");
    let category = text_of("category");
    let title = text_of("title");
    checks
        .code("code", &code)
        .slug("category", &category, 32)
        .text("title", &title, 1, TITLE_MAX);
    if let Some(text) = cell("text") {
        checks.text("text", text, 0, TEXT_MAX);
    }
    let external_id =
        cell("external_id").map(|e| Some(e.trim().to_owned()).filter(|e| !e.is_empty()));
    if let Some(Some(id)) = &external_id {
        checks.text("external_id", id, 1, EXTERNAL_ID_MAX);
    }
    for problem in checks.into_errors() {
        fail(&problem.field, problem.message);
    }
    let status = match cell("status").unwrap_or("").trim().parse::<Status>() {
        Ok(status) => Some(status),
        Err(e) => {
            fail("status", e.to_string());
            None
        }
    };
    let health = optional::<Health>(cell("health"), "health", &mut fail);
    let priority = optional::<Priority>(cell("priority"), "priority", &mut fail);
    let target_on = match cell("target_on").map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(day) => match day.parse::<NaiveDate>() {
            Ok(d) => Some(Some(d)),
            Err(_) => {
                fail("target_on", format!("{day:?} is not a date YYYY-MM-DD"));
                None
            }
        },
    };
    let lead =
        cell("lead_agency_code").map(|c| Some(c.trim().to_owned()).filter(|c| !c.is_empty()));
    let supporting = cell("supporting_agency_codes").map(|list| {
        list.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .filter_map(|entry| {
                let (code, role) = entry.split_once(':').unwrap_or((entry, "supporting"));
                match role.trim().parse::<AgencyRole>() {
                    Ok(role) => Some((code.trim().to_owned(), role)),
                    Err(e) => {
                        fail("supporting_agency_codes", e.to_string());
                        None
                    }
                }
            })
            .collect::<Vec<_>>()
    });
    if let (Some(status), Some(Some(_))) = (status, health)
        && !status.takes_health()
    {
        fail(
            "health",
            "only open, assessed statuses (not_started, in_progress, stalled) take a health".into(),
        );
    }
    let language = optional::<Language>(cell("language"), "language", &mut fail).flatten();
    let translations = translations(&cell, language, &mut fail);
    if errors.len() > before {
        return None;
    }
    Some(RecommendationImport {
        row,
        code,
        external_id,
        title,
        text: cell("text").map(str::to_owned),
        category,
        status: status?,
        health,
        priority,
        target_on,
        lead_agency: lead,
        supporting,
        position: None,
        milestones: None,
        history: None,
        status_note: None,
        evidence_urls: Vec::new(),
        language,
        translations,
    })
}

/// The `title_ko`, `text_ko`, … columns: a title makes a translation, an empty one says
/// there is none; `None` when the file has no such columns.
fn translations<'a>(
    cell: &impl Fn(&str) -> Option<&'a str>,
    original: Option<Language>,
    fail: &mut impl FnMut(&str, String),
) -> Option<Vec<(Language, Option<TranslationImport>)>> {
    let mut found = Vec::new();
    for &language in Language::ALL {
        let (title_column, text_column) = (format!("title_{language}"), format!("text_{language}"));
        let Some(title) = cell(&title_column).map(str::trim) else {
            continue;
        };
        let text = cell(&text_column).unwrap_or("").trim();
        if title.is_empty() {
            if !text.is_empty() {
                fail(&title_column, "a translated text needs its title".into());
            }
            found.push((language, None));
            continue;
        }
        let mut checks = Checks::new();
        checks
            .text(&title_column, title, 1, TITLE_MAX)
            .text(&text_column, text, 0, TEXT_MAX)
            .fail_if(
                original.unwrap_or(Language::En) == language,
                &title_column,
                format!("the original is in {language}: leave its translation empty"),
            );
        for problem in checks.into_errors() {
            fail(&problem.field, problem.message);
        }
        let translation = TranslationImport {
            title: title.to_owned(),
            text: text.to_owned(),
            machine_translated: None,
        };
        found.push((language, Some(translation)));
    }
    (!found.is_empty()).then_some(found)
}

/// An optional closed-set cell: `None` without the column, `Some(None)` when empty.
fn optional<T: std::str::FromStr<Err: std::fmt::Display>>(
    cell: Option<&str>,
    column: &str,
    fail: &mut impl FnMut(&str, String),
) -> Option<Option<T>> {
    match cell.map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(value) => match value.parse::<T>() {
            Ok(v) => Some(Some(v)),
            Err(e) => {
                fail(column, e.to_string());
                None
            }
        },
    }
}
