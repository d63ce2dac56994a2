//! Report request and response bodies, and their conversions.

use super::model::{
    Category, CategoryBrief, CategoryChanges, CategoryInput, NewReport, ReportChanges, ReportInput,
    ReportView,
};
use crate::domain::Language;
use crate::error::ApiError;
use crate::http::validate::{Checks, EXTERNAL_ID_MAX, NOTE_MAX, TEXT_MAX, TITLE_MAX};
use crate::recommendations::model::NewRecommendationInput;
use crate::translations::dto::{TranslationDto, TranslationsEmbed};
use crate::translations::model::{Shown, Subject};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The category a recommendation belongs to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CategorySummary {
    /// Stable identifier.
    pub id: Uuid,
    /// Unique within its report, e.g. `political`.
    pub slug: String,
    /// Display name, e.g. `Political`.
    pub name: String,
}

impl From<CategoryBrief> for CategorySummary {
    fn from(c: CategoryBrief) -> Self {
        Self {
            id: c.id,
            slug: c.slug,
            name: c.name,
        }
    }
}

/// A category of a report's recommendations.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CategoryDto {
    /// Stable identifier.
    pub id: Uuid,
    /// Unique within the report, e.g. `political`.
    pub slug: String,
    /// Display name, in `language`.
    pub name: String,
    /// The language `name` is shown in.
    pub language: Language,
    /// The language the original name is written in.
    pub original_language: Language,
    /// Whether the text shown is a machine translation.
    pub machine_translated: bool,
    /// Every translation of the name (with `include=translations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<Vec<TranslationDto>>,
    /// Order within the report.
    pub position: i32,
    /// Number of recommendations in it.
    pub recommendation_count: i64,
    /// Increments on every change; `PATCH /api/v1/categories/{id}` takes it in If-Match.
    pub version: i32,
}

impl CategoryDto {
    pub fn new(category: Category, recommendation_count: i64) -> Self {
        Self::shown(category, recommendation_count, Shown::default())
    }

    fn shown(category: Category, recommendation_count: i64, shown: Shown) -> Self {
        Self {
            id: category.id,
            slug: category.slug,
            name: category.name,
            language: shown.translated_to.unwrap_or(category.language),
            original_language: category.language,
            machine_translated: shown.machine_translated,
            translations: TranslationDto::all(Subject::Category, shown.translations),
            position: category.position,
            recommendation_count,
            version: category.version,
        }
    }
}

