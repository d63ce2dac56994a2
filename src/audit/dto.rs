//! Audit response body and list parameters.

use super::model::{AuditEvent, AuditFilter};
use crate::error::ApiError;
use crate::http::{pagination, params};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

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
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

impl TryFrom<AuditListParams> for AuditFilter {
    type Error = ApiError;

    fn try_from(p: AuditListParams) -> Result<Self, ApiError> {
        Ok(Self {
            limit: pagination::limit(p.limit.as_deref())?,
            entity_id: params::param("entity_id", p.entity_id.as_deref(), "a UUID")?,
            actor_id: params::param("actor_id", p.actor_id.as_deref(), "a UUID")?,
            since: params::param("since", p.since.as_deref(), "an RFC 3339 timestamp")?,
            before: pagination::cursor(p.cursor.as_deref())?,
            entity_type: p.entity_type,
            action: p.action,
        })
    }
}
