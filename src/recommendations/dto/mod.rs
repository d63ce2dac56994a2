//! Recommendation bodies: the representation, its history entries, the status vocabulary;
//! request bodies in `requests`, list and read parameters in `params`.

pub mod params;
pub mod requests;
pub mod table;

use super::model::{CheckIn, RecommendationView, StatusChange};
use crate::agencies::dto::AgencySummary;
use crate::domain::status::{CanadaMandateLabel, GaoLabel};
use crate::domain::{AgencyRole, Derivation, Health, Language, Priority, Status};
use crate::milestones::dto::{MilestoneDto, milestone_dto};
use crate::reports::dto::CategorySummary;
use crate::translations::dto::TranslationDto;
use crate::translations::model::Subject;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An agency that supports a recommendation it does not lead.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SupportingAgency {
    /// The agency.
    pub agency: AgencySummary,
    /// How it takes part.
    pub role: AgencyRole,
}

/// One entry of a recommendation's append-only status history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusChangeDto {
    /// Stable identifier.
    pub id: Uuid,
    /// Status before the change.
    pub from_status: Status,
    /// Status after the change.
    pub to_status: Status,
    /// Health after the change (open, assessed statuses only).
    #[schema(required = true)]
    pub health: Option<Health>,
    /// Why the status changed.
    pub note: String,
    /// Links to evidence (required for implemented and partially implemented).
    pub evidence_urls: Vec<String>,
    /// The date the change took effect.
    pub effective_on: NaiveDate,
    /// Who recorded it (email), if known; for a reviewed closure, who proposed it.
    #[schema(required = true)]
    pub actor: Option<String>,
    /// For a reviewed closure, who approved it (email).
    #[schema(required = true)]
    pub approved_by: Option<String>,
    /// When it was recorded.
    #[serde(serialize_with = "crate::http::timestamp::serialize")]
    pub recorded_at: DateTime<Utc>,
}

/// A dated progress note on a recommendation, between status changes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckInDto {
    /// Stable identifier.
    pub id: Uuid,
    /// The recommendation it is about.
    pub recommendation_id: Uuid,
    /// What happened.
    pub note: String,
    /// The health it set, if it set one.
    #[schema(required = true)]
    pub health: Option<Health>,
    /// Links to evidence.
    pub evidence_urls: Vec<String>,
    /// The day the note describes.
    pub as_of: NaiveDate,
    /// Who posted it (email), if known.
    #[schema(required = true)]
    pub actor: Option<String>,
    /// When it was posted.
    #[serde(serialize_with = "crate::http::timestamp::serialize")]
    pub recorded_at: DateTime<Utc>,
}

impl From<CheckIn> for CheckInDto {
    fn from(c: CheckIn) -> Self {
        Self {
            id: c.id,
            recommendation_id: c.recommendation_id,
            note: c.note,
            health: c.health,
            evidence_urls: c.evidence_urls,
            as_of: c.as_of,
            actor: c.actor_email,
            recorded_at: c.recorded_at,
        }
    }
}

/// A recommendation with its status, owners and derived progress.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecommendationDto {
    /// Stable identifier.
    pub id: Uuid,
    /// The report that makes it.
    pub report_id: Uuid,
    /// Human code, unique within its report, e.g. `POL-1`.
    #[schema(example = "POL-1")]
    pub code: String,
    /// Its identifier in the system it came from (unique within its report), when set.
    #[schema(required = true)]
    pub external_id: Option<String>,
    /// Short title as the report words it, in `language`.
    pub title: String,
    /// Full text as the report words it, in `language`.
    pub text: String,
    /// The language `title` and `text` are shown in: the first of `lang=` or
    /// `Accept-Language` that the original is written in or translated into, else the
    /// original's.
    pub language: Language,
    /// The language the original is written in.
    pub original_language: Language,
    /// Whether the text shown is a machine translation.
    pub machine_translated: bool,
    /// Every translation (with `include=translations`), by language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<Vec<TranslationDto>>,
    /// Its category.
    pub category: CategorySummary,
    /// Implementation status.
    pub status: Status,
    /// Health of an open, assessed recommendation; null otherwise.
    #[schema(required = true)]
    pub health: Option<Health>,
    /// Priority, when set.
    #[schema(required = true)]
    pub priority: Option<Priority>,
    /// Target date for implementation, when set.
    #[schema(required = true)]
    pub target_on: Option<NaiveDate>,
    /// The lead agency, when assigned.
    #[schema(required = true)]
    pub lead_agency: Option<AgencySummary>,
    /// Agencies that take part without leading (embedded unless `include` leaves it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supporting_agencies: Option<Vec<SupportingAgency>>,
    /// Percent done: weighted share of done milestones, or the status default without any.
    #[schema(minimum = 0, maximum = 100)]
    pub progress: i32,
    /// Number of milestones.
    pub milestone_count: i64,
    /// Number of overdue milestones.
    pub overdue_milestone_count: i64,
    /// Open and without a status change or check-in for longer than the stale threshold.
    pub stale: bool,
    /// When the status last changed.
    #[schema(required = true)]
    #[serde(serialize_with = "crate::http::timestamp::option::serialize")]
    pub status_changed_at: Option<DateTime<Utc>>,
    /// The closure proposal waiting for a reviewer (`GET /api/v1/proposals/{id}`), if any.
    #[schema(required = true)]
    pub pending_proposal: Option<Uuid>,
    /// Increments on every change; the ETag carries it.
    pub version: i32,
    /// When it was created.
    #[serde(serialize_with = "crate::http::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "crate::http::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
    /// Its milestones in order (single reads by default; lists with `include=milestones`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestones: Option<Vec<MilestoneDto>>,
    /// The newest status change, null before the first (single reads by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<StatusChangeDto>)]
    pub latest_status_change: Option<Option<StatusChangeDto>>,
    /// The whole status history, newest first (single reads with `include=history`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<StatusChangeDto>>,
}

