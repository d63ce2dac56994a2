//! The `closure_proposals` table and the list's filters.

use crate::agencies::model::AgencyRef;
use crate::db::schema::closure_proposals;
use crate::domain::{Health, ProposalState, Status};
use crate::reports::model::ReportRef;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = closure_proposals, check_for_backend(diesel::pg::Pg))]
pub struct Proposal {
    pub id: Uuid,
    pub recommendation_id: Uuid,
    pub to_status: Status,
    pub health: Option<Health>,
    pub note: String,
    pub evidence_urls: Vec<String>,
    pub effective_on: NaiveDate,
    pub state: ProposalState,
    pub proposed_by_id: Option<Uuid>,
    pub proposed_by_email: String,
    pub decided_by_id: Option<Uuid>,
    pub decided_by_email: Option<String>,
    pub decision_note: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Insertable)]
#[diesel(table_name = closure_proposals, treat_none_as_default_value = false)]
pub struct NewProposal<'a> {
    pub recommendation_id: Uuid,
    pub to_status: Status,
    pub health: Option<Health>,
    pub note: &'a str,
    pub evidence_urls: &'a [String],
    pub effective_on: NaiveDate,
    pub proposed_by_id: Option<Uuid>,
    pub proposed_by_email: &'a str,
}

/// A proposal with its recommendation's code and report, as a list shows it.
pub type ProposalRow = (Proposal, String, Uuid);

/// Which proposals to list, oldest first.
#[derive(Debug, Clone, Default)]
pub struct ProposalFilter {
    pub state: Option<ProposalState>,
    pub report: Option<ReportRef>,
    /// Proposals on recommendations this agency leads.
    pub agency: Option<AgencyRef>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}
