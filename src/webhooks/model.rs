//! The `webhooks` and `deliveries` tables: subscriptions, and the outbox their deliveries
//! wait in.

use crate::db::schema::{deliveries, webhooks};
use crate::events::model::EventType;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = webhooks, check_for_backend(diesel::pg::Pg))]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    /// Empty: every type.
    pub event_types: Vec<EventType>,
    pub report_id: Option<Uuid>,
    pub description: String,
    /// Signs deliveries; shown once, when the subscription is made, and never logged.
    #[serde(skip)]
    pub secret: String,
    pub enabled: bool,
    pub failing_since: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub blocked_until: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A validated new subscription (the secret is made by the command).
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub event_types: Vec<EventType>,
    pub report: Option<crate::reports::model::ReportRef>,
    pub description: String,
}

#[derive(Insertable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRecord<'a> {
    pub url: &'a str,
    pub event_types: &'a [EventType],
    pub report_id: Option<Uuid>,
    pub description: &'a str,
    pub secret: &'a str,
}

/// A validated PATCH (`None` leaves alone; `report: Some(None)` subscribes to every report).
#[derive(Debug, Clone, Default)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    pub report: Option<Option<crate::reports::model::ReportRef>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = webhooks)]
pub struct WebhookColumns {
    pub url: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    pub report_id: Option<Option<Uuid>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

crate::text_enum! {
    /// Where a delivery stands: waiting (first attempt or a retry), delivered (a 2xx), or
    /// failed (given up after retrying for the configured time).
    pub enum DeliveryState {
        Pending => "pending",
        Delivered => "delivered",
        Failed => "failed",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deliveries, check_for_backend(diesel::pg::Pg))]
pub struct Delivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Option<Uuid>,
    pub state: DeliveryState,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_duration_ms: Option<i32>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub redelivery_of: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// A delivery with the type of what it carries (`None`: a ping).
#[derive(Debug, Clone)]
pub struct DeliveryView {
    pub delivery: Delivery,
    pub event_type: Option<EventType>,
}

impl DeliveryView {
    pub fn position(&self) -> DeliveryPosition {
        DeliveryPosition {
            created_at: self.delivery.created_at,
            id: self.delivery.id,
        }
    }
}

/// The delivery list's keyset position: newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeliveryPosition {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}
