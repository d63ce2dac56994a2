//! The report document (JSON), the import's answer, and the conversions between the
//! document and the models; CSV and GAO files in `csv_import` and `gao_import`, the export's
//! tables in `tables`.

pub mod csv_import;
pub mod gao_import;
pub mod tables;

use super::model::{
    AgencyImport, CategoryImport, HistoryImport, ImportBatch, ImportOutcome, KindCounts,
    MilestoneImport, RecommendationImport, ReportExport, ReportFields, ReportImport, ReportTarget,
    RowError, SourceFormat, TranslationImport,
};
use crate::domain::{AgencyRole, Health, Language, MilestoneStatus, Priority, Status};
use crate::http::validate::{Checks, EXTERNAL_ID_MAX, NOTE_MAX, TEXT_MAX, TITLE_MAX};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The version of the document format this service writes and reads.
pub const DOCUMENT_FORMAT: &str = "policytrack.report/1";

/// A whole report: what `GET /api/v1/reports/{id}/export` writes and `POST /api/v1/imports`
/// reads. Ids are left out, so a document moves between instances; recommendations are
/// matched by `external_id`, then by `code`; milestones by `position`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportDocument {
    /// `policytrack.report/1`.
    #[schema(example = "policytrack.report/1")]
    pub format: String,
    pub report: DocumentReport,
    /// Categories in order.
    pub categories: Vec<DocumentCategory>,
    /// The agencies the recommendations and milestones name; created where missing.
    #[serde(default)]
    pub agencies: Vec<DocumentAgency>,
    /// Recommendations in report order.
    pub recommendations: Vec<DocumentRecommendation>,
}

/// The report's own details.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentReport {
    /// Unique short name; an import updates the report with this slug or creates it.
    #[schema(max_length = 64, pattern = "^[a-z0-9][a-z0-9-]{0,63}$")]
    pub slug: String,
    /// Title (1 to 300 characters).
    pub title: String,
    /// Publisher (1 to 300 characters).
    pub publisher: String,
    /// Publication date.
    #[serde(default)]
    pub published_on: Option<NaiveDate>,
    /// Where to read it.
    #[serde(default)]
    pub source_url: Option<String>,
    /// Summary.
    #[serde(default)]
    pub summary: String,
    /// Whether closures wait for a reviewer (absent: as it is).
    #[serde(default)]
    pub review_closures: Option<bool>,
    /// The language title and summary are written in (absent: as it is; `en` when new).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// Title and summary in other languages (absent: left as they are; given: exactly these).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<Vec<DocumentReportTranslation>>,
}

/// The report's title and summary in another language.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentReportTranslation {
    /// The language.
    pub language: Language,
    /// Title.
    pub title: String,
    /// Summary.
    #[serde(default)]
    pub summary: String,
    /// Whether a machine made it.
    #[serde(default)]
    pub machine_translated: bool,
}

/// A name in another language.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentNameTranslation {
    /// The language.
    pub language: Language,
    /// The name.
    pub name: String,
    /// Whether a machine made it.
    #[serde(default)]
    pub machine_translated: bool,
}

/// A category.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentCategory {
    /// Unique within the report.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Order within the report.
    pub position: i32,
    /// The language the name is written in (absent: as it is; the report's when new).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// The name in other languages (absent: left as they are; given: exactly these).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<Vec<DocumentNameTranslation>>,
}

/// An agency named by the document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentAgency {
    /// Its code, e.g. `US-DOS`.
    pub code: String,
    /// Its name.
    pub name: String,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
}

/// A supporting agency of a recommendation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentSupport {
    /// Agency code.
    pub agency: String,
    /// How it takes part.
    #[serde(default = "supporting_role")]
    pub role: AgencyRole,
}

fn supporting_role() -> AgencyRole {
    AgencyRole::Supporting
}

