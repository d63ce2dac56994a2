//! Dashboard aggregates: `/stats` (counts, progress, milestones) and `/timeline` (events).

pub mod handlers;
pub mod queries;
pub mod timeline;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::get_stats)
        .service(timeline::list_timeline);
}
