//! GAO's published recommendations CSV as import input: each publication a report (slug
//! from its number), its recommendations `REC-1…n` in file order, agencies by name, statuses
//! through the crosswalk, the product page as evidence and the comments as the status note.

use crate::domain::{Priority, Status};
use crate::http::validate::{TEXT_MAX, TITLE_MAX};
use crate::transfer::model::{
    CategoryImport, ImportBatch, RecommendationImport, ReportFields, ReportImport, ReportTarget,
    RowError, SourceFormat,
};
use chrono::NaiveDate;
use std::collections::HashMap;

pub const PUBLISHER: &str = "U.S. Government Accountability Office";
/// Every GAO recommendation goes into this one category of its report.
pub const CATEGORY_SLUG: &str = "recommendations";

const PUBLICATION_NAME: &str = "publication name";
const PUBLICATION_NUMBER: &str = "publication number";
const DATE_ISSUED: &str = "date publication issued";
const DIRECTOR_NAME: &str = "director name";
const DIRECTOR_PHONE: &str = "director phone";
const AGENCY: &str = "agency";
const RECOMMENDATION: &str = "recommendation";
const STATUS: &str = "status";
const PRIORITY: &str = "priority";
const COMMENTS: &str = "comments";
const REQUIRED: [&str; 5] = [
    PUBLICATION_NAME,
    PUBLICATION_NUMBER,
    AGENCY,
    RECOMMENDATION,
    STATUS,
];

/// GAO's product page of a publication.
pub fn product_page(slug: &str) -> String {
    format!("https://www.gao.gov/products/{slug}")
}

/// Reads a GAO file; `open_status` is what "Open" becomes.
pub fn parse(body: &[u8], open_status: Status) -> ImportBatch {
    let mut errors = Vec::new();
    let mut reports: Vec<ReportImport> = Vec::new();
    let mut by_number: HashMap<String, usize> = HashMap::new();
    let body = body.strip_prefix("\u{FEFF}".as_bytes()).unwrap_or(body);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut columns: Option<HashMap<String, usize>> = None;
    for (i, record) in reader.records().enumerate() {
        let row = i + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError::new(Some(row), None, format!("unreadable: {e}")));
                continue;
            }
        };
        let Some(cols) = &columns else {
            // Title rows come before the header: skip until the header shows up.
            if record
                .iter()
                .any(|c| c.trim().eq_ignore_ascii_case(PUBLICATION_NUMBER))
            {
                let found: HashMap<String, usize> = record
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.trim().to_lowercase(), i))
                    .collect();
                for required in REQUIRED {
                    if !found.contains_key(required) {
                        errors.push(RowError::new(
                            Some(row),
                            Some(&title_case(required)),
                            "required column is missing",
                        ));
                    }
                }
                columns = Some(found);
            }
            continue;
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |name: &str| cell_of(cols, &record, name);
        let number = cell(PUBLICATION_NUMBER);
        let slug = slug_of(number);
        if slug.is_empty() {
            errors.push(RowError::new(
                Some(row),
                Some("Publication Number"),
                "must name the publication, e.g. GAO-24-105923",
            ));
            continue;
        }
        let index = *by_number.entry(slug.clone()).or_insert_with(|| {
            reports.push(new_report(
                &slug,
                cell(PUBLICATION_NAME),
                cell(DATE_ISSUED),
                {
                    let (name, phone) = (cell(DIRECTOR_NAME), cell(DIRECTOR_PHONE));
                    match (name.is_empty(), phone.is_empty()) {
                        (true, true) => String::new(),
                        (false, true) => format!("Director: {name}"),
                        _ => format!("Director: {name}, {phone}"),
                    }
                },
            ));
            reports.len() - 1
        });
        let report = &mut reports[index];
        if let ReportTarget::Described(fields) = &report.target
            && fields.title.is_empty()
        {
            errors.push(RowError::new(
                Some(row),
                Some("Publication Name"),
                "must not be empty",
            ));
        }
        let n = report.recommendations.len() + 1;
        if let Some(rec) = read_row(row, n, &slug, (cols, &record), open_status, &mut errors) {
            report.recommendations.push(rec);
        }
    }
    if columns.is_none() {
        errors.push(RowError::new(
            None,
            None,
            "no header row with a \"Publication Number\" column: not a GAO recommendations file",
        ));
    }
    ImportBatch {
        format: SourceFormat::Gao,
        agencies: Vec::new(),
        agencies_by_name: true,
        reports,
        errors,
    }
}

fn new_report(slug: &str, title: &str, issued: &str, summary: String) -> ReportImport {
    ReportImport {
        target: ReportTarget::Described(ReportFields {
            slug: slug.to_owned(),
            title: truncate(title, TITLE_MAX),
            publisher: PUBLISHER.to_owned(),
            published_on: date_of(issued),
            source_url: Some(product_page(slug)),
            summary,
            review_closures: None,
            language: None,
            translations: None,
        }),
        categories: vec![CategoryImport {
            slug: CATEGORY_SLUG.to_owned(),
            name: "Recommendations".to_owned(),
            position: 0,
            language: None,
            translations: None,
        }],
        recommendations: Vec::new(),
    }
}

