//! Reading the event log: the feed in commit-safe order, and one recommendation's events.

use super::model::{Event, FeedQuery, Position};
use crate::db::cached_sql::sql;
use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::{events, reports};
use crate::reports::model::ReportRef;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Events of transactions older than the oldest one still in flight: they have all ended, so
/// nothing will ever appear before them. A transaction that writes later gets a newer id.
const ENDED: &str = "events.tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

/// Up to `limit + 1` events after `query.after`, in (transaction, sequence) order.
pub async fn feed(conn: &mut AsyncPgConnection, query: &FeedQuery) -> QueryResult<Vec<Event>> {
    let mut select = events::table
        .select(Event::as_select())
        .filter(sql::<Bool>(ENDED))
        .order((events::tx.asc(), events::seq.asc()))
        .into_boxed();
    if let Some(after) = query.after {
        select = select.filter(
            events::tx
                .gt(after.tx)
                .or(events::tx.eq(after.tx).and(events::seq.gt(after.seq))),
        );
    }
    if !query.types.is_empty() {
        select = select.filter(events::event_type.eq_any(query.types.clone()));
    }
    match &query.report {
        Some(ReportRef::Id(id)) => select = select.filter(events::report_id.eq(*id)),
        Some(ReportRef::Slug(slug)) => {
            let report = reports::table
                .filter(reports::slug.eq(slug.clone()))
                .select(reports::id.nullable());
            select = select.filter(events::report_id.eq_any(report));
        }
        None => {}
    }
    if let Some(recommendation) = query.recommendation {
        select = select.filter(events::recommendation_id.eq(recommendation));
    }
    select.literal_limit(query.limit + 1).load(conn).await
}

/// The position after every event that has ended now: where `after=latest` starts.
pub async fn latest(conn: &mut AsyncPgConnection) -> QueryResult<Position> {
    let last: Option<(i64, i64)> = events::table
        .filter(sql::<Bool>(ENDED))
        .order((events::tx.desc(), events::seq.desc()))
        .select((events::tx, events::seq))
        .first(conn)
        .await
        .optional()?;
    Ok(last
        .map(|(tx, seq)| Position { tx, seq })
        .unwrap_or_default())
}

/// One recommendation's events, newest first, before `before`.
pub async fn of_recommendation(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    before: Option<Position>,
    limit: i64,
) -> QueryResult<Vec<Event>> {
    let mut select = events::table
        .select(Event::as_select())
        .filter(events::recommendation_id.eq(id))
        .order((events::tx.desc(), events::seq.desc()))
        .into_boxed();
    if let Some(before) = before {
        select = select.filter(
            events::tx
                .lt(before.tx)
                .or(events::tx.eq(before.tx).and(events::seq.lt(before.seq))),
        );
    }
    select.literal_limit(limit + 1).load(conn).await
}
