//! Agencies: the government bodies that lead or support recommendations and own milestones.

pub mod commands;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod queries;

pub use handlers::configure;