/// A recommendation with its owners, milestones and (optionally) status history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentRecommendation {
    /// Unique within the report.
    pub code: String,
    /// Its identifier in another system; matched before the code when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Category slug.
    pub category: String,
    /// Title.
    pub title: String,
    /// Full text.
    #[serde(default)]
    pub text: String,
    /// Implementation status.
    pub status: Status,
    /// Health (open, assessed statuses only).
    #[serde(default)]
    pub health: Option<Health>,
    /// Priority.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Target date.
    #[serde(default)]
    pub target_on: Option<NaiveDate>,
    /// Lead agency code.
    #[serde(default)]
    pub lead_agency: Option<String>,
    /// Supporting agencies.
    #[serde(default)]
    pub supporting_agencies: Vec<DocumentSupport>,
    /// Order within the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i32>,
    /// Its milestones (absent: left as they are).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestones: Option<Vec<DocumentMilestone>>,
    /// Its status history, oldest first (read only when the import creates it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<DocumentStatusChange>>,
    /// The language title and text are written in (default `en`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// Title and text in other languages (absent: left as they are; given: exactly these).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<Vec<DocumentTranslation>>,
}

/// A recommendation's title and text in another language.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentTranslation {
    /// The language.
    pub language: Language,
    /// Title.
    pub title: String,
    /// Full text.
    #[serde(default)]
    pub text: String,
    /// Whether a machine made it.
    #[serde(default)]
    pub machine_translated: bool,
}

/// A milestone.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentMilestone {
    /// Order within the recommendation; an import matches existing milestones by it.
    pub position: i32,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Owning agency code.
    #[serde(default)]
    pub owner_agency: Option<String>,
    /// Due date.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    /// Where it stands.
    pub status: MilestoneStatus,
    /// When it was done (with status `done` only).
    #[serde(default)]
    pub completed_on: Option<NaiveDate>,
    /// Weight in progress (0 to 1000).
    #[serde(default = "one")]
    pub weight: i32,
}

fn one() -> i32 {
    1
}

/// A status change of the history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentStatusChange {
    pub from_status: Status,
    pub to_status: Status,
    #[serde(default)]
    pub health: Option<Health>,
    pub note: String,
    #[serde(default)]
    pub evidence_urls: Vec<String>,
    pub effective_on: NaiveDate,
    /// Who made it (email).
    #[serde(default)]
    pub actor: Option<String>,
    /// Who approved it (email), for a reviewed closure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// Query parameters of `export_report`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `json` (the report document, default), `csv` (one row per recommendation) or `xlsx`
    /// (sheets: recommendations, milestones, history).
    #[param(value_type = Option<ExportFormat>)]
    pub format: Option<String>,
    /// false: leave the status history out of the JSON document (default true).
    #[param(value_type = Option<bool>)]
    pub history: Option<String>,
    /// For CSV: `true` starts the file with a UTF-8 byte-order mark.
    #[param(value_type = Option<bool>)]
    pub bom: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Json,
    Csv,
    Xlsx,
}

/// Query parameters of `import_report`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// true: check everything and count what would change, write nothing.
    #[param(value_type = Option<bool>)]
    pub dry_run: Option<String>,
    /// `json` (a report document), `csv` (the recommendation list's columns; needs `report`)
    /// or `gao` (GAO's published recommendations CSV). Default: from the Content-Type.
    #[param(value_type = Option<ImportFormat>)]
    pub format: Option<String>,
    /// For CSV: the report (id or slug) the rows belong to.
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub report: Option<String>,
    /// For GAO files: the status an open recommendation gets (default `in_progress`).
    #[param(value_type = Option<Status>)]
    pub open_status: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    Json,
    Csv,
    Gao,
}

/// Counts per kind of thing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportCounts {
    pub reports: usize,
    pub categories: usize,
    pub recommendations: usize,
    pub milestones: usize,
    pub agencies: usize,
}

impl From<KindCounts> for ImportCounts {
    fn from(c: KindCounts) -> Self {
        Self {
            reports: c.reports,
            categories: c.categories,
            recommendations: c.recommendations,
            milestones: c.milestones,
            agencies: c.agencies,
        }
    }
}

/// A report an import wrote to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportedReport {
    pub id: Uuid,
    pub slug: String,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "dry_run": false,
    "created": {"reports": 1, "categories": 1, "recommendations": 12, "milestones": 0, "agencies": 2},
    "updated": {"reports": 0, "categories": 0, "recommendations": 0, "milestones": 0, "agencies": 0},
    "unchanged": {"reports": 0, "categories": 0, "recommendations": 0, "milestones": 0, "agencies": 0},
    "reports": [{"id": "0b7c0c8e-1c8d-4a53-9d0c-0f1d3f0e6f3a", "slug": "gao-24-105923"}],
    "errors": []
}))]
pub struct ImportResult {
    /// Whether nothing was written.
    pub dry_run: bool,
    pub created: ImportCounts,
    pub updated: ImportCounts,
    pub unchanged: ImportCounts,
    /// The reports the file is about.
    pub reports: Vec<ImportedReport>,
    /// Always empty on success (a rejected file answers 422 with them).
    pub errors: Vec<ImportError>,
}

