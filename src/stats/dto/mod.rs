//! Aggregate bodies and how they are built from the grouped counts; the timeline's in
//! `timeline`.

pub mod timeline;

use super::model::{GroupCount, MilestoneCounts};
use crate::agencies::dto::AgencySummary;
use crate::domain::Status;
use crate::reports::dto::CategorySummary;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

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
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
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
