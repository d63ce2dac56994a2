//! Recommendations: what a report asks for, with status, owners and milestones.

pub mod commands;
pub mod dto;
pub mod edit;
pub mod handlers;
pub mod lifecycle;
pub mod listing;
pub mod model;
mod page_query;
pub mod queries;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    handlers::configure(cfg);
    lifecycle::configure(cfg);
    edit::configure(cfg);
}
