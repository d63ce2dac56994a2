//! The cross-recommendation milestone list: filters, due-date order, keyset cursor.

use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::{agencies, milestones, recommendations, reports};
use crate::domain::MilestoneStatus;
use crate::recommendations::listing::{AgencyRef, NO_TARGET, ReportRef};
use crate::recommendations::model::Milestone;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, Default)]
pub struct MilestoneFilters {
    pub statuses: Vec<MilestoneStatus>,
    pub owner: Option<AgencyRef>,
    pub overdue: Option<bool>,
    pub due_before: Option<NaiveDate>,
    pub due_after: Option<NaiveDate>,
    pub report: Option<ReportRef>,
    pub recommendation: Option<Uuid>,
}

/// A milestone with the codes a list shows beside it.
pub type MilestoneRow = (Milestone, String, Uuid, Option<String>);

/// Due date (none last) then id: the sort and the cursor.
pub fn cursor_of(m: &Milestone) -> (NaiveDate, Uuid) {
    (m.due_on.unwrap_or(NO_TARGET), m.id)
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &MilestoneFilters,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
    today: NaiveDate,
) -> QueryResult<Vec<MilestoneRow>> {
    let mut query = milestones::table
        .inner_join(recommendations::table.inner_join(reports::table))
        .left_join(agencies::table)
        .select((
            Milestone::as_select(),
            recommendations::code,
            recommendations::report_id,
            agencies::code.nullable(),
        ))
        .order((milestones::due_sort.asc(), milestones::id.asc()))
        .into_boxed();
    if !f.statuses.is_empty() {
        query = query.filter(milestones::status.eq_any(f.statuses.clone()));
    }
    match &f.owner {
        Some(AgencyRef::Id(id)) => query = query.filter(milestones::owner_agency_id.eq(*id)),
        Some(AgencyRef::Code(code)) => query = query.filter(agencies::code.eq(code.clone())),
        None => {}
    }
    let open = [MilestoneStatus::Planned, MilestoneStatus::InProgress];
    match f.overdue {
        Some(true) => {
            query = query
                .filter(milestones::status.eq_any(open))
                .filter(milestones::due_on.lt(today));
        }
        Some(false) => {
            query = query.filter(
                milestones::status
                    .ne_all(open)
                    .or(milestones::due_on.is_null())
                    .or(milestones::due_on.ge(today)),
            );
        }
        None => {}
    }
    if let Some(before) = f.due_before {
        query = query.filter(milestones::due_on.lt(before));
    }
    if let Some(after) = f.due_after {
        query = query.filter(milestones::due_on.gt(after));
    }
    match &f.report {
        Some(ReportRef::Id(id)) => query = query.filter(reports::id.eq(*id)),
        Some(ReportRef::Slug(slug)) => query = query.filter(reports::slug.eq(slug.clone())),
        None => {}
    }
    if let Some(rec) = f.recommendation {
        query = query.filter(milestones::recommendation_id.eq(rec));
    }
    if let Some((due, id)) = after {
        query = query.filter(
            milestones::due_sort
                .gt(due)
                .or(milestones::due_sort.eq(due).and(milestones::id.gt(id))),
        );
    }
    query.literal_limit(limit + 1).load(conn).await
}
