//! Webhooks: subscriptions that push events to other systems, signed per the Standard
//! Webhooks specification, and the deliveries that carry them (sent by `crate::delivery`).

pub mod commands;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod queries;

pub use handlers::configure;
