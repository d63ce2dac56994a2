//! The recommendation list as CSV: the columns a spreadsheet gets, one row per recommendation.

use crate::http::csv::CsvWriter;
use crate::recommendations::dto::RecommendationDto;

pub const CSV_HEADER: [&str; 21] = [
    "id",
    "report_id",
    "code",
    "external_id",
    "category",
    "title",
    "status",
    "health",
    "priority",
    "target_on",
    "lead_agency_code",
    "lead_agency_name",
    "supporting_agency_codes",
    "progress",
    "milestone_count",
    "overdue_milestone_count",
    "stale",
    "status_changed_at",
    "version",
    "updated_at",
    "text",
];

/// The page as CSV, one row per recommendation.
pub fn to_csv(items: &[RecommendationDto]) -> String {
    let mut csv = CsvWriter::new(&CSV_HEADER);
    for r in items {
        let supporting = r
            .supporting_agencies
            .as_ref()
            .map(|list| {
                list.iter()
                    .map(|s| s.agency.code.as_str())
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .unwrap_or_default();
        let fields: [String; 21] = [
            r.id.to_string(),
            r.report_id.to_string(),
            r.code.clone(),
            r.external_id.clone().unwrap_or_default(),
            r.category.slug.clone(),
            r.title.clone(),
            r.status.to_string(),
            r.health.map(|h| h.to_string()).unwrap_or_default(),
            r.priority.map(|p| p.to_string()).unwrap_or_default(),
            r.target_on.map(|d| d.to_string()).unwrap_or_default(),
            r.lead_agency
                .as_ref()
                .map(|a| a.code.clone())
                .unwrap_or_default(),
            r.lead_agency
                .as_ref()
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            supporting,
            r.progress.to_string(),
            r.milestone_count.to_string(),
            r.overdue_milestone_count.to_string(),
            r.stale.to_string(),
            r.status_changed_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            r.version.to_string(),
            r.updated_at.to_rfc3339(),
            r.text.clone(),
        ];
        csv.row(fields.iter().map(String::as_str));
    }
    csv.finish()
}
