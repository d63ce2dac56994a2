//! The status lifecycle over HTTP: the vocabulary, the allowed moves, and status changes.

use crate::auth::{AuthUser, ReadAccess};
use crate::domain::{Role, Status};
use crate::error::ApiError;
use crate::events::dto::Representation;
use crate::http::conditional::{self, json_with_etag, version_tag};
use crate::http::json::Json;
use crate::http::responses as r;
use crate::recommendations::commands;
use crate::recommendations::dto::requests::ChangeStatusRequest;
use crate::recommendations::dto::{
    RecommendationDto, StatusInfo, StatusList, Transitions, recommendation_dto,
};
use crate::recommendations::model::listing::Embeds;
use crate::recommendations::queries;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use uuid::Uuid;

/// List statuses
///
/// The implementation-status vocabulary with descriptions and crosswalks to the GAO
/// recommendation database and Canada's mandate letter tracker.
#[utoipa::path(
    tag = "statuses",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Every status", body = StatusList),
        r::NotModified,
        (status = 401, response = r::Unauthorized),
    )
)]
#[get("/statuses")]
pub async fn list_statuses(
    req: HttpRequest,
    _access: ReadAccess,
) -> Result<HttpResponse, ApiError> {
    let items = Status::ALL.iter().map(|&s| StatusInfo::of(s)).collect();
    json_with_etag(&req, &StatusList { items }, None)
}

/// List allowed transitions
///
/// The statuses a recommendation may move to from its current one.
#[utoipa::path(
    tag = "recommendations",
    params(("id" = Uuid, Path, description = "Recommendation id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Current status and allowed moves", body = Transitions),
        r::NotModified,
        r::ItemErrors,
    )
)]
#[get("/recommendations/{id}/transitions")]
pub async fn list_transitions(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let status = queries::status_of(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("recommendation", id))?;
    let body = Transitions {
        from: status,
        allowed: status.allowed_targets(),
    };
    json_with_etag(&req, &body, None)
}

/// Change status
///
/// Records a status change (and health) with its note and evidence, appends it to the
/// append-only history and the audit log in one transaction, and returns the updated
/// recommendation with its new ETag. Needs If-Match with the recommendation's ETag.
#[utoipa::path(
    tag = "recommendations",
    params(
        ("id" = Uuid, Path, description = "Recommendation id"),
        ("If-Match" = String, Header, description = "The recommendation's ETag as last read"),
    ),
    request_body = ChangeStatusRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated recommendation", body = RecommendationDto,
            headers(("ETag" = String, description = "The new version tag"))),
        r::VersionedWriteErrors,
        (status = 409, response = r::Conflict),
    )
)]
#[post("/recommendations/{id}/status")]
#[tracing::instrument(skip_all, fields(recommendation = %id))]
pub async fn change_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<ChangeStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Analyst)?;
    let expected = conditional::required_version(&req)?;
    let derivation = state.derivation();
    let input = body.into_inner().validate(derivation.today())?;
    let embeds = Embeds::DETAIL_DEFAULT;
    let mut conn = state.db.conn().await?;
    let view = commands::change_status(
        &mut conn,
        user.actor(),
        id.into_inner(),
        expected,
        &input,
        embeds,
        &Representation::new(derivation),
    )
    .await?;
    let etag = version_tag(view.recommendation.version, &embeds.tag());
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(recommendation_dto(view, derivation)))
}
