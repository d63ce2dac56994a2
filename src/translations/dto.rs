//! Translation bodies: what a PUT sends for each kind of subject, and how a translation is
//! shown (alone, or in `translations` with `include=translations`).

use super::model::{Subject, Translation, TranslationInput};
use crate::domain::Language;
use crate::error::ApiError;
use crate::http::validate::{Checks, TEXT_MAX, TITLE_MAX};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A recommendation's title and text in another language.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationTranslationRequest {
    /// The title (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub title: String,
    /// The full text (1 to 20000 characters).
    #[schema(
        min_length = 1,
        max_length = 20000,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub text: String,
    /// Whether a machine made it (default false).
    #[serde(default)]
    pub machine_translated: bool,
}

/// A report's title and summary in another language.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportTranslationRequest {
    /// The title (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub title: String,
    /// The summary (at most 20000 characters; default empty).
    #[serde(default)]
    #[schema(max_length = 20000, pattern = "^[^\\x00]*$")]
    pub summary: String,
    /// Whether a machine made it (default false).
    #[serde(default)]
    pub machine_translated: bool,
}

/// A category's or an agency's name in another language.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameTranslationRequest {
    /// The name (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub name: String,
    /// Whether a machine made it (default false).
    #[serde(default)]
    pub machine_translated: bool,
}

fn validated(
    title_field: &str,
    title: &str,
    body_field: Option<(&str, &str, usize)>,
    machine_translated: bool,
) -> Result<TranslationInput, ApiError> {
    let mut checks = Checks::new();
    checks.text(title_field, title.trim(), 1, TITLE_MAX);
    if let Some((field, body, min)) = body_field {
        checks.text(field, body.trim(), min, TEXT_MAX);
    }
    checks.finish()?;
    Ok(TranslationInput {
        title: title.trim().to_owned(),
        body: body_field.map_or_else(String::new, |(_, body, _)| body.trim().to_owned()),
        machine_translated,
    })
}

impl TryFrom<RecommendationTranslationRequest> for TranslationInput {
    type Error = ApiError;

    fn try_from(body: RecommendationTranslationRequest) -> Result<Self, ApiError> {
        let text = Some(("/text", body.text.as_str(), 1));
        validated("/title", &body.title, text, body.machine_translated)
    }
}

impl TryFrom<ReportTranslationRequest> for TranslationInput {
    type Error = ApiError;

    fn try_from(body: ReportTranslationRequest) -> Result<Self, ApiError> {
        let summary = Some(("/summary", body.summary.as_str(), 0));
        validated("/title", &body.title, summary, body.machine_translated)
    }
}

impl TryFrom<NameTranslationRequest> for TranslationInput {
    type Error = ApiError;

    fn try_from(body: NameTranslationRequest) -> Result<Self, ApiError> {
        validated("/name", &body.name, None, body.machine_translated)
    }
}

/// A text in one language other than the original's. Recommendations carry `title` and
/// `text`, reports `title` and `summary`, categories and agencies `name`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TranslationDto {
    /// The language (ISO 639-1).
    pub language: Language,
    /// Title (recommendations and reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Full text (recommendations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Summary (reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Name (categories and agencies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether a machine made it.
    pub machine_translated: bool,
    /// Who wrote it (email), if known.
    #[schema(required = true)]
    pub author: Option<String>,
    /// When it was first written.
    #[serde(serialize_with = "crate::http::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "crate::http::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

impl TranslationDto {
    pub fn new(subject: Subject, t: Translation) -> Self {
        let (title, text, summary, name) = match subject {
            Subject::Recommendation => (Some(t.title), Some(t.body), None, None),
            Subject::Report => (Some(t.title), None, Some(t.body), None),
            Subject::Category | Subject::Agency => (None, None, None, Some(t.title)),
        };
        Self {
            language: t.language,
            title,
            text,
            summary,
            name,
            machine_translated: t.machine_translated,
            author: t.author_email,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }

    /// `translations` of a representation, when they were asked for.
    pub fn all(subject: Subject, rows: Option<Vec<Translation>>) -> Option<Vec<Self>> {
        rows.map(|rows| rows.into_iter().map(|t| Self::new(subject, t)).collect())
    }
}

/// The subject and language of a translation.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TranslationPath {
    /// The subject's id.
    pub id: Uuid,
    /// The language (`en`, `ko` or `ja`).
    #[param(value_type = Language, example = "ko")]
    pub lang: String,
}

impl TranslationPath {
    pub fn language(&self) -> Result<Language, ApiError> {
        self.lang
            .parse()
            .map_err(|message| ApiError::invalid("lang", message))
    }
}

/// What a report or an agency may embed.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TranslationsEmbed {
    Translations,
}

/// Whether `include` asks for every translation (`translations`; empty for none).
pub fn embeds_translations(include: Option<&str>) -> Result<bool, ApiError> {
    let mut all = false;
    for name in include.unwrap_or_default().split(',').map(str::trim) {
        match name {
            "" => {}
            "translations" => all = true,
            other => {
                return Err(ApiError::invalid(
                    "query.include",
                    format!("unknown embed {other:?}; use translations"),
                ));
            }
        }
    }
    Ok(all)
}

/// The language parameters of a single read.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LanguageParams {
    /// Language to show texts in (`en`, `ko`, `ja`), falling back to the original; overrides
    /// `Accept-Language`.
    #[param(value_type = Option<Language>)]
    pub lang: Option<String>,
    /// `translations` to embed every translation; empty for none.
    #[param(value_type = Option<Vec<TranslationsEmbed>>, style = Form, explode = false)]
    pub include: Option<String>,
}
