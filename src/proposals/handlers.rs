//! Closure proposals over HTTP: readable like any tracking data; reviewers and admins approve
//! or return them. Proposals are made through `POST /recommendations/{id}/status`.

use super::commands;
use super::dto::{ProposalDto, ProposalListParams, ReturnProposalRequest};
use super::model::ProposalFilter;
use super::queries;
use crate::auth::{AuthUser, ReadAccess};
use crate::domain::Role;
use crate::error::ApiError;
use crate::events::dto::Representation;
use crate::http::conditional::{json_with_etag, version_tag};
use crate::http::json::Json;
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_proposals)
        .service(get_proposal)
        .service(approve_proposal)
        .service(return_proposal);
}

/// List closure proposals
///
/// Proposals oldest first: a reviewer's queue is `state=pending`.
#[utoipa::path(
    tag = "proposals",
    params(ProposalListParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of proposals", body = Page<ProposalDto>),
        r::NotModified,
        r::ListErrors,
    )
)]
#[get("/proposals")]
#[tracing::instrument(skip_all)]
pub async fn list_proposals(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    params: web::Query<ProposalListParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = ProposalFilter::try_from(params.into_inner())?;
    let mut conn = state.db.conn().await?;
    let rows = queries::list(&mut conn, &filter).await?;
    drop(conn);
    let page = pagination::into_page(
        rows,
        filter.limit,
        |row| (row.0.created_at, row.0.id),
        ProposalDto::from,
    );
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

/// Get a closure proposal
///
/// One proposal with its state and, once decided, who decided and why.
#[utoipa::path(
    tag = "proposals",
    params(("id" = Uuid, Path, description = "Proposal id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The proposal", body = ProposalDto),
        r::NotModified,
        r::ItemErrors,
    )
)]
#[get("/proposals/{id}")]
#[tracing::instrument(skip_all)]
pub async fn get_proposal(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let row = queries::find(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("proposal", id))?;
    let etag = version_tag(row.0.version, "");
    json_with_etag(&req, &ProposalDto::from(row), Some(etag))
}

/// Approve a closure proposal
///
/// Applies the proposed status change in one transaction: the history entry names the
/// proposer as its author and the caller as its approver. Reviewers and admins only, never
/// the proposer (403); 409 when the proposal is no longer pending (another reviewer decided
/// first) or the recommendation can no longer move to the proposed status.
#[utoipa::path(
    tag = "proposals",
    params(("id" = Uuid, Path, description = "Proposal id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The approved proposal", body = ProposalDto),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/proposals/{id}/approve")]
#[tracing::instrument(skip_all, fields(proposal = %id))]
pub async fn approve_proposal(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Reviewer)?;
    let represent = Representation::new(state.derivation());
    let mut conn = state.db.conn().await?;
    let row = commands::approve(&mut conn, user.actor(), id.into_inner(), &represent).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, version_tag(row.0.version, "")))
        .json(ProposalDto::from(row)))
}

/// Return a closure proposal
///
/// Sends the proposal back to its proposer with a note; the recommendation stays as it is
/// and may be proposed again. Reviewers and admins only; 409 when it is no longer pending.
#[utoipa::path(
    tag = "proposals",
    params(("id" = Uuid, Path, description = "Proposal id")),
    request_body = ReturnProposalRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The returned proposal", body = ProposalDto),
        r::CreateErrors,
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
    )
)]
#[post("/proposals/{id}/return")]
#[tracing::instrument(skip_all, fields(proposal = %id))]
pub async fn return_proposal(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<ReturnProposalRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Reviewer)?;
    let note = body.into_inner().validate()?;
    let represent = Representation::new(state.derivation());
    let mut conn = state.db.conn().await?;
    let row =
        commands::send_back(&mut conn, user.actor(), id.into_inner(), &note, &represent).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, version_tag(row.0.version, "")))
        .json(ProposalDto::from(row)))
}
