//! Proposal request and response bodies.

use super::model::{ProposalFilter, ProposalRow};
use crate::agencies::model::AgencyRef;
use crate::domain::{Health, ProposalState, Status};
use crate::error::ApiError;
use crate::http::validate::{Checks, NOTE_MAX};
use crate::http::{pagination, params};
use crate::reports::model::ReportRef;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A move to a closed status waiting for (or past) a reviewer's decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposalDto {
    /// Stable identifier.
    pub id: Uuid,
    /// The recommendation it would close.
    pub recommendation_id: Uuid,
    /// That recommendation's code.
    pub recommendation_code: String,
    /// Its report.
    pub report_id: Uuid,
    /// The proposed (closed) status.
    pub to_status: Status,
    /// The proposed health (closed statuses take none).
    #[schema(required = true)]
    pub health: Option<Health>,
    /// Why, as the proposer wrote it.
    pub note: String,
    /// Links to evidence.
    pub evidence_urls: Vec<String>,
    /// The date the change would take effect.
    pub effective_on: NaiveDate,
    /// pending, approved (applied) or returned (sent back).
    pub state: ProposalState,
    /// Who proposed it (email).
    pub proposed_by: String,
    /// Who approved or returned it (email).
    #[schema(required = true)]
    pub decided_by: Option<String>,
    /// The reviewer's note when returning it.
    #[schema(required = true)]
    pub decision_note: Option<String>,
    /// Increments on every step.
    pub version: i32,
    /// When it was proposed.
    pub created_at: DateTime<Utc>,
    /// When it was approved or returned.
    #[schema(required = true)]
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<ProposalRow> for ProposalDto {
    fn from((p, recommendation_code, report_id): ProposalRow) -> Self {
        Self {
            id: p.id,
            recommendation_id: p.recommendation_id,
            recommendation_code,
            report_id,
            to_status: p.to_status,
            health: p.health,
            note: p.note,
            evidence_urls: p.evidence_urls,
            effective_on: p.effective_on,
            state: p.state,
            proposed_by: p.proposed_by_email,
            decided_by: p.decided_by_email,
            decision_note: p.decision_note,
            version: p.version,
            created_at: p.created_at,
            decided_at: p.decided_at,
        }
    }
}

/// Why a proposal goes back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "The evidence link is to a draft; attach the signed agreement."}))]
pub struct ReturnProposalRequest {
    /// What the proposer should know (1 to 10,000 characters).
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub note: String,
}

impl ReturnProposalRequest {
    /// The trimmed note, or 422.
    pub fn validate(self) -> Result<String, ApiError> {
        let note = self.note.trim().to_owned();
        let mut checks = Checks::new();
        checks.text("/note", &note, 1, NOTE_MAX);
        checks.finish()?;
        Ok(note)
    }
}

/// Query parameters of `list_proposals`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProposalListParams {
    /// Only proposals in this state.
    #[param(value_type = Option<ProposalState>)]
    pub state: Option<String>,
    /// Only this report (id or slug).
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub report: Option<String>,
    /// Only proposals on recommendations this agency leads (id or code).
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub agency: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

impl TryFrom<ProposalListParams> for ProposalFilter {
    type Error = ApiError;

    fn try_from(p: ProposalListParams) -> Result<Self, ApiError> {
        Ok(Self {
            state: params::param("state", p.state.as_deref(), "pending, approved or returned")?,
            report: params::reference("report", p.report.as_deref())?.map(ReportRef::parse),
            agency: params::reference("agency", p.agency.as_deref())?.map(AgencyRef::parse),
            after: pagination::cursor(p.cursor.as_deref())?,
            limit: pagination::limit(p.limit.as_deref())?,
        })
    }
}
