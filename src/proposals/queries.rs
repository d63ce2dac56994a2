//! Proposal reads.

use super::model::{Proposal, ProposalFilter, ProposalRow};
use crate::agencies::model::AgencyRef;
use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::{agencies, closure_proposals, recommendations, reports};
use crate::reports::model::ReportRef;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ProposalRow>> {
    closure_proposals::table
        .inner_join(recommendations::table)
        .filter(closure_proposals::id.eq(id))
        .select((
            Proposal::as_select(),
            recommendations::code,
            recommendations::report_id,
        ))
        .first(conn)
        .await
        .optional()
}

/// Proposals oldest first; fetches `limit + 1`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ProposalFilter,
) -> QueryResult<Vec<ProposalRow>> {
    let mut query = closure_proposals::table
        .inner_join(
            recommendations::table
                .inner_join(reports::table)
                .left_join(agencies::table),
        )
        .select((
            Proposal::as_select(),
            recommendations::code,
            recommendations::report_id,
        ))
        .order((
            closure_proposals::created_at.asc(),
            closure_proposals::id.asc(),
        ))
        .into_boxed();
    if let Some(state) = filter.state {
        query = query.filter(closure_proposals::state.eq(state));
    }
    match &filter.report {
        Some(ReportRef::Id(id)) => query = query.filter(reports::id.eq(*id)),
        Some(ReportRef::Slug(slug)) => query = query.filter(reports::slug.eq(slug.clone())),
        None => {}
    }
    match &filter.agency {
        Some(AgencyRef::Id(id)) => {
            query = query.filter(recommendations::lead_agency_id.eq(*id));
        }
        Some(AgencyRef::Code(code)) => query = query.filter(agencies::code.eq(code.clone())),
        None => {}
    }
    if let Some((at, id)) = filter.after {
        query = query.filter(
            closure_proposals::created_at
                .gt(at)
                .or(closure_proposals::created_at
                    .eq(at)
                    .and(closure_proposals::id.gt(id))),
        );
    }
    query.literal_limit(filter.limit + 1).load(conn).await
}
