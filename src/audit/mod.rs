//! The audit log: every write appends one event (actor, action, entity, before, after) in the
//! same transaction as the change itself.

pub mod handlers;
pub mod queries;

pub use handlers::configure;

use crate::auth::AuthUser;
use crate::db::schema::audit_events;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

/// One change to record.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Uuid,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Serializes a row for the log (plain data: cannot fail in practice; null if it does).
pub fn snapshot(value: &impl Serialize) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

#[derive(Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
struct NewAuditEvent<'a> {
    actor_id: Option<Uuid>,
    actor_email: Option<&'a str>,
    action: &'a str,
    entity_type: &'a str,
    entity_id: Option<Uuid>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    request_id: Option<&'a str>,
}

/// Appends the event; call inside the transaction that makes the change. Takes the
/// connection shared, so the insert can go out in one pipeline with the write's other reads.
pub async fn record(
    conn: &AsyncPgConnection,
    actor: Option<&AuthUser>,
    change: Change<'_>,
) -> QueryResult<()> {
    let mut conn = conn;
    diesel::insert_into(audit_events::table)
        .values(NewAuditEvent {
            actor_id: actor.map(|a| a.id),
            actor_email: actor.map(|a| a.email.as_str()),
            action: change.action,
            entity_type: change.entity_type,
            entity_id: Some(change.entity_id),
            before: change.before,
            after: change.after,
            request_id: actor.and_then(|a| a.request_id.as_deref()),
        })
        .execute(&mut conn)
        .await
        .map(|_| ())
}
