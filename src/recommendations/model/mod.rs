//! The `recommendations` table, the rows a representation embeds, and typed inputs.

pub mod listing;

use crate::agencies::model::AgencyBrief;
use crate::db::schema::{check_ins, milestone_tallies, recommendations, status_changes};
use crate::domain::{AgencyRole, Health, Language, Priority, Status};
use crate::milestones::model::Milestone;
use crate::reports::model::CategoryBrief;
use crate::translations::model::Shown;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = recommendations, check_for_backend(diesel::pg::Pg))]
pub struct Recommendation {
    pub id: Uuid,
    pub report_id: Uuid,
    pub category_id: Uuid,
    pub code: String,
    pub position: i32,
    pub title: String,
    pub body: String,
    pub status: Status,
    pub health: Option<Health>,
    pub lead_agency_id: Option<Uuid>,
    pub priority: Option<Priority>,
    pub target_on: Option<NaiveDate>,
    pub status_changed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The report's sequence number (set by the database): the first key of report order.
    pub report_seq: i64,
    /// When the last progress check-in was posted.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// The closure proposal waiting for review, if any.
    pub pending_proposal_id: Option<Uuid>,
    /// Its identifier in the system it was imported from, unique within its report.
    pub external_id: Option<String>,
    /// The language title and text are written in.
    pub language: Language,
}

impl Recommendation {
    /// The last status change or check-in, or the creation: what `stale` counts from.
    pub fn last_activity_at(&self) -> DateTime<Utc> {
        self.status_changed_at
            .max(self.checked_in_at)
            .unwrap_or(self.created_at)
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = recommendations)]
pub struct NewRecommendation<'a> {
    pub report_id: Uuid,
    pub category_id: Uuid,
    pub code: &'a str,
    pub position: i32,
    pub title: &'a str,
    pub body: &'a str,
    pub external_id: Option<&'a str>,
    pub language: Language,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = status_changes, check_for_backend(diesel::pg::Pg))]
pub struct StatusChange {
    pub id: Uuid,
    pub recommendation_id: Uuid,
    pub from_status: Status,
    pub to_status: Status,
    pub health: Option<Health>,
    pub note: String,
    pub evidence_urls: Vec<String>,
    pub effective_on: NaiveDate,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub approved_by_id: Option<Uuid>,
    pub approved_by_email: Option<String>,
}

/// A dated progress note on a recommendation, without a status change.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = check_ins, check_for_backend(diesel::pg::Pg))]
pub struct CheckIn {
    pub id: Uuid,
    pub recommendation_id: Uuid,
    pub note: String,
    pub health: Option<Health>,
    pub evidence_urls: Vec<String>,
    pub as_of: NaiveDate,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// A validated check-in.
#[derive(Debug, Clone)]
pub struct CheckInInput {
    pub note: String,
    /// A new health; `None` leaves it as it is.
    pub health: Option<Health>,
    pub evidence_urls: Vec<String>,
    pub as_of: NaiveDate,
}

/// Milestone weights of one recommendation, for its derived `progress` (the
/// `milestone_tallies` view).
#[derive(Debug, Clone, Copy, Default, Queryable, Selectable)]
#[diesel(table_name = milestone_tallies, check_for_backend(diesel::pg::Pg))]
pub struct MilestoneTally {
    pub recommendation_id: Uuid,
    /// Weight of done milestones.
    pub done_weight: i64,
    /// Weight of all milestones except cancelled ones.
    pub counted_weight: i64,
    pub total: i64,
    /// Open milestones past their due date (as of today, UTC).
    pub overdue: i64,
}

impl MilestoneTally {
    /// Weighted share of done milestones (cancelled left out), or the status default.
    pub fn progress(&self, status: Status) -> i32 {
        if self.counted_weight > 0 {
            ((self.done_weight * 100 + self.counted_weight / 2) / self.counted_weight) as i32
        } else {
            status.default_progress()
        }
    }
}

/// An agency that takes part in a recommendation without leading it.
#[derive(Debug, Clone)]
pub struct SupportingLink {
    pub agency: AgencyBrief,
    pub role: AgencyRole,
}

/// A recommendation with everything its representation embeds.
#[derive(Debug, Clone)]
pub struct RecommendationView {
    pub recommendation: Recommendation,
    pub category: CategoryBrief,
    pub lead_agency: Option<AgencyBrief>,
    pub supporting: Option<Vec<SupportingLink>>,
    pub tally: MilestoneTally,
    pub milestones: Option<Vec<Milestone>>,
    /// `None`: not embedded; `Some(None)`: embedded, but there is no change yet.
    pub latest_change: Option<Option<StatusChange>>,
    pub history: Option<Vec<StatusChange>>,
    /// In which language title and text are shown.
    pub shown: Shown,
}

/// A validated status change.
#[derive(Debug, Clone)]
pub struct StatusChangeInput {
    pub to: Status,
    pub health: Option<Health>,
    pub note: String,
    pub evidence_urls: Vec<String>,
    pub effective_on: NaiveDate,
}

/// A validated PATCH: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct RecommendationChanges {
    pub lead_agency_id: Option<Option<Uuid>>,
    pub supporting: Option<Vec<(Uuid, AgencyRole)>>,
    pub priority: Option<Option<Priority>>,
    pub target_on: Option<Option<NaiveDate>>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub category_slug: Option<String>,
    pub external_id: Option<Option<String>>,
    pub language: Option<Language>,
    /// Why: kept on the change's event.
    pub reason: Option<String>,
}

