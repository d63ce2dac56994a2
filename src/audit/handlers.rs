//! `GET /audit` for admins.

use super::queries::{self, AuditEvent, AuditFilter};
use crate::auth::AuthUser;
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::conditional::json_with_etag;
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit_events);
}

/// One recorded write.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEventDto {
    /// Stable identifier.
    pub id: Uuid,
    /// When the write committed.
    pub occurred_at: DateTime<Utc>,
    /// The user who made it.
    #[schema(required = true)]
    pub actor_id: Option<Uuid>,
    /// That user's email at the time.
    #[schema(required = true)]
    pub actor_email: Option<String>,
    /// What was done, e.g. `change_status`, `update_milestone`.
    pub action: String,
    /// The kind of entity, e.g. `recommendation`.
    pub entity_type: String,
    /// The entity's id.
    #[schema(required = true)]
    pub entity_id: Option<Uuid>,
    /// The entity before the write (null for creations).
    #[schema(required = true)]
    pub before: Option<serde_json::Value>,
    /// The entity after the write (null for deletions).
    #[schema(required = true)]
    pub after: Option<serde_json::Value>,
    /// The request's X-Request-Id.
    #[schema(required = true)]
    pub request_id: Option<String>,
}

impl From<AuditEvent> for AuditEventDto {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.id,
            occurred_at: e.occurred_at,
            actor_id: e.actor_id,
            actor_email: e.actor_email,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            before: e.before,
            after: e.after,
            request_id: e.request_id,
        }
    }
}

/// Query parameters of `list_audit_events`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditListParams {
    /// Only events about this kind of entity, e.g. `recommendation`.
    pub entity_type: Option<String>,
    /// Only events about this entity.
    #[param(value_type = Option<Uuid>)]
    pub entity_id: Option<String>,
    /// Only events by this user.
    #[param(value_type = Option<Uuid>)]
    pub actor_id: Option<String>,
    /// Only this action, e.g. `change_status`.
    pub action: Option<String>,
    /// Only events at or after this instant (RFC 3339).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub since: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// List audit events
///
/// Every write, newest first (admins only).
#[utoipa::path(
    tag = "audit",
    params(AuditListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of audit events", body = Page<AuditEventDto>),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/audit")]
#[tracing::instrument(skip_all)]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    params: web::Query<AuditListParams>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let params = params.into_inner();
    let limit = pagination::limit(params.limit.as_deref())?;
    let filter = AuditFilter {
        entity_type: params.entity_type,
        entity_id: pagination::param("entity_id", params.entity_id.as_deref(), "a UUID")?,
        actor_id: pagination::param("actor_id", params.actor_id.as_deref(), "a UUID")?,
        action: params.action,
        since: pagination::param("since", params.since.as_deref(), "an RFC 3339 timestamp")?,
        before: params
            .cursor
            .as_deref()
            .map(pagination::decode_cursor::<(DateTime<Utc>, Uuid)>)
            .transpose()?,
        limit,
    };
    let mut conn = state.scans.connection(&state.pool).await?;
    let rows = queries::list(&mut conn, &filter).await?;
    let page = pagination::into_page(rows, limit, |e| (e.occurred_at, e.id), AuditEventDto::from);
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}
