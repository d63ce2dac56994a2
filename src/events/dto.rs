//! Events as the API shows them: one named schema per event type (a `oneOf` on `type`), the
//! feed's parameters, and the representation every event carries of what it is about.

use super::model::{ActorKind, Event as EventRow, EventType, FeedQuery, Position, Represent};
use crate::agencies::dto::{AgencyCounts, AgencyDto};
use crate::agencies::model::{Agency, AgencyCountsRow};
use crate::domain::Derivation;
use crate::error::ApiError;
use crate::http::{pagination, params};
use crate::milestones::dto::{MilestoneDto, milestone_dto};
use crate::milestones::model::Milestone;
use crate::proposals::dto::ProposalDto;
use crate::proposals::model::Proposal;
use crate::recommendations::dto::{
    CheckInDto, RecommendationDto, StatusChangeDto, recommendation_dto,
};
use crate::recommendations::model::{CheckIn, RecommendationView, StatusChange};
use crate::reports::dto::ReportDto;
use crate::reports::model::{ReportRef, ReportView};
use crate::transfer::dto::ImportCounts;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Who made a change.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventActor {
    /// A user, a machine token, or `system` (deadlines, webhook health).
    pub kind: ActorKind,
    /// The user (or the token's owner), when not the system.
    #[schema(required = true)]
    pub id: Option<Uuid>,
    /// That user's email at the time.
    #[schema(required = true)]
    pub email: Option<String>,
}

/// One field's change in a `recommendation.updated` event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FieldChange {
    /// The value before (as the representation shows it: codes, slugs, dates).
    pub from: serde_json::Value,
    /// The value after.
    pub to: serde_json::Value,
}

/// What a `report.imported` event carries: the report after the import and what it did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportImportSummary {
    /// The report as it is after the import.
    pub report: ReportDto,
    /// Rows the import created, per kind.
    pub created: ImportCounts,
    /// Rows it changed.
    pub updated: ImportCounts,
    /// Rows of the file that matched what was stored.
    pub unchanged: ImportCounts,
    /// Codes of the recommendations it created.
    pub created_codes: Vec<String>,
    /// Codes of the recommendations it changed (fields, owners or milestones).
    pub updated_codes: Vec<String>,
}

/// What a `recommendation.updated` event carries.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecommendationUpdate {
    /// The recommendation after the change.
    pub recommendation: RecommendationDto,
    /// Each field that changed: title, text, category, lead_agency, supporting_agencies,
    /// priority, target_on.
    pub changes: BTreeMap<String, FieldChange>,
    /// Why, when the editor said.
    #[schema(required = true)]
    pub reason: Option<String>,
}

/// What a `recommendation.status_changed` event carries.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusChanged {
    /// The recommendation after the change.
    pub recommendation: RecommendationDto,
    /// The new entry of its history.
    pub status_change: StatusChangeDto,
}

/// What a `recommendation.checked_in` event carries.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckedIn {
    /// The recommendation after the check-in.
    pub recommendation: RecommendationDto,
    /// The check-in.
    pub check_in: CheckInDto,
}

/// What a `recommendation.closure_*` event carries.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClosureStep {
    /// The recommendation after the step (closed, after an approval).
    pub recommendation: RecommendationDto,
    /// The proposal after the step.
    pub proposal: ProposalDto,
}

/// What a `webhook.disabled` event carries.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DisabledWebhook {
    /// The subscription.
    pub webhook_id: Uuid,
    /// Where it delivered.
    pub url: String,
    /// Since when every delivery failed.
    pub failing_since: DateTime<Utc>,
}

