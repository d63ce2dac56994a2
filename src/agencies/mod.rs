//! Agencies: the government bodies that lead or support recommendations and own milestones.
//!
//! The shape every resource shares (docs/ARCHITECTURE.md): `model` (storage types and typed
//! inputs), `queries` (reads), `commands` (transactional writes with their audit), `dto` (the
//! API's types and their conversions), `handlers` (thin actix handlers), and `configure` here.

pub mod commands;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod queries;

pub use handlers::configure;
