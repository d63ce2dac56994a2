//! Webhook reads: subscriptions, and one subscription's deliveries newest first.

use super::model::{Delivery, DeliveryPosition, DeliveryView, Webhook};
use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::{deliveries, events, webhooks};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Up to `limit + 1` subscriptions after `after`, oldest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<Webhook>> {
    let mut query = webhooks::table
        .select(Webhook::as_select())
        .order((webhooks::created_at.asc(), webhooks::id.asc()))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            webhooks::created_at
                .gt(at)
                .or(webhooks::created_at.eq(at).and(webhooks::id.gt(id))),
        );
    }
    query.literal_limit(limit + 1).load(conn).await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Webhook>> {
    webhooks::table
        .find(id)
        .select(Webhook::as_select())
        .first(conn)
        .await
        .optional()
}

/// Up to `limit + 1` of the subscription's deliveries before `before`, newest first.
pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    webhook_id: Uuid,
    before: Option<DeliveryPosition>,
    limit: i64,
) -> QueryResult<Vec<DeliveryView>> {
    let mut query = deliveries::table
        .left_join(events::table)
        .filter(deliveries::webhook_id.eq(webhook_id))
        .select((Delivery::as_select(), events::event_type.nullable()))
        .order((deliveries::created_at.desc(), deliveries::id.desc()))
        .into_boxed();
    if let Some(p) = before {
        query = query.filter(
            deliveries::created_at
                .lt(p.created_at)
                .or(deliveries::created_at
                    .eq(p.created_at)
                    .and(deliveries::id.lt(p.id))),
        );
    }
    let rows: Vec<(Delivery, Option<crate::events::model::EventType>)> =
        query.literal_limit(limit + 1).load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(delivery, event_type)| DeliveryView {
            delivery,
            event_type,
        })
        .collect())
}

/// One delivery of the subscription, with its event's type.
pub async fn delivery(
    conn: &mut AsyncPgConnection,
    webhook_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<DeliveryView>> {
    let row: Option<(Delivery, Option<crate::events::model::EventType>)> = deliveries::table
        .left_join(events::table)
        .filter(deliveries::webhook_id.eq(webhook_id))
        .filter(deliveries::id.eq(id))
        .select((Delivery::as_select(), events::event_type.nullable()))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(delivery, event_type)| DeliveryView {
        delivery,
        event_type,
    }))
}
