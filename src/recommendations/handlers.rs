//! Recommendation endpoints.

use super::dto::{Derivation, RecommendationDto, RecommendationListParams, recommendation_dto};
use super::queries::{self, RecommendationFilter, ReportOrderKey};
use crate::auth::ReadAccess;
use crate::domain::Status;
use crate::error::ApiError;
use crate::http::conditional::{json_with_etag, version_tag};
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_recommendations)
        .service(get_recommendation);
}

/// List recommendations
///
/// Recommendations in report order with their category, agencies and progress, one keyset
/// page at a time.
#[utoipa::path(
    tag = "recommendations",
    security((), ("bearer" = [])),
    params(RecommendationListParams),
    responses(
        (status = 200, description = "A page of recommendations", body = Page<RecommendationDto>,
            headers(("ETag" = String, description = "Weak tag of this page"),
                    ("Link" = String, description = "`<...>; rel=\"next\"` when more pages exist"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/recommendations")]
#[tracing::instrument(skip(state, req))]
pub async fn list_recommendations(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    params: web::Query<RecommendationListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let limit = pagination::limit(params.limit)?;
    let filter = RecommendationFilter {
        report_id: params.report,
        category_slug: params.category,
        statuses: parse_statuses(params.status.as_deref())?,
        after: params
            .cursor
            .as_deref()
            .map(pagination::decode_cursor::<ReportOrderKey>)
            .transpose()?,
        limit,
    };
    let derivation = state.derivation();
    let mut conn = state.pool.get().await?;
    let views = queries::list(&mut conn, &filter, derivation.today()).await?;
    drop(conn);
    let page = pagination::into_page(
        views,
        limit,
        |v| v.order_key(),
        |v| recommendation_dto(v, derivation),
    );
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

/// Get a recommendation
///
/// One recommendation with its agencies, milestones, progress and latest status change.
#[utoipa::path(
    tag = "recommendations",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Recommendation id")),
    responses(
        (status = 200, description = "The recommendation", body = RecommendationDto,
            headers(("ETag" = String, description = "Strong tag; send it as If-Match to change the recommendation"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/recommendations/{id}")]
#[tracing::instrument(skip(state, req))]
pub async fn get_recommendation(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let derivation = state.derivation();
    let mut conn = state.pool.get().await?;
    let view = queries::find(&mut conn, id, derivation.today())
        .await?
        .ok_or(ApiError::NotFound {
            resource: "recommendation",
            id: id.to_string(),
        })?;
    drop(conn);
    let etag = version_tag(view.recommendation.version, "");
    json_with_etag(&req, &recommendation_dto(view, derivation), Some(etag))
}

/// Parses a comma-separated status list.
fn parse_statuses(raw: Option<&str>) -> Result<Vec<Status>, ApiError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<Status>()
                .map_err(|e| ApiError::invalid("query.status", format!("{s:?} {e}")))
        })
        .collect()
}

impl AppState {
    pub fn derivation(&self) -> Derivation {
        Derivation {
            now: chrono::Utc::now(),
            stale_after_days: self.config.stale_after_days,
        }
    }
}
