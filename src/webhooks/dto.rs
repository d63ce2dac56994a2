//! Webhook request and response bodies, and their conversions.

use super::model::{DeliveryState, DeliveryView, NewWebhook, Webhook, WebhookChanges};
use crate::domain::webhook_target::{Target, TargetPolicy};
use crate::error::ApiError;
use crate::events::model::EventType;
use crate::http::pagination;
use crate::http::validate::Checks;
use crate::reports::model::ReportRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

const DESCRIPTION_MAX: usize = 2000;

/// A subscription: where events are delivered, and which.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookDto {
    /// Stable identifier.
    pub id: Uuid,
    /// Where deliveries are POSTed.
    #[schema(example = "https://hooks.example.org/policytrack")]
    pub url: String,
    /// The event types delivered; empty means every type.
    pub event_types: Vec<EventType>,
    /// Only events of this report, when set.
    #[schema(required = true)]
    pub report_id: Option<Uuid>,
    /// What the subscription is for.
    pub description: String,
    /// Whether deliveries go out. Turned off after three days of failures.
    pub enabled: bool,
    /// Since when every attempt has failed, if they have.
    #[schema(required = true)]
    pub failing_since: Option<DateTime<Utc>>,
    /// When it was turned off for failing, if it was.
    #[schema(required = true)]
    pub disabled_at: Option<DateTime<Utc>>,
    /// Increments on every change; the ETag carries it.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookDto {
    fn from(w: Webhook) -> Self {
        Self {
            id: w.id,
            url: w.url,
            event_types: w.event_types,
            report_id: w.report_id,
            description: w.description,
            enabled: w.enabled,
            failing_since: w.failing_since,
            disabled_at: w.disabled_at,
            version: w.version,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// A new subscription, with the secret that signs its deliveries: shown in this answer only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookDto,
    /// `whsec_` and base64: verify each delivery's `webhook-signature` with it (Standard
    /// Webhooks). It is never shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://hooks.example.org/policytrack",
    "event_types": ["recommendation.status_changed", "milestone.overdue"],
    "description": "Status changes and overdue milestones to the team chat"
}))]
pub struct CreateWebhookRequest {
    /// An https URL (http only where the operator allows it) with a public address.
    #[schema(value_type = WebhookUrl)]
    pub url: String,
    /// The event types to deliver; absent or empty means every type.
    #[serde(default)]
    pub event_types: Vec<EventType>,
    /// Only events of this report (id or slug).
    #[schema(max_length = 100, pattern = "^[^\\x00]+$")]
    pub report: Option<String>,
    /// What the subscription is for (at most 2,000 characters).
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

impl CreateWebhookRequest {
    pub fn validate(self, policy: TargetPolicy) -> Result<NewWebhook, ApiError> {
        let mut checks = Checks::new();
        check_url(&mut checks, &self.url, policy);
        check_report(&mut checks, self.report.as_deref());
        let description = self.description.unwrap_or_default();
        check_description(&mut checks, &description);
        checks.finish()?;
        Ok(NewWebhook {
            url: self.url,
            event_types: distinct(self.event_types),
            report: self.report.as_deref().map(ReportRef::parse),
            description,
        })
    }
}

/// Changes to a subscription; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    /// New URL.
    #[schema(value_type = Option<WebhookUrl>)]
    pub url: Option<String>,
    /// New event types (empty: every type).
    pub event_types: Option<Vec<EventType>>,
    /// Only events of this report (id or slug); null for every report.
    #[serde(default, deserialize_with = "crate::http::validate::double_option")]
    #[schema(value_type = Option<String>, max_length = 100, pattern = "^[^\\x00]+$")]
    pub report: Option<Option<String>>,
    /// New description.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Turn deliveries off, or on again (which clears the failure record).
    pub enabled: Option<bool>,
}

impl UpdateWebhookRequest {
    pub fn validate(self, policy: TargetPolicy) -> Result<WebhookChanges, ApiError> {
        let mut checks = Checks::new();
        if let Some(url) = &self.url {
            check_url(&mut checks, url, policy);
        }
        if let Some(Some(report)) = &self.report {
            check_report(&mut checks, Some(report));
        }
        if let Some(description) = &self.description {
            check_description(&mut checks, description);
        }
        checks.finish()?;
        Ok(WebhookChanges {
            url: self.url,
            event_types: self.event_types.map(distinct),
            report: self.report.map(|r| r.as_deref().map(ReportRef::parse)),
            description: self.description,
            enabled: self.enabled,
        })
    }
}

