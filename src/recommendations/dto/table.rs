//! The recommendation list as a table (CSV, a workbook sheet): one row per recommendation.

use super::RecommendationDto;
use crate::domain::{AgencyRole, Language};
use crate::http::table::Table;

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

/// The original's language and each translation, after the columns above; imports read them.
pub const LANGUAGE_COLUMNS: [&str; 7] = [
    "language", "title_en", "text_en", "title_ko", "text_ko", "title_ja", "text_ja",
];

/// The rows as a table, one row per recommendation: the original texts, and each
/// translation in its own columns (`title_ko`, `text_ko`, …).
pub fn table(items: &[RecommendationDto]) -> Table {
    let header: Vec<&'static str> = CSV_HEADER.into_iter().chain(LANGUAGE_COLUMNS).collect();
    let mut table = Table::new(&header);
    for r in items {
        let supporting = r
            .supporting_agencies
            .as_ref()
            .map(|list| {
                list.iter()
                    .map(|s| match s.role {
                        AgencyRole::Supporting => s.agency.code.clone(),
                        role => format!("{}:{role}", s.agency.code),
                    })
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .unwrap_or_default();
        let mut row = vec![
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
            r.original_language.to_string(),
        ];
        for language in Language::ALL {
            let translation = r
                .translations
                .iter()
                .flatten()
                .find(|t| t.language == *language);
            row.push(
                translation
                    .and_then(|t| t.title.clone())
                    .unwrap_or_default(),
            );
            row.push(translation.and_then(|t| t.text.clone()).unwrap_or_default());
        }
        table.push(row);
    }
    table
}
