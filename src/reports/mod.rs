//! Reports and their categories: the documents whose recommendations are tracked.

pub mod commands;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod queries;

pub use handlers::configure;
