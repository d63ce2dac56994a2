//! Machine tokens: long-lived credentials a dashboard or a script sends instead of a
//! person's password. Each acts as its owner, capped by its access and its report; only its
//! hash is stored (`auth::machine_token`), and the token itself is shown once.

pub mod commands;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod queries;

pub use handlers::configure;