macro_rules! event_schemas {
    ($( $(#[$doc:meta])* $variant:ident => $event:ident: $data:ty ),+ $(,)?) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
            pub struct $event {
                /// Stable identifier (also the webhook delivery's `webhook-id` base).
                pub id: Uuid,
                /// The event type.
                #[serde(rename = "type")]
                pub event_type: EventType,
                /// When the change committed.
                pub occurred_at: DateTime<Utc>,
                /// Who made it.
                pub actor: EventActor,
                /// The report it concerns, when it concerns one.
                #[schema(required = true)]
                pub report_id: Option<Uuid>,
                /// The recommendation it concerns, when it concerns one.
                #[schema(required = true)]
                pub recommendation_id: Option<Uuid>,
                /// What it is about, as it is after the change (as it was, for a deletion).
                pub data: $data,
            }
        )+

        /// Something that happened: one schema per `type`.
        #[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
        #[serde(untagged)]
        #[schema(discriminator = "type")]
        pub enum Event {
            $( $event($event) ),+
        }

        /// Each event type with the name of its schema.
        pub const EVENT_SCHEMAS: &[(EventType, &str)] = &[
            $( (EventType::$variant, stringify!($event)) ),+
        ];
    };
}

event_schemas! {
    /// A recommendation was added to a report.
    RecommendationCreated => RecommendationCreatedEvent: RecommendationDto,
    /// A recommendation's owners, priority, target date, wording or category changed.
    RecommendationUpdated => RecommendationUpdatedEvent: RecommendationUpdate,
    /// A recommendation changed status (and health).
    RecommendationStatusChanged => RecommendationStatusChangedEvent: StatusChanged,
    /// A progress check-in was posted.
    RecommendationCheckedIn => RecommendationCheckedInEvent: CheckedIn,
    /// An open recommendation went without a status change or check-in for longer than the
    /// stale threshold.
    RecommendationStale => RecommendationStaleEvent: RecommendationDto,
    /// An analyst proposed closing a recommendation whose report reviews closures.
    RecommendationClosureProposed => RecommendationClosureProposedEvent: ClosureStep,
    /// A reviewer approved a closure proposal (a `recommendation.status_changed` event
    /// records the change itself).
    RecommendationClosureApproved => RecommendationClosureApprovedEvent: ClosureStep,
    /// A reviewer sent a closure proposal back.
    RecommendationClosureReturned => RecommendationClosureReturnedEvent: ClosureStep,
    /// A milestone was added.
    MilestoneCreated => MilestoneCreatedEvent: MilestoneDto,
    /// A milestone changed (not to done).
    MilestoneUpdated => MilestoneUpdatedEvent: MilestoneDto,
    /// A milestone was done.
    MilestoneCompleted => MilestoneCompletedEvent: MilestoneDto,
    /// A milestone was removed (as it was).
    MilestoneDeleted => MilestoneDeletedEvent: MilestoneDto,
    /// A milestone falls due within the due-soon window.
    MilestoneDueSoon => MilestoneDueSoonEvent: MilestoneDto,
    /// A milestone's due date passed without it being done or cancelled.
    MilestoneOverdue => MilestoneOverdueEvent: MilestoneDto,
    /// A report started being tracked.
    ReportCreated => ReportCreatedEvent: ReportDto,
    /// A report's details changed.
    ReportUpdated => ReportUpdatedEvent: ReportDto,
    /// An import created or changed a report's rows (one event per report and import; the
    /// rows it wrote have no events of their own).
    ReportImported => ReportImportedEvent: ReportImportSummary,
    /// An agency was added to the directory.
    AgencyCreated => AgencyCreatedEvent: AgencyDto,
    /// An agency changed.
    AgencyUpdated => AgencyUpdatedEvent: AgencyDto,
    /// A webhook subscription failed for three days and was disabled.
    WebhookDisabled => WebhookDisabledEvent: DisabledWebhook,
}

/// An event as stored, shown with its envelope (its `data` is stored in the API's shape).
#[derive(Debug, Serialize)]
pub struct EventOut {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub event_type: EventType,
    #[serde(serialize_with = "crate::http::timestamp::serialize")]
    pub occurred_at: DateTime<Utc>,
    pub actor: EventActor,
    pub report_id: Option<Uuid>,
    pub recommendation_id: Option<Uuid>,
    pub data: serde_json::Value,
}

impl From<EventRow> for EventOut {
    fn from(e: EventRow) -> Self {
        Self {
            id: e.id,
            event_type: e.event_type,
            occurred_at: e.occurred_at,
            actor: EventActor {
                kind: e.actor_kind,
                id: e.actor_id,
                email: e.actor_email,
            },
            report_id: e.report_id,
            recommendation_id: e.recommendation_id,
            data: e.data,
        }
    }
}

/// A page of events. `next_cursor` is always there: pass it as `after` to go on from here,
/// now or later.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// The events of this page, in order.
    #[schema(value_type = Vec<Event>)]
    pub items: Vec<EventOut>,
    /// Where the next page starts.
    pub next_cursor: String,
}