/// A tracked report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportDto {
    /// Stable identifier.
    pub id: Uuid,
    /// Unique short name used in URLs, e.g. `charting-a-path-in-the-uncharted-domain`.
    pub slug: String,
    /// Title, in `language`.
    pub title: String,
    /// Who published it.
    pub publisher: String,
    /// Publication date, when known.
    #[schema(required = true)]
    pub published_on: Option<NaiveDate>,
    /// Where to read it, when known.
    #[schema(required = true)]
    pub source_url: Option<String>,
    /// Summary, in `language`.
    pub summary: String,
    /// The language `title` and `summary` are shown in (see `lang=`).
    pub language: Language,
    /// The language the original is written in.
    pub original_language: Language,
    /// Whether the text shown is a machine translation.
    pub machine_translated: bool,
    /// Every translation (with `include=translations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<Vec<TranslationDto>>,
    /// Whether an analyst's move to a closed status waits for a reviewer's approval (a
    /// proposal) instead of applying at once.
    pub review_closures: bool,
    /// Its categories in order.
    pub categories: Vec<CategoryDto>,
    /// Number of recommendations.
    pub recommendation_count: i64,
    /// Increments on every change.
    pub version: i32,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<ReportView> for ReportDto {
    fn from(mut v: ReportView) -> Self {
        let r = v.report;
        let categories: Vec<CategoryDto> = v
            .categories
            .into_iter()
            .map(|(c, n)| {
                let shown = v.categories_shown.remove(&c.id).unwrap_or_default();
                CategoryDto::shown(c, n, shown)
            })
            .collect();
        Self {
            recommendation_count: categories.iter().map(|c| c.recommendation_count).sum(),
            categories,
            id: r.id,
            slug: r.slug,
            title: r.title,
            publisher: r.publisher,
            published_on: r.published_on,
            source_url: r.source_url,
            summary: r.summary,
            language: v.shown.translated_to.unwrap_or(r.language),
            original_language: r.language,
            machine_translated: v.shown.machine_translated,
            translations: TranslationDto::all(Subject::Report, v.shown.translations),
            review_closures: r.review_closures,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A category of a new report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategoryInput {
    /// Unique within the report: lower-case letters, digits, `-` (at most 32).
    #[schema(max_length = 32, pattern = "^[a-z0-9][a-z0-9-]{0,31}$")]
    pub slug: String,
    /// Display name (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub name: String,
}

/// A new report to track.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "slug": "gao-24-105923",
    "title": "Space Acquisitions: Example Report",
    "publisher": "U.S. Government Accountability Office",
    "categories": [{"slug": "acquisition", "name": "Acquisition"}]
}))]
pub struct CreateReportRequest {
    /// Unique short name: lower-case letters, digits, `-` (at most 64).
    #[schema(max_length = 64, pattern = "^[a-z0-9][a-z0-9-]{0,63}$")]
    pub slug: String,
    /// Title (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub title: String,
    /// Publisher (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub publisher: String,
    /// Publication date.
    pub published_on: Option<NaiveDate>,
    /// Where to read it (http or https URL).
    #[schema(
        max_length = 2000,
        pattern = "^https?://[^\\s\\x00-\\x1f\\x7f-\\x9f]+$"
    )]
    pub source_url: Option<String>,
    /// Summary (at most 10,000 characters).
    #[serde(default)]
    #[schema(max_length = 10000, pattern = "^[^\\x00]*$")]
    pub summary: String,
    /// Categories in order.
    #[serde(default)]
    pub categories: Vec<NewCategoryInput>,
    /// The language title, summary and category names are written in: `en` (default), `ko` or `ja`.
    pub language: Option<Language>,
}

impl TryFrom<CreateReportRequest> for ReportInput {
    type Error = ApiError;

    fn try_from(body: CreateReportRequest) -> Result<Self, ApiError> {
        let mut checks = Checks::new();
        checks
            .slug("/slug", &body.slug, 64)
            .text("/title", body.title.trim(), 1, TITLE_MAX)
            .text("/publisher", body.publisher.trim(), 1, TITLE_MAX)
            .text("/summary", &body.summary, 0, NOTE_MAX);
        if let Some(url) = &body.source_url {
            checks.url("/source_url", url);
        }
        checks.fail_if(
            body.categories.len() > 100,
            "/categories",
            "at most 100 categories",
        );
        let mut seen = HashSet::new();
        for (i, c) in body.categories.iter().enumerate() {
            checks
                .slug(&format!("/categories/{i}/slug"), &c.slug, 32)
                .text(
                    &format!("/categories/{i}/name"),
                    c.name.trim(),
                    1,
                    TITLE_MAX,
                )
                .fail_if(
                    !seen.insert(&c.slug),
                    &format!("/categories/{i}/slug"),
                    "appears twice",
                );
        }
        checks.finish()?;
        Ok(Self {
            categories: body
                .categories
                .into_iter()
                .map(|c| (c.slug, c.name.trim().to_owned()))
                .collect(),
            report: NewReport {
                language: body.language.unwrap_or(Language::En),
                title: body.title.trim().to_owned(),
                publisher: body.publisher.trim().to_owned(),
                slug: body.slug,
                published_on: body.published_on,
                source_url: body.source_url,
                summary: body.summary,
            },
        })
    }
}

