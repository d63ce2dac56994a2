//! `GET /stats` (through the read cache, and computed at most once per data version) and
//! `GET /timeline`.

use super::dto::timeline::{TimelineEvent, TimelineParams};
use super::dto::{SeriesParams, Stats, StatsParams, StatsSeries};
use super::model::group_rows;
use super::queries;
use crate::auth::ReadAccess;
use crate::domain::Status;
use crate::error::ApiError;
use crate::http::conditional::{self, json_with_etag};
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::read_cache::ReadCached;
use crate::recommendations::model::MilestoneTally;
use crate::recommendations::model::listing::Filters;
use crate::recommendations::queries as recommendation_queries;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use std::collections::HashMap;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_stats_series)
        .service(get_stats)
        .service(list_timeline);
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
        r::NotModified,
        r::ListErrors,
    )
)]
#[get("/stats", wrap = "ReadCached")]
#[tracing::instrument(skip_all)]
pub async fn get_stats(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    params: web::Query<StatsParams>,
) -> Result<HttpResponse, ApiError> {
    let today = state.derivation().today();
    let query = params.into_inner().query(today)?;
    if let Some(filters) = &query.filters {
        return filtered(&state, &req, filters, query.as_of.unwrap_or(today), today).await;
    }
    let report = query.report.as_deref();
    let mut conn = state.db.scan().await?;
    // Aggregates change only when the data or the day does: a dashboard polling an unchanged
    // database costs one small query here (and a 304 with its ETag).
    let version = queries::data_version(&mut conn, report).await?;
    drop(conn);
    let depends_on = format!(
        "{report:?}|{today}|{}|{}",
        version.recommendations, version.versions
    );
    let etag = format!("W/\"s{:x}\"", fingerprint(&depends_on));
    if let Some(response) = conditional::not_modified(&req, &etag) {
        return Ok(response);
    }
    let body = state
        .memo
        .get_or_compute(format!("stats|{depends_on}"), || async {
            let mut conn = state.db.scan().await?;
            let groups = queries::group_counts(&mut conn, report).await?;
            let milestones = queries::milestone_counts(&mut conn, report, today).await?;
            let progress = queries::mean_progress(&mut conn, report).await?;
            drop(conn);
            let stats = Stats::assemble(&groups, milestones, (progress * 10.0).round() / 10.0);
            let body = serde_json::to_vec(&stats).map_err(anyhow::Error::from)?;
            Ok::<_, ApiError>(Bytes::from(body))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body))
}

/// `/stats` over the recommendations `filters` lets through, as they stood at the end of
/// `day`: counted row by row (the grouped queries of the fast path know no filters).
async fn filtered(
    state: &AppState,
    req: &HttpRequest,
    filters: &Filters,
    day: NaiveDate,
    today: NaiveDate,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.scan().await?;
    let rows = recommendation_queries::matching(&mut conn, filters, today).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let statuses: HashMap<Uuid, Status> = if day < today {
        queries::statuses_on(&mut conn, &ids, day)
            .await?
            .into_iter()
            .map(|s| (s.id, s.status.unwrap_or(Status::NotAssessed)))
            .collect()
    } else {
        rows.iter().map(|r| (r.id, r.status)).collect()
    };
    let counted: Vec<Uuid> = ids
        .into_iter()
        .filter(|id| statuses.contains_key(id))
        .collect();
    let milestones = queries::milestone_counts_for(&mut conn, &counted, day).await?;
    let tallies: HashMap<Uuid, MilestoneTally> = queries::tallies_for(&mut conn, &counted)
        .await?
        .into_iter()
        .map(|t| (t.recommendation_id, t))
        .collect();
    drop(conn);
    let progress = if counted.is_empty() {
        0.0
    } else {
        let sum: f64 = counted
            .iter()
            .map(|id| {
                let tally = tallies.get(id).copied().unwrap_or_default();
                f64::from(tally.progress(statuses[id]))
            })
            .sum();
        (sum / counted.len() as f64 * 10.0).round() / 10.0
    };
    let groups = group_rows(&rows, &statuses);
    json_with_etag(req, &Stats::assemble(&groups, milestones, progress), None)
}

/// Get counts by status over time
///
/// For each month (or week) from `from` to `to`, how many recommendations had each status at
/// the end of it, rebuilt from the status history: what a trend chart draws.
#[utoipa::path(
    tag = "stats",
    params(SeriesParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "One point per period", body = StatsSeries),
        r::NotModified,
        r::ListErrors,
    )
)]
#[get("/stats/series", wrap = "ReadCached")]
#[tracing::instrument(skip_all)]
pub async fn get_stats_series(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    params: web::Query<SeriesParams>,
) -> Result<HttpResponse, ApiError> {
    let today = state.derivation().today();
    let query = params.query(today)?;
    let mut conn = state.db.scan().await?;
    let counts = queries::series(&mut conn, query.report.as_deref(), &query.ends).await?;
    drop(conn);
    json_with_etag(&req, &StatsSeries::assemble(&query, &counts), None)
}

/// A stable 64-bit hash of the memo key, for the ETag.
fn fingerprint(key: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(key.as_bytes());
    u64::from_be_bytes(digest[..8].try_into().unwrap_or_default())
}

/// List timeline events
///
/// Status changes and milestones (due and completed) between two dates, in date order,
/// each with the recommendation it belongs to: what an interactive timeline renders.
#[utoipa::path(
    tag = "stats",
    params(TimelineParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of events", body = Page<TimelineEvent>),
        r::NotModified,
        r::ListErrors,
    )
)]
#[get("/timeline")]
#[tracing::instrument(skip_all)]
pub async fn list_timeline(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    params: web::Query<TimelineParams>,
) -> Result<HttpResponse, ApiError> {
    let today = state.derivation().today();
    let query = params.into_inner().into_query(today)?;
    let mut conn = state.db.scan().await?;
    let rows = queries::timeline(&mut conn, &query).await?;
    drop(conn);
    let page = pagination::into_page(
        rows,
        query.limit,
        |row| row.key(),
        |row| TimelineEvent::new(row, today),
    );
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}
