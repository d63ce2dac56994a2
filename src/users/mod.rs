//! User accounts: email, argon2id password hash, role, disabled flag. Admin-managed.

pub mod dto;
pub mod handlers;
pub mod queries;

pub use handlers::configure;
