//! The `reports` and `categories` tables.

use crate::db::schema::{categories, reports};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
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
}

#[derive(Debug, Clone, Insertable, serde::Serialize)]
#[diesel(table_name = reports)]
pub struct NewReport<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub publisher: &'a str,
    pub published_on: Option<NaiveDate>,
    pub source_url: Option<&'a str>,
    pub summary: &'a str,
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
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = categories)]
pub struct NewCategory<'a> {
    pub report_id: Uuid,
    pub slug: &'a str,
    pub name: &'a str,
    pub position: i32,
}
