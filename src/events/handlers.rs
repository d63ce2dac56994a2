//! The event log over HTTP: the feed in commit-safe order, and one recommendation's events.

use super::dto::{After, EventListParams, EventOut, EventPage};
use super::queries;
use crate::auth::ReadAccess;
use crate::error::ApiError;
use crate::http::conditional::json_with_etag;
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::recommendations::queries as recommendation_queries;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_events).service(list_recommendation_events);
}

/// List events
///
/// Every change in the order it became visible, one page at a time. A page holds only events
/// of transactions that have ended, so a reader that goes on from `next_cursor` never misses
/// one that commits later. `next_cursor` is always there: keep it and poll with
/// `after=<cursor>`; `after=latest` starts at the end.
#[utoipa::path(
    tag = "events",
    params(EventListParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of events", body = EventPage),
        r::NotModified,
        r::ListErrors,
    )
)]
#[get("/events")]
#[tracing::instrument(skip_all)]
pub async fn list_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    params: web::Query<EventListParams>,
) -> Result<HttpResponse, ApiError> {
    let (mut query, after) = params.into_inner().into_query()?;
    let mut conn = state.db.scan().await?;
    query.after = match after {
        After::Position(position) => position,
        After::Latest => Some(queries::latest(&mut conn).await?),
    };
    let mut rows = queries::feed(&mut conn, &query).await?;
    drop(conn);
    crate::db::trim_to_limit(&mut rows, query.limit);
    let last = rows
        .last()
        .map(|e| e.position())
        .or(query.after)
        .unwrap_or_default();
    let page = EventPage {
        items: rows.into_iter().map(EventOut::from).collect(),
        next_cursor: pagination::encode_cursor(&last),
    };
    json_with_etag(&req, &page, None)
}

/// Query parameters of `list_recommendation_events`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecommendationEventParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// List a recommendation's events
///
/// Everything that happened to one recommendation, newest first: status changes, check-ins,
/// edits with their reasons, milestone changes and deadlines.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path, description = "Recommendation id"), RecommendationEventParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of events, newest first", body = Page<super::dto::Event>),
        r::NotModified,
        r::ItemErrors,
        (status = 422, response = r::Unprocessable),
    )
)]
#[get("/recommendations/{id}/events")]
#[tracing::instrument(skip_all)]
pub async fn list_recommendation_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<Uuid>,
    params: web::Query<RecommendationEventParams>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let limit = pagination::limit(params.limit.as_deref())?;
    let before = pagination::cursor(params.cursor.as_deref())?;
    let mut conn = state.db.conn().await?;
    if recommendation_queries::status_of(&mut conn, id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("recommendation", id));
    }
    let rows = queries::of_recommendation(&mut conn, id, before, limit).await?;
    drop(conn);
    let page = pagination::into_page(rows, limit, |e| e.position(), EventOut::from);
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}
