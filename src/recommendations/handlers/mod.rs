//! Recommendation endpoints: reads (`read`), the status lifecycle (`lifecycle`), check-ins
//! (`check_ins`), edits (`edit`); `csv` writes the list as CSV.

pub mod check_ins;
pub mod edit;
pub mod lifecycle;
pub mod read;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(read::list_recommendations)
        .service(read::get_recommendation)
        .service(read::get_report_recommendation)
        .service(read::list_recommendation_history)
        .service(lifecycle::list_statuses)
        .service(lifecycle::list_transitions)
        .service(lifecycle::change_status)
        .service(check_ins::create_check_in)
        .service(check_ins::list_check_ins)
        .service(edit::update_recommendation);
}
