//! The `milestones` table, typed inputs, and the cross-recommendation list's filters.

use crate::agencies::model::AgencyRef;
use crate::db::schema::milestones;
use crate::domain::MilestoneStatus;
use crate::reports::model::ReportRef;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

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

    /// Due date (none last) then id: the list's sort key and cursor.
    pub fn list_key(&self) -> (NaiveDate, Uuid) {
        (self.due_on.unwrap_or(crate::db::UNDATED_SORT_KEY), self.id)
    }
}

/// A validated new milestone of a recommendation.
#[derive(Debug, Clone)]
pub struct MilestoneInput {
    pub title: String,
    pub description: String,
    pub owner_agency_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub status: MilestoneStatus,
    pub completed_on: Option<NaiveDate>,
    pub weight: i32,
    /// `None`: after the recommendation's last milestone.
    pub position: Option<i32>,
}

/// A validated PATCH (`None` leaves alone, `Some(None)` clears).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = milestones)]
pub struct MilestoneChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub owner_agency_id: Option<Option<Uuid>>,
    pub due_on: Option<Option<NaiveDate>>,
    pub status: Option<MilestoneStatus>,
    pub completed_on: Option<Option<NaiveDate>>,
    pub weight: Option<i32>,
    pub position: Option<i32>,
}

/// The cross-recommendation list's filters; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct MilestoneFilters {
    pub statuses: Vec<MilestoneStatus>,
    pub owner: Option<AgencyRef>,
    pub overdue: Option<bool>,
    pub due_before: Option<NaiveDate>,
    pub due_after: Option<NaiveDate>,
    pub report: Option<ReportRef>,
    pub recommendation: Option<Uuid>,
    /// Owned by one of these agencies, or on a recommendation one of them leads
    /// (`mine=true`: the caller's).
    pub among_agencies: Option<Vec<Uuid>>,
}

/// One validated request for a page of the list.
#[derive(Debug, Clone)]
pub struct MilestoneListQuery {
    pub filters: MilestoneFilters,
    pub after: Option<(NaiveDate, Uuid)>,
    pub limit: i64,
}

/// A milestone with what a list shows beside it: its recommendation's code and report, and
/// its owner's code.
pub type MilestoneRow = (Milestone, String, Uuid, Option<String>);
