//! The `recommendations` table and the rows embedded with it.

use crate::db::schema::{
    milestone_tallies, milestones, recommendation_agencies, recommendations, status_changes,
};
use crate::domain::{AgencyRole, Health, MilestoneStatus, Priority, Status};
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
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = recommendation_agencies, check_for_backend(diesel::pg::Pg))]
pub struct RecommendationAgency {
    pub recommendation_id: Uuid,
    pub agency_id: Uuid,
    pub role: AgencyRole,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = milestones, check_for_backend(diesel::pg::Pg))]
pub struct Milestone {
    pub id: Uuid,
    pub recommendation_id: Uuid,
    pub title: String,
    pub description: String,
    pub owner_agency_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub status: MilestoneStatus,
    pub completed_on: Option<NaiveDate>,
    pub weight: i32,
    pub position: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Milestone {
    /// Due date past and neither done nor cancelled.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        !matches!(
            self.status,
            MilestoneStatus::Done | MilestoneStatus::Cancelled
        ) && self.due_on.is_some_and(|due| due < today)
    }
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
