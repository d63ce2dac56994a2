//! Agency endpoints.

use super::dto::{AgencyDto, AgencyListParams};
use super::queries::{self, AgencyFilter};
use crate::error::{ApiError, Problem};
use crate::http::conditional::{json_with_etag, version_tag};
use crate::http::pagination::{self, Page};
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_agencies).service(get_agency);
}

/// List agencies
///
/// Agencies ordered by code, one keyset page at a time.
#[utoipa::path(
    tag = "agencies",
    params(AgencyListParams),
    responses(
        (status = 200, description = "A page of agencies", body = Page<AgencyDto>),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 422, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/agencies")]
#[tracing::instrument(skip(state, req))]
pub async fn list_agencies(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<AgencyListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let limit = pagination::limit(params.limit)?;
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
    let page = pagination::into_page(rows, limit, |a| a.code.clone(), AgencyDto::from);
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

/// Get an agency
#[utoipa::path(
    tag = "agencies",
    params(("id" = Uuid, Path, description = "Agency id")),
    responses(
        (status = 200, description = "The agency", body = AgencyDto),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 404, description = "No such agency", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/agencies/{id}")]
#[tracing::instrument(skip(state, req))]
pub async fn get_agency(
    state: web::Data<AppState>,
    req: HttpRequest,
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
    let etag = version_tag(agency.version, "");
    json_with_etag(&req, &AgencyDto::from(agency), Some(etag))
}
