//! The status lifecycle over HTTP: the vocabulary, the allowed moves, and status changes.

use super::commands::{self, StatusChangeInput};
use super::dto::recommendation_dto;
use super::queries;
use crate::auth::{AuthUser, ReadAccess};
use crate::domain::status::{CanadaMandateLabel, GaoLabel};
use crate::domain::{Health, Role, Status};
use crate::error::ApiError;
use crate::http::conditional::{self, json_with_etag, version_tag};
use crate::http::responses as r;
use crate::http::validate::{Checks, NOTE_MAX};
use crate::recommendations::listing::Embeds;
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// At most this many evidence links per status change.
const MAX_EVIDENCE_URLS: usize = 20;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_statuses)
        .service(list_transitions)
        .service(change_status);
}

/// One implementation status and how it compares with other trackers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusInfo {
    /// The stable key.
    pub key: Status,
    /// What it means.
    pub description: String,
    /// Closed statuses end the lifecycle (a closed recommendation can still be reopened).
    pub closed: bool,
    /// Whether a health value (on_track, at_risk, off_track) applies.
    pub takes_health: bool,
    /// Whether a move to it needs at least one evidence link.
    pub requires_evidence: bool,
    /// Progress shown while a recommendation has no milestones.
    pub default_progress: i32,
    /// Nearest label in the GAO recommendation database.
    pub gao_label: GaoLabel,
    /// Nearest label in Canada's mandate letter tracker.
    pub canada_mandate_label: CanadaMandateLabel,
}

/// The status vocabulary.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusList {
    /// Every status, in lifecycle order.
    pub items: Vec<StatusInfo>,
}

/// The moves a recommendation can make now.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Transitions {
    /// Its current status.
    pub from: Status,
    /// Statuses it may move to in one change.
    pub allowed: Vec<Status>,
}

/// A status change request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "status": "in_progress",
    "health": "on_track",
    "note": "Joint working group on space policy met in Seoul.",
    "evidence_urls": ["https://www.state.gov/example-joint-statement"],
    "effective_on": "2026-11-20"
}))]
pub struct ChangeStatusRequest {
    /// The new status.
    pub status: Status,
    /// Health, for open assessed statuses only (not_started, in_progress, stalled).
    pub health: Option<Health>,
    /// Why (1 to 10,000 characters).
    #[schema(min_length = 1, max_length = 10000, pattern = "\\S")]
    pub note: String,
    /// Links to evidence (http or https, at most 20); at least one for implemented and
    /// partially_implemented.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub evidence_urls: Vec<String>,
    /// When the change took effect (default today; not in the future).
    pub effective_on: Option<NaiveDate>,
}

/// List statuses
///
/// The implementation-status vocabulary with descriptions and crosswalks to the GAO
/// recommendation database and Canada's mandate letter tracker.
#[utoipa::path(
    tag = "statuses",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Every status", body = StatusList),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
    )
)]
#[get("/statuses")]
pub async fn list_statuses(
    req: HttpRequest,
    _access: ReadAccess,
) -> Result<HttpResponse, ApiError> {
    let items = Status::ALL
        .iter()
        .map(|&s| StatusInfo {
            key: s,
            description: s.description().to_owned(),
            closed: s.is_closed(),
            takes_health: s.takes_health(),
            requires_evidence: s.needs_evidence(),
            default_progress: s.default_progress(),
            gao_label: s.gao_label(),
            canada_mandate_label: s.canada_label(),
        })
        .collect();
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
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
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
    let mut conn = state.pool.get().await?;
    let status = queries::status_of(&mut conn, id)
        .await?
        .ok_or_else(|| commands::not_found(id))?;
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
        (status = 200, description = "The updated recommendation", body = super::dto::RecommendationDto,
            headers(("ETag" = String, description = "The new version tag"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 428, response = r::PreconditionRequired),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/recommendations/{id}/status")]
#[tracing::instrument(skip_all, fields(recommendation = %id))]
pub async fn change_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<ChangeStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Analyst)?;
    let expected = conditional::required_version(&req)?;
    let id = id.into_inner();
    let derivation = state.derivation();
    let input = validate(body.into_inner(), derivation.today())?;
    let mut conn = state.pool.get().await?;
    let view = commands::change_status(
        &mut conn,
        &user,
        id,
        expected,
        &input,
        Embeds::DETAIL_DEFAULT,
    )
    .await?;
    let etag = version_tag(view.recommendation.version, &Embeds::DETAIL_DEFAULT.tag());
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(recommendation_dto(view, derivation)))
}

fn validate(body: ChangeStatusRequest, today: NaiveDate) -> Result<StatusChangeInput, ApiError> {
    let mut checks = Checks::new();
    checks.text("/note", body.note.trim(), 1, NOTE_MAX);
    checks.fail_if(
        body.status == Status::NotAssessed,
        "/status",
        "nothing moves back to not_assessed",
    );
    checks.fail_if(
        body.health.is_some() && !body.status.takes_health(),
        "/health",
        "only not_started, in_progress and stalled take a health value",
    );
    checks.fail_if(
        body.status.needs_evidence() && body.evidence_urls.is_empty(),
        "/evidence_urls",
        format!("a move to {} needs at least one evidence link", body.status),
    );
    checks.fail_if(
        body.evidence_urls.len() > MAX_EVIDENCE_URLS,
        "/evidence_urls",
        format!("at most {MAX_EVIDENCE_URLS} links"),
    );
    for (i, url) in body.evidence_urls.iter().enumerate() {
        checks.url(&format!("/evidence_urls/{i}"), url);
    }
    let effective_on = body.effective_on.unwrap_or(today);
    checks.fail_if(
        effective_on > today,
        "/effective_on",
        "must not be in the future",
    );
    checks.finish()?;
    Ok(StatusChangeInput {
        to: body.status,
        health: body.health,
        note: body.note.trim().to_owned(),
        evidence_urls: body.evidence_urls,
        effective_on,
    })
}
