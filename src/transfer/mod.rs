//! Whole reports in and out: the report document (JSON), CSV and GAO files, workbooks.
//! `GET /api/v1/reports/{id}/export`, `POST /api/v1/imports`, and the CLI's `import` and
//! `export`, all on the same code.

pub mod commands;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod queries;

pub use handlers::configure;
