//! The audit log: every write appends one event (actor, action, entity, before, after) in the
//! same transaction as the change itself; admins read it at `GET /audit`.

pub mod commands;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod queries;

pub use handlers::configure;