/// Query parameters of `list_events`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventListParams {
    /// Events after this cursor (a `next_cursor`), or `latest` to start at the end; absent:
    /// from the first event.
    #[param(min_length = 1)]
    pub after: Option<String>,
    /// Only these types, comma-separated.
    #[param(value_type = Option<Vec<EventType>>, style = Form, explode = false)]
    pub r#type: Option<String>,
    /// Only events about this report (id or slug).
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub report: Option<String>,
    /// Only events about this recommendation.
    #[param(value_type = Option<Uuid>)]
    pub recommendation: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

/// What `after` asks for.
pub enum After {
    /// From this position (or the start).
    Position(Option<Position>),
    /// From the end of the feed as it is now.
    Latest,
}

impl EventListParams {
    /// The typed query, and where it starts.
    pub fn into_query(self) -> Result<(FeedQuery, After), ApiError> {
        let after = match self.after.as_deref() {
            Some("latest") => After::Latest,
            raw => After::Position(pagination::cursor(raw)?),
        };
        let report = params::reference("report", self.report.as_deref())?;
        let query = FeedQuery {
            after: None,
            types: params::list("type", self.r#type.as_deref())?,
            report: report.map(ReportRef::parse),
            recommendation: params::param(
                "recommendation",
                self.recommendation.as_deref(),
                "a UUID",
            )?,
            limit: pagination::limit(self.limit.as_deref())?,
        };
        Ok((query, after))
    }
}

/// The API's representation of each entity, as of `derivation`.
pub struct Representation {
    derivation: Derivation,
}

impl Representation {
    pub fn new(derivation: Derivation) -> Self {
        Self { derivation }
    }

    fn dto(&self, view: &RecommendationView) -> RecommendationDto {
        recommendation_dto(view.clone(), self.derivation)
    }
}

fn json(value: impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

impl Represent for Representation {
    fn today(&self) -> chrono::NaiveDate {
        self.derivation.today()
    }

    fn recommendation(&self, view: &RecommendationView) -> serde_json::Value {
        json(self.dto(view))
    }

    fn status_change(&self, view: &RecommendationView, change: &StatusChange) -> serde_json::Value {
        json(StatusChanged {
            recommendation: self.dto(view),
            status_change: StatusChangeDto::from(change.clone()),
        })
    }

    fn check_in(&self, view: &RecommendationView, check_in: &CheckIn) -> serde_json::Value {
        json(CheckedIn {
            recommendation: self.dto(view),
            check_in: CheckInDto::from(check_in.clone()),
        })
    }

    fn proposal(&self, view: &RecommendationView, proposal: &Proposal) -> serde_json::Value {
        let r = &view.recommendation;
        let row = (proposal.clone(), r.code.clone(), r.report_id);
        json(ClosureStep {
            recommendation: self.dto(view),
            proposal: ProposalDto::from(row),
        })
    }

    fn recommendation_update(
        &self,
        view: &RecommendationView,
        changes: serde_json::Value,
        reason: Option<&str>,
    ) -> serde_json::Value {
        let changes = serde_json::from_value(changes).unwrap_or_default();
        json(RecommendationUpdate {
            recommendation: self.dto(view),
            changes,
            reason: reason.map(str::to_owned),
        })
    }

    fn milestone(&self, milestone: &Milestone) -> serde_json::Value {
        json(milestone_dto(milestone.clone(), self.derivation.today()))
    }

    fn report(&self, view: &ReportView) -> serde_json::Value {
        json(ReportDto::from(view.clone()))
    }

    fn agency(&self, agency: &Agency, counts: AgencyCountsRow) -> serde_json::Value {
        json(AgencyDto::new(agency.clone(), AgencyCounts::from(counts)))
    }
}
