//! PATCH /recommendations/{id}: owners, priority and target date (analysts), and the report's
//! own wording and category (admins).

use super::commands::{self, RecommendationChanges};
use super::dto::{RecommendationDto, recommendation_dto};
use crate::auth::AuthUser;
use crate::domain::{AgencyRole, Priority, Role};
use crate::error::ApiError;
use crate::http::conditional::{self, version_tag};
use crate::http::responses as r;
use crate::http::validate::{Checks, TEXT_MAX, TITLE_MAX, double_option};
use crate::recommendations::listing::Embeds;
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, patch, web};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashSet;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

const MAX_SUPPORTING: usize = 50;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(update_recommendation);
}

/// A supporting agency assignment.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportingAgencyInput {
    /// The agency.
    pub agency_id: Uuid,
    /// How it takes part (default `supporting`).
    #[serde(default = "default_role")]
    pub role: AgencyRole,
}

fn default_role() -> AgencyRole {
    AgencyRole::Supporting
}

/// Changes to a recommendation; absent fields stay as they are, `null` clears a field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "lead_agency_id": "7d1c6a57-3f0e-4b8e-9a43-1c2b9f0d7e11",
    "supporting_agencies": [{"agency_id": "0b9d2f3e-8c41-4a5f-9e6d-2a7c1b3e4f50", "role": "supporting"}],
    "priority": "high",
    "target_on": "2027-06-30"
}))]
pub struct UpdateRecommendationRequest {
    /// The lead agency (null to clear). Analysts and admins.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub lead_agency_id: Option<Option<Uuid>>,
    /// The complete set of supporting agencies (replaces the current set). Analysts and admins.
    pub supporting_agencies: Option<Vec<SupportingAgencyInput>>,
    /// Priority (null to clear). Analysts and admins.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Priority>)]
    pub priority: Option<Option<Priority>>,
    /// Target date (null to clear). Analysts and admins.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub target_on: Option<Option<NaiveDate>>,
    /// Title, 1 to 300 characters. Admins only.
    #[schema(min_length = 1, max_length = 300, pattern = "\\S")]
    pub title: Option<String>,
    /// Full text, at most 20,000 characters. Admins only.
    #[schema(max_length = 20000)]
    pub text: Option<String>,
    /// Category slug within the same report. Admins only.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,31}$")]
    pub category: Option<String>,
}

/// Update a recommendation
///
/// Analysts set the lead agency, supporting agencies, priority and target date; admins also
/// the title, text and category. Needs If-Match with the recommendation's ETag.
#[utoipa::path(
    tag = "recommendations",
    params(
        ("id" = Uuid, Path, description = "Recommendation id"),
        ("If-Match" = String, Header, description = "The recommendation's ETag as last read"),
    ),
    request_body = UpdateRecommendationRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated recommendation", body = RecommendationDto,
            headers(("ETag" = String, description = "The new version tag"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 412, response = r::PreconditionFailed),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 428, response = r::PreconditionRequired),
        (status = 503, response = r::Unavailable),
    )
)]
#[patch("/recommendations/{id}")]
#[tracing::instrument(skip_all, fields(recommendation = %id))]
pub async fn update_recommendation(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<UpdateRecommendationRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Analyst)?;
    let body = body.into_inner();
    if !user.is_admin() && (body.title.is_some() || body.text.is_some() || body.category.is_some())
    {
        return Err(ApiError::Forbidden(
            "title, text and category need the admin role".into(),
        ));
    }
    let expected = conditional::required_version(&req)?;
    let id = id.into_inner();
    let changes = validate(body)?;
    let derivation = state.derivation();
    let mut conn = state.pool.get().await?;
    let view = commands::update(
        &mut conn,
        &user,
        id,
        expected,
        &changes,
        Embeds::DETAIL_DEFAULT,
    )
    .await?;
    let etag = version_tag(view.recommendation.version, &Embeds::DETAIL_DEFAULT.tag());
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(recommendation_dto(view, derivation)))
}

fn validate(body: UpdateRecommendationRequest) -> Result<RecommendationChanges, ApiError> {
    let mut checks = Checks::new();
    checks
        .opt_text("/title", body.title.as_deref().map(str::trim), 1, TITLE_MAX)
        .opt_text("/text", body.text.as_deref(), 0, TEXT_MAX);
    if let Some(slug) = &body.category {
        checks.slug("/category", slug, 32);
    }
    if let Some(list) = &body.supporting_agencies {
        checks.fail_if(
            list.len() > MAX_SUPPORTING,
            "/supporting_agencies",
            format!("at most {MAX_SUPPORTING} agencies"),
        );
        let mut seen = HashSet::new();
        for (i, entry) in list.iter().enumerate() {
            checks.fail_if(
                !seen.insert(entry.agency_id),
                &format!("/supporting_agencies/{i}/agency_id"),
                "appears twice",
            );
            checks.fail_if(
                body.lead_agency_id == Some(Some(entry.agency_id)),
                &format!("/supporting_agencies/{i}/agency_id"),
                "is also the lead agency",
            );
        }
    }
    checks.finish()?;
    Ok(RecommendationChanges {
        lead_agency_id: body.lead_agency_id,
        supporting: body
            .supporting_agencies
            .map(|list| list.into_iter().map(|s| (s.agency_id, s.role)).collect()),
        priority: body.priority,
        target_on: body.target_on,
        title: body.title.map(|t| t.trim().to_owned()),
        body: body.text,
        category_slug: body.category,
    })
}