impl From<ImportOutcome> for ImportResult {
    fn from(o: ImportOutcome) -> Self {
        Self {
            dry_run: o.dry_run,
            created: o.created.into(),
            updated: o.updated.into(),
            unchanged: o.unchanged.into(),
            reports: o
                .reports
                .into_iter()
                .map(|(id, slug)| ImportedReport { id, slug })
                .collect(),
            errors: Vec::new(),
        }
    }
}

/// One problem with one row of an import file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportError {
    /// CSV: the file's line (the header is row 1); JSON: the recommendation's place in
    /// `recommendations`, from 1; null for the file or report as a whole.
    #[schema(required = true)]
    pub row: Option<usize>,
    /// The CSV column or the JSON field; null for the whole row.
    #[schema(required = true)]
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl From<RowError> for ImportError {
    fn from(e: RowError) -> Self {
        Self {
            row: e.row,
            column: e.column,
            message: e.message,
        }
    }
}

/// A rejected import: RFC 9457 problem details with every problem of the file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:policytrack:problem:import-rejected",
    "title": "Unprocessable Entity",
    "status": 422,
    "detail": "2 problems in the file; nothing was written",
    "dry_run": false,
    "errors": [
        {"row": 3, "column": "category", "message": "no category \"industry\" in the report"},
        {"row": 5, "column": "target_on", "message": "must be a date YYYY-MM-DD"}
    ]
}))]
pub struct ImportProblem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Whether it was a dry run.
    pub dry_run: bool,
    /// Every problem, in file order.
    pub errors: Vec<ImportError>,
}

impl ImportProblem {
    pub fn new(dry_run: bool, errors: Vec<RowError>) -> Self {
        let n = errors.len();
        Self {
            problem_type: "urn:policytrack:problem:import-rejected".into(),
            title: "Unprocessable Entity".into(),
            status: 422,
            detail: format!(
                "{n} problem{} in the file; nothing was written",
                if n == 1 { "" } else { "s" }
            ),
            dry_run,
            errors: errors.into_iter().map(ImportError::from).collect(),
        }
    }
}

/// The document of one report.
pub fn report_document(export: ReportExport) -> ReportDocument {
    let ReportExport {
        report,
        categories,
        recommendations,
        mut supporting,
        mut milestones,
        mut history,
        agencies,
        mut translations,
        report_translations,
        mut category_translations,
    } = export;
    let code_of = |id: &Uuid| agencies.get(id).map(|a| a.code.clone());
    let category_slug: std::collections::HashMap<Uuid, String> =
        categories.iter().map(|c| (c.id, c.slug.clone())).collect();
    let mut named: Vec<DocumentAgency> = agencies
        .values()
        .map(|a| DocumentAgency {
            code: a.code.clone(),
            name: a.name.clone(),
            country: a.country.clone(),
        })
        .collect();
    named.sort_by(|a, b| a.code.cmp(&b.code));
    let recommendations = recommendations
        .into_iter()
        .map(|r| {
            let mut support: Vec<DocumentSupport> = supporting
                .remove(&r.id)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(agency, role)| {
                    code_of(&agency).map(|agency| DocumentSupport { agency, role })
                })
                .collect();
            support.sort_by(|a, b| a.agency.cmp(&b.agency));
            let ms = milestones
                .remove(&r.id)
                .unwrap_or_default()
                .into_iter()
                .map(|m| DocumentMilestone {
                    position: m.position,
                    title: m.title,
                    description: m.description,
                    owner_agency: m.owner_agency_id.as_ref().and_then(code_of),
                    due_on: m.due_on,
                    status: m.status,
                    completed_on: m.completed_on,
                    weight: m.weight,
                })
                .collect();
            let changes = history.as_mut().map(|h| {
                h.remove(&r.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| DocumentStatusChange {
                        from_status: c.from_status,
                        to_status: c.to_status,
                        health: c.health,
                        note: c.note,
                        evidence_urls: c.evidence_urls,
                        effective_on: c.effective_on,
                        actor: c.actor_email,
                        approved_by: c.approved_by_email,
                        recorded_at: c.recorded_at,
                    })
                    .collect()
            });
            DocumentRecommendation {
                category: category_slug
                    .get(&r.category_id)
                    .cloned()
                    .unwrap_or_default(),
                lead_agency: r.lead_agency_id.as_ref().and_then(code_of),
                supporting_agencies: support,
                code: r.code,
                external_id: r.external_id,
                title: r.title,
                text: r.body,
                status: r.status,
                health: r.health,
                priority: r.priority,
                target_on: r.target_on,
                position: Some(r.position),
                milestones: Some(ms),
                history: changes,
                language: Some(r.language),
                translations: Some(
                    translations
                        .remove(&r.id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|t| DocumentTranslation {
                            language: t.language,
                            title: t.title,
                            text: t.body,
                            machine_translated: t.machine_translated,
                        })
                        .collect(),
                ),
            }
        })
        .collect();
    ReportDocument {
        format: DOCUMENT_FORMAT.into(),
        report: DocumentReport {
            slug: report.slug,
            title: report.title,
            publisher: report.publisher,
            published_on: report.published_on,
            source_url: report.source_url,
            summary: report.summary,
            review_closures: Some(report.review_closures),
            language: Some(report.language),
            translations: Some(
                report_translations
                    .into_iter()
                    .map(|t| DocumentReportTranslation {
                        language: t.language,
                        title: t.title,
                        summary: t.body,
                        machine_translated: t.machine_translated,
                    })
                    .collect(),
            ),
        },
        categories: categories
            .into_iter()
            .map(|c| DocumentCategory {
                translations: Some(
                    category_translations
                        .remove(&c.id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|t| DocumentNameTranslation {
                            language: t.language,
                            name: t.title,
                            machine_translated: t.machine_translated,
                        })
                        .collect(),
                ),
                language: Some(c.language),
                slug: c.slug,
                name: c.name,
                position: c.position,
            })
            .collect(),
        agencies: named,
        recommendations,
    }
}

