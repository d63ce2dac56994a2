//! Audit log reads, newest first.

use super::model::{AuditEvent, AuditFilter};
use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::audit_events;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &AuditFilter,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table
        .select(AuditEvent::as_select())
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .into_boxed();
    if let Some(t) = &filter.entity_type {
        query = query.filter(audit_events::entity_type.eq(t));
    }
    if let Some(id) = filter.entity_id {
        query = query.filter(audit_events::entity_id.eq(id));
    }
    if let Some(id) = filter.actor_id {
        query = query.filter(audit_events::actor_id.eq(id));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_events::occurred_at.ge(since));
    }
    if let Some((at, id)) = filter.before {
        query = query.filter(
            audit_events::occurred_at
                .lt(at)
                .or(audit_events::occurred_at
                    .eq(at)
                    .and(audit_events::id.lt(id))),
        );
    }
    query.literal_limit(filter.limit + 1).load(conn).await
}
