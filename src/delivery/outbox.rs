//! The delivery outbox in SQL: which subscriptions have work, the claim on one, and its due
//! deliveries in order (`attempts` records how each went).
//!
//! A subscription is claimed with a session advisory lock, not with row locks: a row lock
//! lives in a transaction, and a transaction held open across a network send would hold back
//! the horizon the events feed and the deliveries themselves wait for. The advisory lock
//! needs no transaction, skips a subscription another instance is serving (as `SKIP LOCKED`
//! would), keeps each subscription's deliveries with one sender so they go out in order, and
//! is released by PostgreSQL when the instance's connection dies (kill -9 included).

use crate::db::cached_sql::{BindDsl, sql};
use crate::db::schema::{deliveries, events, webhooks};
use crate::events::model::Event;
use crate::webhooks::model::{DeliveryState, Webhook};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Integer, Nullable, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Deliveries of transactions that have all ended: none can later appear before them.
const ENDED: &str = "deliveries.tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

/// The advisory-lock namespace of delivery claims (the first of the two int4 keys).
const LOCK_NAMESPACE: i32 = 0x5054_5748; // "PTWH"

/// Subscriptions with a delivery due now, that may be sent to now: at most `limit`.
pub async fn due_webhooks(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<Uuid>> {
    let due = deliveries::table
        .filter(deliveries::state.eq(DeliveryState::Pending))
        .filter(deliveries::next_attempt_at.le(diesel::dsl::now))
        .filter(sql::<Bool>(ENDED))
        .select(deliveries::webhook_id);
    webhooks::table
        .filter(webhooks::enabled.eq(true))
        .filter(
            webhooks::blocked_until
                .is_null()
                .or(webhooks::blocked_until.le(diesel::dsl::now)),
        )
        .filter(webhooks::id.eq_any(due))
        .select(webhooks::id)
        .limit(limit)
        .load(conn)
        .await
}

/// When something may next be due, leaving out the subscriptions in `busy` (being served
/// here): the earliest retry or end of a block, whether or not its transaction is past the
/// horizon yet (`None`: nothing is pending).
pub async fn next_due(
    conn: &mut AsyncPgConnection,
    busy: &[Uuid],
) -> QueryResult<Option<DateTime<Utc>>> {
    diesel::select(
        sql::<Nullable<Timestamptz>>(
            "(SELECT min(GREATEST(d.next_attempt_at, COALESCE(w.blocked_until, d.next_attempt_at))) \
             FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.state = 'pending' AND w.enabled AND NOT (w.id = ANY(",
        )
        .bind::<Array<diesel::sql_types::Uuid>, _>(busy.to_vec())
        .sql(")))"),
    )
    .get_result(conn)
    .await
}

/// Takes the subscription for this session unless another holds it.
pub async fn try_claim(conn: &mut AsyncPgConnection, webhook: Uuid) -> QueryResult<bool> {
    diesel::select(
        sql::<Bool>("pg_try_advisory_lock(")
            .bind::<Integer, _>(LOCK_NAMESPACE)
            .sql(", ")
            .bind::<Integer, _>(lock_key(webhook))
            .sql(")"),
    )
    .get_result(conn)
    .await
}

pub async fn release(conn: &mut AsyncPgConnection, webhook: Uuid) -> QueryResult<()> {
    diesel::select(
        sql::<Bool>("pg_advisory_unlock(")
            .bind::<Integer, _>(LOCK_NAMESPACE)
            .sql(", ")
            .bind::<Integer, _>(lock_key(webhook))
            .sql(")"),
    )
    .get_result::<bool>(conn)
    .await
    .map(|_| ())
}

fn lock_key(webhook: Uuid) -> i32 {
    let b = webhook.as_bytes();
    i32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// A due delivery with what it carries.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    /// `None`: a ping.
    pub event: Option<Event>,
}

/// The subscription (as it is now) and up to `limit` of its due deliveries, oldest first in
/// the feed's order. `None` when it is gone, disabled or blocked.
pub async fn due_deliveries(
    conn: &mut AsyncPgConnection,
    webhook: Uuid,
    limit: i64,
) -> QueryResult<Option<(Webhook, Vec<Due>)>> {
    let Some(subscription) = webhooks::table
        .find(webhook)
        .filter(webhooks::enabled.eq(true))
        .filter(
            webhooks::blocked_until
                .is_null()
                .or(webhooks::blocked_until.le(diesel::dsl::now)),
        )
        .select(Webhook::as_select())
        .first(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let rows: Vec<(Uuid, DateTime<Utc>, i32, Option<Uuid>)> = deliveries::table
        .filter(deliveries::webhook_id.eq(webhook))
        .filter(deliveries::state.eq(DeliveryState::Pending))
        .filter(deliveries::next_attempt_at.le(diesel::dsl::now))
        .filter(sql::<Bool>(ENDED))
        .order((deliveries::tx.asc(), deliveries::seq.asc()))
        .select((
            deliveries::id,
            deliveries::created_at,
            deliveries::attempts,
            deliveries::event_id,
        ))
        .limit(limit)
        .load(conn)
        .await?;
    let event_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.3).collect();
    let mut carried: std::collections::HashMap<Uuid, Event> = events::table
        .filter(events::id.eq_any(&event_ids))
        .select(Event::as_select())
        .load(conn)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let due = rows
        .into_iter()
        .map(|(id, created_at, attempts, event_id)| Due {
            id,
            created_at,
            attempts,
            event: event_id.and_then(|e| carried.remove(&e)),
        })
        .collect();
    Ok(Some((subscription, due)))
}
