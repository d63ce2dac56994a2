//! Milestone endpoints.

use super::commands::{self, MilestoneChanges, NewMilestone};
use super::dto::{CreateMilestoneRequest, UpdateMilestoneRequest};
use super::listing::{self, MilestoneFilters};
use crate::auth::{AuthUser, ReadAccess};
use crate::domain::{MilestoneStatus, Role};
use crate::error::ApiError;
use crate::http::conditional::{self, json_with_etag, version_tag};
use crate::http::csv::{self, CsvWriter};
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::http::validate::{Checks, NOTE_MAX, TITLE_MAX};
use crate::recommendations::dto::{MilestoneDto, milestone_dto};
use crate::recommendations::handlers::parse_list;
use crate::recommendations::listing::{AgencyRef, ReportRef};
use crate::recommendations::queries as recommendation_queries;
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_milestones)
        .service(list_recommendation_milestones)
        .service(create_milestone)
        .service(get_milestone)
        .service(update_milestone)
        .service(delete_milestone);
}

/// A recommendation's milestones.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MilestoneList {
    /// In order of position.
    pub items: Vec<MilestoneDto>,
}

/// A milestone in the cross-recommendation list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MilestoneListItem {
    #[serde(flatten)]
    pub milestone: MilestoneDto,
    /// The code of the recommendation it advances, e.g. `POL-1`.
    pub recommendation_code: String,
    /// The report of that recommendation.
    pub report_id: Uuid,
    /// The owner agency's code, if any.
    #[schema(required = true)]
    pub owner_agency_code: Option<String>,
}

/// Query parameters of `list_milestones`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MilestoneListParams {
    /// Only these statuses, comma-separated (planned, in_progress, done, cancelled).
    pub status: Option<String>,
    /// Only those owned by this agency (id or code).
    pub owner_agency: Option<String>,
    /// true: only overdue ones; false: only those not overdue.
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// Only due before this day (exclusive), `YYYY-MM-DD`.
    #[param(value_type = Option<NaiveDate>)]
    pub due_before: Option<String>,
    /// Only due after this day (exclusive), `YYYY-MM-DD`.
    #[param(value_type = Option<NaiveDate>)]
    pub due_after: Option<String>,
    /// Only this report (id or slug).
    pub report: Option<String>,
    /// Only this recommendation (id).
    #[param(value_type = Option<Uuid>)]
    pub recommendation: Option<String>,
    /// Page size, 1 to 200 (default 50; CSV: up to 10,000, default 10,000).
    #[param(value_type = Option<i64>, minimum = 1)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// `csv` for text/csv (same as `Accept: text/csv`).
    pub format: Option<String>,
}

