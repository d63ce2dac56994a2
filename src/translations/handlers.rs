//! Translation endpoints: `PUT` and `DELETE /api/v1/{recommendations|reports|categories|agencies}/{id}/translations/{lang}`
//! (admins, with If-Match of the subject's version). Reads carry translations through each
//! resource's own GETs (`Accept-Language`, `lang=`, `include=translations`).

use super::commands::{self, Write, Written};
use super::dto::{
    NameTranslationRequest, RecommendationTranslationRequest, ReportTranslationRequest,
    TranslationDto, TranslationPath,
};
use super::model::{Subject, TranslationInput};
use crate::auth::AuthUser;
use crate::domain::Role;
use crate::error::ApiError;
use crate::events::dto::Representation;
use crate::http::conditional::{self, version_tag};
use crate::http::json::Json;
use crate::http::responses as r;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(update_recommendation_translation)
        .service(delete_recommendation_translation)
        .service(update_report_translation)
        .service(delete_report_translation)
        .service(update_category_translation)
        .service(delete_category_translation)
        .service(update_agency_translation)
        .service(delete_agency_translation);
}

/// Translate a recommendation
///
/// Writes the recommendation's title and text in language `lang` (admins only), with If-Match of the
/// recommendation's ETag; the recommendation gets a new version. Not for the original's own language.
#[utoipa::path(
    tag = "recommendations",
    params(TranslationPath, ("If-Match" = String, Header, description = "The recommendation's ETag as last read")),
    request_body = RecommendationTranslationRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The translation, replaced", body = TranslationDto,
            headers(("ETag" = String, description = "The recommendation's new version tag"))),
        (status = 201, description = "The translation, new", body = TranslationDto,
            headers(("ETag" = String, description = "The recommendation's new version tag"))),
        r::VersionedWriteErrors,
    )
)]
#[put("/recommendations/{id}/translations/{lang}")]
#[tracing::instrument(skip_all)]
pub async fn update_recommendation_translation(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<TranslationPath>,
    body: Json<RecommendationTranslationRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = TranslationInput::try_from(body.into_inner());
    put(&state, &req, &user, Subject::Recommendation, &path, input).await
}

/// Remove a recommendation's translation
///
/// Deletes the recommendation's translation into `lang` (admins only), with If-Match of the
/// recommendation's ETag; the recommendation gets a new version.
#[utoipa::path(
    tag = "recommendations",
    params(TranslationPath, ("If-Match" = String, Header, description = "The recommendation's ETag as last read")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed",
            headers(("ETag" = String, description = "The recommendation's new version tag"))),
        r::DeleteErrors,
        (status = 422, response = r::Unprocessable),
    )
)]
#[delete("/recommendations/{id}/translations/{lang}")]
#[tracing::instrument(skip_all)]
pub async fn delete_recommendation_translation(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<TranslationPath>,
) -> Result<HttpResponse, ApiError> {
    remove(&state, &req, &user, Subject::Recommendation, &path).await
}

/// Translate a report
///
/// Writes the report's title and summary in language `lang` (admins only), with If-Match of the
/// report's ETag; the report gets a new version. Not for the original's own language.
#[utoipa::path(
    tag = "reports",
    params(TranslationPath, ("If-Match" = String, Header, description = "The report's ETag as last read")),
    request_body = ReportTranslationRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The translation, replaced", body = TranslationDto,
            headers(("ETag" = String, description = "The report's new version tag"))),
        (status = 201, description = "The translation, new", body = TranslationDto,
            headers(("ETag" = String, description = "The report's new version tag"))),
        r::VersionedWriteErrors,
    )
)]
#[put("/reports/{id}/translations/{lang}")]
#[tracing::instrument(skip_all)]
pub async fn update_report_translation(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<TranslationPath>,
    body: Json<ReportTranslationRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = TranslationInput::try_from(body.into_inner());
    put(&state, &req, &user, Subject::Report, &path, input).await
}

/// Remove a report's translation
///
/// Deletes the report's translation into `lang` (admins only), with If-Match of the
/// report's ETag; the report gets a new version.
#[utoipa::path(
    tag = "reports",
    params(TranslationPath, ("If-Match" = String, Header, description = "The report's ETag as last read")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed",
            headers(("ETag" = String, description = "The report's new version tag"))),
        r::DeleteErrors,
        (status = 422, response = r::Unprocessable),
    )
)]
#[delete("/reports/{id}/translations/{lang}")]
#[tracing::instrument(skip_all)]
pub async fn delete_report_translation(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<TranslationPath>,
) -> Result<HttpResponse, ApiError> {
    remove(&state, &req, &user, Subject::Report, &path).await
}

