//! Aggregate bodies and how they are built from the grouped counts; the timeline's in
//! `timeline`.

pub mod timeline;

use super::model::{GroupCount, MilestoneCounts, SeriesCount, SeriesInterval, SeriesQuery};
use crate::agencies::dto::AgencySummary;
use crate::domain::{Health, Priority, Status};
use crate::error::ApiError;
use crate::http::params;
use crate::recommendations::dto::params::RecommendationListParams;
use crate::recommendations::model::listing::Filters;
use crate::reports::dto::CategorySummary;
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
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
    /// Only this category (slug).
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub category: Option<String>,
    /// Only these statuses, comma-separated.
    #[param(value_type = Option<Vec<Status>>, style = Form, explode = false)]
    pub status: Option<String>,
    /// Only these health values, comma-separated.
    #[param(value_type = Option<Vec<Health>>, style = Form, explode = false)]
    pub health: Option<String>,
    /// Only these priorities, comma-separated.
    #[param(value_type = Option<Vec<Priority>>, style = Form, explode = false)]
    pub priority: Option<String>,
    /// Only those led by this agency (id or code).
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub lead_agency: Option<String>,
    /// Only those this agency leads or supports (id or code).
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub agency: Option<String>,
    /// Only those with a lead or supporting agency of this ISO 3166-1 alpha-2 country.
    #[param(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    /// true: only those with an overdue milestone; false: only those without.
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// Full-text search over code, title and text, as the recommendation list reads it.
    #[param(max_length = 200, pattern = "^[^\\x00]*$")]
    pub q: Option<String>,
    /// The state at the end of this day (`YYYY-MM-DD`), rebuilt from the status history: each
    /// recommendation's status is its newest change effective by then (`not_assessed` before
    /// the first), and milestones count as done when completed by then. Categories, owners
    /// and filters are today's. A day after today means today.
    #[param(value_type = Option<NaiveDate>)]
    pub as_of: Option<String>,
    /// Language to show names in (`en`, `ko`, `ja`), falling back to the original; overrides
    /// `Accept-Language`.
    #[param(value_type = Option<crate::domain::Language>)]
    pub lang: Option<String>,
}

/// `/stats` as asked: the report alone takes the fast path; filters or `as_of` count the
/// matching recommendations one by one.
#[derive(Debug, Clone)]
pub struct StatsQuery {
    pub report: Option<String>,
    /// `None`: no filter but the report.
    pub filters: Option<Filters>,
    pub as_of: Option<NaiveDate>,
}

impl StatsParams {
    pub fn query(self, today: NaiveDate) -> Result<StatsQuery, ApiError> {
        let as_of = params::param("as_of", self.as_of.as_deref(), "a date YYYY-MM-DD")?
            .map(|day: NaiveDate| day.min(today));
        let filtered = self.category.is_some()
            || self.status.is_some()
            || self.health.is_some()
            || self.priority.is_some()
            || self.lead_agency.is_some()
            || self.agency.is_some()
            || self.country.is_some()
            || self.overdue.is_some()
            || self.q.as_deref().is_some_and(|q| !q.trim().is_empty());
        let list = RecommendationListParams {
            report: self.report.clone(),
            category: self.category,
            status: self.status,
            health: self.health,
            priority: self.priority,
            lead_agency: self.lead_agency,
            agency: self.agency,
            country: self.country,
            overdue: self.overdue,
            q: self.q,
            ..RecommendationListParams::default()
        };
        let filters = list.filters()?;
        let report = params::reference("report", self.report.as_deref())?.map(str::to_owned);
        Ok(StatsQuery {
            report,
            filters: (filtered || as_of.is_some()).then_some(filters),
            as_of,
        })
    }
}

/// Query parameters of `get_stats_series`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SeriesParams {
    /// Only this report (id or slug).
    #[param(max_length = 100, pattern = "^[^\\x00]*$")]
    pub report: Option<String>,
    /// The first day (default: the first of the month a year before `to`).
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// The last day (default and at most: today).
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// `month` (default) or `week` (weeks end on Sunday).
    #[param(value_type = Option<SeriesInterval>)]
    pub interval: Option<String>,
}

/// The most periods one series holds (ten years of weeks).
pub const MAX_PERIODS: usize = 520;

impl SeriesParams {
    pub fn query(&self, today: NaiveDate) -> Result<SeriesQuery, ApiError> {
        let report = params::reference("report", self.report.as_deref())?.map(str::to_owned);
        let interval = params::param("interval", self.interval.as_deref(), "month or week")?
            .unwrap_or(SeriesInterval::Month);
        let to = params::param("to", self.to.as_deref(), "a date YYYY-MM-DD")?
            .map_or(today, |to: NaiveDate| to.min(today));
        let from = params::param("from", self.from.as_deref(), "a date YYYY-MM-DD")?
            .unwrap_or_else(|| {
                let year_before = to.checked_sub_months(Months::new(12)).unwrap_or(to);
                year_before.with_day(1).unwrap_or(year_before)
            });
        if from > to {
            return Err(ApiError::invalid("query.from", "must not be after to"));
        }
        let mut ends = Vec::new();
        let mut day = from;
        while day <= to {
            let end = match interval {
                SeriesInterval::Month => last_of_month(day),
                SeriesInterval::Week => {
                    day + Days::new(u64::from(6 - day.weekday().num_days_from_monday()))
                }
            }
            .min(to);
            ends.push(end);
            if ends.len() > MAX_PERIODS {
                return Err(ApiError::invalid(
                    "query.from",
                    format!("covers more than {MAX_PERIODS} periods"),
                ));
            }
            day = end + Days::new(1);
        }
        Ok(SeriesQuery {
            report,
            interval,
            from,
            to,
            ends,
        })
    }
}

fn last_of_month(day: NaiveDate) -> NaiveDate {
    let first = day.with_day(1).unwrap_or(day);
    first
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(day)
}

/// Counts by status at the end of one period.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SeriesPoint {
    /// The period's last day (or `to`, for the last period).
    pub period_end: NaiveDate,
    /// Recommendations that existed by then.
    pub total: i64,
    /// Per status, every status listed.
    pub by_status: Vec<StatusCount>,
}

/// Counts by status over time, one point per period.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatsSeries {
    pub interval: SeriesInterval,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// In date order.
    pub points: Vec<SeriesPoint>,
}

impl StatsSeries {
    pub fn assemble(query: &SeriesQuery, counts: &[SeriesCount]) -> Self {
        let points = query
            .ends
            .iter()
            .map(|&end| {
                let mut by: BTreeMap<Status, i64> = BTreeMap::new();
                for c in counts.iter().filter(|c| c.period_end == end) {
                    *by.entry(c.status.unwrap_or(Status::NotAssessed))
                        .or_default() += c.n;
                }
                SeriesPoint {
                    period_end: end,
                    total: by.values().sum(),
                    by_status: by_status(&by),
                }
            })
            .collect();
        Self {
            interval: query.interval,
            from: query.from,
            to: query.to,
            points,
        }
    }
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
