//! User accounts: email, argon2id password hash, role, disabled flag. Admin-managed, over HTTP
//! and from the command line (`policytrack user create`), both through `commands`.

pub mod commands;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod queries;

pub use handlers::configure;