/// A validated new recommendation; the category is named by slug.
#[derive(Debug, Clone)]
pub struct NewRecommendationInput {
    pub category_slug: String,
    pub code: String,
    pub external_id: Option<String>,
    pub title: String,
    pub body: String,
    /// Order within the report; `None` puts it after the last.
    pub position: Option<i32>,
    pub language: Language,
}

impl RecommendationView {
    /// `{field: {from, to}}` for each field that differs between `before` and `self`, in the
    /// values the representation shows (category slug, agency codes).
    pub fn changes_since(&self, before: &RecommendationView) -> serde_json::Value {
        use serde_json::{Map, Value, json};
        let (old, new) = (&before.recommendation, &self.recommendation);
        let lead = |view: &RecommendationView| view.lead_agency.as_ref().map(|a| a.code.clone());
        // Compared only when both sides embed them.
        let supporting = |view: &RecommendationView| -> Value {
            view.supporting
                .iter()
                .flatten()
                .map(|link| json!({"agency": link.agency.code, "role": link.role}))
                .collect()
        };
        let both_embed = before.supporting.is_some() && self.supporting.is_some();
        let mut pairs = vec![
            ("title", json!(old.title), json!(new.title)),
            (
                "external_id",
                json!(old.external_id),
                json!(new.external_id),
            ),
            ("text", json!(old.body), json!(new.body)),
            ("language", json!(old.language), json!(new.language)),
            (
                "category",
                json!(before.category.slug),
                json!(self.category.slug),
            ),
            ("lead_agency", json!(lead(before)), json!(lead(self))),
            ("priority", json!(old.priority), json!(new.priority)),
            ("target_on", json!(old.target_on), json!(new.target_on)),
        ];
        if both_embed {
            pairs.push(("supporting_agencies", supporting(before), supporting(self)));
        }
        let changed: Map<String, Value> = pairs
            .into_iter()
            .filter(|(_, from, to)| from != to)
            .map(|(field, from, to)| (field.to_owned(), json!({"from": from, "to": to})))
            .collect();
        Value::Object(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_the_weighted_done_share() {
        let tally = MilestoneTally {
            done_weight: 1,
            counted_weight: 3,
            ..Default::default()
        };
        assert_eq!(tally.progress(Status::InProgress), 33);
    }

    #[test]
    fn without_milestones_progress_follows_the_status() {
        let tally = MilestoneTally::default();
        assert_eq!(tally.progress(Status::Implemented), 100);
        assert_eq!(tally.progress(Status::NotAssessed), 0);
    }
}
