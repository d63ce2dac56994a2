//! Agency request and response bodies, and their conversions.

use super::model::{Agency, AgencyBrief, AgencyChanges, AgencyCountsRow, AgencyFilter, NewAgency};
use crate::domain::Language;
use crate::error::ApiError;
use crate::http::pagination;
use crate::http::validate::{Checks, TITLE_MAX};
use crate::translations::dto::{TranslationDto, TranslationsEmbed};
use crate::translations::model::{Shown, Subject};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A government body.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgencyDto {
    /// Stable identifier.
    pub id: Uuid,
    /// Short unique code, e.g. `US-DOS` (at most 32 characters).
    #[schema(example = "US-DOS", max_length = 32)]
    pub code: String,
    /// Full name (at most 300 characters).
    #[schema(example = "U.S. Department of State", max_length = 300)]
    pub name: String,
    /// The language `name` is shown in (see `lang=`).
    pub language: Language,
    /// The language the original name is written in.
    pub original_language: Language,
    /// Whether the text shown is a machine translation.
    pub machine_translated: bool,
    /// Every translation of the name (with `include=translations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<Vec<TranslationDto>>,
    /// ISO 3166-1 alpha-2 country code.
    #[schema(example = "US", pattern = "^[A-Z]{2}$")]
    pub country: String,
    /// The agency this one belongs to, if any.
    #[schema(required = true)]
    pub parent_id: Option<Uuid>,
    /// What the agency is involved in.
    pub counts: AgencyCounts,
    /// Increments on every change; the ETag carries it.
    pub version: i32,
    /// When the agency was created.
    pub created_at: DateTime<Utc>,
    /// When the agency last changed.
    pub updated_at: DateTime<Utc>,
}

/// How much an agency is involved in.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
pub struct AgencyCounts {
    /// Recommendations it leads.
    pub recommendations_led: i64,
    /// Recommendations it supports.
    pub recommendations_supported: i64,
    /// Its milestones that are planned or in progress.
    pub open_milestones: i64,
    /// Its open milestones past their due date.
    pub overdue_milestones: i64,
}

impl From<AgencyCountsRow> for AgencyCounts {
    fn from(r: AgencyCountsRow) -> Self {
        Self {
            recommendations_led: r.led,
            recommendations_supported: r.supported,
            open_milestones: r.open_milestones,
            overdue_milestones: r.overdue_milestones,
        }
    }
}

/// An agency as embedded in other resources.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgencySummary {
    /// Stable identifier.
    pub id: Uuid,
    /// Short unique code.
    pub code: String,
    /// Full name.
    pub name: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

impl From<AgencyBrief> for AgencySummary {
    fn from(a: AgencyBrief) -> Self {
        Self {
            id: a.id,
            code: a.code,
            name: a.name,
            country: a.country,
        }
    }
}

impl AgencyDto {
    pub fn new(a: Agency, counts: AgencyCounts) -> Self {
        Self::shown(a, counts, Shown::default())
    }

    /// As [`AgencyDto::new`], its name shown as `shown` says.
    pub fn shown(a: Agency, counts: AgencyCounts, shown: Shown) -> Self {
        Self {
            counts,
            id: a.id,
            code: a.code,
            name: a.name,
            language: shown.translated_to.unwrap_or(a.language),
            original_language: a.language,
            machine_translated: shown.machine_translated,
            translations: TranslationDto::all(Subject::Agency, shown.translations),
            country: a.country,
            parent_id: a.parent_id,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// A new agency.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "KR-MOTIE", "name": "Ministry of Trade, Industry and Energy", "country": "KR"}))]
pub struct CreateAgencyRequest {
    /// Unique code: upper-case letters, digits, `-`, `_` (at most 32 characters).
    #[schema(max_length = 32, pattern = "^[A-Z0-9][A-Z0-9_-]{0,31}$")]
    pub code: String,
    /// Full name (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub name: String,
    /// ISO 3166-1 alpha-2 country code.
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: String,
    /// The agency it belongs to.
    pub parent_id: Option<Uuid>,
    /// The language the name is written in: `en` (default), `ko` or `ja`.
    pub language: Option<Language>,
}

impl TryFrom<CreateAgencyRequest> for NewAgency {
    type Error = ApiError;

    fn try_from(body: CreateAgencyRequest) -> Result<Self, ApiError> {
        let mut checks = Checks::new();
        checks
            .agency_code("/code", &body.code)
            .text("/name", body.name.trim(), 1, TITLE_MAX);
        check_country(&mut checks, "/country", &body.country);
        checks.finish()?;
        Ok(Self {
            name: body.name.trim().to_owned(),
            code: body.code,
            country: body.country,
            parent_id: body.parent_id,
            language: body.language.unwrap_or(Language::En),
        })
    }
}

/// Changes to an agency; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgencyRequest {
    /// New code.
    #[schema(max_length = 32, pattern = "^[A-Z0-9][A-Z0-9_-]{0,31}$")]
    pub code: Option<String>,
    /// New name (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub name: Option<String>,
    /// New ISO 3166-1 alpha-2 country code.
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: Option<String>,
    /// New parent (null to clear).
    #[serde(default, deserialize_with = "crate::http::validate::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub parent_id: Option<Option<Uuid>>,
    /// The language the name is written in; 409 while a translation into it exists.
    pub language: Option<Language>,
}

impl TryFrom<UpdateAgencyRequest> for AgencyChanges {
    type Error = ApiError;

    fn try_from(body: UpdateAgencyRequest) -> Result<Self, ApiError> {
        let mut checks = Checks::new();
        if let Some(code) = &body.code {
            checks.agency_code("/code", code);
        }
        checks.opt_text("/name", body.name.as_deref().map(str::trim), 1, TITLE_MAX);
        if let Some(country) = &body.country {
            check_country(&mut checks, "/country", country);
        }
        checks.finish()?;
        Ok(Self {
            code: body.code,
            name: body.name.map(|n| n.trim().to_owned()),
            country: body.country,
            parent_id: body.parent_id,
            language: body.language,
        })
    }
}

fn check_country(checks: &mut Checks, field: &str, country: &str) {
    checks.fail_if(
        !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase())),
        field,
        "must be an ISO 3166-1 alpha-2 code such as US",
    );
}

/// Query parameters of `list_agencies`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgencyListParams {
    /// Only agencies of this ISO 3166-1 alpha-2 country.
    #[param(example = "KR")]
    pub country: Option<String>,
    /// Only agencies whose code, name or a translated name contains this text
    /// (case-insensitive), e.g. `우주항공청`.
    #[param(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub q: Option<String>,
    /// Language to show names in (`en`, `ko`, `ja`), falling back to the original; overrides
    /// `Accept-Language`.
    #[param(value_type = Option<Language>)]
    pub lang: Option<String>,
    /// `translations` to embed every translation; empty for none.
    #[param(value_type = Option<Vec<TranslationsEmbed>>, style = Form, explode = false)]
    pub include: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

impl TryFrom<AgencyListParams> for AgencyFilter {
    type Error = ApiError;

    fn try_from(p: AgencyListParams) -> Result<Self, ApiError> {
        Ok(Self {
            limit: pagination::limit(p.limit.as_deref())?,
            after_code: pagination::cursor(p.cursor.as_deref())?,
            country: p.country,
            text: match p.q.as_deref().map(str::trim) {
                Some(q) => {
                    let mut checks = Checks::new();
                    checks.text("query.q", q, 1, TITLE_MAX);
                    checks.finish()?;
                    Some(q.to_owned())
                }
                None => None,
            },
        })
    }
}
