//! The delivery outbox in SQL: which subscriptions have work, the claim on one, its due
//! deliveries in order, and the record of each attempt.
//!
//! A subscription is claimed with a session advisory lock, not with row locks: a row lock
//! lives in a transaction, and a transaction held open across a network send would hold back
//! the horizon the events feed and the deliveries themselves wait for. The advisory lock
//! needs no transaction, skips a subscription another instance is serving (as `SKIP LOCKED`
//! would), keeps each subscription's deliveries with one sender so they go out in order, and
//! is released by PostgreSQL when the instance's connection dies (kill -9 included).

use crate::db::cached_sql::{BindDsl, sql};
use crate::db::schema::{deliveries, events, webhooks};
use crate::events::model::{Event, EventType, NewEvent};
use crate::webhooks::model::{DeliveryState, Webhook};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Integer, Nullable, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::Duration;
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

/// How one attempt went.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub started_at: DateTime<Utc>,
    pub duration: Duration,
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    /// Why it failed; `None` for a 2xx.
    pub error: Option<String>,
    /// No answer at all (no connection, refused address, timeout): the receiver is treated as
    /// down, and only its oldest due delivery probes it until the next retry.
    pub unreachable: bool,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}

/// What the retry policy decided for a failed attempt.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// When to try again.
    pub at: DateTime<Utc>,
    /// How long a delivery is retried.
    pub give_up_after: Duration,
    /// How long a subscription may fail before it is turned off.
    pub disable_after: Duration,
}

/// The subscription's failure record after an attempt.
#[derive(Debug, Clone, Copy)]
pub struct Recorded {
    pub failing_since: Option<DateTime<Utc>>,
    /// Turned off by this attempt.
    pub disabled: bool,
}

/// Records the attempt: delivered, or retried later, or given up; and the subscription's
/// failure record, turning it off (with a `webhook.disabled` event) once it has failed for
/// `disable_after`. One transaction.
pub async fn record(
    conn: &mut AsyncPgConnection,
    webhook: &Webhook,
    due: &Due,
    attempt: &Attempt,
    retry: Retry,
) -> QueryResult<Recorded> {
    let status = attempt.status.map(i32::from);
    let duration_ms = i32::try_from(attempt.duration.as_millis()).unwrap_or(i32::MAX);
    let error = attempt.error.as_deref().map(clean);
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        // Without waiting for the WAL flush: a record lost in a database crash only means the
        // delivery is sent again (at least once holds), and waiting for a flush per delivery
        // would hold each subscription to the disk's flush rate.
        set_synchronous_commit(conn, false).await?;
        let attempts = deliveries::attempts.eq(deliveries::attempts + 1);
        let last = (
            deliveries::last_attempt_at.eq(attempt.started_at),
            deliveries::last_status.eq(status),
            deliveries::last_error.eq(error.clone()),
            deliveries::last_duration_ms.eq(duration_ms),
        );
        if attempt.succeeded() {
            diesel::update(deliveries::table.find(due.id))
                .set((
                    attempts,
                    last,
                    deliveries::state.eq(DeliveryState::Delivered),
                    deliveries::delivered_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
            if webhook.failing_since.is_some() || webhook.blocked_until.is_some() {
                diesel::update(webhooks::table.find(webhook.id))
                    .set((
                        webhooks::failing_since.eq(None::<DateTime<Utc>>),
                        webhooks::blocked_until.eq(None::<DateTime<Utc>>),
                    ))
                    .execute(conn)
                    .await?;
            }
            return Ok(Recorded {
                failing_since: None,
                disabled: false,
            });
        }
        let now = Utc::now();
        let expired = |created_at: DateTime<Utc>| {
            now.signed_duration_since(created_at)
                .to_std()
                .unwrap_or_default()
                >= retry.give_up_after
        };
        let state = if expired(due.created_at) {
            DeliveryState::Failed
        } else {
            DeliveryState::Pending
        };
        diesel::update(deliveries::table.find(due.id))
            .set((
                attempts,
                last,
                deliveries::state.eq(state),
                deliveries::next_attempt_at.eq(retry.at),
            ))
            .execute(conn)
            .await?;
        if attempt.unreachable && state == DeliveryState::Failed {
            // A receiver that has been down longer than deliveries are kept: everything of
            // that age goes, rather than each waiting for its own probe.
            let cutoff = now
                - chrono::Duration::from_std(retry.give_up_after).unwrap_or(chrono::Duration::MAX);
            diesel::update(
                deliveries::table
                    .filter(deliveries::webhook_id.eq(webhook.id))
                    .filter(deliveries::state.eq(DeliveryState::Pending))
                    .filter(deliveries::created_at.le(cutoff)),
            )
            .set((
                deliveries::state.eq(DeliveryState::Failed),
                deliveries::last_error.eq("given up: the receiver stayed unreachable"),
            ))
            .execute(conn)
            .await?;
        }
        let failing_since = webhook.failing_since.unwrap_or(attempt.started_at);
        let blocked_until = attempt.unreachable.then_some(retry.at);
        let disable = now
            .signed_duration_since(failing_since)
            .to_std()
            .unwrap_or_default()
            >= retry.disable_after;
        diesel::update(webhooks::table.find(webhook.id))
            .set((
                webhooks::failing_since.eq(Some(failing_since)),
                webhooks::blocked_until.eq(blocked_until),
            ))
            .execute(conn)
            .await?;
        if disable {
            // It records an event, which readers may see at once: that one must be durable.
            set_synchronous_commit(conn, true).await?;
            disable_webhook(conn, webhook, failing_since).await?;
        }
        Ok(Recorded {
            failing_since: Some(failing_since),
            disabled: disable,
        })
    })
    .await
}

async fn set_synchronous_commit(conn: &mut AsyncPgConnection, on: bool) -> QueryResult<()> {
    let setting = if on { "on" } else { "off" };
    diesel::sql_query(format!("SET LOCAL synchronous_commit = {setting}"))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Turns the subscription off and says so in the event log (the actor is the system).
async fn disable_webhook(
    conn: &mut AsyncPgConnection,
    webhook: &Webhook,
    failing_since: DateTime<Utc>,
) -> QueryResult<()> {
    let turned_off = diesel::update(webhooks::table.find(webhook.id))
        .filter(webhooks::enabled.eq(true))
        .set((
            webhooks::enabled.eq(false),
            webhooks::disabled_at.eq(diesel::dsl::now),
            webhooks::version.eq(webhooks::version + 1),
            webhooks::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    if turned_off == 0 {
        return Ok(());
    }
    tracing::warn!(webhook = %webhook.id, %failing_since, "webhook disabled after failing");
    crate::events::commands::record(
        conn,
        None,
        NewEvent {
            event_type: EventType::WebhookDisabled,
            report_id: webhook.report_id,
            recommendation_id: None,
            data: serde_json::json!({
                "webhook_id": webhook.id,
                "url": webhook.url,
                "failing_since": failing_since,
            }),
        },
    )
    .await
}

/// Text PostgreSQL can store and a person can read: no NUL, at most 500 characters.
fn clean(text: &str) -> String {
    text.chars().filter(|c| *c != '\0').take(500).collect()
}
