//! Milestone endpoints.

use super::commands;
use super::dto::{
    CreateMilestoneRequest, MilestoneDto, MilestoneList, MilestoneListItem, MilestoneListParams,
    UpdateMilestoneRequest, milestone_dto,
};
use super::model::{MilestoneChanges, MilestoneInput};
use super::queries;
use crate::auth::{AuthUser, ReadAccess};
use crate::domain::Role;
use crate::error::ApiError;
use crate::events::dto::Representation;
use crate::http::conditional::{self, json_with_etag, version_tag};
use crate::http::csv::{self, ListOutput};
use crate::http::json::Json;
use crate::http::pagination::{self, Page};
use crate::http::params;
use crate::http::responses as r;
use crate::http::table::{Table, workbook, xlsx_response};
use crate::recommendations::queries as recommendation_queries;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

const RESOURCE: &str = "milestone";

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_milestones)
        .service(list_recommendation_milestones)
        .service(create_milestone)
        .service(get_milestone)
        .service(update_milestone)
        .service(delete_milestone);
}

/// List milestones
///
/// Milestones across recommendations by due date (undated last), filtered. Answers
/// `text/csv` for `Accept: text/csv` or `format=csv`, an Excel workbook for `format=xlsx`.
#[utoipa::path(
    tag = "milestones",
    params(MilestoneListParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of milestones", content(
            (Page<MilestoneListItem> = "application/json"),
            (String = "text/csv", example = "id,recommendation_code,title,..."),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when more pages exist"))),
        r::NotModified,
        r::ListErrors,
    )
)]
#[get("/milestones")]
#[tracing::instrument(skip_all)]
pub async fn list_milestones(
    state: web::Data<AppState>,
    req: HttpRequest,
    access: ReadAccess,
    params: web::Query<MilestoneListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let output = csv::output(&req, params.format.as_deref())?;
    let bom = params::param("bom", params.bom.as_deref(), "true or false")?.unwrap_or(false);
    let mine = params::param("mine", params.mine.as_deref(), "true or false")?;
    let mut query = params.into_query(output.is_table())?;
    query.filters.among_agencies = access.mine(mine.unwrap_or(false))?;
    let today = state.derivation().today();
    let mut conn = state.db.scan().await?;
    let rows = queries::list(&mut conn, &query, today).await?;
    drop(conn);
    let page = pagination::into_page(
        rows,
        query.limit,
        |row| row.0.list_key(),
        |(m, code, report_id, owner)| MilestoneListItem {
            milestone: milestone_dto(m, today),
            recommendation_code: code,
            report_id,
            owner_agency_code: owner,
        },
    );
    let mut response = match output {
        ListOutput::Csv => csv::response(
            &req,
            milestones_table(&page.items).to_csv(),
            "milestones.csv",
            bom,
        ),
        ListOutput::Xlsx => {
            let book = workbook(vec![("milestones", milestones_table(&page.items))]).await?;
            xlsx_response(&req, book, "milestones.xlsx")
        }
        ListOutput::Json => json_with_etag(&req, &page, None)?,
    };
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

/// List a recommendation's milestones
///
/// All milestones of one recommendation, in order of position.
#[utoipa::path(
    tag = "milestones",
    params(("id" = Uuid, Path, description = "Recommendation id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Its milestones in order", body = MilestoneList),
        r::NotModified,
        r::ItemErrors,
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
    let mut conn = state.db.conn().await?;
    if recommendation_queries::status_of(&mut conn, id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("recommendation", id));
    }
    let items = queries::list_for(&mut conn, id)
        .await?
        .into_iter()
        .map(|m| milestone_dto(m, today))
        .collect();
    json_with_etag(&req, &MilestoneList { items }, None)
}

