//! Mounts every resource under `/api/v1`, plus the operations endpoints.

use crate::{agencies, health, recommendations};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub const BASE_PATH: &str = "/api/v1";

/// Registers every documented endpoint (the OpenAPI document is collected from here).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope(BASE_PATH)
            .configure(recommendations::configure)
            .configure(agencies::configure),
    )
    .service(health::live)
    .service(health::ready);
}
