//! The `events` table: one append-only record of every change, and how a change describes
//! the entity it is about.

use crate::agencies::model::{Agency, AgencyCountsRow};
use crate::audit::model::Actor;
use crate::db::schema::events;
use crate::milestones::model::Milestone;
use crate::proposals::model::Proposal;
use crate::recommendations::model::{CheckIn, RecommendationView, StatusChange};
use crate::reports::model::ReportView;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What happened. The keys are dotted (`recommendation.status_changed`), as webhook
/// receivers and feed readers filter on them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum EventType {
    #[serde(rename = "recommendation.created")]
    RecommendationCreated,
    #[serde(rename = "recommendation.updated")]
    RecommendationUpdated,
    #[serde(rename = "recommendation.status_changed")]
    RecommendationStatusChanged,
    #[serde(rename = "recommendation.checked_in")]
    RecommendationCheckedIn,
    #[serde(rename = "recommendation.stale")]
    RecommendationStale,
    #[serde(rename = "recommendation.closure_proposed")]
    RecommendationClosureProposed,
    #[serde(rename = "recommendation.closure_approved")]
    RecommendationClosureApproved,
    #[serde(rename = "recommendation.closure_returned")]
    RecommendationClosureReturned,
    #[serde(rename = "milestone.created")]
    MilestoneCreated,
    #[serde(rename = "milestone.updated")]
    MilestoneUpdated,
    #[serde(rename = "milestone.completed")]
    MilestoneCompleted,
    #[serde(rename = "milestone.deleted")]
    MilestoneDeleted,
    #[serde(rename = "milestone.due_soon")]
    MilestoneDueSoon,
    #[serde(rename = "milestone.overdue")]
    MilestoneOverdue,
    #[serde(rename = "report.created")]
    ReportCreated,
    #[serde(rename = "report.updated")]
    ReportUpdated,
    #[serde(rename = "report.imported")]
    ReportImported,
    #[serde(rename = "agency.created")]
    AgencyCreated,
    #[serde(rename = "agency.updated")]
    AgencyUpdated,
    #[serde(rename = "webhook.disabled")]
    WebhookDisabled,
}

crate::text_enum_impls!(EventType {
    RecommendationCreated => "recommendation.created",
    RecommendationUpdated => "recommendation.updated",
    RecommendationStatusChanged => "recommendation.status_changed",
    RecommendationCheckedIn => "recommendation.checked_in",
    RecommendationStale => "recommendation.stale",
    RecommendationClosureProposed => "recommendation.closure_proposed",
    RecommendationClosureApproved => "recommendation.closure_approved",
    RecommendationClosureReturned => "recommendation.closure_returned",
    MilestoneCreated => "milestone.created",
    MilestoneUpdated => "milestone.updated",
    MilestoneCompleted => "milestone.completed",
    MilestoneDeleted => "milestone.deleted",
    MilestoneDueSoon => "milestone.due_soon",
    MilestoneOverdue => "milestone.overdue",
    ReportCreated => "report.created",
    ReportUpdated => "report.updated",
    ReportImported => "report.imported",
    AgencyCreated => "agency.created",
    AgencyUpdated => "agency.updated",
    WebhookDisabled => "webhook.disabled",
});

crate::text_enum! {
    /// Who made a change: a signed-in user, a machine token, or policytrack itself (deadlines).
    pub enum ActorKind {
        User => "user",
        Token => "token",
        System => "system",
    }
}

/// A change to record, in the transaction that makes it.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_type: EventType,
    pub report_id: Option<Uuid>,
    pub recommendation_id: Option<Uuid>,
    /// The entity as it is after the change (as it was, for a deletion), in the API's
    /// representation.
    pub data: serde_json::Value,
}

#[derive(Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
pub struct EventRecord<'a> {
    pub event_type: EventType,
    pub actor_kind: ActorKind,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<&'a str>,
    pub report_id: Option<Uuid>,
    pub recommendation_id: Option<Uuid>,
    pub data: serde_json::Value,
}

impl<'a> EventRecord<'a> {
    /// `event` as recorded for `actor` (none: the system).
    pub fn new(actor: Option<Actor<'a>>, event: NewEvent) -> Self {
        Self {
            event_type: event.event_type,
            actor_kind: match actor {
                Some(a) if a.via_token => ActorKind::Token,
                Some(_) => ActorKind::User,
                None => ActorKind::System,
            },
            actor_id: actor.map(|a| a.id),
            actor_email: actor.map(|a| a.email),
            report_id: event.report_id,
            recommendation_id: event.recommendation_id,
            data: event.data,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events, check_for_backend(diesel::pg::Pg))]
pub struct Event {
    pub id: Uuid,
    pub tx: i64,
    pub seq: i64,
    pub event_type: EventType,
    pub occurred_at: DateTime<Utc>,
    pub actor_kind: ActorKind,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub report_id: Option<Uuid>,
    pub recommendation_id: Option<Uuid>,
    pub data: serde_json::Value,
}

impl Event {
    pub fn position(&self) -> Position {
        Position {
            tx: self.tx,
            seq: self.seq,
        }
    }
}

/// A place in the feed: the (transaction, sequence) of the last event read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Position {
    pub tx: i64,
    pub seq: i64,
}

/// One validated request for a page of the feed.
#[derive(Debug, Clone, Default)]
pub struct FeedQuery {
    /// Events after this position; `None`: from the start.
    pub after: Option<Position>,
    pub types: Vec<EventType>,
    pub report: Option<crate::reports::model::ReportRef>,
    pub recommendation: Option<Uuid>,
    pub limit: i64,
}

/// How an event shows what it is about: the API's representation of each entity. Commands
/// record events but know no DTO; the handler that calls them passes one of these down.
pub trait Represent: Sync {
    /// The day derived fields (overdue counts) are computed for.
    fn today(&self) -> chrono::NaiveDate;
    fn recommendation(&self, view: &RecommendationView) -> serde_json::Value;
    fn status_change(&self, view: &RecommendationView, change: &StatusChange) -> serde_json::Value;
    fn check_in(&self, view: &RecommendationView, check_in: &CheckIn) -> serde_json::Value;
    /// A step of a closure proposal: the recommendation as it is after it, and the proposal.
    fn proposal(&self, view: &RecommendationView, proposal: &Proposal) -> serde_json::Value;
    /// A PATCH: the new representation, what changed (`{field: {from, to}}`) and why.
    fn recommendation_update(
        &self,
        view: &RecommendationView,
        changes: serde_json::Value,
        reason: Option<&str>,
    ) -> serde_json::Value;
    fn milestone(&self, milestone: &Milestone) -> serde_json::Value;
    fn report(&self, view: &ReportView) -> serde_json::Value;
    fn agency(&self, agency: &Agency, counts: AgencyCountsRow) -> serde_json::Value;
}
