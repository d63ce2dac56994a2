//! Translations: each report, category, recommendation and agency keeps its original text and
//! language, and translations into the others beside it. Writes in `commands`; reads pick
//! the language a reader asked for in `queries`.

pub mod commands;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod queries;

pub use handlers::configure;
