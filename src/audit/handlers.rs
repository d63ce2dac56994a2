//! `GET /audit` for admins.

use super::dto::{AuditEventDto, AuditListParams};
use super::model::AuditFilter;
use super::queries;
use crate::auth::AuthUser;
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::conditional::json_with_etag;
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit_events);
}

/// List audit events
///
/// Every write, newest first (admins only).
#[utoipa::path(
    tag = "audit",
    params(AuditListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of audit events", body = Page<AuditEventDto>),
        r::NotModified,
        r::ListErrors,
        (status = 403, response = r::Forbidden),
    )
)]
#[get("/audit")]
#[tracing::instrument(skip_all)]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    params: web::Query<AuditListParams>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let filter = AuditFilter::try_from(params.into_inner())?;
    let mut conn = state.db.scan().await?;
    let rows = queries::list(&mut conn, &filter).await?;
    let page = pagination::into_page(
        rows,
        filter.limit,
        |e| (e.occurred_at, e.id),
        AuditEventDto::from,
    );
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}