/// Changes to a report; absent fields stay as they are (admins only).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"review_closures": true}))]
pub struct UpdateReportRequest {
    /// New unique short name: lower-case letters, digits, `-` (at most 64).
    #[schema(max_length = 64, pattern = "^[a-z0-9][a-z0-9-]{0,63}$")]
    pub slug: Option<String>,
    /// Title (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub title: Option<String>,
    /// Publisher (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub publisher: Option<String>,
    /// Publication date (null to clear).
    #[serde(default, deserialize_with = "crate::http::validate::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub published_on: Option<Option<NaiveDate>>,
    /// Where to read it, an http or https URL (null to clear).
    #[serde(default, deserialize_with = "crate::http::validate::double_option")]
    #[schema(
        value_type = Option<String>,
        max_length = 2000,
        pattern = "^https?://[^\\s\\x00-\\x1f\\x7f-\\x9f]+$"
    )]
    pub source_url: Option<Option<String>>,
    /// Summary (at most 10,000 characters).
    #[schema(max_length = 10000, pattern = "^[^\\x00]*$")]
    pub summary: Option<String>,
    /// true: an analyst's move to a closed status becomes a proposal a reviewer approves.
    pub review_closures: Option<bool>,
    /// The language title and summary are written in; 409 while a translation into it exists.
    pub language: Option<Language>,
}

impl TryFrom<UpdateReportRequest> for ReportChanges {
    type Error = ApiError;

    fn try_from(body: UpdateReportRequest) -> Result<Self, ApiError> {
        let mut checks = Checks::new();
        if let Some(slug) = &body.slug {
            checks.slug("/slug", slug, 64);
        }
        if let Some(title) = &body.title {
            checks.text("/title", title.trim(), 1, TITLE_MAX);
        }
        if let Some(publisher) = &body.publisher {
            checks.text("/publisher", publisher.trim(), 1, TITLE_MAX);
        }
        if let Some(summary) = &body.summary {
            checks.text("/summary", summary, 0, NOTE_MAX);
        }
        if let Some(Some(url)) = &body.source_url {
            checks.url("/source_url", url);
        }
        checks.finish()?;
        Ok(Self {
            slug: body.slug,
            title: body.title.map(|t| t.trim().to_owned()),
            publisher: body.publisher.map(|p| p.trim().to_owned()),
            published_on: body.published_on,
            source_url: body.source_url,
            summary: body.summary,
            review_closures: body.review_closures,
            language: body.language,
        })
    }
}

/// A new recommendation of a report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "code": "ACQ-1",
    "title": "Adopt a space acquisition strategy",
    "text": "The Secretary of Defense should ...",
    "category": "acquisition"
}))]
pub struct CreateRecommendationRequest {
    /// Unique within the report: upper-case letters, digits, `-`, `_`, `.` (at most 32).
    #[schema(max_length = 32, pattern = "^[A-Z0-9][A-Z0-9_.-]{0,31}$")]
    pub code: String,
    /// Title (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub title: String,
    /// Full text (at most 20,000 characters).
    #[schema(max_length = 20000, pattern = "^[^\\x00]*$")]
    pub text: String,
    /// Category slug within the report.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,31}$")]
    pub category: String,
    /// Order within the report (default: after the last one).
    #[schema(minimum = 0, maximum = 1000000)]
    pub position: Option<i32>,
    /// Its identifier in another system (unique within the report), e.g. a GAO number.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub external_id: Option<String>,
    /// The language title and text are written in: `en` (default), `ko` or `ja`.
    pub language: Option<Language>,
}

impl TryFrom<CreateRecommendationRequest> for NewRecommendationInput {
    type Error = ApiError;

