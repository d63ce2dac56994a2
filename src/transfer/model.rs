//! Validated import input (whatever the file format), what an import did, and the rows an
//! export reads.

use crate::agencies::model::AgencyBrief;
use crate::domain::{AgencyRole, Health, Language, MilestoneStatus, Priority, Status};
use crate::milestones::model::Milestone;
use crate::recommendations::model::{Recommendation, StatusChange};
use crate::reports::model::{Category, Report};
use crate::translations::model::Translation;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// One problem with one row of an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The row: a file line for CSV (the header is row 1), the recommendation's place (from
    /// 1) for a JSON document; `None` for the file or the report as a whole.
    pub row: Option<usize>,
    /// The column (CSV) or field (JSON); `None` for the row as a whole.
    pub column: Option<String>,
    pub message: String,
}

impl RowError {
    pub fn new(row: Option<usize>, column: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            row,
            column: column.map(str::to_owned),
            message: message.into(),
        }
    }
}

/// The file formats an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    Json,
    Csv,
    Gao,
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Gao => "gao",
        }
    }

    /// The column a field of a recommendation is read from in this format.
    pub fn column(self, field: &str) -> String {
        match (self, field) {
            (Self::Csv, "lead_agency") => "lead_agency_code".into(),
            (Self::Csv, "supporting_agencies") => "supporting_agency_codes".into(),
            (Self::Gao, "lead_agency") => "Agency".into(),
            (Self::Gao, "status") => "Status".into(),
            (Self::Gao, "code") => "Recommendation".into(),
            _ => field.into(),
        }
    }
}

/// Everything one import file asks for, validated field by field.
#[derive(Debug)]
pub struct ImportBatch {
    pub format: SourceFormat,
    /// Agencies the file defines (a JSON document's `agencies`), to create where missing.
    pub agencies: Vec<AgencyImport>,
    /// Lead agencies are named by name (GAO files) rather than by code.
    pub agencies_by_name: bool,
    pub reports: Vec<ReportImport>,
    /// Problems found while reading the file; rows with problems are left out of `reports`.
    pub errors: Vec<RowError>,
}

#[derive(Debug, Clone)]
pub struct AgencyImport {
    pub code: String,
    pub name: String,
    pub country: String,
}

/// Which report rows go to.
#[derive(Debug, Clone)]
pub enum ReportTarget {
    /// The report with this slug: updated to these fields, or created.
    Described(ReportFields),
    /// An existing report (a CSV file names it with `report=`).
    Existing(crate::reports::model::ReportRef),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportFields {
    pub slug: String,
    pub title: String,
    pub publisher: String,
    pub published_on: Option<NaiveDate>,
    pub source_url: Option<String>,
    pub summary: String,
    /// `None`: as it is (false for a new report).
    pub review_closures: Option<bool>,
    /// The language title and summary are written in; `None`: as it is (`en` for a new one).
    pub language: Option<Language>,
    /// Title (`title`) and summary (`text`) in other languages.
    pub translations: TranslationsImport,
}

/// A subject's texts in other languages as a file gives them: per language the file covers,
/// the translation, or `None` to remove a stored one. `None`: the file says nothing of them.
pub type TranslationsImport = Option<Vec<(Language, Option<TranslationImport>)>>;

#[derive(Debug, Clone)]
pub struct CategoryImport {
    pub slug: String,
    pub name: String,
    pub position: i32,
    /// `None`: as it is (the report's for a new one).
    pub language: Option<Language>,
    /// The name (`title`) in other languages.
    pub translations: TranslationsImport,
}

#[derive(Debug)]
pub struct ReportImport {
    pub target: ReportTarget,
    /// Categories to create or update (a CSV file names only existing ones).
    pub categories: Vec<CategoryImport>,
    pub recommendations: Vec<RecommendationImport>,
}

/// One recommendation of a file. `None` in an optional field: the file does not say (a CSV
/// without that column), so an existing value stays and a new one takes the default.
#[derive(Debug, Clone)]
pub struct RecommendationImport {
    /// Where errors about it point.
    pub row: usize,
    pub code: String,
    pub external_id: Option<Option<String>>,
    pub title: String,
    pub text: Option<String>,
    pub category: String,
    pub status: Status,
    pub health: Option<Option<Health>>,
    pub priority: Option<Option<Priority>>,
    pub target_on: Option<Option<NaiveDate>>,
    /// An agency code (a name for GAO files).
    pub lead_agency: Option<Option<String>>,
    pub supporting: Option<Vec<(String, AgencyRole)>>,
    pub position: Option<i32>,
    pub milestones: Option<Vec<MilestoneImport>>,
    /// Oldest first; taken only when the import creates the recommendation.
    pub history: Option<Vec<HistoryImport>>,
    /// The note and evidence of a status change the import makes.
    pub status_note: Option<String>,
    pub evidence_urls: Vec<String>,
    /// The language title and text are written in; `None`: the file does not say.
    pub language: Option<Language>,
    pub translations: TranslationsImport,
}

/// A text in another language, as a file gives it (for a category, `title` is the name).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranslationImport {
    pub title: String,
    pub text: String,
    /// `None`: the file does not say (CSV); a changed text is then taken as a person's.
    pub machine_translated: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneImport {
    pub title: String,
    pub description: String,
    pub owner_agency: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: MilestoneStatus,
    pub completed_on: Option<NaiveDate>,
    pub weight: i32,
    /// Matches an existing milestone of the recommendation at the same position.
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryImport {
    pub from_status: Status,
    pub to_status: Status,
    pub health: Option<Health>,
    pub note: String,
    pub evidence_urls: Vec<String>,
    pub effective_on: NaiveDate,
    pub actor: Option<String>,
    pub approved_by: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// How many of one kind of thing an import created, changed and left alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    pub reports: usize,
    pub categories: usize,
    pub recommendations: usize,
    pub milestones: usize,
    pub agencies: usize,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub dry_run: bool,
    pub created: KindCounts,
    pub updated: KindCounts,
    pub unchanged: KindCounts,
    /// The reports written to, by id and slug.
    pub reports: Vec<(Uuid, String)>,
}

/// Everything of one report an export writes.
#[derive(Debug)]
pub struct ReportExport {
    pub report: Report,
    pub categories: Vec<Category>,
    pub recommendations: Vec<Recommendation>,
    /// Per recommendation: its supporting agencies (by agency code order).
    pub supporting: HashMap<Uuid, Vec<(Uuid, AgencyRole)>>,
    /// Per recommendation, in position order.
    pub milestones: HashMap<Uuid, Vec<Milestone>>,
    /// Per recommendation, oldest first; `None` when not asked for.
    pub history: Option<HashMap<Uuid, Vec<StatusChange>>>,
    /// Every agency the rows above name.
    pub agencies: HashMap<Uuid, AgencyBrief>,
    /// Per recommendation, its translations by language.
    pub translations: HashMap<Uuid, Vec<Translation>>,
    /// The report's translations, and per category its own.
    pub report_translations: Vec<Translation>,
    pub category_translations: HashMap<Uuid, Vec<Translation>>,
}
