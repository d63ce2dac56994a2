//! Appending to the event log, inside the transaction of the change it records.

use super::model::{EventRecord, NewEvent};
use crate::audit::model::Actor;
use crate::db::schema::events;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Appends the event; call inside the transaction that makes the change (a failure rolls the
/// change back). Takes the connection shared, so the insert can go out in one pipeline with
/// the write's other statements.
pub async fn record(
    conn: &AsyncPgConnection,
    actor: Option<Actor<'_>>,
    event: NewEvent,
) -> QueryResult<()> {
    let mut conn = conn;
    diesel::insert_into(events::table)
        .values(EventRecord::new(actor, event))
        .execute(&mut conn)
        .await
        .map(|_| ())
}
