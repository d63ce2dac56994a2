//! `GET /stats` (through the read cache, and computed at most once per data version) and
//! `GET /timeline`.

use super::dto::timeline::{TimelineEvent, TimelineParams};
use super::dto::{SeriesParams, Stats, StatsParams, StatsSeries};
use super::model::group_rows;
use super::queries;
use crate::auth::ReadAccess;
use crate::domain::Status;
use crate::domain::language::Preference;
use crate::error::ApiError;
use crate::http::conditional::{self, json_with_etag};
use crate::http::language;
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::read_cache::ReadCached;
use crate::recommendations::model::MilestoneTally;
use crate::recommendations::model::listing::Filters;
use crate::recommendations::queries as recommendation_queries;
use crate::state::AppState;
use crate::translations::model::Subject;
use crate::translations::queries::names;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use futures_util::future::try_join;
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
    params(StatsParams, ("Accept-Language" = Option<String>, Header, description = "Languages to show texts in, most wanted first, e.g. `ko-KR,ko;q=0.9,en;q=0.8` (`lang=` overrides)")),
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
    let params = params.into_inner();
    let preference = language::preference(&req, params.lang.as_deref())?;
    let query = params.query(today)?;
    if let Some(filters) = &query.filters {
        let day = query.as_of.unwrap_or(today);
        let mut response = filtered(&state, &req, filters, day, today, &preference).await?;
        language::mark(&mut response, None, &preference);
        return Ok(response);
    }
    let report = query.report.as_deref();
    let mut conn = state.db.scan().await?;
    // Aggregates change only when the data or the day does: a dashboard polling an unchanged
    // database costs one small query here (and a 304 with its ETag).
    let version = queries::data_version(&mut conn, report).await?;
    drop(conn);
    let depends_on = format!(
        "{report:?}|{today}|{}|{}|{}",
        version.recommendations,
        version.versions,
        preference.key()
    );
    let etag = format!("W/\"s{:x}\"", fingerprint(&depends_on));
    if let Some(mut response) = conditional::not_modified(&req, &etag) {
        language::mark(&mut response, None, &preference);
        return Ok(response);
    }
    let body = state
        .memo
        .get_or_compute(format!("stats|{depends_on}"), || async {
            let mut conn = state.db.scan().await?;
            let groups = queries::group_counts(&mut conn, report).await?;
            let milestones = queries::milestone_counts(&mut conn, report, today).await?;
            let progress = queries::mean_progress(&mut conn, report).await?;
            let mut stats = Stats::assemble(&groups, milestones, (progress * 10.0).round() / 10.0);
            name_in(&conn, &mut stats, &preference).await?;
            drop(conn);
            let body = serde_json::to_vec(&stats).map_err(anyhow::Error::from)?;
            Ok::<_, ApiError>(Bytes::from(body))
        })
        .await?;
    let mut response = HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body);
    language::mark(&mut response, None, &preference);
    Ok(response)
}

/// Category and agency names in the reader's language, where they are translated.
async fn name_in(
    conn: &AsyncPgConnection,
    stats: &mut Stats,
    preference: &Preference,
) -> Result<(), ApiError> {
    let categories: Vec<Uuid> = stats.by_category.iter().map(|c| c.category.id).collect();
    let agencies: Vec<Uuid> = stats
        .by_lead_agency
        .iter()
        .filter_map(|a| a.agency.as_ref().map(|a| a.id))
        .collect();
    let (category_names, agency_names) = try_join(
        names(conn, Subject::Category, &categories, preference),
        names(conn, Subject::Agency, &agencies, preference),
    )
    .await?;
    for c in &mut stats.by_category {
        if let Some(name) = category_names.get(&c.category.id) {
            c.category.name.clone_from(name);
        }
    }
    for agency in stats
        .by_lead_agency
        .iter_mut()
        .filter_map(|a| a.agency.as_mut())
    {
        if let Some(name) = agency_names.get(&agency.id) {
            agency.name.clone_from(name);
        }
    }
    Ok(())
}

/// `/stats` over the recommendations `filters` lets through, as they stood at the end of
/// `day`: counted row by row (the grouped queries of the fast path know no filters).
async fn filtered(
    state: &AppState,
    req: &HttpRequest,
    filters: &Filters,
    day: NaiveDate,
    today: NaiveDate,
    preference: &Preference,
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
    let mut stats = Stats::assemble(&groups, milestones, progress);
    name_in(&conn, &mut stats, preference).await?;
    drop(conn);
    json_with_etag(req, &stats, None)
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
    params(TimelineParams, ("Accept-Language" = Option<String>, Header, description = "Languages to show texts in, most wanted first, e.g. `ko-KR,ko;q=0.9,en;q=0.8` (`lang=` overrides)")),
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
    let params = params.into_inner();
    let preference = language::preference(&req, params.lang.as_deref())?;
    let query = params.into_query(today)?;
    let mut conn = state.db.scan().await?;
    let rows = queries::timeline(&mut conn, &query).await?;
    let mut page = pagination::into_page(
        rows,
        query.limit,
        |row| row.key(),
        |row| TimelineEvent::new(row, today),
    );
    let mut ids: Vec<Uuid> = page.items.iter().map(|e| e.recommendation.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let titles = names(&conn, Subject::Recommendation, &ids, &preference).await?;
    drop(conn);
    for event in &mut page.items {
        if let Some(title) = titles.get(&event.recommendation.id) {
            event.recommendation.title.clone_from(title);
        }
    }
    let mut response = json_with_etag(&req, &page, None)?;
    language::mark(&mut response, None, &preference);
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}
