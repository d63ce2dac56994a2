//! The dashboard: pages for people at `/`, built from files embedded in the binary. The pages
//! read the public API like any other client; nothing here touches the database.

pub mod assets;
pub mod handlers;

pub use handlers::configure;
