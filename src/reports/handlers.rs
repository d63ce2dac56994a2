//! Report endpoints.

use super::commands;
use super::dto::{CreateRecommendationRequest, CreateReportRequest, ReportDto, ReportListParams};
use super::model::NewReport;
use super::queries;
use crate::auth::{AuthUser, ReadAccess};
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::conditional::{json_with_etag, version_tag};
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::http::validate::{Checks, NOTE_MAX, TEXT_MAX, TITLE_MAX};
use crate::recommendations::dto::{RecommendationDto, recommendation_dto};
use crate::recommendations::listing::Embeds;
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_reports)
        .service(get_report)
        .service(create_report)
        .service(create_report_recommendation);
}

/// List reports
///
/// Tracked reports in the order they were added, with categories and counts.
#[utoipa::path(
    tag = "reports",
    params(ReportListParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of reports", body = Page<ReportDto>),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/reports")]
pub async fn list_reports(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    params: web::Query<ReportListParams>,
) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(params.limit.as_deref())?;
    let after = params
        .cursor
        .as_deref()
        .map(pagination::decode_cursor::<(DateTime<Utc>, Uuid)>)
        .transpose()?;
    let mut conn = state.pool.get().await?;
    let rows = queries::list(&mut conn, after, limit).await?;
    let page = pagination::into_page(
        rows,
        limit,
        |v| (v.report.created_at, v.report.id),
        ReportDto::from,
    );
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

/// Get a report
#[utoipa::path(
    tag = "reports",
    params(("id" = Uuid, Path, description = "Report id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The report with its categories and counts", body = ReportDto),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/reports/{id}")]
pub async fn get_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let view = queries::find(&mut conn, id)
        .await?
        .ok_or_else(|| commands::not_found(id))?;
    json_with_etag(&req, &ReportDto::from(view), None)
}

/// Create a report
///
/// Starts tracking another report, with its categories (admins only).
#[utoipa::path(
    tag = "reports",
    request_body = CreateReportRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new report", body = ReportDto,
            headers(("Location" = String, description = "URL of the report"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 409, response = r::Conflict),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/reports")]
#[tracing::instrument(skip_all)]
pub async fn create_report(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<CreateReportRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let body = body.into_inner();
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
    let categories: Vec<(String, String)> = body
        .categories
        .iter()
        .map(|c| (c.slug.clone(), c.name.trim().to_owned()))
        .collect();
    let mut conn = state.pool.get().await?;
    let id = commands::create(
        &mut conn,
        &user,
        NewReport {
            slug: &body.slug,
            title: body.title.trim(),
            publisher: body.publisher.trim(),
            published_on: body.published_on,
            source_url: body.source_url.as_deref(),
            summary: &body.summary,
        },
        &categories,
    )
    .await?;
    let view = queries::find(&mut conn, id)
        .await?
        .ok_or_else(|| commands::not_found(id))?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/reports/{id}")))
        .json(ReportDto::from(view)))
}

/// Create a recommendation
///
/// Adds a recommendation to a report (admins only). It starts as `not_assessed`.
#[utoipa::path(
    tag = "reports",
    params(("id" = Uuid, Path, description = "Report id")),
    request_body = CreateRecommendationRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new recommendation", body = RecommendationDto,
            headers(("Location" = String, description = "URL of the recommendation"), ("ETag" = String, description = "Version tag"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/reports/{id}/recommendations")]
#[tracing::instrument(skip_all)]
pub async fn create_report_recommendation(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<CreateRecommendationRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let body = body.into_inner();
    let mut checks = Checks::new();
    checks
        .code("/code", &body.code)
        .text("/title", body.title.trim(), 1, TITLE_MAX)
        .text("/text", &body.text, 0, TEXT_MAX)
        .slug("/category", &body.category, 32)
        .fail_if(
            body.position.is_some_and(|p| !(0..=1_000_000).contains(&p)),
            "/position",
            "must be between 0 and 1000000",
        );
    checks.finish()?;
    let derivation = state.derivation();
    let mut conn = state.pool.get().await?;
    let view = commands::add_recommendation(
        &mut conn,
        &user,
        id.into_inner(),
        commands::RecommendationInput {
            category_slug: &body.category,
            code: &body.code,
            title: body.title.trim(),
            body: &body.text,
            position: body.position,
        },
        Embeds::DETAIL_DEFAULT,
    )
    .await?;
    let rec_id = view.recommendation.id;
    let etag = version_tag(view.recommendation.version, &Embeds::DETAIL_DEFAULT.tag());
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/recommendations/{rec_id}"),
        ))
        .insert_header((header::ETAG, etag))
        .json(recommendation_dto(view, derivation)))
}
