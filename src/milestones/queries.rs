//! Milestone reads: one, a recommendation's, and the cross-recommendation list.

use super::model::{Milestone, MilestoneListQuery, MilestoneRow};
use crate::agencies::model::AgencyRef;
use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::{agencies, milestones, recommendation_agencies, recommendations, reports};
use crate::domain::{AgencyRole, MilestoneStatus};
use crate::reports::model::ReportRef;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Milestone>> {
    milestones::table
        .find(id)
        .select(Milestone::as_select())
        .first(conn)
        .await
        .optional()
}

/// A recommendation's milestones in order.
pub async fn list_for(
    conn: &mut AsyncPgConnection,
    recommendation_id: Uuid,
) -> QueryResult<Vec<Milestone>> {
    milestones::table
        .filter(milestones::recommendation_id.eq(recommendation_id))
        .order((milestones::position.asc(), milestones::id.asc()))
        .select(Milestone::as_select())
        .load(conn)
        .await
}

/// A page of milestones across recommendations by due date (undated last), then id.
pub async fn list(
    conn: &mut AsyncPgConnection,
    page: &MilestoneListQuery,
    today: NaiveDate,
) -> QueryResult<Vec<MilestoneRow>> {
    let f = &page.filters;
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
    if let Some(ids) = &f.among_agencies {
        let co_led = recommendation_agencies::table
            .filter(recommendation_agencies::agency_id.eq_any(ids.clone()))
            .filter(recommendation_agencies::role.eq(AgencyRole::CoLead))
            .select(recommendation_agencies::recommendation_id);
        query = query.filter(
            milestones::owner_agency_id
                .eq_any(ids.clone())
                .or(recommendations::lead_agency_id.eq_any(ids.clone()))
                .or(milestones::recommendation_id.eq_any(co_led)),
        );
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
    if let Some((due, id)) = page.after {
        query = query.filter(
            milestones::due_sort
                .gt(due)
                .or(milestones::due_sort.eq(due).and(milestones::id.gt(id))),
        );
    }
    query.literal_limit(page.limit + 1).load(conn).await
}
