//! Aggregate and timeline bodies, their parameters, and how they are built from the rows.

use super::model::{GroupCount, MilestoneCounts, TimelineKind, TimelineQuery, TimelineRow};
use crate::agencies::dto::AgencySummary;
use crate::domain::Status;
use crate::error::ApiError;
use crate::http::{pagination, params};
use crate::reports::dto::CategorySummary;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The widest window one timeline request may ask for.
const MAX_WINDOW_DAYS: i64 = 3_660;

/// How many recommendations have one status.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusCount {
    /// The status.
    pub status: Status,
    /// How many recommendations have it.
    pub count: i64,
}

/// Counts within one category.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CategoryStats {
    /// The category.
    pub category: CategorySummary,
    /// Its report.
    pub report_id: Uuid,
    /// Recommendations in it.
    pub total: i64,
    /// Per status, every status listed (zeros included).
    pub by_status: Vec<StatusCount>,
}

/// Counts for one lead agency (null: recommendations without a lead).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgencyStats {
    /// The lead agency, or null for unassigned recommendations.
    #[schema(required = true)]
    pub agency: Option<AgencySummary>,
    /// Recommendations it leads.
    pub total: i64,
    /// Per status, every status listed.
    pub by_status: Vec<StatusCount>,
}

/// Recommendations by the country of their lead agency.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CountryStats {
    /// ISO 3166-1 alpha-2 code, or null for recommendations without a lead agency.
    #[schema(required = true)]
    pub country: Option<String>,
    /// Recommendations led from that country.
    pub total: i64,
}

/// Milestone counts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MilestoneStats {
    /// All milestones.
    pub total: i64,
    /// Done ones.
    pub done: i64,
    /// Open ones past their due date.
    pub overdue: i64,
    /// Open ones due within 30 days from today.
    pub due_within_30_days: i64,
    /// Open ones due within 90 days from today.
    pub due_within_90_days: i64,
}

/// Everything a dashboard shows at a glance.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Stats {
    /// Recommendations counted.
    pub recommendations: i64,
    /// Per status, every status listed.
    pub by_status: Vec<StatusCount>,
    /// Per category, in report order.
    pub by_category: Vec<CategoryStats>,
    /// Per lead agency.
    pub by_lead_agency: Vec<AgencyStats>,
    /// Per country of the lead agency.
    pub by_country: Vec<CountryStats>,
    /// Milestone counts.
    pub milestones: MilestoneStats,
    /// Mean progress of the recommendations counted, 0 to 100.
    pub progress: f64,
    /// When any counted recommendation last changed.
    #[schema(required = true)]
    pub last_change_at: Option<DateTime<Utc>>,
}

/// Query parameters of `get_stats`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// Only this report (id or slug).
    pub report: Option<String>,
}

fn by_status(counts: &BTreeMap<Status, i64>) -> Vec<StatusCount> {
    Status::ALL
        .iter()
        .map(|&status| StatusCount {
            status,
            count: counts.get(&status).copied().unwrap_or(0),
        })
        .collect()
}

impl Stats {
    /// The aggregates from the grouped counts, milestone counts and mean progress.
    pub fn assemble(groups: &[GroupCount], m: MilestoneCounts, progress: f64) -> Stats {
        let mut overall: BTreeMap<Status, i64> = BTreeMap::new();
        let mut categories: Vec<(CategorySummary, Uuid, BTreeMap<Status, i64>)> = Vec::new();
        let mut agencies: Vec<(Option<AgencySummary>, BTreeMap<Status, i64>)> = Vec::new();
        let mut countries: BTreeMap<Option<String>, i64> = BTreeMap::new();
        let mut last_change_at: Option<DateTime<Utc>> = None;
        for g in groups {
            let status = g.status;
            *overall.entry(status).or_default() += g.n;
            last_change_at = last_change_at.max(Some(g.last_update));
            match categories.iter_mut().find(|c| c.0.id == g.category_id) {
                Some(c) => *c.2.entry(status).or_default() += g.n,
                None => categories.push((
                    CategorySummary {
                        id: g.category_id,
                        slug: g.category_slug.clone(),
                        name: g.category_name.clone(),
                    },
                    g.report_id,
                    BTreeMap::from([(status, g.n)]),
                )),
            }
            let agency = match (
                g.agency_id,
                &g.agency_code,
                &g.agency_name,
                &g.agency_country,
            ) {
                (Some(id), Some(code), Some(name), Some(country)) => Some(AgencySummary {
                    id,
                    code: code.clone(),
                    name: name.clone(),
                    country: country.clone(),
                }),
                _ => None,
            };
            let agency_id = agency.as_ref().map(|a| a.id);
            match agencies
                .iter_mut()
                .find(|a| a.0.as_ref().map(|x| x.id) == agency_id)
            {
                Some(a) => *a.1.entry(status).or_default() += g.n,
                None => agencies.push((agency, BTreeMap::from([(status, g.n)]))),
            }
            *countries.entry(g.agency_country.clone()).or_default() += g.n;
        }
        Stats {
            recommendations: overall.values().sum(),
            by_status: by_status(&overall),
            by_category: categories
                .into_iter()
                .map(|(category, report_id, counts)| CategoryStats {
                    category,
                    report_id,
                    total: counts.values().sum(),
                    by_status: by_status(&counts),
                })
                .collect(),
            by_lead_agency: agencies
                .into_iter()
                .map(|(agency, counts)| AgencyStats {
                    agency,
                    total: counts.values().sum(),
                    by_status: by_status(&counts),
                })
                .collect(),
            by_country: countries
                .into_iter()
                .map(|(country, total)| CountryStats { country, total })
                .collect(),
            milestones: MilestoneStats {
                total: m.total,
                done: m.done,
                overdue: m.overdue,
                due_within_30_days: m.due_30,
                due_within_90_days: m.due_90,
            },
            progress,
            last_change_at,
        }
    }
}

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
    /// Last day (inclusive); default a year ahead. At most ten years after `from`.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// Only this report (id or slug).
    pub report: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl TimelineParams {
    /// The typed query, with the window defaulting to a year either side of `today`.
    pub fn into_query(self, today: NaiveDate) -> Result<TimelineQuery, ApiError> {
        let from = params::param("from", self.from.as_deref(), "a date YYYY-MM-DD")?
            .unwrap_or(today - Duration::days(365));
        let to = params::param("to", self.to.as_deref(), "a date YYYY-MM-DD")?
            .unwrap_or(today + Duration::days(365));
        if to < from {
            return Err(ApiError::invalid("query.to", "must not be before from"));
        }
        if (to - from).num_days() > MAX_WINDOW_DAYS {
            return Err(ApiError::invalid(
                "query.to",
                "the window may span at most ten years",
            ));
        }
        let report = params::reference("report", self.report.as_deref())?.map(str::to_owned);
        Ok(TimelineQuery {
            from,
            to,
            report,
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