/// List milestones
///
/// Milestones across recommendations by due date (undated last), filtered. Answers
/// `text/csv` for `Accept: text/csv` or `format=csv`.
#[utoipa::path(
    tag = "milestones",
    params(MilestoneListParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of milestones", content(
            (Page<MilestoneListItem> = "application/json"),
            (String = "text/csv", example = "id,recommendation_code,title,...")),
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when more pages exist"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/milestones")]
#[tracing::instrument(skip_all)]
pub async fn list_milestones(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    params: web::Query<MilestoneListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let as_csv = csv::wanted(&req, p.format.as_deref())?;
    let requested: Option<i64> = pagination::param("limit", p.limit.as_deref(), "a whole number")?;
    let limit = match (as_csv, requested) {
        (true, None) => csv::MAX_CSV_LIMIT,
        (true, Some(n)) if (1..=csv::MAX_CSV_LIMIT).contains(&n) => n,
        (true, Some(_)) => {
            return Err(ApiError::invalid(
                "query.limit",
                "must be between 1 and 10000 for CSV",
            ));
        }
        (false, _) => pagination::limit(p.limit.as_deref())?,
    };
    let filters = MilestoneFilters {
        statuses: parse_list("status", p.status.as_deref())?,
        owner: p.owner_agency.as_deref().map(AgencyRef::parse),
        overdue: pagination::param("overdue", p.overdue.as_deref(), "true or false")?,
        due_before: pagination::param("due_before", p.due_before.as_deref(), "a date YYYY-MM-DD")?,
        due_after: pagination::param("due_after", p.due_after.as_deref(), "a date YYYY-MM-DD")?,
        report: p.report.as_deref().map(ReportRef::parse),
        recommendation: pagination::param("recommendation", p.recommendation.as_deref(), "a UUID")?,
    };
    let after = p
        .cursor
        .as_deref()
        .map(pagination::decode_cursor::<(NaiveDate, Uuid)>)
        .transpose()?;
    let today = state.derivation().today();
    let mut conn = state.scans.connection(&state.pool).await?;
    let rows = listing::list(&mut conn, &filters, after, limit, today).await?;
    drop(conn);
    let page = pagination::into_page(
        rows,
        limit,
        |row| listing::cursor_of(&row.0),
        |(m, code, report_id, owner)| MilestoneListItem {
            milestone: milestone_dto(m, today),
            recommendation_code: code,
            report_id,
            owner_agency_code: owner,
        },
    );
    let mut response = if as_csv {
        csv::response(&req, milestones_csv(&page.items), "milestones.csv")
    } else {
        json_with_etag(&req, &page, None)?
    };
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

fn milestones_csv(items: &[MilestoneListItem]) -> String {
    let mut out = CsvWriter::new(&[
        "id",
        "recommendation_code",
        "title",
        "status",
        "owner_agency_code",
        "due_on",
        "completed_on",
        "overdue",
        "weight",
        "position",
        "version",
        "description",
    ]);
    for item in items {
        let m = &item.milestone;
        let fields = [
            m.id.to_string(),
            item.recommendation_code.clone(),
            m.title.clone(),
            m.status.to_string(),
            item.owner_agency_code.clone().unwrap_or_default(),
            m.due_on.map(|d| d.to_string()).unwrap_or_default(),
            m.completed_on.map(|d| d.to_string()).unwrap_or_default(),
            m.overdue.to_string(),
            m.weight.to_string(),
            m.position.to_string(),
            m.version.to_string(),
            m.description.clone(),
        ];
        out.row(fields.iter().map(String::as_str));
    }
    out.finish()
}

/// List a recommendation's milestones
#[utoipa::path(
    tag = "milestones",
    params(("id" = Uuid, Path, description = "Recommendation id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Its milestones in order", body = MilestoneList),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/recommendations/{id}/milestones")]
pub async fn list_recommendation_milestones(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let today = state.derivation().today();
    let mut conn = state.pool.get().await?;
    if recommendation_queries::status_of(&mut conn, id)
        .await?
        .is_none()
    {
        return Err(crate::recommendations::commands::not_found(id));
    }
    let items = commands::list_for(&mut conn, id)
        .await?
        .into_iter()
        .map(|m| milestone_dto(m, today))
        .collect();
    json_with_etag(&req, &MilestoneList { items }, None)
}

/// Create a milestone
#[utoipa::path(
    tag = "milestones",
    params(("id" = Uuid, Path, description = "Recommendation id")),
    request_body = CreateMilestoneRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new milestone", body = MilestoneDto,
            headers(("Location" = String, description = "URL of the milestone"), ("ETag" = String, description = "Version tag"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/recommendations/{id}/milestones")]
#[tracing::instrument(skip_all, fields(recommendation = %id))]
pub async fn create_milestone(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<CreateMilestoneRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Analyst)?;
    let body = body.into_inner();
    let status = body.status.unwrap_or(MilestoneStatus::Planned);
    let mut checks = Checks::new();
    checks.text("/title", body.title.trim(), 1, TITLE_MAX).text(
        "/description",
        &body.description,
        0,
        NOTE_MAX,
    );
    check_numbers(&mut checks, body.weight, body.position);
    check_completion(&mut checks, status, body.completed_on.is_some());
    checks.finish()?;
    let new = NewMilestone {
        recommendation_id: id.into_inner(),
        title: body.title.trim().to_owned(),
        description: body.description,
        owner_agency_id: body.owner_agency_id,
        due_on: body.due_on,
        status,
        completed_on: body.completed_on,
        weight: body.weight.unwrap_or(1),
        position: body.position.unwrap_or(0),
    };
    let today = state.derivation().today();
    let mut conn = state.pool.get().await?;
    let created = commands::create(&mut conn, &user, new, body.position.is_some()).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/milestones/{}", created.id),
        ))
        .insert_header((header::ETAG, version_tag(created.version, "")))
        .json(milestone_dto(created, today)))
}