/// Translate a category
///
/// Writes the category's name in language `lang` (admins only), with If-Match of the
/// category's ETag; the category gets a new version. Not for the original's own language.
#[utoipa::path(
    tag = "reports",
    params(TranslationPath, ("If-Match" = String, Header, description = "The category's ETag as last read")),
    request_body = NameTranslationRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The translation, replaced", body = TranslationDto,
            headers(("ETag" = String, description = "The category's new version tag"))),
        (status = 201, description = "The translation, new", body = TranslationDto,
            headers(("ETag" = String, description = "The category's new version tag"))),
        r::VersionedWriteErrors,
    )
)]
#[put("/categories/{id}/translations/{lang}")]
#[tracing::instrument(skip_all)]
pub async fn update_category_translation(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<TranslationPath>,
    body: Json<NameTranslationRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = TranslationInput::try_from(body.into_inner());
    put(&state, &req, &user, Subject::Category, &path, input).await
}

/// Remove a category's translation
///
/// Deletes the category's translation into `lang` (admins only), with If-Match of the
/// category's ETag; the category gets a new version.
#[utoipa::path(
    tag = "reports",
    params(TranslationPath, ("If-Match" = String, Header, description = "The category's ETag as last read")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed",
            headers(("ETag" = String, description = "The category's new version tag"))),
        r::DeleteErrors,
        (status = 422, response = r::Unprocessable),
    )
)]
#[delete("/categories/{id}/translations/{lang}")]
#[tracing::instrument(skip_all)]
pub async fn delete_category_translation(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<TranslationPath>,
) -> Result<HttpResponse, ApiError> {
    remove(&state, &req, &user, Subject::Category, &path).await
}

/// Translate a agency
///
/// Writes the agency's name in language `lang` (admins only), with If-Match of the
/// agency's ETag; the agency gets a new version. Not for the original's own language.
#[utoipa::path(
    tag = "agencies",
    params(TranslationPath, ("If-Match" = String, Header, description = "The agency's ETag as last read")),
    request_body = NameTranslationRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The translation, replaced", body = TranslationDto,
            headers(("ETag" = String, description = "The agency's new version tag"))),
        (status = 201, description = "The translation, new", body = TranslationDto,
            headers(("ETag" = String, description = "The agency's new version tag"))),
        r::VersionedWriteErrors,
    )
)]
#[put("/agencies/{id}/translations/{lang}")]
#[tracing::instrument(skip_all)]
pub async fn update_agency_translation(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<TranslationPath>,
    body: Json<NameTranslationRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = TranslationInput::try_from(body.into_inner());
    put(&state, &req, &user, Subject::Agency, &path, input).await
}

/// Remove a agency's translation
///
/// Deletes the agency's translation into `lang` (admins only), with If-Match of the
/// agency's ETag; the agency gets a new version.
#[utoipa::path(
    tag = "agencies",
    params(TranslationPath, ("If-Match" = String, Header, description = "The agency's ETag as last read")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed",
            headers(("ETag" = String, description = "The agency's new version tag"))),
        r::DeleteErrors,
        (status = 422, response = r::Unprocessable),
    )
)]
#[delete("/agencies/{id}/translations/{lang}")]
#[tracing::instrument(skip_all)]
pub async fn delete_agency_translation(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<TranslationPath>,
) -> Result<HttpResponse, ApiError> {
    remove(&state, &req, &user, Subject::Agency, &path).await
}

/// Role, If-Match and body are checked before anything is read: a refusal writes nothing.
async fn put(
    state: &AppState,
    req: &HttpRequest,
    user: &AuthUser,
    subject: Subject,
    path: &TranslationPath,
    input: Result<TranslationInput, ApiError>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let expected = conditional::required_version(req)?;
    let language = path.language()?;
    let input = input?;
    let written = write(
        state,
        user,
        subject,
        path,
        language,
        expected,
        Write::Put(&input),
    )
    .await?;
    let mut response = if written.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    let etag = version_tag(written.version, "");
    let translation = written
        .translation
        .ok_or_else(|| anyhow::anyhow!("a put translation was not read back"))?;
    Ok(response
        .insert_header((header::ETAG, etag))
        .json(TranslationDto::new(subject, translation)))
}

async fn remove(
    state: &AppState,
    req: &HttpRequest,
    user: &AuthUser,
    subject: Subject,
    path: &TranslationPath,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let expected = conditional::required_version(req)?;
    let language = path.language()?;
    let written = write(
        state,
        user,
        subject,
        path,
        language,
        expected,
        Write::Delete,
    )
    .await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::ETAG, version_tag(written.version, "")))
        .finish())
}

async fn write(
    state: &AppState,
    user: &AuthUser,
    subject: Subject,
    path: &TranslationPath,
    language: crate::domain::Language,
    expected: i32,
    change: Write<'_>,
) -> Result<Written, ApiError> {
    let mut conn = state.db.conn().await?;
    let represent = Representation::new(state.derivation());
    let actor = user.actor();
    commands::write(
        &mut conn, actor, subject, path.id, language, expected, change, &represent,
    )
    .await
}
