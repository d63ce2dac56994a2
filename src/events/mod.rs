//! Events: one append-only, typed record of every change, written in the transaction that
//! makes it; read as a feed (`/events`) and per recommendation.

pub mod commands;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod queries;
pub mod tail;

pub use handlers::configure;
