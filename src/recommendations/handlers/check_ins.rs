//! Progress check-ins: the analyst's everyday act, between status changes.

use crate::auth::{AuthUser, ReadAccess};
use crate::domain::Role;
use crate::error::ApiError;
use crate::events::dto::Representation;
use crate::http::conditional::{self, json_with_etag, version_tag};
use crate::http::json::Json;
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::recommendations::commands;
use crate::recommendations::dto::CheckInDto;
use crate::recommendations::dto::params::HistoryParams;
use crate::recommendations::dto::requests::CheckInRequest;
use crate::recommendations::model::listing::Embeds;
use crate::recommendations::queries;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Post a check-in
///
/// A dated progress note, with evidence and perhaps a new health, without a status change
/// (analysts and up). The recommendation is no longer stale, and gets a new version: the
/// answer carries its new ETag. Needs If-Match with the recommendation's ETag. An analyst
/// with agencies may post only where one of them leads or supports the recommendation (403
/// names the agencies that would do); read tokens never write.
#[utoipa::path(
    tag = "recommendations",
    params(
        ("id" = Uuid, Path, description = "Recommendation id"),
        ("If-Match" = String, Header, description = "The recommendation's ETag as last read"),
    ),
    request_body = CheckInRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The check-in", body = CheckInDto,
            headers(("ETag" = String, description = "The recommendation's new version tag"))),
        r::VersionedWriteErrors,
    )
)]
#[post("/recommendations/{id}/check-ins")]
#[tracing::instrument(skip_all, fields(recommendation = %id))]
pub async fn create_check_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<CheckInRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Analyst)?;
    let expected = conditional::required_version(&req)?;
    let derivation = state.derivation();
    let input = body.into_inner().validate(derivation.today())?;
    let embeds = Embeds::DETAIL_DEFAULT;
    let mut conn = state.db.conn().await?;
    let (check_in, view) = commands::check_in(
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
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag))
        .json(CheckInDto::from(check_in)))
}

/// List check-ins
///
/// A recommendation's check-ins, newest first.
#[utoipa::path(
    tag = "recommendations",
    params(("id" = Uuid, Path, description = "Recommendation id"), HistoryParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of check-ins", body = Page<CheckInDto>),
        r::NotModified,
        r::ItemErrors,
        (status = 422, response = r::Unprocessable),
    )
)]
#[get("/recommendations/{id}/check-ins")]
#[tracing::instrument(skip_all)]
pub async fn list_check_ins(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<Uuid>,
    params: web::Query<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let limit = pagination::limit(params.limit.as_deref())?;
    let before = pagination::cursor::<(DateTime<Utc>, Uuid)>(params.cursor.as_deref())?;
    let mut conn = state.db.conn().await?;
    if queries::status_of(&mut conn, id).await?.is_none() {
        return Err(ApiError::not_found("recommendation", id));
    }
    let rows = queries::check_ins_page(&mut conn, id, before, limit).await?;
    let page = pagination::into_page(rows, limit, |c| (c.recorded_at, c.id), CheckInDto::from);
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}
