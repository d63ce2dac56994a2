//! `GET /stats`: what a dashboard polls, from a fixed three queries.

use super::queries::{self, GroupCount};
use crate::agencies::dto::AgencySummary;
use crate::auth::ReadAccess;
use crate::domain::Status;
use crate::error::ApiError;
use crate::http::conditional;
use crate::http::responses as r;
use crate::recommendations::dto::CategorySummary;
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
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

/// Recently computed aggregates, keyed by what they depend on (per instance; a cache, not
/// state: a miss recomputes).
#[derive(Debug, Default)]
pub struct StatsCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, actix_web::web::Bytes>>,
    /// Held while aggregates are computed: concurrent first requests wait for one computation
    /// (tens of milliseconds at scale) instead of each running it on the same cores.
    computing: tokio::sync::Mutex<()>,
}

impl StatsCache {
    const MAX_ENTRIES: usize = 64;

    /// The serialized body computed for `key`, if still held.
    pub fn get(&self, key: &str) -> Option<actix_web::web::Bytes> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    pub fn put(&self, key: String, body: actix_web::web::Bytes) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, body);
        }
    }
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

/// Get statistics
///
/// Counts by status, by category and status, by lead agency and status and by country;
/// milestone counts; overall progress; time of the last change. Three queries whatever the
/// size of the data: cheap to poll, and 304 with If-None-Match while nothing changed.
#[utoipa::path(
    tag = "stats",
    params(StatsParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Aggregates", body = Stats),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/stats")]
#[tracing::instrument(skip_all)]
pub async fn get_stats(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    params: web::Query<StatsParams>,
) -> Result<HttpResponse, ApiError> {
    let report = params.report.as_deref();
    if report.is_some_and(|r| r.len() > 100 || r.contains('\0')) {
        return Err(ApiError::invalid(
            "query.report",
            "is too long or contains NUL",
        ));
    }
    let today = state.derivation().today();
    state
        .read_cache
        .serve(&req, today, compute(&state, &req, report, today))
        .await
}

/// The stats response (or a 304) for `report`, from the stats cache when it holds them.
async fn compute(
    state: &AppState,
    req: &HttpRequest,
    report: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.scans.connection(&state.pool).await?;
    // Aggregates change only when the data or the day does: a dashboard polling an unchanged
    // database costs one small query here (and a 304 with its ETag).
    let version = queries::data_version(&mut conn, report).await?;
    let key = format!(
        "{report:?}|{today}|{}|{}",
        version.recommendations, version.versions
    );
    let etag = format!("W/\"s{:x}\"", fingerprint(&key));
    if let Some(response) = conditional::not_modified(req, &etag) {
        return Ok(response);
    }
    if let Some(body) = state.stats_cache.get(&key) {
        return Ok(stats_response(body, etag));
    }
    drop(conn);
    let _computing = state.stats_cache.computing.lock().await;
    if let Some(body) = state.stats_cache.get(&key) {
        return Ok(stats_response(body, etag));
    }
    let mut conn = state.scans.connection(&state.pool).await?;
    let groups = queries::group_counts(&mut conn, report).await?;
    let milestones = queries::milestone_counts(&mut conn, report, today).await?;
    let progress = (queries::mean_progress(&mut conn, report).await? * 10.0).round() / 10.0;
    drop(conn);
    let stats = assemble(&groups, milestones, progress);
    let body =
        actix_web::web::Bytes::from(serde_json::to_vec(&stats).map_err(anyhow::Error::from)?);
    state.stats_cache.put(key, body.clone());
    Ok(stats_response(body, etag))
}

fn stats_response(body: actix_web::web::Bytes, etag: String) -> HttpResponse {
    use actix_web::http::header;
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// A stable 64-bit hash of the cache key, for the ETag.
fn fingerprint(key: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(key.as_bytes());
    u64::from_be_bytes(digest[..8].try_into().unwrap_or_default())
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

fn assemble(groups: &[GroupCount], m: queries::MilestoneCounts, progress: f64) -> Stats {
    let mut overall: BTreeMap<Status, i64> = BTreeMap::new();
    let mut categories: Vec<(CategorySummary, Uuid, BTreeMap<Status, i64>)> = Vec::new();
    let mut agencies: Vec<(Option<AgencySummary>, BTreeMap<Status, i64>)> = Vec::new();
    let mut countries: BTreeMap<Option<String>, i64> = BTreeMap::new();
    let mut last_change_at: Option<DateTime<Utc>> = None;
    for g in groups {
        let status = g.status.parse().unwrap_or(Status::NotAssessed);
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