/// Collects a row's field problems as import errors.
struct RowChecks {
    row: Option<usize>,
    prefix: String,
    checks: Checks,
}

impl RowChecks {
    fn new(row: Option<usize>, prefix: impl Into<String>) -> Self {
        Self {
            row,
            prefix: prefix.into(),
            checks: Checks::new(),
        }
    }

    fn into_errors(self, into: &mut Vec<RowError>) -> bool {
        let found = self.checks.into_errors();
        let clean = found.is_empty();
        into.extend(found.into_iter().map(|e| {
            RowError::new(
                self.row,
                Some(&format!(
                    "{}{}",
                    self.prefix,
                    e.field.trim_start_matches('/')
                )),
                e.message,
            )
        }));
        clean
    }
}

/// The document as it is read: each recommendation stays raw text until it is checked
/// alone, so one bad value is reported with its row and the others are still checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument<'a> {
    format: String,
    report: DocumentReport,
    categories: Vec<DocumentCategory>,
    #[serde(default)]
    agencies: Vec<DocumentAgency>,
    #[serde(borrow)]
    recommendations: Vec<&'a RawValue>,
}

/// A JSON report document as import input: every field checked, every problem kept with
/// its place.
pub fn parse_document(body: &[u8]) -> ImportBatch {
    let raw: RawDocument = match serde_json::from_slice(body) {
        Ok(raw) => raw,
        Err(e) => {
            return ImportBatch {
                format: SourceFormat::Json,
                agencies: Vec::new(),
                agencies_by_name: false,
                reports: Vec::new(),
                errors: vec![RowError::new(
                    None,
                    None,
                    format!("not a report document: {e}"),
                )],
            };
        }
    };
    let mut errors = Vec::new();
    let mut recommendations = Vec::with_capacity(raw.recommendations.len());
    for (i, text) in raw.recommendations.iter().enumerate() {
        match serde_json::from_str::<DocumentRecommendation>(text.get()) {
            Ok(rec) => recommendations.push(rec),
            Err(e) => errors.push(blame(i + 1, text.get(), &e)),
        }
    }
    let doc = ReportDocument {
        format: raw.format,
        report: raw.report,
        categories: raw.categories,
        agencies: raw.agencies,
        recommendations,
    };
    let mut batch = document_batch(doc);
    errors.append(&mut batch.errors);
    errors.sort_by_key(|e| e.row.unwrap_or(0));
    batch.errors = errors;
    batch
}

