//! Agency endpoints.

use super::commands::{self, AgencyChanges};
use super::dto::{
    AgencyCounts, AgencyDto, AgencyListParams, CreateAgencyRequest, UpdateAgencyRequest,
};
use super::model::NewAgency;
use super::queries::{self, AgencyFilter};
use crate::auth::AuthUser;
use crate::auth::ReadAccess;
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::conditional;
use crate::http::conditional::{json_with_etag, version_tag};
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::http::validate::{Checks, TITLE_MAX};
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use actix_web::{patch, post};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_agencies)
        .service(get_agency)
        .service(create_agency)
        .service(update_agency);
}

async fn with_counts(
    state: &AppState,
    conn: &mut diesel_async::AsyncPgConnection,
    agency: super::model::Agency,
) -> Result<AgencyDto, ApiError> {
    let counts = queries::counts(conn, &[agency.id], state.derivation().today())
        .await?
        .remove(&agency.id)
        .map(AgencyCounts::from)
        .unwrap_or_default();
    Ok(AgencyDto::new(agency, counts))
}

fn check_country(checks: &mut Checks, field: &str, country: &str) {
    checks.fail_if(
        !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase())),
        field,
        "must be an ISO 3166-1 alpha-2 code such as US",
    );
}

/// Create an agency
#[utoipa::path(
    tag = "agencies",
    request_body = CreateAgencyRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new agency", body = AgencyDto,
            headers(("Location" = String, description = "URL of the agency"), ("ETag" = String, description = "Version tag"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 409, response = r::Conflict),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/agencies")]
#[tracing::instrument(skip_all)]
pub async fn create_agency(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<CreateAgencyRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let body = body.into_inner();
    let mut checks = Checks::new();
    checks
        .code("/code", &body.code)
        .text("/name", body.name.trim(), 1, TITLE_MAX);
    check_country(&mut checks, "/country", &body.country);
    checks.finish()?;
    let mut conn = state.pool.get().await?;
    let name = body.name.trim();
    let created = commands::create(
        &mut conn,
        &user,
        NewAgency {
            code: &body.code,
            name,
            country: &body.country,
            parent_id: body.parent_id,
        },
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/agencies/{}", created.id)))
        .insert_header((header::ETAG, version_tag(created.version, "")))
        .json(with_counts(&state, &mut conn, created).await?))
}

/// Update an agency
#[utoipa::path(
    tag = "agencies",
    params(
        ("id" = Uuid, Path, description = "Agency id"),
        ("If-Match" = String, Header, description = "The agency's ETag as last read"),
    ),
    request_body = UpdateAgencyRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated agency", body = AgencyDto),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 428, response = r::PreconditionRequired),
        (status = 503, response = r::Unavailable),
    )
)]
#[patch("/agencies/{id}")]
#[tracing::instrument(skip_all)]
pub async fn update_agency(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<UpdateAgencyRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let expected = conditional::required_version(&req)?;
    let body = body.into_inner();
    let mut checks = Checks::new();
    if let Some(code) = &body.code {
        checks.code("/code", code);
    }
    checks.opt_text("/name", body.name.as_deref().map(str::trim), 1, TITLE_MAX);
    if let Some(country) = &body.country {
        check_country(&mut checks, "/country", country);
    }
    checks.finish()?;
    let changes = AgencyChanges {
        code: body.code,
        name: body.name.map(|n| n.trim().to_owned()),
        country: body.country,
        parent_id: body.parent_id,
    };
    let mut conn = state.pool.get().await?;
    let updated = commands::update(&mut conn, &user, id.into_inner(), expected, changes).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, version_tag(updated.version, "")))
        .json(with_counts(&state, &mut conn, updated).await?))
}

/// List agencies
///
/// Agencies ordered by code, one keyset page at a time.
#[utoipa::path(
    tag = "agencies",
    security((), ("bearer" = [])),
    params(AgencyListParams),
    responses(
        (status = 200, description = "A page of agencies", body = Page<AgencyDto>),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/agencies")]
#[tracing::instrument(skip(state, req))]
pub async fn list_agencies(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    params: web::Query<AgencyListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let limit = pagination::limit(params.limit.as_deref())?;
    let after_code = params
        .cursor
        .as_deref()
        .map(pagination::decode_cursor::<String>)
        .transpose()?;
    let filter = AgencyFilter {
        country: params.country,
        after_code,
        limit,
    };
    let mut conn = state.pool.get().await?;
    let rows = queries::list(&mut conn, &filter).await?;
    let ids: Vec<Uuid> = rows.iter().map(|a| a.id).collect();
    let mut counts = queries::counts(&mut conn, &ids, state.derivation().today()).await?;
    let page = pagination::into_page(
        rows,
        limit,
        |a| a.code.clone(),
        |a| {
            let c = counts
                .remove(&a.id)
                .map(AgencyCounts::from)
                .unwrap_or_default();
            AgencyDto::new(a, c)
        },
    );
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

/// Get an agency
#[utoipa::path(
    tag = "agencies",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Agency id")),
    responses(
        (status = 200, description = "The agency", body = AgencyDto),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/agencies/{id}")]
#[tracing::instrument(skip(state, req))]
pub async fn get_agency(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let agency = queries::find(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound {
            resource: "agency",
            id: id.to_string(),
        })?;
    let dto = with_counts(&state, &mut conn, agency).await?;
    // Counts change without the agency changing: they are part of the representation's tag.
    let c = dto.counts;
    let variant = format!(
        "{}-{}-{}-{}",
        c.recommendations_led, c.recommendations_supported, c.open_milestones, c.overdue_milestones
    );
    json_with_etag(&req, &dto, Some(version_tag(dto.version, &variant)))
}
