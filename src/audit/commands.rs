//! Appending to the audit log, inside the transaction of the change it records.

use super::model::{Actor, Change, NewAuditEvent};
use crate::db::schema::audit_events;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// Serializes a row for the log (plain data: cannot fail in practice; null if it does).
pub fn snapshot(value: &impl Serialize) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

/// Appends the event; call inside the transaction that makes the change. Takes the
/// connection shared, so the insert can go out in one pipeline with the write's other reads.
pub async fn record(
    conn: &AsyncPgConnection,
    actor: Option<Actor<'_>>,
    change: Change<'_>,
) -> QueryResult<()> {
    let mut conn = conn;
    diesel::insert_into(audit_events::table)
        .values(NewAuditEvent {
            actor_id: actor.map(|a| a.id),
            actor_email: actor.map(|a| a.email),
            action: change.action,
            entity_type: change.entity_type,
            entity_id: Some(change.entity_id),
            before: change.before,
            after: change.after,
            request_id: actor.and_then(|a| a.request_id),
        })
        .execute(&mut conn)
        .await
        .map(|_| ())
}