/// The field of recommendation `row` that failed to read, found by reading each alone.
fn blame(row: usize, text: &str, error: &serde_json::Error) -> RowError {
    use serde_json::{Map, Value, from_value as read};
    let object: Map<String, Value> = match serde_json::from_str(text) {
        Ok(Value::Object(object)) => object,
        _ => return RowError::new(Some(row), None, format!("must be an object: {error}")),
    };
    for (field, value) in &object {
        let v = value.clone();
        let problem = match field.as_str() {
            "status" => read::<Status>(v).err(),
            "health" => read::<Option<Health>>(v).err(),
            "priority" => read::<Option<Priority>>(v).err(),
            "target_on" => read::<Option<NaiveDate>>(v)
                .err()
                .map(|_| serde::de::Error::custom("must be a date YYYY-MM-DD")),
            "milestones" => read::<Option<Vec<DocumentMilestone>>>(v).err(),
            "history" => read::<Option<Vec<DocumentStatusChange>>>(v).err(),
            "supporting_agencies" => read::<Vec<DocumentSupport>>(v).err(),
            "position" => read::<Option<i32>>(v).err(),
            "code" | "category" | "title" | "text" => read::<String>(v).err(),
            "external_id" | "lead_agency" => read::<Option<String>>(v).err(),
            "language" => read::<Option<Language>>(v).err(),
            "translations" => read::<Option<Vec<DocumentTranslation>>>(v).err(),
            _ => Some(serde::de::Error::custom(
                "is not a field of a recommendation",
            )),
        };
        if let Some(problem) = problem {
            return RowError::new(Some(row), Some(field), problem.to_string());
        }
    }
    RowError::new(Some(row), None, error.to_string())
}

/// The document as import input: every field checked, every problem kept with its place.
fn document_batch(doc: ReportDocument) -> ImportBatch {
    let mut errors = Vec::new();
    if doc.format != DOCUMENT_FORMAT {
        errors.push(RowError::new(
            None,
            Some("format"),
            format!("must be {DOCUMENT_FORMAT}"),
        ));
    }
    let mut report = RowChecks::new(None, "report/");
    let r = &doc.report;
    report
        .checks
        .slug("/slug", &r.slug, 64)
        .text("/title", r.title.trim(), 1, TITLE_MAX)
        .text("/publisher", r.publisher.trim(), 1, TITLE_MAX)
        .text("/summary", &r.summary, 0, NOTE_MAX);
    if let Some(url) = &r.source_url {
        report.checks.url("/source_url", url);
    }
    let report_language = r.language.unwrap_or(Language::En);
    let report_texts = texts_of(&r.translations);
    check_translations(
        &mut report.checks,
        report_language,
        &report_texts,
        ("title", "summary"),
    );
    let report_translations = r
        .translations
        .is_some()
        .then(|| translations_import(report_language, &report_texts));
    report.into_errors(&mut errors);
    let mut seen = HashSet::new();
    for (i, c) in doc.categories.iter().enumerate() {
        let mut checks = RowChecks::new(None, format!("categories/{i}/"));
        checks
            .checks
            .slug("/slug", &c.slug, 32)
            .text("/name", c.name.trim(), 1, TITLE_MAX)
            .fail_if(!seen.insert(c.slug.as_str()), "/slug", "appears twice")
            .fail_if(c.position < 0, "/position", "must not be negative");
        let names = texts_of(&c.translations);
        let original = c.language.unwrap_or(report_language);
        check_translations(&mut checks.checks, original, &names, ("name", ""));
        checks.into_errors(&mut errors);
    }
    let mut agencies = Vec::new();
    for (i, a) in doc.agencies.into_iter().enumerate() {
        let mut checks = RowChecks::new(None, format!("agencies/{i}/"));
        checks
            .checks
            .agency_code("/code", &a.code)
            .text("/name", a.name.trim(), 1, TITLE_MAX)
            .fail_if(
                !(a.country.len() == 2 && a.country.bytes().all(|b| b.is_ascii_uppercase())),
                "/country",
                "must be an ISO 3166-1 alpha-2 code in capitals",
            );
        if checks.into_errors(&mut errors) {
            agencies.push(AgencyImport {
                code: a.code,
                name: a.name.trim().to_owned(),
                country: a.country,
            });
        }
    }
    let mut recommendations = Vec::with_capacity(doc.recommendations.len());
    for (i, rec) in doc.recommendations.into_iter().enumerate() {
        if let Some(rec) = document_recommendation(i + 1, rec, &mut errors) {
            recommendations.push(rec);
        }
    }
    let report = ReportImport {
        target: ReportTarget::Described(ReportFields {
            slug: doc.report.slug,
            title: doc.report.title.trim().to_owned(),
            publisher: doc.report.publisher.trim().to_owned(),
            published_on: doc.report.published_on,
            source_url: doc.report.source_url,
            summary: doc.report.summary,
            review_closures: doc.report.review_closures,
            language: doc.report.language,
            translations: report_translations,
        }),
        categories: doc
            .categories
            .into_iter()
            .map(|c| {
                let original = c.language.unwrap_or(report_language);
                let translations = c
                    .translations
                    .is_some()
                    .then(|| translations_import(original, &texts_of(&c.translations)));
                CategoryImport {
                    language: c.language,
                    translations,
                    slug: c.slug,
                    name: c.name.trim().to_owned(),
                    position: c.position,
                }
            })
            .collect(),
        recommendations,
    };
    ImportBatch {
        format: SourceFormat::Json,
        agencies,
        agencies_by_name: false,
        reports: vec![report],
        errors,
    }
}

