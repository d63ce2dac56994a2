//! Agency endpoints.

use super::commands;
use super::dto::{
    AgencyCounts, AgencyDto, AgencyListParams, CreateAgencyRequest, UpdateAgencyRequest,
};
use super::model::{Agency, AgencyChanges, AgencyFilter, NewAgency};
use super::queries;
use crate::auth::{AuthUser, ReadAccess};
use crate::domain::Role;
use crate::error::ApiError;
use crate::events::dto::Representation;
use crate::http::conditional::{self, json_with_etag, version_tag};
use crate::http::json::Json;
use crate::http::language;
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::state::AppState;
use crate::translations::dto::{LanguageParams, embeds_translations};
use crate::translations::model::Shown;
use crate::translations::queries::localize_agencies;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use diesel_async::AsyncPgConnection;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_agencies)
        .service(get_agency)
        .service(create_agency)
        .service(update_agency);
}

/// Create an agency
///
/// Adds a government body to the directory (admins only). Codes are unique.
#[utoipa::path(
    tag = "agencies",
    request_body = CreateAgencyRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new agency", body = AgencyDto,
            headers(("Location" = String, description = "URL of the agency"), ("ETag" = String, description = "Version tag")),
            links(("GetAgency" = (operation_id = "get_agency", parameters(("id" = "$response.body#/id")))), ("UpdateAgency" = (operation_id = "update_agency", parameters(("id" = "$response.body#/id"), ("If-Match" = "$response.header.ETag")))))),
        r::CreateErrors,
        (status = 409, response = r::Conflict),
    )
)]
#[post("/agencies")]
#[tracing::instrument(skip_all)]
pub async fn create_agency(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateAgencyRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let new = NewAgency::try_from(body.into_inner())?;
    let mut conn = state.db.conn().await?;
    let represent = Representation::new(state.derivation());
    let created = commands::create(&mut conn, user.actor(), new, &represent).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/agencies/{}", created.id)))
        .insert_header((header::ETAG, version_tag(created.version, "")))
        .json(with_counts(&state, &mut conn, created, Shown::default()).await?))
}

/// Update an agency
///
/// Changes an agency's code, name, country or parent (admins only). Needs If-Match with the
/// agency's ETag; every recommendation that embeds the agency gets a new version.
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
        r::VersionedWriteErrors,
        (status = 409, response = r::Conflict),
    )
)]
#[patch("/agencies/{id}")]
#[tracing::instrument(skip_all)]
pub async fn update_agency(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateAgencyRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let expected = conditional::required_version(&req)?;
    let changes = AgencyChanges::try_from(body.into_inner())?;
    let mut conn = state.db.conn().await?;
    let represent = Representation::new(state.derivation());
    let id = id.into_inner();
    let updated =
        commands::update(&mut conn, user.actor(), id, expected, changes, &represent).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, version_tag(updated.version, "")))
        .json(with_counts(&state, &mut conn, updated, Shown::default()).await?))
}

/// List agencies
///
/// Agencies ordered by code, one keyset page at a time.
#[utoipa::path(
    tag = "agencies",
    security((), ("bearer" = [])),
    params(AgencyListParams, ("Accept-Language" = Option<String>, Header, description = "Languages to show texts in, most wanted first, e.g. `ko-KR,ko;q=0.9,en;q=0.8` (`lang=` overrides)")),
    responses(
        (status = 200, description = "A page of agencies", body = Page<AgencyDto>),
        r::NotModified,
        r::ListErrors,
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
    let preference = language::preference(&req, params.lang.as_deref())?;
    let all = embeds_translations(params.include.as_deref())?;
    let filter = AgencyFilter::try_from(params)?;
    let mut conn = state.db.conn().await?;
    let mut rows = queries::list(&mut conn, &filter).await?;
    let ids: Vec<Uuid> = rows.iter().map(|a| a.id).collect();
    let mut counts = queries::counts(&mut conn, &ids, state.derivation().today()).await?;
    let mut shown = localize_agencies(&conn, &mut rows, &preference, all)
        .await?
        .into_iter();
    let page = pagination::into_page(
        rows,
        filter.limit,
        |a| a.code.clone(),
        |a| {
            let c = counts.remove(&a.id).map(AgencyCounts::from);
            AgencyDto::shown(a, c.unwrap_or_default(), shown.next().unwrap_or_default())
        },
    );
    let mut response = json_with_etag(&req, &page, None)?;
    language::mark(
        &mut response,
        page.items.iter().map(|a| a.language),
        &preference,
    );
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

/// Get an agency
///
/// One agency with what it leads, supports and owns.
#[utoipa::path(
    tag = "agencies",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Agency id"), LanguageParams, ("Accept-Language" = Option<String>, Header, description = "Languages to show texts in, most wanted first, e.g. `ko-KR,ko;q=0.9,en;q=0.8` (`lang=` overrides)")),
    responses(
        (status = 200, description = "The agency", body = AgencyDto),
        r::NotModified,
        r::ItemErrors,
        (status = 422, response = r::Unprocessable),
    )
)]
#[get("/agencies/{id}")]
#[tracing::instrument(skip(state, req))]
pub async fn get_agency(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<Uuid>,
    params: web::Query<LanguageParams>,
) -> Result<HttpResponse, ApiError> {
    let preference = language::preference(&req, params.lang.as_deref())?;
    let all = embeds_translations(params.include.as_deref())?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let mut agencies = Vec::from_iter(queries::find(&mut conn, id).await?);
    let mut shown = localize_agencies(&conn, &mut agencies, &preference, all).await?;
    let (agency, shown) = agencies
        .pop()
        .zip(shown.pop())
        .ok_or_else(|| ApiError::not_found("agency", id))?;
    let dto = with_counts(&state, &mut conn, agency, shown).await?;
    // Counts change without the agency changing: they are part of the representation's tag.
    let c = dto.counts;
    let variant = format!(
        "{}-{}-{}-{}",
        c.recommendations_led, c.recommendations_supported, c.open_milestones, c.overdue_milestones
    );
    let variant = match (preference.key(), all) {
        (key, false) if key.is_empty() => variant,
        (key, all) => format!("{variant}.{key}.{}", u8::from(all)),
    };
    let mut response = json_with_etag(&req, &dto, Some(version_tag(dto.version, &variant)))?;
    language::mark(&mut response, Some(dto.language), &preference);
    Ok(response)
}

async fn with_counts(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    agency: Agency,
    shown: Shown,
) -> Result<AgencyDto, ApiError> {
    let counts = queries::counts(conn, &[agency.id], state.derivation().today())
        .await?
        .remove(&agency.id)
        .map(AgencyCounts::from)
        .unwrap_or_default();
    Ok(AgencyDto::shown(agency, counts, shown))
}
