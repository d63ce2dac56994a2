//! The `agencies` table.

use crate::db::schema::agencies;
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
}

#[derive(Debug, Clone, Insertable, serde::Serialize)]
#[diesel(table_name = agencies)]
pub struct NewAgency<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub country: &'a str,
    pub parent_id: Option<Uuid>,
}
