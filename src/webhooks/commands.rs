//! Webhook writes (admins), each with its audit event: subscriptions, pings and
//! redeliveries. Deliveries of events are written by the database, in the event's own
//! transaction (the `events_enqueue_deliveries` trigger).

use super::model::{Delivery, NewWebhook, Webhook, WebhookChanges, WebhookColumns, WebhookRecord};
use crate::audit::commands::{record, snapshot};
use crate::audit::model::{Actor, Change};
use crate::db::schema::{deliveries, webhooks};
use crate::error::ApiError;
use crate::reports::model::ReportRef;
use crate::reports::queries as report_queries;
use base64::Engine;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The channel delivery workers listen on; NOTIFY is sent when the transaction commits.
pub const WAKE_CHANNEL: &str = "policytrack_deliveries";

/// Creates the subscription with a new secret; the secret is in the answer, and nowhere else
/// ever again.
pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    new: NewWebhook,
) -> Result<Webhook, ApiError> {
    let secret = new_secret()?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let report_id = match &new.report {
            Some(reference) => Some(resolve_report(conn, reference).await?),
            None => None,
        };
        let created: Webhook = diesel::insert_into(webhooks::table)
            .values(WebhookRecord {
                url: &new.url,
                event_types: &new.event_types,
                report_id,
                description: &new.description,
                secret: &secret,
            })
            .returning(Webhook::as_returning())
            .get_result(conn)
            .await?;
        record(
            conn,
            Some(actor),
            Change {
                action: "create_webhook",
                entity_type: "webhook",
                entity_id: created.id,
                before: None,
                after: snapshot(&created),
            },
        )
        .await?;
        Ok(created)
    })
    .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    expected: i32,
    changes: WebhookChanges,
) -> Result<Webhook, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current = lock_at_version(conn, id, expected).await?;
        let report_id = match &changes.report {
            Some(Some(reference)) => Some(Some(resolve_report(conn, reference).await?)),
            Some(None) => Some(None),
            None => None,
        };
        let enabling = changes.enabled == Some(true) && !current.enabled;
        let columns = WebhookColumns {
            url: changes.url,
            event_types: changes.event_types,
            report_id,
            description: changes.description,
            enabled: changes.enabled,
        };
        let updated: Webhook = diesel::update(webhooks::table.find(id))
            .set((
                &columns,
                webhooks::version.eq(webhooks::version + 1),
                webhooks::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Webhook::as_returning())
            .get_result(conn)
            .await?;
        let updated = if enabling {
            // A fresh start: the failures that disabled it are history.
            diesel::update(webhooks::table.find(id))
                .set((
                    webhooks::failing_since.eq(None::<chrono::DateTime<chrono::Utc>>),
                    webhooks::disabled_at.eq(None::<chrono::DateTime<chrono::Utc>>),
                    webhooks::blocked_until.eq(None::<chrono::DateTime<chrono::Utc>>),
                ))
                .returning(Webhook::as_returning())
                .get_result(conn)
                .await?
        } else {
            updated
        };
        if enabling {
            wake(conn).await?;
        }
        record(
            conn,
            Some(actor),
            Change {
                action: "update_webhook",
                entity_type: "webhook",
                entity_id: id,
                before: snapshot(&current),
                after: snapshot(&updated),
            },
        )
        .await?;
        Ok(updated)
    })
    .await
}

/// Deletes the subscription and, with it, its deliveries.
pub async fn delete(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    expected: i32,
) -> Result<(), ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current = lock_at_version(conn, id, expected).await?;
        diesel::delete(webhooks::table.find(id))
            .execute(conn)
            .await?;
        record(
            conn,
            Some(actor),
            Change {
                action: "delete_webhook",
                entity_type: "webhook",
                entity_id: id,
                before: snapshot(&current),
                after: None,
            },
        )
        .await?;
        Ok(())
    })
    .await
}

/// Queues a `webhook.ping` delivery, which carries no event.
pub async fn ping(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
) -> Result<Delivery, ApiError> {
    queue(conn, actor, id, None, "ping_webhook").await
}

/// Queues the event of `delivery_id` again, as a new delivery with the same `webhook-id`.
pub async fn redeliver(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    delivery_id: Uuid,
) -> Result<Delivery, ApiError> {
    queue(conn, actor, id, Some(delivery_id), "redeliver_webhook").await
}

async fn queue(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    again: Option<Uuid>,
    action: &str,
) -> Result<Delivery, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let webhook: Webhook = webhooks::table
            .find(id)
            .select(Webhook::as_select())
            .for_share()
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| ApiError::not_found("webhook", id))?;
        if !webhook.enabled {
            return Err(ApiError::Conflict(
                "the webhook is disabled: enable it first".into(),
            ));
        }
        let event_id = match again {
            None => None,
            Some(delivery_id) => {
                let original: Option<Option<Uuid>> = deliveries::table
                    .filter(deliveries::webhook_id.eq(id))
                    .filter(deliveries::id.eq(delivery_id))
                    .select(deliveries::event_id)
                    .first(conn)
                    .await
                    .optional()?;
                Some(original.ok_or_else(|| ApiError::not_found("delivery", delivery_id))?)
                    .flatten()
            }
        };
        let queued: Delivery = diesel::insert_into(deliveries::table)
            .values((
                deliveries::webhook_id.eq(id),
                deliveries::event_id.eq(event_id),
                deliveries::redelivery_of.eq(again),
            ))
            .returning(Delivery::as_returning())
            .get_result(conn)
            .await?;
        wake(conn).await?;
        record(
            conn,
            Some(actor),
            Change {
                action,
                entity_type: "webhook",
                entity_id: id,
                before: None,
                after: Some(serde_json::json!({ "delivery_id": queued.id, "event_id": event_id })),
            },
        )
        .await?;
        Ok(queued)
    })
    .await
}

async fn lock_at_version(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected: i32,
) -> Result<Webhook, ApiError> {
    let current: Webhook = webhooks::table
        .find(id)
        .select(Webhook::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found("webhook", id))?;
    if current.version != expected {
        return Err(ApiError::PreconditionFailed);
    }
    Ok(current)
}

async fn resolve_report(
    conn: &mut AsyncPgConnection,
    reference: &ReportRef,
) -> Result<Uuid, ApiError> {
    report_queries::resolve(conn, reference)
        .await?
        .ok_or_else(|| {
            let shown = match reference {
                ReportRef::Id(id) => id.to_string(),
                ReportRef::Slug(slug) => slug.clone(),
            };
            ApiError::invalid("/report", format!("no report {shown}"))
        })
}

/// Wakes the delivery workers once the transaction commits.
async fn wake(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query(format!("NOTIFY {WAKE_CHANNEL}"))
        .execute(conn)
        .await
        .map(|_| ())
}

/// 24 random bytes in the Standard Webhooks form: `whsec_` and base64.
fn new_secret() -> Result<String, ApiError> {
    let mut key = [0u8; 24];
    getrandom::fill(&mut key)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    ))
}