    fn try_from(body: CreateRecommendationRequest) -> Result<Self, ApiError> {
        let mut checks = Checks::new();
        checks
            .code("/code", &body.code)
            .text("/title", body.title.trim(), 1, TITLE_MAX)
            .text("/text", &body.text, 0, TEXT_MAX)
            .slug("/category", &body.category, 32)
            .opt_text(
                "/external_id",
                body.external_id.as_deref().map(str::trim),
                1,
                EXTERNAL_ID_MAX,
            )
            .fail_if(
                body.position.is_some_and(|p| !(0..=1_000_000).contains(&p)),
                "/position",
                "must be between 0 and 1000000",
            );
        checks.finish()?;
        Ok(Self {
            title: body.title.trim().to_owned(),
            category_slug: body.category,
            code: body.code,
            external_id: body.external_id.map(|e| e.trim().to_owned()),
            body: body.text,
            position: body.position,
            language: body.language.unwrap_or(Language::En),
        })
    }
}

/// Query parameters of `list_reports`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportListParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
    /// Language to show texts in (`en`, `ko`, `ja`), falling back to the original; overrides
    /// `Accept-Language`.
    #[param(value_type = Option<Language>)]
    pub lang: Option<String>,
    /// `translations` to embed every translation; empty for none.
    #[param(value_type = Option<Vec<TranslationsEmbed>>, style = Form, explode = false)]
    pub include: Option<String>,
}

/// A new category of a report (admins only).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"slug": "industrial", "name": "Industrial"}))]
pub struct CreateCategoryRequest {
    /// Unique within the report: lower-case letters, digits, `-` (at most 32).
    #[schema(max_length = 32, pattern = "^[a-z0-9][a-z0-9-]{0,31}$")]
    pub slug: String,
    /// Display name (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub name: String,
    /// Order within the report (default: after the last one).
    #[schema(minimum = 0, maximum = 1000000)]
    pub position: Option<i32>,
    /// The language the name is (default: the report's) written in: `en` (default), `ko` or `ja`.
    pub language: Option<Language>,
}

impl TryFrom<CreateCategoryRequest> for CategoryInput {
    type Error = ApiError;

    fn try_from(body: CreateCategoryRequest) -> Result<Self, ApiError> {
        let mut checks = Checks::new();
        checks
            .slug("/slug", &body.slug, 32)
            .text("/name", body.name.trim(), 1, TITLE_MAX);
        check_position(&mut checks, body.position);
        checks.finish()?;
        Ok(Self {
            slug: body.slug,
            name: body.name.trim().to_owned(),
            position: body.position,
            language: body.language,
        })
    }
}

/// Changes to a category; absent fields stay as they are (admins only).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Political and diplomatic"}))]
pub struct UpdateCategoryRequest {
    /// New slug, unique within the report (lists filter by it; old links stop working).
    #[schema(max_length = 32, pattern = "^[a-z0-9][a-z0-9-]{0,31}$")]
    pub slug: Option<String>,
    /// Display name (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub name: Option<String>,
    /// Order within the report.
    #[schema(minimum = 0, maximum = 1000000)]
    pub position: Option<i32>,
    /// The language the name is written in; 409 while a translation into it exists.
    pub language: Option<Language>,
}

impl TryFrom<UpdateCategoryRequest> for CategoryChanges {
    type Error = ApiError;

    fn try_from(body: UpdateCategoryRequest) -> Result<Self, ApiError> {
        let mut checks = Checks::new();
        if let Some(slug) = &body.slug {
            checks.slug("/slug", slug, 32);
        }
        if let Some(name) = &body.name {
            checks.text("/name", name.trim(), 1, TITLE_MAX);
        }
        check_position(&mut checks, body.position);
        checks.finish()?;
        Ok(Self {
            slug: body.slug,
            name: body.name.map(|n| n.trim().to_owned()),
            position: body.position,
            language: body.language,
        })
    }
}

fn check_position(checks: &mut Checks, position: Option<i32>) {
    checks.fail_if(
        position.is_some_and(|p| !(0..=1_000_000).contains(&p)),
        "/position",
        "must be between 0 and 1000000",
    );
}
