//! Milestone bodies, list parameters, and their conversions into typed inputs.

use super::model::{
    Milestone, MilestoneChanges, MilestoneFilters, MilestoneInput, MilestoneListQuery,
};
use crate::agencies::model::AgencyRef;
use crate::domain::MilestoneStatus;
use crate::error::ApiError;
use crate::http::validate::{Checks, NOTE_MAX, TITLE_MAX, double_option};
use crate::http::{csv, pagination, params};
use crate::recommendations::dto::params::ListFormat;
use crate::reports::model::ReportRef;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An actionable step towards implementing a recommendation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MilestoneDto {
    /// Stable identifier.
    pub id: Uuid,
    /// The recommendation it advances.
    pub recommendation_id: Uuid,
    /// What is to be done (at most 300 characters).
    pub title: String,
    /// Details (at most 10,000 characters).
    pub description: String,
    /// The agency responsible for it.
    #[schema(required = true)]
    pub owner_agency_id: Option<Uuid>,
    /// When it is due.
    #[schema(required = true)]
    pub due_on: Option<NaiveDate>,
    /// Where it stands.
    pub status: MilestoneStatus,
    /// When it was done (set exactly when status is `done`).
    #[schema(required = true)]
    pub completed_on: Option<NaiveDate>,
    /// Its share in the recommendation's progress (default 1).
    pub weight: i32,
    /// Order within the recommendation.
    pub position: i32,
    /// Due date past and neither done nor cancelled (derived).
    pub overdue: bool,
    /// Increments on every change; the ETag carries it.
    pub version: i32,
    /// When it was created.
    #[serde(serialize_with = "crate::http::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "crate::http::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// The representation of `m` as of `today`.
pub fn milestone_dto(m: Milestone, today: NaiveDate) -> MilestoneDto {
    MilestoneDto {
        overdue: m.is_overdue(today),
        id: m.id,
        recommendation_id: m.recommendation_id,
        title: m.title,
        description: m.description,
        owner_agency_id: m.owner_agency_id,
        due_on: m.due_on,
        status: m.status,
        completed_on: m.completed_on,
        weight: m.weight,
        position: m.position,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// A recommendation's milestones.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MilestoneList {
    /// In order of position.
    pub items: Vec<MilestoneDto>,
}

/// A milestone in the cross-recommendation list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MilestoneListItem {
    #[serde(flatten)]
    pub milestone: MilestoneDto,
    /// The code of the recommendation it advances, e.g. `POL-1`.
    pub recommendation_code: String,
    /// The report of that recommendation.
    pub report_id: Uuid,
    /// The owner agency's code, if any.
    #[schema(required = true)]
    pub owner_agency_code: Option<String>,
}

/// Query parameters of `list_milestones`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MilestoneListParams {
    /// Only these statuses, comma-separated (planned, in_progress, done, cancelled).
    #[param(value_type = Option<Vec<MilestoneStatus>>, style = Form, explode = false)]
    pub status: Option<String>,
    /// Only those owned by this agency (id or code).
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub owner_agency: Option<String>,
    /// true: only overdue ones; false: only those not overdue.
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// Only due before this day (exclusive), `YYYY-MM-DD`.
    #[param(value_type = Option<NaiveDate>)]
    pub due_before: Option<String>,
    /// Only due after this day (exclusive), `YYYY-MM-DD`.
    #[param(value_type = Option<NaiveDate>)]
    pub due_after: Option<String>,
    /// Only this report (id or slug).
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub report: Option<String>,
    /// Only this recommendation (id).
    #[param(value_type = Option<Uuid>)]
    pub recommendation: Option<String>,
    /// true: only those the caller's agencies own, or whose recommendation they lead (needs
    /// a signed-in caller; a user without agencies gets none).
    #[param(value_type = Option<bool>)]
    pub mine: Option<String>,
    /// Page size, 1 to 200 (default 50; a CSV export without it holds up to 10,000 rows).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
    /// `csv` for text/csv (same as `Accept: text/csv`), `xlsx` for an Excel workbook.
    #[param(value_type = Option<ListFormat>)]
    pub format: Option<String>,
    /// For CSV: `true` starts the file with a UTF-8 byte-order mark, so Excel reads it as UTF-8.
    #[param(value_type = Option<bool>)]
    pub bom: Option<String>,
}

impl MilestoneListParams {
    /// The typed query of a JSON page, or of a CSV export (`as_csv`), which may be longer.
    pub fn into_query(self, as_csv: bool) -> Result<MilestoneListQuery, ApiError> {
        let limit = csv::page_limit(self.limit.as_deref(), as_csv)?;
        let filters = MilestoneFilters {
            statuses: params::list("status", self.status.as_deref())?,
            owner: params::reference("owner_agency", self.owner_agency.as_deref())?
                .map(AgencyRef::parse),
            overdue: params::param("overdue", self.overdue.as_deref(), "true or false")?,
            due_before: params::param(
                "due_before",
                self.due_before.as_deref(),
                "a date YYYY-MM-DD",
            )?,
            due_after: params::param("due_after", self.due_after.as_deref(), "a date YYYY-MM-DD")?,
            report: params::reference("report", self.report.as_deref())?.map(ReportRef::parse),
            recommendation: params::param(
                "recommendation",
                self.recommendation.as_deref(),
                "a UUID",
            )?,
            among_agencies: None,
        };
        Ok(MilestoneListQuery {
            filters,
            after: pagination::cursor(self.cursor.as_deref())?,
            limit,
        })
    }
}

