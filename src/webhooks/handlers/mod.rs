//! Webhook endpoints (admins only): subscriptions (`subscriptions`), and pings and deliveries
//! (`deliveries`).

pub mod deliveries;
pub mod subscriptions;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(subscriptions::list_webhooks)
        .service(subscriptions::create_webhook)
        .service(subscriptions::get_webhook)
        .service(subscriptions::update_webhook)
        .service(subscriptions::delete_webhook)
        .service(deliveries::ping_webhook)
        .service(deliveries::list_deliveries)
        .service(deliveries::get_delivery)
        .service(deliveries::redeliver_delivery);
}
