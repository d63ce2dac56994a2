//! List and read parameters of recommendations, and their parsing into a typed query.

use crate::agencies::model::AgencyRef;
use crate::domain::{Health, Language, Priority, Status};
use crate::error::ApiError;
use crate::http::{csv, pagination, params};
use crate::recommendations::model::listing::{Cursor, Embeds, Filters, ListQuery, Sort};
use crate::reports::model::ReportRef;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

const MAX_QUERY_CHARS: usize = 200;

/// How the recommendation list is sorted; `-` sorts descending.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum RecommendationSort {
    #[serde(rename = "code")]
    Code,
    #[serde(rename = "-code")]
    CodeDescending,
    #[serde(rename = "updated_at")]
    UpdatedAt,
    #[serde(rename = "-updated_at")]
    UpdatedAtDescending,
    #[serde(rename = "status")]
    Status,
    #[serde(rename = "-status")]
    StatusDescending,
    #[serde(rename = "target_on")]
    TargetOn,
    #[serde(rename = "-target_on")]
    TargetOnDescending,
    #[serde(rename = "relevance")]
    Relevance,
    #[serde(rename = "-relevance")]
    RelevanceDescending,
}

/// What a list item may embed.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListEmbed {
    SupportingAgencies,
    Milestones,
    LatestStatusChange,
    Translations,
}

/// What a single recommendation may embed.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Embed {
    SupportingAgencies,
    Milestones,
    LatestStatusChange,
    History,
    Translations,
}

/// A list's representation: JSON (default) or CSV.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListFormat {
    Json,
    Csv,
    Xlsx,
}

/// Query parameters of `list_recommendations`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecommendationListParams {
    /// Only this report (id or slug).
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub report: Option<String>,
    /// Only this category (slug), e.g. `political`.
    #[param(example = "political", max_length = 100, pattern = "^[^\\x00]*$")]
    pub category: Option<String>,
    /// Only the one with this external identifier (unique within a report).
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub external_id: Option<String>,
    /// Only these statuses, comma-separated, e.g. `in_progress,stalled`.
    #[param(value_type = Option<Vec<Status>>, style = Form, explode = false)]
    pub status: Option<String>,
    /// Only these health values, comma-separated.
    #[param(value_type = Option<Vec<Health>>, style = Form, explode = false)]
    pub health: Option<String>,
    /// Only these priorities, comma-separated.
    #[param(value_type = Option<Vec<Priority>>, style = Form, explode = false)]
    pub priority: Option<String>,
    /// Only those led by this agency (id or code).
    #[param(example = "US-DOS", max_length = 100, pattern = "^[^\\x00]*$")]
    pub lead_agency: Option<String>,
    /// Only those this agency leads or supports (id or code).
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub agency: Option<String>,
    /// Only those with a lead or supporting agency of this ISO 3166-1 alpha-2 country.
    #[param(example = "KR", pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    /// true: only those with an overdue milestone; false: only those without.
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// Only target dates before this day (exclusive), `YYYY-MM-DD`.
    #[param(value_type = Option<NaiveDate>)]
    pub target_before: Option<String>,
    /// Only target dates after this day (exclusive), `YYYY-MM-DD`.
    #[param(value_type = Option<NaiveDate>)]
    pub target_after: Option<String>,
    /// Only those changed at or after this instant (RFC 3339).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub updated_since: Option<String>,
    /// Full-text search over code, title and text (web search syntax); sorts by relevance
    /// unless `sort` says otherwise. English words match their stems; Korean and Japanese
    /// match inside compounds and inflected forms (`협력` finds `우주협력의`).
    #[param(
        example = "situational awareness",
        max_length = 200,
        pattern = "^[^\\x00]*$"
    )]
    pub q: Option<String>,
    /// true: only those the caller's agencies lead or support (needs a signed-in caller; a
    /// user without agencies gets none).
    #[param(value_type = Option<bool>)]
    pub mine: Option<String>,
    /// Sort: `code` (report order, default), `updated_at`, `status`, `target_on`, `relevance`
    /// (full-text rank with `q`; report order without); prefix `-` for descending.
    #[param(value_type = Option<RecommendationSort>, example = "-updated_at")]
    pub sort: Option<String>,
    /// Embeds, comma-separated: `supporting_agencies` (default), `milestones`,
    /// `latest_status_change`, `translations`; empty for none.
    #[param(value_type = Option<Vec<ListEmbed>>, style = Form, explode = false)]
    pub include: Option<String>,
    /// Language to show texts in (`en`, `ko`, `ja`), falling back to the original; overrides
    /// `Accept-Language`.
    #[param(value_type = Option<Language>)]
    pub lang: Option<String>,
    /// Page size, 1 to 200 (default 50; a CSV export without it holds up to 10,000 rows).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
    /// `csv` for text/csv (same as `Accept: text/csv`), `xlsx` for an Excel workbook.
    #[param(value_type = Option<ListFormat>)]
    pub format: Option<String>,
    /// For CSV: `true` starts the file with a UTF-8 byte-order mark, so Excel reads it as UTF-8.
    #[param(value_type = Option<bool>)]
    pub bom: Option<String>,
}

