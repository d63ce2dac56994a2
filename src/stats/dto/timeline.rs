//! Timeline bodies and parameters.

use crate::error::ApiError;
use crate::http::{pagination, params};
use crate::stats::model::{TimelineKind, TimelineQuery, TimelineRow};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The recommendation an event belongs to.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TimelineRecommendation {
    /// Its id.
    pub id: Uuid,
    /// Its report.
    pub report_id: Uuid,
    /// Its code, e.g. `DEF-3`.
    pub code: String,
    /// Its title.
    pub title: String,
}

/// One dated event.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TimelineEvent {
    /// The day it happens or happened.
    pub date: NaiveDate,
    /// What kind of event.
    pub kind: TimelineKind,
    /// The status change's or the milestone's id.
    pub id: Uuid,
    /// The recommendation it belongs to.
    pub recommendation: TimelineRecommendation,
    /// A short label: the milestone title, or `from -> to` for status changes.
    pub label: String,
    /// The new status (status changes) or the milestone's current status.
    pub status: String,
    /// For milestones due: whether it is overdue now.
    pub overdue: bool,
}

/// Query parameters of `list_timeline`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelineParams {
    /// First day (inclusive), `YYYY-MM-DD`; default a year ago.
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Last day (inclusive); default a year ahead. Before `from`, the window is empty.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// Only this report (id or slug).
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub report: Option<String>,
    /// Only recommendations of this category (id or slug), e.g. `political`.
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub category: Option<String>,
    /// Only these kinds of event, comma-separated, e.g. `status_change,milestone_completed`.
    #[param(value_type = Option<Vec<TimelineKind>>, style = Form, explode = false)]
    pub kind: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
    /// Language to show names in (`en`, `ko`, `ja`), falling back to the original; overrides
    /// `Accept-Language`.
    #[param(value_type = Option<crate::domain::Language>)]
    pub lang: Option<String>,
}

impl TimelineParams {
    /// The typed query, with the window defaulting to a year either side of `today`.
    pub fn into_query(self, today: NaiveDate) -> Result<TimelineQuery, ApiError> {
        let from = params::param("from", self.from.as_deref(), "a date YYYY-MM-DD")?
            .unwrap_or(today - Duration::days(365));
        let to = params::param("to", self.to.as_deref(), "a date YYYY-MM-DD")?
            .unwrap_or(today + Duration::days(365));
        let report = params::reference("report", self.report.as_deref())?.map(str::to_owned);
        let category = params::reference("category", self.category.as_deref())?.map(str::to_owned);
        let kinds = params::list("kind", self.kind.as_deref())?;
        Ok(TimelineQuery {
            from,
            to,
            report,
            category,
            kinds,
            limit: pagination::limit(self.limit.as_deref())?,
            after: pagination::cursor(self.cursor.as_deref())?,
        })
    }
}

impl TimelineEvent {
    /// The event of `row`, with `overdue` as of `today`.
    pub fn new(row: TimelineRow, today: NaiveDate) -> Self {
        let status = match (row.to_status, row.milestone_status) {
            (Some(status), _) => status.to_string(),
            (None, Some(status)) => status.to_string(),
            (None, None) => String::new(),
        };
        Self {
            overdue: row.is_overdue(today),
            date: row.on_date,
            kind: row.kind,
            id: row.event_id,
            recommendation: TimelineRecommendation {
                id: row.rec_id,
                report_id: row.report_id,
                code: row.code,
                title: row.title,
            },
            label: row.label,
            status,
        }
    }
}
