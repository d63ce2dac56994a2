//! Recommendation request bodies and their validation into typed inputs.

use crate::domain::{AgencyRole, Health, Language, Priority, Status};
use crate::error::ApiError;
use crate::http::validate::{
    Checks, EXTERNAL_ID_MAX, HttpUrl, NOTE_MAX, TEXT_MAX, TITLE_MAX, double_option,
};
use crate::recommendations::model::{CheckInInput, RecommendationChanges, StatusChangeInput};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashSet;
use utoipa::ToSchema;
use uuid::Uuid;

/// At most this many evidence links per status change or check-in.
const MAX_EVIDENCE_URLS: usize = 20;

fn evidence(checks: &mut Checks, urls: &[String]) {
    checks.fail_if(
        urls.len() > MAX_EVIDENCE_URLS,
        "/evidence_urls",
        format!("at most {MAX_EVIDENCE_URLS} links"),
    );
    for (i, url) in urls.iter().enumerate() {
        checks.url(&format!("/evidence_urls/{i}"), url);
    }
}

/// A status change request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "status": "in_progress",
    "health": "on_track",
    "note": "Joint working group on space policy met in Seoul.",
    "evidence_urls": ["https://www.state.gov/example-joint-statement"],
    "effective_on": "2026-11-20"
}))]
pub struct ChangeStatusRequest {
    /// The new status.
    pub status: Status,
    /// Health, for open assessed statuses only (not_started, in_progress, stalled).
    pub health: Option<Health>,
    /// Why (1 to 10,000 characters).
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub note: String,
    /// Links to evidence (http or https, at most 20); at least one for implemented and
    /// partially_implemented.
    #[serde(default)]
    #[schema(value_type = Vec<HttpUrl>, max_items = 20)]
    pub evidence_urls: Vec<String>,
    /// When the change took effect (default today; not in the future).
    pub effective_on: Option<NaiveDate>,
}

impl ChangeStatusRequest {
    /// The typed change, checked as of `today`.
    pub fn validate(self, today: NaiveDate) -> Result<StatusChangeInput, ApiError> {
        let body = self;
        let mut checks = Checks::new();
        checks.text("/note", body.note.trim(), 1, NOTE_MAX);
        checks.fail_if(
            body.status == Status::NotAssessed,
            "/status",
            "nothing moves back to not_assessed",
        );
        checks.fail_if(
            body.health.is_some() && !body.status.takes_health(),
            "/health",
            "only not_started, in_progress and stalled take a health value",
        );
        checks.fail_if(
            body.status.needs_evidence() && body.evidence_urls.is_empty(),
            "/evidence_urls",
            format!("a move to {} needs at least one evidence link", body.status),
        );
        evidence(&mut checks, &body.evidence_urls);
        let effective_on = body.effective_on.unwrap_or(today);
        checks.fail_if(
            effective_on > today,
            "/effective_on",
            "must not be in the future",
        );
        checks.finish()?;
        Ok(StatusChangeInput {
            to: body.status,
            health: body.health,
            note: body.note.trim().to_owned(),
            evidence_urls: body.evidence_urls,
            effective_on,
        })
    }
}

const MAX_SUPPORTING: usize = 50;

/// A supporting agency assignment.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportingAgencyInput {
    /// The agency.
    pub agency_id: Uuid,
    /// How it takes part (default `supporting`).
    #[serde(default = "default_role")]
    pub role: AgencyRole,
}

fn default_role() -> AgencyRole {
    AgencyRole::Supporting
}

/// Changes to a recommendation; absent fields stay as they are, `null` clears a field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "lead_agency_id": "7d1c6a57-3f0e-4b8e-9a43-1c2b9f0d7e11",
    "supporting_agencies": [{"agency_id": "0b9d2f3e-8c41-4a5f-9e6d-2a7c1b3e4f50", "role": "supporting"}],
    "priority": "high",
    "target_on": "2027-06-30"
}))]
pub struct UpdateRecommendationRequest {
    /// The lead agency (null to clear). Analysts and admins.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub lead_agency_id: Option<Option<Uuid>>,
    /// The complete set of supporting agencies (replaces the current set). Analysts and admins.
    pub supporting_agencies: Option<Vec<SupportingAgencyInput>>,
    /// Priority (null to clear). Analysts and admins.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Priority>)]
    pub priority: Option<Option<Priority>>,
    /// Target date (null to clear). Analysts and admins.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub target_on: Option<Option<NaiveDate>>,
    /// Title, 1 to 300 characters. Admins only.
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub title: Option<String>,
    /// Full text, at most 20,000 characters. Admins only.
    #[schema(max_length = 20000, pattern = "^[^\\x00]*$")]
    pub text: Option<String>,
    /// Category slug within the same report. Admins only.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,31}$")]
    pub category: Option<String>,
    /// Its identifier in another system, unique within the report (null to clear). Admins only.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$")]
    pub external_id: Option<Option<String>>,
    /// Why (at most 10,000 characters): kept on the change's event, which the
    /// recommendation's events show.
    #[schema(max_length = 10000, pattern = "^[^\\x00]*$")]
    pub reason: Option<String>,
    /// The language title and text are written in; 409 while a translation into it exists.
    /// Admins only.
    pub language: Option<Language>,
}