/// The trimmed cell of column `name` (empty when the row is short or lacks it).
fn cell_of<'r>(
    cols: &HashMap<String, usize>,
    record: &'r csv::StringRecord,
    name: &str,
) -> &'r str {
    cols.get(name)
        .and_then(|&i| record.get(i))
        .unwrap_or("")
        .trim()
}

fn read_row(
    row: usize,
    n: usize,
    slug: &str,
    (cols, record): (&HashMap<String, usize>, &csv::StringRecord),
    open_status: Status,
    errors: &mut Vec<RowError>,
) -> Option<RecommendationImport> {
    let cell = |name: &str| cell_of(cols, record, name);
    let before = errors.len();
    let text = cell(RECOMMENDATION);
    if text.is_empty() || text.chars().count() > TEXT_MAX || text.contains('\0') {
        errors.push(RowError::new(
            Some(row),
            Some("Recommendation"),
            format!("must be 1 to {TEXT_MAX} characters"),
        ));
    }
    let agency = cell(AGENCY);
    if agency.is_empty() || agency.chars().count() > TITLE_MAX {
        errors.push(RowError::new(
            Some(row),
            Some("Agency"),
            format!("must be an agency name of 1 to {TITLE_MAX} characters"),
        ));
    }
    let status = match status_of(cell(STATUS), open_status) {
        Some(s) => Some(s),
        None => {
            errors.push(RowError::new(
                Some(row),
                Some("Status"),
                format!(
                    "{:?} is not a GAO status (Open, Closed - Implemented, Closed - Not Implemented)",
                    cell(STATUS)
                ),
            ));
            None
        }
    };
    if errors.len() > before {
        return None;
    }
    let comments = cell(COMMENTS);
    Some(RecommendationImport {
        row,
        code: format!("REC-{n}"),
        external_id: None,
        title: truncate(text, TITLE_MAX),
        text: Some(text.to_owned()),
        category: CATEGORY_SLUG.to_owned(),
        status: status?,
        health: None,
        priority: Some(
            cell(PRIORITY)
                .eq_ignore_ascii_case("yes")
                .then_some(Priority::High),
        ),
        target_on: None,
        lead_agency: Some(Some(agency.to_owned())),
        supporting: None,
        position: None,
        milestones: None,
        history: None,
        status_note: (!comments.is_empty()).then(|| truncate(comments, 10_000)),
        evidence_urls: vec![product_page(slug)],
        language: None,
        translations: None,
    })
}

/// The crosswalk of `/statuses`, read backwards: GAO's three labels.
fn status_of(raw: &str, open_status: Status) -> Option<Status> {
    let words: String = raw
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    let words: Vec<&str> = words.split_whitespace().collect();
    match words.as_slice() {
        ["closed", "implemented"] => Some(Status::Implemented),
        ["closed", "not", "implemented"] => Some(Status::NotImplemented),
        ["open", ..] => Some(open_status),
        _ => None,
    }
}

/// `GAO-24-105923` -> `gao-24-105923`.
fn slug_of(number: &str) -> String {
    let mut slug = String::new();
    for c in number.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(64).collect()
}

fn date_of(raw: &str) -> Option<NaiveDate> {
    [
        "%m/%d/%Y",
        "%Y-%m-%d",
        "%B %d, %Y",
        "%b %d, %Y",
        "%b. %d, %Y",
    ]
    .iter()
    .find_map(|f| NaiveDate::parse_from_str(raw.trim(), f).ok())
}

/// At most `max` characters, cut with an ellipsis.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

fn title_case(column: &str) -> String {
    column
        .split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_crosswalk() {
        let open = Status::InProgress;
        assert_eq!(
            status_of("Closed - Implemented", open),
            Some(Status::Implemented)
        );
        assert_eq!(
            status_of("Closed-Not Implemented", open),
            Some(Status::NotImplemented)
        );
        assert_eq!(status_of("Open", open), Some(open));
        assert_eq!(status_of("Open—Partially Addressed", open), Some(open));
        assert_eq!(status_of("Pending", open), None);
    }

    #[test]
    fn numbers_become_slugs_and_dates_read_in_gaos_forms() {
        assert_eq!(slug_of("GAO-24-105923"), "gao-24-105923");
        assert_eq!(slug_of(" GAO 24/1 "), "gao-24-1");
        assert_eq!(date_of("03/14/2024"), NaiveDate::from_ymd_opt(2024, 3, 14));
        assert_eq!(
            date_of("March 14, 2024"),
            NaiveDate::from_ymd_opt(2024, 3, 14)
        );
    }
}
