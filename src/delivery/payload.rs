//! What a delivery carries, in the Standard Webhooks shape: `{type, timestamp, data}`, with
//! the event as the feed shows it in `data`. The `webhook-id` is the event's id, the same on
//! every retry and redelivery, so receivers can drop duplicates.

use super::outbox::Due;
use crate::events::dto::EventOut;
use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// The `type` of a ping, which carries no event.
pub const PING: &str = "webhook.ping";

pub struct Payload {
    pub id: String,
    pub body: Bytes,
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    #[serde(rename = "type")]
    event_type: &'a str,
    timestamp: DateTime<Utc>,
    data: T,
}

/// What a ping's `data` holds.
#[derive(Serialize)]
struct Ping {
    webhook_id: Uuid,
    delivery_id: Uuid,
}

pub fn build(due: &Due, webhook_id: Uuid) -> Payload {
    match &due.event {
        Some(event) => {
            let id = event.id.to_string();
            let envelope = Envelope {
                event_type: event.event_type.as_str(),
                timestamp: event.occurred_at,
                data: EventOut::from(event.clone()),
            };
            Payload {
                id,
                body: to_bytes(&envelope),
            }
        }
        None => Payload {
            id: due.id.to_string(),
            body: to_bytes(&Envelope {
                event_type: PING,
                timestamp: due.created_at,
                data: Ping {
                    webhook_id,
                    delivery_id: due.id,
                },
            }),
        },
    }
}

fn to_bytes(value: &impl Serialize) -> Bytes {
    // Plain structs of strings, numbers and JSON values: serializing cannot fail.
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}