/// A translation in a document, whatever it translates: (language, title or name, text or
/// summary, machine-made).
trait DocumentText {
    fn parts(&self) -> (Language, &str, &str, bool);
}

impl DocumentText for DocumentTranslation {
    fn parts(&self) -> (Language, &str, &str, bool) {
        (
            self.language,
            &self.title,
            &self.text,
            self.machine_translated,
        )
    }
}

impl DocumentText for DocumentReportTranslation {
    fn parts(&self) -> (Language, &str, &str, bool) {
        (
            self.language,
            &self.title,
            &self.summary,
            self.machine_translated,
        )
    }
}

impl DocumentText for DocumentNameTranslation {
    fn parts(&self) -> (Language, &str, &str, bool) {
        (self.language, &self.name, "", self.machine_translated)
    }
}

fn texts_of<T: DocumentText>(list: &Option<Vec<T>>) -> Vec<(Language, &str, &str, bool)> {
    list.iter().flatten().map(DocumentText::parts).collect()
}

/// Each translation's fields (`title` and `text` name them in errors; an empty text name:
/// none), and its language: once, and not the original's.
fn check_translations(
    checks: &mut Checks,
    original: Language,
    texts: &[(Language, &str, &str, bool)],
    (title, text): (&str, &str),
) {
    let mut seen = HashSet::new();
    for (i, (language, title_value, text_value, _)) in texts.iter().enumerate() {
        let at = |f: &str| format!("/translations/{i}/{f}");
        checks.text(&at(title), title_value.trim(), 1, TITLE_MAX);
        if !text.is_empty() {
            checks.text(&at(text), text_value, 0, TEXT_MAX);
        }
        checks.fail_if(
            *language == original || !seen.insert(*language),
            &at("language"),
            "must differ from the original's language and appear once",
        );
    }
}

/// The translations a document gives, as import input: every language but the original's,
/// those it leaves out to be removed.
fn translations_import(
    original: Language,
    texts: &[(Language, &str, &str, bool)],
) -> Vec<(Language, Option<TranslationImport>)> {
    Language::ALL
        .iter()
        .filter(|&&l| l != original)
        .map(|&l| {
            let given = texts.iter().find(|t| t.0 == l);
            let translation = given.map(|(_, title, text, machine)| TranslationImport {
                title: title.trim().to_owned(),
                text: (*text).to_owned(),
                machine_translated: Some(*machine),
            });
            (l, translation)
        })
        .collect()
}

