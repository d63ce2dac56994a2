//! The `reports` and `categories` tables, and typed inputs for them.

use crate::db::schema::{categories, reports};
use crate::domain::Language;
use crate::translations::model::Shown;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = reports, check_for_backend(diesel::pg::Pg))]
pub struct Report {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub publisher: String,
    pub published_on: Option<NaiveDate>,
    pub source_url: Option<String>,
    pub summary: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub review_closures: bool,
    /// The language title and summary are written in.
    pub language: Language,
}

/// A validated change to a report; absent fields stay as they are.
#[derive(Debug, Clone, Default, AsChangeset, serde::Serialize)]
#[diesel(table_name = reports)]
pub struct ReportChanges {
    pub language: Option<Language>,
    pub slug: Option<String>,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub published_on: Option<Option<NaiveDate>>,
    pub source_url: Option<Option<String>>,
    pub summary: Option<String>,
    pub review_closures: Option<bool>,
}

#[derive(Debug, Clone, Insertable, serde::Serialize)]
#[diesel(table_name = reports)]
pub struct NewReport {
    pub language: Language,
    pub slug: String,
    pub title: String,
    pub publisher: String,
    pub published_on: Option<NaiveDate>,
    pub source_url: Option<String>,
    pub summary: String,
}

/// A validated new report with its categories (slug, name) in order.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub report: NewReport,
    pub categories: Vec<(String, String)>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = categories, check_for_backend(diesel::pg::Pg))]
pub struct Category {
    pub id: Uuid,
    pub report_id: Uuid,
    pub slug: String,
    pub name: String,
    pub position: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The language `name` is written in.
    pub language: Language,
}

/// A validated new category; `None` puts it after the last.
#[derive(Debug, Clone)]
pub struct CategoryInput {
    pub language: Option<Language>,
    pub slug: String,
    pub name: String,
    pub position: Option<i32>,
}

/// A validated change to a category; absent fields stay as they are.
#[derive(Debug, Clone, Default, AsChangeset, serde::Serialize)]
#[diesel(table_name = categories)]
pub struct CategoryChanges {
    pub language: Option<Language>,
    pub slug: Option<String>,
    pub name: Option<String>,
    pub position: Option<i32>,
}

/// The columns an embedded category shows, read straight from `categories`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = categories, check_for_backend(diesel::pg::Pg))]
pub struct CategoryBrief {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub language: Language,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = categories)]
pub struct NewCategory<'a> {
    pub language: Language,
    pub report_id: Uuid,
    pub slug: &'a str,
    pub name: &'a str,
    pub position: i32,
}

/// A report with its categories and how many recommendations each holds.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub report: Report,
    pub categories: Vec<(Category, i64)>,
    /// In which language the report's texts are shown.
    pub shown: Shown,
    /// The same for each category, by id (absent: the original).
    pub categories_shown: HashMap<Uuid, Shown>,
}

/// A report named by id or by slug.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportRef {
    Id(Uuid),
    Slug(String),
}

impl ReportRef {
    pub fn parse(raw: &str) -> Self {
        match raw.parse::<Uuid>() {
            Ok(id) => Self::Id(id),
            Err(_) => Self::Slug(raw.trim().to_owned()),
        }
    }
}
