//! Milestones: actionable, dated steps of a recommendation. Every write also bumps the
//! recommendation's version, whose representation embeds its milestones and progress.

pub mod commands;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod queries;

pub use handlers::configure;