/// Get a milestone
#[utoipa::path(
    tag = "milestones",
    params(("id" = Uuid, Path, description = "Milestone id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The milestone", body = MilestoneDto,
            headers(("ETag" = String, description = "Strong tag; send it as If-Match to change the milestone"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/milestones/{id}")]
pub async fn get_milestone(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let today = state.derivation().today();
    let mut conn = state.pool.get().await?;
    let milestone = commands::find(&mut conn, id)
        .await?
        .ok_or_else(|| commands::not_found(id))?;
    let etag = version_tag(milestone.version, "");
    json_with_etag(&req, &milestone_dto(milestone, today), Some(etag))
}

/// Update a milestone
///
/// Changes any field, including its position (reordering). Needs If-Match with the
/// milestone's ETag.
#[utoipa::path(
    tag = "milestones",
    params(
        ("id" = Uuid, Path, description = "Milestone id"),
        ("If-Match" = String, Header, description = "The milestone's ETag as last read"),
    ),
    request_body = UpdateMilestoneRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated milestone", body = MilestoneDto),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 412, response = r::PreconditionFailed),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 428, response = r::PreconditionRequired),
        (status = 503, response = r::Unavailable),
    )
)]
#[patch("/milestones/{id}")]
#[tracing::instrument(skip_all, fields(milestone = %id))]
pub async fn update_milestone(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<UpdateMilestoneRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Analyst)?;
    let expected = conditional::required_version(&req)?;
    let body = body.into_inner();
    let mut checks = Checks::new();
    checks
        .opt_text("/title", body.title.as_deref().map(str::trim), 1, TITLE_MAX)
        .opt_text("/description", body.description.as_deref(), 0, NOTE_MAX);
    check_numbers(&mut checks, body.weight, body.position);
    checks.finish()?;
    let changes = MilestoneChanges {
        title: body.title.map(|t| t.trim().to_owned()),
        description: body.description,
        owner_agency_id: body.owner_agency_id,
        due_on: body.due_on,
        status: body.status,
        completed_on: body.completed_on,
        weight: body.weight,
        position: body.position,
    };
    let today = state.derivation().today();
    let mut conn = state.pool.get().await?;
    let updated = commands::update(&mut conn, &user, id.into_inner(), expected, changes).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, version_tag(updated.version, "")))
        .json(milestone_dto(updated, today)))
}

/// Delete a milestone
#[utoipa::path(
    tag = "milestones",
    params(
        ("id" = Uuid, Path, description = "Milestone id"),
        ("If-Match" = String, Header, description = "The milestone's ETag as last read"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 412, response = r::PreconditionFailed),
        (status = 428, response = r::PreconditionRequired),
        (status = 503, response = r::Unavailable),
    )
)]
#[delete("/milestones/{id}")]
#[tracing::instrument(skip_all, fields(milestone = %id))]
pub async fn delete_milestone(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Analyst)?;
    let expected = conditional::required_version(&req)?;
    let mut conn = state.pool.get().await?;
    commands::delete(&mut conn, &user, id.into_inner(), expected).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn check_numbers(checks: &mut Checks, weight: Option<i32>, position: Option<i32>) {
    checks.fail_if(
        weight.is_some_and(|w| !(0..=1000).contains(&w)),
        "/weight",
        "must be between 0 and 1000",
    );
    checks.fail_if(
        position.is_some_and(|p| !(0..=1_000_000).contains(&p)),
        "/position",
        "must be between 0 and 1000000",
    );
}

fn check_completion(checks: &mut Checks, status: MilestoneStatus, has_completed_on: bool) {
    let done = status == MilestoneStatus::Done;
    checks.fail_if(
        done && !has_completed_on,
        "/completed_on",
        "is required when status is done",
    );
    checks.fail_if(
        !done && has_completed_on,
        "/completed_on",
        "is only set when status is done",
    );
}
