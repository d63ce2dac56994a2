//! Reports and their categories: the documents whose recommendations are tracked.

pub mod model;
