//! The record of each delivery attempt: delivered, retried later or given up, and the
//! subscription's failure record, turning it off once it has failed for too long.

use super::outbox::Due;
use crate::db::schema::{deliveries, webhooks};
use crate::events::model::{EventType, NewEvent};
use crate::webhooks::model::{DeliveryState, Webhook};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::Duration;

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
