//! The `api_tokens` table. `ApiToken` leaves the hash out: nothing read back carries it.

use crate::db::schema::api_tokens;
use crate::domain::TokenAccess;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
pub struct ApiToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub access: TokenAccess,
    pub report_id: Option<Uuid>,
    pub expires_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A validated new token's settings.
pub struct TokenInput {
    pub name: String,
    pub access: TokenAccess,
    pub expires_on: NaiveDate,
    /// The report (id or slug) its writes are limited to.
    pub report: Option<crate::reports::model::ReportRef>,
}

#[derive(Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiToken<'a> {
    pub user_id: Uuid,
    pub name: &'a str,
    pub access: TokenAccess,
    pub report_id: Option<Uuid>,
    pub token_hash: &'a [u8],
    pub expires_on: NaiveDate,
}
