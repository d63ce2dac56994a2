//! `GET /stats` (through the read cache, and computed at most once per data version) and
//! `GET /timeline`.

use super::dto::timeline::{TimelineEvent, TimelineParams};
use super::dto::{Stats, StatsParams};
use super::queries;
use crate::auth::ReadAccess;
use crate::error::ApiError;
use crate::http::conditional::{self, json_with_etag};
use crate::http::pagination::{self, Page};
use crate::http::{params, responses as r};
use crate::read_cache::ReadCached;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_stats).service(list_timeline);
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
    let report = params::reference("report", params.report.as_deref())?;
    let today = state.derivation().today();
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
