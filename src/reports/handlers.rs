//! Report endpoints.

use super::commands;
use super::dto::{
    CategoryDto, CreateCategoryRequest, CreateRecommendationRequest, CreateReportRequest,
    ReportDto, ReportListParams, UpdateCategoryRequest, UpdateReportRequest,
};
use super::model::{CategoryChanges, CategoryInput, ReportChanges, ReportInput, ReportRef};
use super::queries;
use crate::auth::{AuthUser, ReadAccess};
use crate::domain::Role;
use crate::error::ApiError;
use crate::events::dto::Representation;
use crate::http::conditional::{self, json_with_etag, json_with_version_and_body_tag, version_tag};
use crate::http::json::Json;
use crate::http::language;
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::recommendations::commands as recommendation_commands;
use crate::recommendations::dto::{RecommendationDto, recommendation_dto};
use crate::recommendations::model::NewRecommendationInput;
use crate::recommendations::model::listing::Embeds;
use crate::state::AppState;
use crate::translations::dto::{LanguageParams, embeds_translations};
use crate::translations::queries::localize_reports;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_reports)
        .service(get_report)
        .service(create_report)
        .service(update_report)
        .service(create_report_recommendation)
        .service(create_category)
        .service(update_category);
}

/// The id of the report `raw` (an id or a slug) names, or 404.
pub async fn report_id(conn: &mut AsyncPgConnection, raw: &str) -> Result<Uuid, ApiError> {
    queries::resolve(conn, &ReportRef::parse(raw))
        .await?
        .ok_or_else(|| ApiError::not_found("report", raw))
}

/// List reports
///
/// Tracked reports in the order they were added, with categories and counts.
#[utoipa::path(
    tag = "reports",
    params(ReportListParams, ("Accept-Language" = Option<String>, Header, description = "Languages to show texts in, most wanted first, e.g. `ko-KR,ko;q=0.9,en;q=0.8` (`lang=` overrides)")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of reports", body = Page<ReportDto>),
        r::NotModified,
        r::ListErrors,
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
    let after = pagination::cursor::<(DateTime<Utc>, Uuid)>(params.cursor.as_deref())?;
    let preference = language::preference(&req, params.lang.as_deref())?;
    let all = embeds_translations(params.include.as_deref())?;
    let mut conn = state.db.conn().await?;
    let mut rows = queries::list(&mut conn, after, limit).await?;
    localize_reports(&conn, &mut rows, &preference, all).await?;
    let page = pagination::into_page(
        rows,
        limit,
        |v| (v.report.created_at, v.report.id),
        ReportDto::from,
    );
    let mut response = json_with_etag(&req, &page, None)?;
    language::mark(
        &mut response,
        page.items.iter().map(|r| r.language),
        &preference,
    );
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

/// Get a report
///
/// One report with its categories and how many recommendations each holds.
#[utoipa::path(
    tag = "reports",
    params(("id" = String, Path, description = "Report id or slug"), LanguageParams, ("Accept-Language" = Option<String>, Header, description = "Languages to show texts in, most wanted first, e.g. `ko-KR,ko;q=0.9,en;q=0.8` (`lang=` overrides)")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The report with its categories and counts", body = ReportDto),
        r::NotModified,
        r::ItemErrors,
        (status = 422, response = r::Unprocessable),
    )
)]
#[get("/reports/{id}")]
pub async fn get_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<String>,
    params: web::Query<LanguageParams>,
) -> Result<HttpResponse, ApiError> {
    let preference = language::preference(&req, params.lang.as_deref())?;
    let all = embeds_translations(params.include.as_deref())?;
    let mut conn = state.db.conn().await?;
    let id = report_id(&mut conn, &id).await?;
    let mut views = Vec::from_iter(queries::find(&mut conn, id).await?);
    localize_reports(&conn, &mut views, &preference, all).await?;
    let view = views
        .pop()
        .ok_or_else(|| ApiError::not_found("report", id))?;
    let dto = ReportDto::from(view);
    let mut response = json_with_version_and_body_tag(&req, &dto, dto.version)?;
    language::mark(&mut response, Some(dto.language), &preference);
    Ok(response)
}

/// Update a report
///
/// Changes its details, its slug, or whether closures are reviewed (`review_closures`: an
/// analyst's move to a closed status then waits for a reviewer). Admins only; needs If-Match
/// with the report's ETag.
#[utoipa::path(
    tag = "reports",
    params(
        ("id" = String, Path, description = "Report id or slug"),
        ("If-Match" = String, Header, description = "The report's ETag as last read"),
    ),
    request_body = UpdateReportRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated report", body = ReportDto,
            headers(("ETag" = String, description = "The new version tag"))),
        r::VersionedWriteErrors,
        (status = 409, response = r::Conflict),
    )
)]
#[patch("/reports/{id}")]
#[tracing::instrument(skip_all)]
pub async fn update_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<String>,
    body: Json<UpdateReportRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let expected = conditional::required_version(&req)?;
    let changes = ReportChanges::try_from(body.into_inner())?;
    let mut conn = state.db.conn().await?;
    let id = report_id(&mut conn, &id).await?;
    let represent = Representation::new(state.derivation());
    let view =
        commands::update(&mut conn, user.actor(), id, expected, &changes, &represent).await?;
    let version = view.report.version;
    json_with_version_and_body_tag(&req, &ReportDto::from(view), version)
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
            headers(("Location" = String, description = "URL of the report")),
            links(("GetReport" = (operation_id = "get_report", parameters(("id" = "$response.body#/id")))), ("CreateRecommendation" = (operation_id = "create_report_recommendation", parameters(("id" = "$response.body#/id")))))),
        r::CreateErrors,
        (status = 409, response = r::Conflict),
    )
)]
#[post("/reports")]
#[tracing::instrument(skip_all)]
pub async fn create_report(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateReportRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let input = ReportInput::try_from(body.into_inner())?;
    let mut conn = state.db.conn().await?;
    let represent = Representation::new(state.derivation());
    let id = commands::create(&mut conn, user.actor(), &input, &represent).await?;
    let view = queries::find(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("report", id))?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/reports/{id}")))
        .json(ReportDto::from(view)))
}

