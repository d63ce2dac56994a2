//! Closure proposals: when a report reviews closures, an analyst's move to a closed status
//! waits here until a reviewer (never the proposer) approves it or returns it.

pub mod commands;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod queries;

pub use handlers::configure;
