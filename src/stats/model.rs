//! The rows behind the aggregates and the timeline.

use crate::domain::{MilestoneStatus, Status};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

/// Recommendations counted by category, lead agency and status.
#[derive(Debug, Clone, QueryableByName)]
pub struct GroupCount {
    #[diesel(sql_type = SqlUuid)]
    pub category_id: Uuid,
    #[diesel(sql_type = Text)]
    pub category_slug: String,
    #[diesel(sql_type = Text)]
    pub category_name: String,
    #[diesel(sql_type = SqlUuid)]
    pub report_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub agency_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub agency_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub agency_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub agency_country: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: Status,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = Timestamptz)]
    pub last_update: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, Default, QueryableByName)]
pub struct MilestoneCounts {
    #[diesel(sql_type = BigInt)]
    pub total: i64,
    #[diesel(sql_type = BigInt)]
    pub done: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
    #[diesel(sql_type = BigInt)]
    pub due_30: i64,
    #[diesel(sql_type = BigInt)]
    pub due_90: i64,
}

#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct MeanProgress {
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub progress: f64,
}

/// What every aggregate depends on. Every committed write bumps a recommendation's version
/// (milestone writes bump their recommendation's), so the sum of versions moves with each
/// commit whatever its timestamp; deletions change the count.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct DataVersion {
    #[diesel(sql_type = BigInt)]
    pub recommendations: i64,
    #[diesel(sql_type = BigInt)]
    pub versions: i64,
}

crate::text_enum! {
    /// What happened.
    pub enum TimelineKind {
        /// A recommendation changed status (dated by its effective date).
        StatusChange => "status_change",
        /// A milestone falls due.
        MilestoneDue => "milestone_due",
        /// A milestone was completed.
        MilestoneCompleted => "milestone_completed",
    }
}

/// One dated event with its recommendation. A status change carries the status it moved to,
/// a milestone event the milestone's current status.
#[derive(Debug, QueryableByName)]
pub struct TimelineRow {
    #[diesel(sql_type = Date)]
    pub on_date: NaiveDate,
    #[diesel(sql_type = Text)]
    pub kind: TimelineKind,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub rec_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub report_id: Uuid,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub label: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub to_status: Option<Status>,
    #[diesel(sql_type = Nullable<Text>)]
    pub milestone_status: Option<MilestoneStatus>,
}

impl TimelineRow {
    /// Its position in the timeline's order: the keyset cursor.
    pub fn key(&self) -> (NaiveDate, TimelineKind, Uuid) {
        (self.on_date, self.kind, self.event_id)
    }

    /// A milestone still open after its due date.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.kind == TimelineKind::MilestoneDue
            && self.on_date < today
            && matches!(
                self.milestone_status,
                Some(MilestoneStatus::Planned | MilestoneStatus::InProgress)
            )
    }
}

/// One validated request for a page of the timeline.
#[derive(Debug, Clone)]
pub struct TimelineQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub report: Option<String>,
    pub after: Option<(NaiveDate, TimelineKind, Uuid)>,
    pub limit: i64,
}

#[cfg(test)]
mod tests {
    use super::TimelineKind;

    #[test]
    fn timeline_kinds_serialize_as_their_stored_keys() {
        for kind in TimelineKind::ALL {
            assert_eq!(
                serde_json::to_string(kind).expect("serializes"),
                format!("\"{kind}\"")
            );
        }
    }
}
