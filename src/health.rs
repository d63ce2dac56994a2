//! Liveness and readiness probes for operators and load balancers, and what is running.

use crate::error::ApiError;
use crate::http::responses as r;
use crate::state::AppState;
use crate::{build_info, db};
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Probe result.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// Always `ok` when the probe answers 200.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// These operations take no query parameters; like every other operation they refuse
/// unknown ones.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoParams {}

/// What is running.
#[derive(Debug, Serialize, ToSchema)]
pub struct Meta {
    /// The service, `policytrack`.
    #[schema(example = "policytrack")]
    pub name: &'static str,
    /// Its version.
    #[schema(example = "0.1.0")]
    pub version: &'static str,
    /// The commit it was built from (`unknown` outside a git checkout).
    #[schema(example = "1a2b3c4d5e6f")]
    pub commit: &'static str,
}

/// Get service metadata
///
/// The name, version and build commit of the instance that answers.
#[utoipa::path(
    tag = "operations",
    security(),
    responses(
        (status = 200, description = "The running build", body = Meta),
        (status = 422, response = r::Unprocessable),
    )
)]
#[get("/meta")]
pub async fn get_meta(_: web::Query<NoParams>) -> HttpResponse {
    HttpResponse::Ok().json(Meta {
        name: build_info::NAME,
        version: build_info::VERSION,
        commit: build_info::COMMIT,
    })
}

/// Liveness
///
/// The process is up and serving HTTP; says nothing about the database.
#[utoipa::path(
    tag = "operations",
    security(),
    responses(
        (status = 200, description = "The process is alive", body = HealthStatus),
        (status = 422, response = r::Unprocessable),
    )
)]
#[get("/health/live")]
pub async fn get_liveness(_: web::Query<NoParams>) -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus { status: "ok" })
}

/// Readiness
///
/// Ready to serve requests: the database answers a query.
#[utoipa::path(
    tag = "operations",
    security(),
    responses(
        (status = 200, description = "The database answers", body = HealthStatus),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/health/ready")]
pub async fn get_readiness(
    state: web::Data<AppState>,
    _: web::Query<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let check = async {
        let mut conn = state.db.conn().await.ok()?;
        db::ping(&mut conn).await.ok()
    };
    match tokio::time::timeout(state.config.db_timeout, check).await {
        Ok(Some(())) => Ok(HttpResponse::Ok().json(HealthStatus { status: "ok" })),
        _ => Err(ApiError::Unavailable),
    }
}
