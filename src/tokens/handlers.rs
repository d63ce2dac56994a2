//! Machine tokens over HTTP: any signed-in person manages their own; admins see and revoke
//! everyone's. A machine token cannot manage tokens.

use super::commands;
use super::dto::{
    CreateMachineTokenRequest, CreatedMachineToken, MachineTokenDto, MachineTokenListParams,
};
use super::queries;
use crate::auth::{AuthUser, machine_token};
use crate::error::ApiError;
use crate::http::conditional::json_with_etag;
use crate::http::json::Json;
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_machine_token)
        .service(list_machine_tokens)
        .service(revoke_machine_token);
}

/// Create a machine token
///
/// A token for a dashboard or a script, acting as the caller with the caller's role and
/// agencies, capped by `access` (a `read` token gets 403 on every write) and `report`. The
/// token is in this answer only. Any signed-in person may create one; a machine token may
/// not (403).
#[utoipa::path(
    tag = "tokens",
    request_body = CreateMachineTokenRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new token, shown once", body = CreatedMachineToken,
            headers(("Location" = String, description = "URL of the token"))),
        r::CreateErrors,
    )
)]
#[post("/tokens")]
#[tracing::instrument(skip_all)]
pub async fn create_machine_token(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateMachineTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require_signed_in_person()?;
    let input = body.into_inner().validate(state.derivation().today())?;
    let token = machine_token::generate().map_err(ApiError::Internal)?;
    let mut conn = state.db.conn().await?;
    let created = commands::create(
        &mut conn,
        user.actor(),
        &input,
        &machine_token::hash(&token),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/tokens/{}", created.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedMachineToken {
            settings: created.into(),
            token,
        }))
}

/// List machine tokens
///
/// The caller's tokens, oldest first; an admin sees everyone's. Never the tokens themselves.
#[utoipa::path(
    tag = "tokens",
    params(MachineTokenListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of tokens", body = Page<MachineTokenDto>),
        r::NotModified,
        r::ListErrors,
    )
)]
#[get("/tokens")]
#[tracing::instrument(skip_all)]
pub async fn list_machine_tokens(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    params: web::Query<MachineTokenListParams>,
) -> Result<HttpResponse, ApiError> {
    let (limit, after) = params.page()?;
    let owner = (!user.is_admin()).then_some(user.id);
    let mut conn = state.db.conn().await?;
    let rows = queries::list(&mut conn, owner, after, limit).await?;
    drop(conn);
    let page = pagination::into_page(rows, limit, |t| (t.created_at, t.id), MachineTokenDto::from);
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

/// Revoke a machine token
///
/// Deletes the token: it stops working at once on this instance and within the read
/// cache's window (`POLICYTRACK_READ_CACHE_MS`, 250 ms by default) on every other. The
/// caller's own tokens, or anyone's for an admin (404 for another's otherwise). Needs a
/// signed-in person, not a machine token (403).
#[utoipa::path(
    tag = "tokens",
    params(("id" = Uuid, Path, description = "Token id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[delete("/tokens/{id}")]
#[tracing::instrument(skip_all)]
pub async fn revoke_machine_token(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require_signed_in_person()?;
    let mut conn = state.db.conn().await?;
    commands::revoke(&mut conn, user.actor(), id.into_inner(), user.is_admin()).await?;
    Ok(HttpResponse::NoContent().finish())
}