fn document_recommendation(
    row: usize,
    rec: DocumentRecommendation,
    errors: &mut Vec<RowError>,
) -> Option<RecommendationImport> {
    let mut checks = RowChecks::new(Some(row), "");
    let c = &mut checks.checks;
    c.code("/code", &rec.code)
        .slug("/category", &rec.category, 32)
        .text("/title", rec.title.trim(), 1, TITLE_MAX)
        .text("/text", &rec.text, 0, TEXT_MAX)
        .opt_text(
            "/external_id",
            rec.external_id.as_deref().map(str::trim),
            1,
            EXTERNAL_ID_MAX,
        )
        .fail_if(
            rec.health.is_some() && !rec.status.takes_health(),
            "/health",
            "only open, assessed statuses (not_started, in_progress, stalled) take a health",
        )
        .fail_if(
            rec.position.is_some_and(|p| !(0..=1_000_000).contains(&p)),
            "/position",
            "must be between 0 and 1000000",
        );
    if let Some(lead) = &rec.lead_agency {
        c.agency_code("/lead_agency", lead);
    }
    let mut seen = HashSet::new();
    for (i, s) in rec.supporting_agencies.iter().enumerate() {
        c.agency_code(&format!("/supporting_agencies/{i}/agency"), &s.agency)
            .fail_if(
                !seen.insert(&s.agency) || rec.lead_agency.as_ref() == Some(&s.agency),
                &format!("/supporting_agencies/{i}/agency"),
                "appears twice (or is also the lead agency)",
            );
    }
    let mut positions = HashSet::new();
    for (i, m) in rec.milestones.iter().flatten().enumerate() {
        let at = |f: &str| format!("/milestones/{i}/{f}");
        c.text(&at("title"), m.title.trim(), 1, TITLE_MAX)
            .text(&at("description"), &m.description, 0, NOTE_MAX)
            .fail_if(
                !(0..=1000).contains(&m.weight),
                &at("weight"),
                "must be between 0 and 1000",
            )
            .fail_if(
                !(0..=1_000_000).contains(&m.position) || !positions.insert(m.position),
                &at("position"),
                "must be between 0 and 1000000 and unique within the recommendation",
            )
            .fail_if(
                (m.status == MilestoneStatus::Done) != m.completed_on.is_some(),
                &at("completed_on"),
                "is required with status done, and only then",
            );
        if let Some(owner) = &m.owner_agency {
            c.agency_code(&at("owner_agency"), owner);
        }
    }
    if let Some(history) = &rec.history {
        for (i, h) in history.iter().enumerate() {
            let at = |f: &str| format!("/history/{i}/{f}");
            c.text(&at("note"), &h.note, 1, NOTE_MAX);
            for (field, who) in [("actor", &h.actor), ("approved_by", &h.approved_by)] {
                if let Some(who) = who {
                    c.text(&at(field), who, 1, 254);
                }
            }
            for (j, url) in h.evidence_urls.iter().enumerate() {
                c.url(&at(&format!("evidence_urls/{j}")), url);
            }
        }
        let last = history.last().map(|h| h.to_status);
        c.fail_if(
            last.is_some_and(|to| to != rec.status),
            "/history",
            "its last change must end in the recommendation's status",
        );
    }
    let original = rec.language.unwrap_or(Language::En);
    let texts = texts_of(&rec.translations);
    check_translations(c, original, &texts, ("title", "text"));
    let translations = rec
        .translations
        .is_some()
        .then(|| translations_import(original, &texts));
    if !checks.into_errors(errors) {
        return None;
    }
    Some(RecommendationImport {
        language: rec.language,
        translations,
        row,
        external_id: Some(rec.external_id.map(|e| e.trim().to_owned())),
        title: rec.title.trim().to_owned(),
        text: Some(rec.text),
        category: rec.category,
        status: rec.status,
        health: Some(rec.health),
        priority: Some(rec.priority),
        target_on: Some(rec.target_on),
        lead_agency: Some(rec.lead_agency),
        supporting: Some(
            rec.supporting_agencies
                .into_iter()
                .map(|s| (s.agency, s.role))
                .collect(),
        ),
        position: rec.position,
        milestones: rec.milestones.map(|ms| {
            ms.into_iter()
                .map(|m| MilestoneImport {
                    title: m.title.trim().to_owned(),
                    description: m.description,
                    owner_agency: m.owner_agency,
                    due_on: m.due_on,
                    status: m.status,
                    completed_on: m.completed_on,
                    weight: m.weight,
                    position: m.position,
                })
                .collect()
        }),
        history: rec.history.map(|hs| {
            hs.into_iter()
                .map(|h| HistoryImport {
                    from_status: h.from_status,
                    to_status: h.to_status,
                    health: h.health,
                    note: h.note,
                    evidence_urls: h.evidence_urls,
                    effective_on: h.effective_on,
                    actor: h.actor,
                    approved_by: h.approved_by,
                    recorded_at: h.recorded_at,
                })
                .collect()
        }),
        code: rec.code,
        status_note: None,
        evidence_urls: Vec::new(),
    })
}
