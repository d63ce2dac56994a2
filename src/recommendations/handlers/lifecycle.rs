//! The status lifecycle over HTTP: the vocabulary, the allowed moves, and status changes.

use crate::auth::{AuthUser, ReadAccess};
use crate::domain::{Role, Status};
use crate::error::ApiError;
use crate::events::dto::Representation;
use crate::http::conditional::{self, json_with_etag, version_tag};
use crate::http::json::Json;
use crate::http::responses as r;
use crate::proposals::commands as proposals;
use crate::proposals::dto::ProposalDto;
use crate::recommendations::commands;
use crate::recommendations::dto::requests::ChangeStatusRequest;
use crate::recommendations::dto::{
    RecommendationDto, StatusInfo, StatusList, Transitions, recommendation_dto,
};
use crate::recommendations::model::listing::Embeds;
use crate::recommendations::queries;
use crate::reports::queries::reviews_closures;
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
///
/// Analysts, reviewers and admins. An analyst with agencies may change only recommendations
/// one of its agencies leads (403 names the agency needed). When the report reviews closures
/// (`review_closures`), an analyst's move to a closed status is not applied: it becomes a
/// proposal (202, `Location` to it) that a reviewer approves; reviewers and admins close
/// directly.
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
        (status = 202, description = "A closure proposal waiting for a reviewer", body = ProposalDto,
            headers(("Location" = String, description = "URL of the proposal"))),
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
    let id = id.into_inner();
    let represent = Representation::new(derivation);
    let mut conn = state.db.conn().await?;
    let closes_directly = user.role >= Role::Reviewer;
    if input.to.is_closed() && !closes_directly && reviews_closures(&mut conn, id).await? {
        let row =
            proposals::propose(&mut conn, user.actor(), id, expected, &input, &represent).await?;
        return Ok(HttpResponse::Accepted()
            .insert_header((header::LOCATION, format!("/api/v1/proposals/{}", row.0.id)))
            .json(ProposalDto::from(row)));
    }
    let view = commands::change_status(
        &mut conn,
        user.actor(),
        id,
        expected,
        &input,
        closes_directly,
        embeds,
        &represent,
    )
    .await?;
    let etag = version_tag(view.recommendation.version, &embeds.tag());
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(recommendation_dto(view, derivation)))
}
