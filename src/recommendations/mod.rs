//! Recommendations: what a report asks for, with status, owners and milestones.

pub mod commands;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod queries;

pub use handlers::configure;
