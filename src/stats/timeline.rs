//! `GET /timeline`: dated events (status changes, milestones due and completed) in order.

use crate::auth::ReadAccess;
use crate::error::ApiError;
use crate::http::conditional::json_with_etag;
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{Duration, NaiveDate};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The widest window one request may ask for.
const MAX_WINDOW_DAYS: i64 = 3_660;

crate::text_enum! {
    /// What happened.
    pub enum TimelineKind {
        /// A recommendation changed status (dated by its effective date).
        StatusChange => "status_change",
        /// A milestone falls due.
        MilestoneDue => "milestone_due",
        /// A milestone was completed.
        MilestoneCompleted => "milestone_completed",
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

#[derive(Debug, QueryableByName)]
struct EventRow {
    #[diesel(sql_type = Date)]
    on_date: NaiveDate,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = SqlUuid)]
    event_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    rec_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    report_id: Uuid,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    label: String,
    #[diesel(sql_type = Text)]
    status: String,
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

const EVENTS_SQL: &str = "\
SELECT * FROM ( \
  SELECT sc.effective_on AS on_date, 'status_change' AS kind, sc.id AS event_id, r.id AS rec_id, \
         r.report_id, rep.slug AS report_slug, r.code, r.title, \
         sc.from_status || ' -> ' || sc.to_status AS label, sc.to_status AS status \
    FROM status_changes sc JOIN recommendations r ON r.id = sc.recommendation_id \
    JOIN reports rep ON rep.id = r.report_id \
  UNION ALL \
  SELECT m.due_on, 'milestone_due', m.id, r.id, r.report_id, rep.slug, r.code, r.title, m.title, m.status \
    FROM milestones m JOIN recommendations r ON r.id = m.recommendation_id \
    JOIN reports rep ON rep.id = r.report_id WHERE m.due_on IS NOT NULL \
  UNION ALL \
  SELECT m.completed_on, 'milestone_completed', m.id, r.id, r.report_id, rep.slug, r.code, r.title, m.title, m.status \
    FROM milestones m JOIN recommendations r ON r.id = m.recommendation_id \
    JOIN reports rep ON rep.id = r.report_id WHERE m.completed_on IS NOT NULL \
) e \
WHERE e.on_date BETWEEN $1 AND $2 \
  AND ($3::text IS NULL OR e.report_id::text = $3 OR e.report_slug = $3) \
  AND ($4::date IS NULL OR (e.on_date, e.kind, e.event_id) > ($4, $5, $6)) \
ORDER BY e.on_date, e.kind, e.event_id \
LIMIT $7";

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
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
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
    let p = params.into_inner();
    let today = state.derivation().today();
    let from = pagination::param("from", p.from.as_deref(), "a date YYYY-MM-DD")?
        .unwrap_or(today - Duration::days(365));
    let to = pagination::param("to", p.to.as_deref(), "a date YYYY-MM-DD")?
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
    if p.report
        .as_ref()
        .is_some_and(|r| r.len() > 100 || r.contains('\0'))
    {
        return Err(ApiError::invalid(
            "query.report",
            "is too long or contains NUL",
        ));
    }
    let limit = pagination::limit(p.limit.as_deref())?;
    let after = p
        .cursor
        .as_deref()
        .map(pagination::decode_cursor::<(NaiveDate, String, Uuid)>)
        .transpose()?;
    let (after_date, after_kind, after_id) = match after {
        Some((d, k, i)) => (Some(d), Some(k), Some(i)),
        None => (None, None, None),
    };
    let mut conn = state.scans.connection(&state.pool).await?;
    let rows: Vec<EventRow> = diesel::sql_query(EVENTS_SQL)
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .bind::<Nullable<Text>, _>(p.report.as_deref())
        .bind::<Nullable<Date>, _>(after_date)
        .bind::<Nullable<Text>, _>(after_kind)
        .bind::<Nullable<SqlUuid>, _>(after_id)
        .bind::<BigInt, _>(limit + 1)
        .load(&mut conn)
        .await?;
    drop(conn);
    let page = pagination::into_page(
        rows,
        limit,
        |e| (e.on_date, e.kind.clone(), e.event_id),
        |e| {
            let kind = e.kind.parse().unwrap_or(TimelineKind::StatusChange);
            TimelineEvent {
                overdue: kind == TimelineKind::MilestoneDue
                    && e.on_date < today
                    && matches!(e.status.as_str(), "planned" | "in_progress"),
                date: e.on_date,
                kind,
                id: e.event_id,
                recommendation: TimelineRecommendation {
                    id: e.rec_id,
                    report_id: e.report_id,
                    code: e.code,
                    title: e.title,
                },
                label: e.label,
                status: e.status,
            }
        },
    );
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}
