//! Recommendation response bodies and list parameters.

use super::model::{Milestone, StatusChange};
use super::queries::RecommendationView;
use crate::agencies::dto::AgencySummary;
use crate::db::schema::categories;
use crate::domain::{AgencyRole, Health, MilestoneStatus, Priority, Status};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The category a recommendation belongs to.
// Selectable straight from `categories`, so a page reads only these columns.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = categories, check_for_backend(diesel::pg::Pg))]
pub struct CategorySummary {
    /// Stable identifier.
    pub id: Uuid,
    /// Unique within its report, e.g. `political`.
    pub slug: String,
    /// Display name, e.g. `Political`.
    pub name: String,
}

/// An agency that supports a recommendation it does not lead.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SupportingAgency {
    /// The agency.
    pub agency: AgencySummary,
    /// How it takes part.
    pub role: AgencyRole,
}

/// An actionable step towards implementing a recommendation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MilestoneDto {
    /// Stable identifier.
    pub id: Uuid,
    /// The recommendation it advances.
    pub recommendation_id: Uuid,
    /// What is to be done (at most 300 characters).
    pub title: String,
    /// Details (at most 10,000 characters).
    pub description: String,
    /// The agency responsible for it.
    #[schema(required = true)]
    pub owner_agency_id: Option<Uuid>,
    /// When it is due.
    #[schema(required = true)]
    pub due_on: Option<NaiveDate>,
    /// Where it stands.
    pub status: MilestoneStatus,
    /// When it was done (set exactly when status is `done`).
    #[schema(required = true)]
    pub completed_on: Option<NaiveDate>,
    /// Its share in the recommendation's progress (default 1).
    pub weight: i32,
    /// Order within the recommendation.
    pub position: i32,
    /// Due date past and neither done nor cancelled (derived).
    pub overdue: bool,
    /// Increments on every change; the ETag carries it.
    pub version: i32,
    /// When it was created.
    #[serde(serialize_with = "crate::http::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "crate::http::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
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
    /// Who recorded it (email), if known.
    #[schema(required = true)]
    pub actor: Option<String>,
    /// When it was recorded.
    #[serde(serialize_with = "crate::http::timestamp::serialize")]
    pub recorded_at: DateTime<Utc>,
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
    /// Short title as the report words it.
    pub title: String,
    /// Full text as the report words it.
    pub text: String,
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
    /// Open and without a status change for longer than the stale threshold.
    pub stale: bool,
    /// When the status last changed.
    #[schema(required = true)]
    #[serde(serialize_with = "crate::http::timestamp::option::serialize")]
    pub status_changed_at: Option<DateTime<Utc>>,
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

/// Facts the representation derives from the clock and settings.
#[derive(Debug, Clone, Copy)]
pub struct Derivation {
    pub now: DateTime<Utc>,
    pub stale_after_days: u32,
}

impl Derivation {
    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }
}

pub fn milestone_dto(m: Milestone, today: NaiveDate) -> MilestoneDto {
    MilestoneDto {
        overdue: m.is_overdue(today),
        id: m.id,
        recommendation_id: m.recommendation_id,
        title: m.title,
        description: m.description,
        owner_agency_id: m.owner_agency_id,
        due_on: m.due_on,
        status: m.status,
        completed_on: m.completed_on,
        weight: m.weight,
        position: m.position,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
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
            recorded_at: c.recorded_at,
        }
    }
}

pub fn recommendation_dto(view: RecommendationView, d: Derivation) -> RecommendationDto {
    let r = view.recommendation;
    let last_activity = r.status_changed_at.unwrap_or(r.created_at);
    // Whole days, like the ETag's day: a representation is the same all day long.
    let stale = !r.status.is_closed()
        && (d.today() - last_activity.date_naive()).num_days() > i64::from(d.stale_after_days);
    RecommendationDto {
        progress: view.tally.progress(r.status),
        milestone_count: view.tally.total,
        overdue_milestone_count: view.tally.overdue,
        stale,
        category: view.category,
        lead_agency: view.lead_agency,
        supporting_agencies: view.supporting,
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
        title: r.title,
        text: r.body,
        status: r.status,
        health: r.health,
        priority: r.priority,
        target_on: r.target_on,
        status_changed_at: r.status_changed_at,
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// Query parameters of `list_recommendations`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecommendationListParams {
    /// Only this report (id or slug).
    pub report: Option<String>,
    /// Only this category (slug), e.g. `political`.
    #[param(example = "political")]
    pub category: Option<String>,
    /// Only these statuses, comma-separated, e.g. `in_progress,stalled`.
    #[param(example = "not_assessed")]
    pub status: Option<String>,
    /// Only these health values, comma-separated.
    pub health: Option<String>,
    /// Only these priorities, comma-separated.
    pub priority: Option<String>,
    /// Only those led by this agency (id or code).
    #[param(example = "US-DOS")]
    pub lead_agency: Option<String>,
    /// Only those this agency leads or supports (id or code).
    pub agency: Option<String>,
    /// Only those with a lead or supporting agency of this ISO 3166-1 alpha-2 country.
    #[param(example = "KR")]
    pub country: Option<String>,
    /// true: only those with an overdue milestone; false: only those without.
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// Only target dates before this day (exclusive), `YYYY-MM-DD`.
    #[param(value_type = Option<NaiveDate>)]
    pub target_before: Option<String>,
    /// Only target dates after this day (exclusive), `YYYY-MM-DD`.
    #[param(value_type = Option<NaiveDate>)]
    pub target_after: Option<String>,
    /// Only those changed at or after this instant (RFC 3339).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub updated_since: Option<String>,
    /// Full-text search over code, title and text (web search syntax); sorts by relevance
    /// unless `sort` says otherwise.
    #[param(example = "situational awareness")]
    pub q: Option<String>,
    /// Sort: `code` (report order, default), `updated_at`, `status`, `target_on`, `relevance`
    /// (with `q`); prefix `-` for descending.
    #[param(example = "-updated_at")]
    pub sort: Option<String>,
    /// Embeds, comma-separated: `supporting_agencies` (default), `milestones`,
    /// `latest_status_change`; empty for none.
    pub include: Option<String>,
    /// Page size, 1 to 200 (default 50; CSV: up to 10,000, default 10,000).
    #[param(value_type = Option<i64>, minimum = 1)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// `csv` for text/csv (same as `Accept: text/csv`).
    pub format: Option<String>,
}

/// Query parameters of `get_recommendation`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecommendationGetParams {
    /// Embeds, comma-separated: `supporting_agencies`, `milestones`, `latest_status_change`
    /// (these three by default), `history`; empty for none.
    pub include: Option<String>,
}
