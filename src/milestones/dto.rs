//! Milestone request bodies (the response is `recommendations::dto::MilestoneDto`).

use crate::domain::MilestoneStatus;
use crate::http::validate::double_option;
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

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
    #[schema(min_length = 1, max_length = 300, pattern = "\\S")]
    pub title: String,
    /// Details (at most 10,000 characters).
    #[serde(default)]
    #[schema(max_length = 10000)]
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
    #[schema(minimum = 0)]
    pub position: Option<i32>,
}

/// Changes to a milestone; absent fields stay as they are, `null` clears a field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "done", "completed_on": "2026-11-20"}))]
pub struct UpdateMilestoneRequest {
    /// What is to be done (1 to 300 characters).
    #[schema(min_length = 1, max_length = 300, pattern = "\\S")]
    pub title: Option<String>,
    /// Details (at most 10,000 characters).
    #[schema(max_length = 10000)]
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
    #[schema(minimum = 0)]
    pub position: Option<i32>,
}
