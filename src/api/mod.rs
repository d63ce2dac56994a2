//! Mounts every resource under `/api/v1`, plus the operations endpoints.

use crate::{
    agencies, audit, auth, events, health, milestones, proposals, recommendations, reports, stats,
    tokens, transfer, translations, users, webhooks,
};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub const BASE_PATH: &str = "/api/v1";

/// Registers every documented endpoint (the OpenAPI document is collected from here).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        // actix tries routes in this order, matching each `{param}` route with a regex: the
        // routes dashboards poll come first (stats has only static paths).
        scope::scope(BASE_PATH)
            .configure(stats::configure)
            .configure(recommendations::configure)
            .configure(auth::configure)
            .configure(reports::configure)
            .configure(transfer::configure)
            .configure(milestones::configure)
            .configure(proposals::configure)
            .configure(agencies::configure)
            .configure(tokens::configure)
            .configure(users::configure)
            .configure(audit::configure)
            .configure(events::configure)
            .configure(webhooks::configure)
            .configure(translations::configure)
            .service(health::get_meta),
    )
    .service(health::get_liveness)
    .service(health::get_readiness);
}
