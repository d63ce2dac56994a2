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
    /// A category's id or slug.
    pub category: Option<String>,
    /// Empty: every kind.
    pub kinds: Vec<TimelineKind>,
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

/// A recommendation's status at the end of a day, rebuilt from its history (`None`: not
/// assessed by then).
#[derive(Debug, Clone, QueryableByName)]
pub struct StatusOn {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    pub status: Option<Status>,
}

/// How many recommendations had one status at the end of one period.
#[derive(Debug, Clone, QueryableByName)]
pub struct SeriesCount {
    #[diesel(sql_type = Date)]
    pub period_end: NaiveDate,
    #[diesel(sql_type = Nullable<Text>)]
    pub status: Option<Status>,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// The grouped counts `/stats` assembles, from filtered rows and their statuses (`statuses`
/// leaves out a row that did not exist yet): the same groups, in the same order, as
/// `queries::group_counts` gives for the whole data.
pub fn group_rows(
    rows: &[crate::recommendations::model::listing::MatchRow],
    statuses: &std::collections::HashMap<Uuid, Status>,
) -> Vec<GroupCount> {
    let mut groups: Vec<(i32, GroupCount)> = Vec::new();
    for row in rows {
        let Some(&status) = statuses.get(&row.id) else {
            continue;
        };
        let same = |g: &GroupCount| {
            g.category_id == row.category_id && g.agency_id == row.agency_id && g.status == status
        };
        match groups.iter_mut().find(|(_, g)| same(g)) {
            Some((_, g)) => {
                g.n += 1;
                g.last_update = g.last_update.max(row.updated_at);
            }
            None => groups.push((
                row.category_position,
                GroupCount {
                    category_id: row.category_id,
                    category_slug: row.category_slug.clone(),
                    category_name: row.category_name.clone(),
                    report_id: row.report_id,
                    agency_id: row.agency_id,
                    agency_code: row.agency_code.clone(),
                    agency_name: row.agency_name.clone(),
                    agency_country: row.agency_country.clone(),
                    status,
                    n: 1,
                    last_update: row.updated_at,
                },
            )),
        }
    }
    groups.sort_by(|(pa, a), (pb, b)| {
        (a.report_id, *pa, a.agency_code.is_none(), &a.agency_code).cmp(&(
            b.report_id,
            *pb,
            b.agency_code.is_none(),
            &b.agency_code,
        ))
    });
    groups.into_iter().map(|(_, g)| g).collect()
}

crate::text_enum! {
    /// How long one period of a series is.
    pub enum SeriesInterval {
        Month => "month",
        Week => "week",
    }
}

/// A validated `/stats/series` request: the report and the last day of each period.
#[derive(Debug, Clone)]
pub struct SeriesQuery {
    pub report: Option<String>,
    pub interval: SeriesInterval,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The last day of each period, the last one cut at `to`.
    pub ends: Vec<NaiveDate>,
}