/// A receiver's URL: http(s), a DNS name or a bracketed IPv6 address, an optional port, and
/// printable ASCII after it (at most 2,000 characters). Which schemes and addresses are
/// accepted also depends on the operator's settings.
#[derive(utoipa::ToSchema)]
#[schema(
    value_type = String,
    max_length = 2000,
    pattern = "^https?://([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?([/?#][\\x21-\\x7e]*)?$",
    example = "https://hooks.example.org/policytrack"
)]
#[allow(dead_code, reason = "exists only for its OpenAPI description")]
pub struct WebhookUrl(String);

fn check_url(checks: &mut Checks, url: &str, policy: TargetPolicy) {
    checks.url("/url", url);
    if let Err(problem) = Target::parse(url, policy) {
        checks.fail_if(true, "/url", problem);
    }
}

fn check_report(checks: &mut Checks, report: Option<&str>) {
    if let Some(report) = report {
        checks.fail_if(
            report.trim().is_empty() || report.len() > 100 || report.contains('\0'),
            "/report",
            "must be a report id or slug of at most 100 characters",
        );
    }
}

fn check_description(checks: &mut Checks, description: &str) {
    checks.fail_if(
        description.chars().count() > DESCRIPTION_MAX || description.contains('\0'),
        "/description",
        "must be at most 2000 characters, without NUL",
    );
}

fn distinct(mut types: Vec<EventType>) -> Vec<EventType> {
    types.sort();
    types.dedup();
    types
}

/// One attempt to hand an event (or a ping) to a subscription, and how it went.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryDto {
    /// Stable identifier.
    pub id: Uuid,
    /// The subscription.
    pub webhook_id: Uuid,
    /// The event it carries (its id is the `webhook-id` header); null for a ping.
    #[schema(required = true)]
    pub event_id: Option<Uuid>,
    /// The event's type; null for a ping.
    #[schema(required = true)]
    pub event_type: Option<EventType>,
    /// Pending (waiting for its first attempt or a retry), delivered or failed.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due, while pending.
    #[schema(required = true)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the last attempt started.
    #[schema(required = true)]
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's last HTTP status; null when it gave none (no connection, timeout).
    #[schema(required = true)]
    pub last_status: Option<i32>,
    /// Why the last attempt failed, when it did.
    #[schema(required = true)]
    pub last_error: Option<String>,
    /// How long the last attempt took, in milliseconds.
    #[schema(required = true)]
    pub last_duration_ms: Option<i32>,
    /// When a 2xx came back.
    #[schema(required = true)]
    pub delivered_at: Option<DateTime<Utc>>,
    /// The delivery this one repeats, for a redelivery.
    #[schema(required = true)]
    pub redelivery_of: Option<Uuid>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

impl From<DeliveryView> for DeliveryDto {
    fn from(view: DeliveryView) -> Self {
        let d = view.delivery;
        Self {
            id: d.id,
            webhook_id: d.webhook_id,
            event_id: d.event_id,
            event_type: view.event_type,
            next_attempt_at: (d.state == DeliveryState::Pending).then_some(d.next_attempt_at),
            state: d.state,
            attempts: d.attempts,
            last_attempt_at: d.last_attempt_at,
            last_status: d.last_status,
            last_error: d.last_error,
            last_duration_ms: d.last_duration_ms,
            delivered_at: d.delivered_at,
            redelivery_of: d.redelivery_of,
            created_at: d.created_at,
        }
    }
}

/// Query parameters of the webhook and delivery lists.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WebhookListParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

impl WebhookListParams {
    /// The page size and the position to continue after.
    pub fn page<K: serde::de::DeserializeOwned>(&self) -> Result<(i64, Option<K>), ApiError> {
        Ok((
            pagination::limit(self.limit.as_deref())?,
            pagination::cursor(self.cursor.as_deref())?,
        ))
    }
}