/// A new milestone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Hold the first bilateral space policy dialogue of the year",
    "owner_agency_id": "7d1c6a57-3f0e-4b8e-9a43-1c2b9f0d7e11",
    "due_on": "2027-03-31"
}))]
pub struct CreateMilestoneRequest {
    /// What is to be done (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub title: String,
    /// Details (at most 10,000 characters).
    #[serde(default)]
    #[schema(max_length = 10000, pattern = "^[^\\x00]*$")]
    pub description: String,
    /// The agency responsible for it.
    pub owner_agency_id: Option<Uuid>,
    /// When it is due.
    pub due_on: Option<NaiveDate>,
    /// Where it stands (default `planned`).
    pub status: Option<MilestoneStatus>,
    /// When it was done; required exactly when status is `done`.
    pub completed_on: Option<NaiveDate>,
    /// Its share in the recommendation's progress, 0 to 1000 (default 1).
    #[schema(minimum = 0, maximum = 1000)]
    pub weight: Option<i32>,
    /// Order within the recommendation (default: after the last one).
    #[schema(minimum = 0, maximum = 1000000)]
    pub position: Option<i32>,
}

/// Changes to a milestone; absent fields stay as they are, `null` clears a field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "done", "completed_on": "2026-11-20"}))]
pub struct UpdateMilestoneRequest {
    /// What is to be done (1 to 300 characters).
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub title: Option<String>,
    /// Details (at most 10,000 characters).
    #[schema(max_length = 10000, pattern = "^[^\\x00]*$")]
    pub description: Option<String>,
    /// The agency responsible (null to clear).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub owner_agency_id: Option<Option<Uuid>>,
    /// When it is due (null to clear).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Option<Option<NaiveDate>>,
    /// Where it stands. Leaving `done` clears `completed_on`.
    pub status: Option<MilestoneStatus>,
    /// When it was done (required with `done`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub completed_on: Option<Option<NaiveDate>>,
    /// Share in progress, 0 to 1000.
    #[schema(minimum = 0, maximum = 1000)]
    pub weight: Option<i32>,
    /// Order within the recommendation (reorders it).
    #[schema(minimum = 0, maximum = 1000000)]
    pub position: Option<i32>,
}

impl TryFrom<CreateMilestoneRequest> for MilestoneInput {
    type Error = ApiError;

    fn try_from(body: CreateMilestoneRequest) -> Result<Self, ApiError> {
        let status = body.status.unwrap_or(MilestoneStatus::Planned);
        let mut checks = Checks::new();
        checks.text("/title", body.title.trim(), 1, TITLE_MAX).text(
            "/description",
            &body.description,
            0,
            NOTE_MAX,
        );
        check_numbers(&mut checks, body.weight, body.position);
        check_completion(&mut checks, status, body.completed_on.is_some());
        checks.finish()?;
        Ok(Self {
            title: body.title.trim().to_owned(),
            description: body.description,
            owner_agency_id: body.owner_agency_id,
            due_on: body.due_on,
            status,
            completed_on: body.completed_on,
            weight: body.weight.unwrap_or(1),
            position: body.position,
        })
    }
}

impl TryFrom<UpdateMilestoneRequest> for MilestoneChanges {
    type Error = ApiError;

    fn try_from(body: UpdateMilestoneRequest) -> Result<Self, ApiError> {
        let mut checks = Checks::new();
        checks
            .opt_text("/title", body.title.as_deref().map(str::trim), 1, TITLE_MAX)
            .opt_text("/description", body.description.as_deref(), 0, NOTE_MAX);
        check_numbers(&mut checks, body.weight, body.position);
        checks.finish()?;
        Ok(Self {
            title: body.title.map(|t| t.trim().to_owned()),
            description: body.description,
            owner_agency_id: body.owner_agency_id,
            due_on: body.due_on,
            status: body.status,
            completed_on: body.completed_on,
            weight: body.weight,
            position: body.position,
        })
    }
}

fn check_numbers(checks: &mut Checks, weight: Option<i32>, position: Option<i32>) {
    checks.fail_if(
        weight.is_some_and(|w| !(0..=1000).contains(&w)),
        "/weight",
        "must be between 0 and 1000",
    );
    checks.fail_if(
        position.is_some_and(|p| !(0..=1_000_000).contains(&p)),
        "/position",
        "must be between 0 and 1000000",
    );
}

fn check_completion(checks: &mut Checks, status: MilestoneStatus, has_completed_on: bool) {
    let done = status == MilestoneStatus::Done;
    checks.fail_if(
        done && !has_completed_on,
        "/completed_on",
        "is required when status is done",
    );
    checks.fail_if(
        !done && has_completed_on,
        "/completed_on",
        "is only set when status is done",
    );
}
