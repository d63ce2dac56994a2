//! HTTP plumbing shared by every resource: conditional requests, list pages, input errors.

pub mod conditional;
pub mod csv;
pub mod input;
pub mod json;
pub mod language;
pub mod methods;
pub mod middleware;
pub mod pagination;
pub mod params;
pub mod responses;
pub mod table;
pub mod timestamp;
pub mod validate;
