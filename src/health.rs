//! Liveness and readiness probes for operators and load balancers.

use crate::db;
use crate::error::ApiError;
use crate::http::responses as r;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

/// Probe result.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// Always `ok` when the probe answers 200.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness
///
/// The process is up and serving HTTP; says nothing about the database.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is alive", body = HealthStatus))
)]
#[get("/health/live")]
pub async fn get_liveness() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus { status: "ok" })
}

/// Readiness
///
/// Ready to serve requests: the database answers a query.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = HealthStatus),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/health/ready")]
pub async fn get_readiness(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let check = async {
        let mut conn = state.db.conn().await.ok()?;
        db::ping(&mut conn).await.ok()
    };
    match tokio::time::timeout(state.config.db_timeout, check).await {
        Ok(Some(())) => Ok(HttpResponse::Ok().json(HealthStatus { status: "ok" })),
        _ => Err(ApiError::Unavailable),
    }
}