/// Query parameters of `get_recommendation`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecommendationGetParams {
    /// Embeds, comma-separated: `supporting_agencies`, `milestones`, `latest_status_change`
    /// (these three by default), `history`, `translations`; empty for none.
    #[param(value_type = Option<Vec<Embed>>, style = Form, explode = false)]
    pub include: Option<String>,
    /// Language to show texts in (`en`, `ko`, `ja`), falling back to the original; overrides
    /// `Accept-Language`.
    #[param(value_type = Option<Language>)]
    pub lang: Option<String>,
}

/// Report and code of `get_report_recommendation`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReportCodePath {
    /// The report's id or slug.
    pub report: String,
    /// The recommendation's code, e.g. `POL-1`.
    pub code: String,
}

/// Query parameters of `list_recommendation_history`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

impl RecommendationListParams {
    /// The typed query of a JSON page, or of a CSV export (`as_csv`), which may be longer.
    pub fn into_query(self, as_csv: bool) -> Result<ListQuery, ApiError> {
        let limit = csv::page_limit(self.limit.as_deref(), as_csv)?;
        let filters = self.filters()?;
        let sort = Sort::parse(self.sort.as_deref(), filters.q.is_some())
            .map_err(|e| ApiError::invalid("query.sort", e))?;
        let embeds = embeds(self.include.as_deref(), Embeds::LIST_DEFAULT, false)?;
        let after: Option<Cursor> = pagination::cursor(self.cursor.as_deref())?;
        if after.as_ref().is_some_and(|c| c.field() != sort.field) {
            return Err(ApiError::invalid(
                "query.cursor",
                "belongs to another sort order; start again without a cursor",
            ));
        }
        Ok(ListQuery {
            filters,
            sort,
            embeds,
            after,
            limit,
        })
    }

    pub fn filters(&self) -> Result<Filters, ApiError> {
        let q = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        if let Some(q) = q
            && (q.chars().count() > MAX_QUERY_CHARS || q.contains('\0'))
        {
            return Err(ApiError::invalid(
                "query.q",
                format!("must be at most {MAX_QUERY_CHARS} characters without NUL"),
            ));
        }
        if let Some(country) = &self.country
            && !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            return Err(ApiError::invalid(
                "query.country",
                "must be an ISO 3166-1 alpha-2 code",
            ));
        }
        let report = params::reference("report", self.report.as_deref())?;
        let category = params::reference("category", self.category.as_deref())?;
        let lead_agency = params::reference("lead_agency", self.lead_agency.as_deref())?;
        let agency = params::reference("agency", self.agency.as_deref())?;
        Ok(Filters {
            report: report.map(ReportRef::parse),
            category_slug: category.map(str::to_owned),
            external_id: params::reference("external_id", self.external_id.as_deref())?
                .map(str::to_owned),
            statuses: params::list("status", self.status.as_deref())?,
            healths: params::list("health", self.health.as_deref())?,
            priorities: params::list("priority", self.priority.as_deref())?,
            lead_agency: lead_agency.map(AgencyRef::parse),
            agency: agency.map(AgencyRef::parse),
            country: self.country.as_ref().map(|c| c.to_uppercase()),
            among_agencies: None,
            overdue: params::param("overdue", self.overdue.as_deref(), "true or false")?,
            target_before: params::param(
                "target_before",
                self.target_before.as_deref(),
                "a date YYYY-MM-DD",
            )?,
            target_after: params::param(
                "target_after",
                self.target_after.as_deref(),
                "a date YYYY-MM-DD",
            )?,
            updated_since: params::param(
                "updated_since",
                self.updated_since.as_deref(),
                "an RFC 3339 timestamp",
            )?,
            q: q.map(str::to_owned),
        })
    }
}

impl RecommendationGetParams {
    /// The embeds of a single read.
    pub fn embeds(&self) -> Result<Embeds, ApiError> {
        embeds(self.include.as_deref(), Embeds::DETAIL_DEFAULT, true)
    }
}

fn embeds(raw: Option<&str>, default: Embeds, allow_history: bool) -> Result<Embeds, ApiError> {
    Embeds::parse(raw, default, allow_history).map_err(|e| ApiError::invalid("query.include", e))
}