/// Create a recommendation
///
/// Adds a recommendation to a report (admins only). It starts as `not_assessed`.
#[utoipa::path(
    tag = "reports",
    params(("id" = String, Path, description = "Report id or slug")),
    request_body = CreateRecommendationRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new recommendation", body = RecommendationDto,
            headers(("Location" = String, description = "URL of the recommendation"), ("ETag" = String, description = "Version tag")),
            links(("GetRecommendation" = (operation_id = "get_recommendation", parameters(("id" = "$response.body#/id")))), ("UpdateRecommendation" = (operation_id = "update_recommendation", parameters(("id" = "$response.body#/id"), ("If-Match" = "$response.header.ETag")))), ("ChangeStatus" = (operation_id = "change_status", parameters(("id" = "$response.body#/id"), ("If-Match" = "$response.header.ETag")))), ("ListHistory" = (operation_id = "list_recommendation_history", parameters(("id" = "$response.body#/id")))), ("CreateMilestone" = (operation_id = "create_milestone", parameters(("id" = "$response.body#/id")))))),
        r::CreateErrors,
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
    )
)]
#[post("/reports/{id}/recommendations")]
#[tracing::instrument(skip_all)]
pub async fn create_report_recommendation(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: Json<CreateRecommendationRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let input = NewRecommendationInput::try_from(body.into_inner())?;
    let derivation = state.derivation();
    let mut conn = state.db.conn().await?;
    let embeds = Embeds::DETAIL_DEFAULT;
    let represent = Representation::new(derivation);
    let (actor, report) = (user.actor(), report_id(&mut conn, &id).await?);
    let view =
        recommendation_commands::create(&mut conn, actor, report, &input, embeds, &represent)
            .await?;
    let location = format!("/api/v1/recommendations/{}", view.recommendation.id);
    let etag = version_tag(view.recommendation.version, &embeds.tag());
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag))
        .json(recommendation_dto(view, derivation)))
}

/// Add a category
///
/// Adds a category to a report (admins only); the report's version moves.
#[utoipa::path(
    tag = "reports",
    params(("id" = String, Path, description = "Report id or slug")),
    request_body = CreateCategoryRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new category", body = CategoryDto,
            headers(("ETag" = String, description = "Version tag")),
            links(("UpdateCategory" = (operation_id = "update_category", parameters(("id" = "$response.body#/id"), ("If-Match" = "$response.header.ETag")))))),
        r::CreateErrors,
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
    )
)]
#[post("/reports/{id}/categories")]
#[tracing::instrument(skip_all)]
pub async fn create_category(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: Json<CreateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let input = CategoryInput::try_from(body.into_inner())?;
    let mut conn = state.db.conn().await?;
    let report = report_id(&mut conn, &id).await?;
    let represent = Representation::new(state.derivation());
    let (category, count) =
        commands::create_category(&mut conn, user.actor(), report, &input, &represent).await?;
    let etag = version_tag(category.version, "");
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag))
        .json(CategoryDto::new(category, count)))
}

/// Update a category
///
/// Renames, re-slugs or moves a category (admins only). If-Match takes the ETag of its
/// creation or last update, or `"v<version>"` with the `version` the report lists for it.
#[utoipa::path(
    tag = "reports",
    params(
        ("id" = Uuid, Path, description = "Category id"),
        ("If-Match" = String, Header, description = "The category's ETag"),
    ),
    request_body = UpdateCategoryRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated category", body = CategoryDto,
            headers(("ETag" = String, description = "The new version tag"))),
        r::VersionedWriteErrors,
        (status = 409, response = r::Conflict),
    )
)]
#[patch("/categories/{id}")]
#[tracing::instrument(skip_all)]
pub async fn update_category(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let expected = conditional::required_version(&req)?;
    let changes = CategoryChanges::try_from(body.into_inner())?;
    let mut conn = state.db.conn().await?;
    let represent = Representation::new(state.derivation());
    let (category, count) = commands::update_category(
        &mut conn,
        user.actor(),
        id.into_inner(),
        expected,
        &changes,
        &represent,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, version_tag(category.version, "")))
        .json(CategoryDto::new(category, count)))
}
