//! The `agencies` table, and agencies as other resources embed them.

use crate::db::schema::agencies;
use crate::domain::Language;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = agencies, check_for_backend(diesel::pg::Pg))]
pub struct Agency {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub country: String,
    pub parent_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The language `name` is written in.
    pub language: Language,
}

/// The columns an embedded agency shows, read straight from `agencies`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agencies, check_for_backend(diesel::pg::Pg))]
pub struct AgencyBrief {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub country: String,
    pub language: Language,
}

/// A validated new agency.
#[derive(Debug, Clone, Insertable, serde::Serialize)]
#[diesel(table_name = agencies)]
pub struct NewAgency {
    pub code: String,
    pub name: String,
    pub country: String,
    pub parent_id: Option<Uuid>,
    pub language: Language,
}

/// A validated PATCH (`None` leaves alone, `Some(None)` clears the parent).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = agencies)]
pub struct AgencyChanges {
    pub code: Option<String>,
    pub name: Option<String>,
    pub country: Option<String>,
    pub parent_id: Option<Option<Uuid>>,
    pub language: Option<Language>,
}

/// An agency named by id or by code (codes are upper case).
#[derive(Debug, Clone, PartialEq)]
pub enum AgencyRef {
    Id(Uuid),
    Code(String),
}

impl AgencyRef {
    pub fn parse(raw: &str) -> Self {
        match raw.parse::<Uuid>() {
            Ok(id) => Self::Id(id),
            Err(_) => Self::Code(raw.trim().to_uppercase()),
        }
    }
}

/// The agency list's filter and keyset position.
#[derive(Debug, Default, Clone)]
pub struct AgencyFilter {
    pub country: Option<String>,
    /// Text the code, the name or a translated name contains.
    pub text: Option<String>,
    /// The last code of the previous page.
    pub after_code: Option<String>,
    pub limit: i64,
}

/// How much an agency is involved in.
#[derive(Debug, Clone, Copy, Default, QueryableByName)]
pub struct AgencyCountsRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub led: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub supported: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub open_milestones: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub overdue_milestones: i64,
}