impl From<StatusChange> for StatusChangeDto {
    fn from(c: StatusChange) -> Self {
        Self {
            id: c.id,
            from_status: c.from_status,
            to_status: c.to_status,
            health: c.health,
            note: c.note,
            evidence_urls: c.evidence_urls,
            effective_on: c.effective_on,
            actor: c.actor_email,
            approved_by: c.approved_by_email,
            recorded_at: c.recorded_at,
        }
    }
}

/// The representation of `view` as of `d`.
pub fn recommendation_dto(view: RecommendationView, d: Derivation) -> RecommendationDto {
    let r = view.recommendation;
    let last_activity = r.last_activity_at();
    // Whole days, like the ETag's day: a representation is the same all day long.
    let stale = !r.status.is_closed()
        && (d.today() - last_activity.date_naive()).num_days() > i64::from(d.stale_after_days);
    RecommendationDto {
        progress: view.tally.progress(r.status),
        milestone_count: view.tally.total,
        overdue_milestone_count: view.tally.overdue,
        stale,
        category: view.category.into(),
        lead_agency: view.lead_agency.map(AgencySummary::from),
        supporting_agencies: view.supporting.map(|links| {
            links
                .into_iter()
                .map(|link| SupportingAgency {
                    agency: link.agency.into(),
                    role: link.role,
                })
                .collect()
        }),
        milestones: view.milestones.map(|ms| {
            ms.into_iter()
                .map(|m| milestone_dto(m, d.today()))
                .collect()
        }),
        latest_status_change: view.latest_change.map(|c| c.map(StatusChangeDto::from)),
        history: view
            .history
            .map(|h| h.into_iter().map(StatusChangeDto::from).collect()),
        id: r.id,
        report_id: r.report_id,
        code: r.code,
        external_id: r.external_id,
        title: r.title,
        text: r.body,
        language: view.shown.translated_to.unwrap_or(r.language),
        original_language: r.language,
        machine_translated: view.shown.machine_translated,
        translations: TranslationDto::all(Subject::Recommendation, view.shown.translations),
        status: r.status,
        health: r.health,
        priority: r.priority,
        target_on: r.target_on,
        status_changed_at: r.status_changed_at,
        pending_proposal: r.pending_proposal_id,
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// One implementation status and how it compares with other trackers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusInfo {
    /// The stable key.
    pub key: Status,
    /// What it means.
    pub description: String,
    /// Closed statuses end the lifecycle (a closed recommendation can still be reopened).
    pub closed: bool,
    /// Whether a health value (on_track, at_risk, off_track) applies.
    pub takes_health: bool,
    /// Whether a move to it needs at least one evidence link.
    pub requires_evidence: bool,
    /// Progress shown while a recommendation has no milestones.
    pub default_progress: i32,
    /// Nearest label in the GAO recommendation database.
    pub gao_label: GaoLabel,
    /// Nearest label in Canada's mandate letter tracker.
    pub canada_mandate_label: CanadaMandateLabel,
}

/// The status vocabulary.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusList {
    /// Every status, in lifecycle order.
    pub items: Vec<StatusInfo>,
}

/// The moves a recommendation can make now.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Transitions {
    /// Its current status.
    pub from: Status,
    /// Statuses it may move to in one change.
    pub allowed: Vec<Status>,
}

impl StatusInfo {
    pub fn of(s: Status) -> Self {
        Self {
            key: s,
            description: s.description().to_owned(),
            closed: s.is_closed(),
            takes_health: s.takes_health(),
            requires_evidence: s.needs_evidence(),
            default_progress: s.default_progress(),
            gao_label: s.gao_label(),
            canada_mandate_label: s.canada_label(),
        }
    }
}