impl UpdateRecommendationRequest {
    /// Whether it touches the report's own wording or category (admins only).
    pub fn rewords(&self) -> bool {
        self.title.is_some()
            || self.text.is_some()
            || self.category.is_some()
            || self.external_id.is_some()
            || self.language.is_some()
    }
}

impl TryFrom<UpdateRecommendationRequest> for RecommendationChanges {
    type Error = ApiError;

    fn try_from(body: UpdateRecommendationRequest) -> Result<Self, ApiError> {
        let mut checks = Checks::new();
        checks
            .opt_text("/title", body.title.as_deref().map(str::trim), 1, TITLE_MAX)
            .opt_text("/text", body.text.as_deref(), 0, TEXT_MAX)
            .opt_text("/reason", body.reason.as_deref(), 0, NOTE_MAX)
            .opt_text(
                "/external_id",
                body.external_id
                    .as_ref()
                    .and_then(|e| e.as_deref())
                    .map(str::trim),
                1,
                EXTERNAL_ID_MAX,
            );
        if let Some(slug) = &body.category {
            checks.slug("/category", slug, 32);
        }
        if let Some(list) = &body.supporting_agencies {
            checks.fail_if(
                list.len() > MAX_SUPPORTING,
                "/supporting_agencies",
                format!("at most {MAX_SUPPORTING} agencies"),
            );
            let mut seen = HashSet::new();
            for (i, entry) in list.iter().enumerate() {
                checks.fail_if(
                    !seen.insert(entry.agency_id),
                    &format!("/supporting_agencies/{i}/agency_id"),
                    "appears twice",
                );
                checks.fail_if(
                    body.lead_agency_id == Some(Some(entry.agency_id)),
                    &format!("/supporting_agencies/{i}/agency_id"),
                    "is also the lead agency",
                );
            }
        }
        checks.finish()?;
        Ok(Self {
            lead_agency_id: body.lead_agency_id,
            supporting: body
                .supporting_agencies
                .map(|list| list.into_iter().map(|s| (s.agency_id, s.role)).collect()),
            priority: body.priority,
            target_on: body.target_on,
            title: body.title.map(|t| t.trim().to_owned()),
            body: body.text,
            category_slug: body.category,
            external_id: body.external_id.map(|e| e.map(|id| id.trim().to_owned())),
            reason: body.reason.filter(|r| !r.trim().is_empty()),
            language: body.language,
        })
    }
}

/// A progress check-in: where things stand, without a status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "note": "Still in progress, now at risk: the working group missed its meeting.",
    "health": "at_risk",
    "as_of": "2026-11-30"
}))]
pub struct CheckInRequest {
    /// What happened (1 to 10,000 characters).
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub note: String,
    /// A new health, for open assessed statuses only (not_started, in_progress, stalled);
    /// absent keeps the current one.
    pub health: Option<Health>,
    /// Links to evidence (http or https, at most 20).
    #[serde(default)]
    #[schema(value_type = Vec<HttpUrl>, max_items = 20)]
    pub evidence_urls: Vec<String>,
    /// The day the note describes (default today; not in the future).
    pub as_of: Option<NaiveDate>,
}

impl CheckInRequest {
    /// The typed check-in, checked as of `today`.
    pub fn validate(self, today: NaiveDate) -> Result<CheckInInput, ApiError> {
        let mut checks = Checks::new();
        checks.text("/note", self.note.trim(), 1, NOTE_MAX);
        evidence(&mut checks, &self.evidence_urls);
        let as_of = self.as_of.unwrap_or(today);
        checks.fail_if(as_of > today, "/as_of", "must not be in the future");
        checks.finish()?;
        Ok(CheckInInput {
            note: self.note.trim().to_owned(),
            health: self.health,
            evidence_urls: self.evidence_urls,
            as_of,
        })
    }
}
