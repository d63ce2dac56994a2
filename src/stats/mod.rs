//! Dashboard aggregates: `/stats` (counts, progress, milestones) and `/timeline` (dated events).

pub mod dto;
pub mod handlers;
pub mod model;
pub mod queries;

pub use handlers::configure;