/// Create a milestone
///
/// Adds a dated step to a recommendation (analysts and admins); it goes last unless
/// `position` says otherwise. An analyst with agencies may add one owned by its agencies, or
/// any on a recommendation they lead (403 otherwise).
#[utoipa::path(
    tag = "milestones",
    params(("id" = Uuid, Path, description = "Recommendation id")),
    request_body = CreateMilestoneRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new milestone", body = MilestoneDto,
            headers(("Location" = String, description = "URL of the milestone"), ("ETag" = String, description = "Version tag")),
            links(("GetMilestone" = (operation_id = "get_milestone", parameters(("id" = "$response.body#/id")))), ("UpdateMilestone" = (operation_id = "update_milestone", parameters(("id" = "$response.body#/id"), ("If-Match" = "$response.header.ETag")))), ("DeleteMilestone" = (operation_id = "delete_milestone", parameters(("id" = "$response.body#/id"), ("If-Match" = "$response.header.ETag")))))),
        r::CreateErrors,
        (status = 404, response = r::NotFound),
    )
)]
#[post("/recommendations/{id}/milestones")]
#[tracing::instrument(skip_all, fields(recommendation = %id))]
pub async fn create_milestone(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<CreateMilestoneRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Analyst)?;
    let input = MilestoneInput::try_from(body.into_inner())?;
    let today = state.derivation().today();
    let mut conn = state.db.conn().await?;
    let represent = Representation::new(state.derivation());
    let recommendation = id.into_inner();
    let created =
        commands::create(&mut conn, user.actor(), recommendation, &input, &represent).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/milestones/{}", created.id),
        ))
        .insert_header((header::ETAG, version_tag(created.version, "")))
        .json(milestone_dto(created, today)))
}

/// Get a milestone
///
/// One milestone with its derived `overdue` flag; its ETag is what If-Match needs.
#[utoipa::path(
    tag = "milestones",
    params(("id" = Uuid, Path, description = "Milestone id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The milestone", body = MilestoneDto,
            headers(("ETag" = String, description = "Strong tag; send it as If-Match to change the milestone"))),
        r::NotModified,
        r::ItemErrors,
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
    let mut conn = state.db.conn().await?;
    let milestone = queries::find(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(RESOURCE, id))?;
    let etag = version_tag(milestone.version, "");
    json_with_etag(&req, &milestone_dto(milestone, today), Some(etag))
}

/// Update a milestone
///
/// Changes any field, including its position (reordering). Needs If-Match with the
/// milestone's ETag. Analysts and admins; an analyst with agencies only milestones they own
/// (and keep owning) or whose recommendation they lead (403 otherwise).
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
        r::VersionedWriteErrors,
    )
)]
#[patch("/milestones/{id}")]
#[tracing::instrument(skip_all, fields(milestone = %id))]
pub async fn update_milestone(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateMilestoneRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Analyst)?;
    let expected = conditional::required_version(&req)?;
    let changes = MilestoneChanges::try_from(body.into_inner())?;
    let today = state.derivation().today();
    let mut conn = state.db.conn().await?;
    let represent = Representation::new(state.derivation());
    let id = id.into_inner();
    let updated =
        commands::update(&mut conn, user.actor(), id, expected, changes, &represent).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, version_tag(updated.version, "")))
        .json(milestone_dto(updated, today)))
}

/// Delete a milestone
///
/// Removes the milestone (analysts and admins; an analyst with agencies only milestones they
/// own or whose recommendation they lead). Needs If-Match with the milestone's ETag.
#[utoipa::path(
    tag = "milestones",
    params(
        ("id" = Uuid, Path, description = "Milestone id"),
        ("If-Match" = String, Header, description = "The milestone's ETag as last read"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        r::DeleteErrors,
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
    let mut conn = state.db.conn().await?;
    let represent = Representation::new(state.derivation());
    commands::delete(
        &mut conn,
        user.actor(),
        id.into_inner(),
        expected,
        &represent,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn milestones_table(items: &[MilestoneListItem]) -> Table {
    let mut out = Table::new(&[
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
        out.push(vec![
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
        ]);
    }
    out
}
