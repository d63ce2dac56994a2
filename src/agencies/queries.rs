//! Agency reads and writes.

use super::model::Agency;
use crate::db::schema::agencies;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Filters for the agency list.
#[derive(Debug, Default, Clone)]
pub struct AgencyFilter {
    pub country: Option<String>,
    /// Keyset position: the last code of the previous page.
    pub after_code: Option<String>,
    pub limit: i64,
}

/// Agencies ordered by code; fetches `limit + 1` so the caller can tell if more exist.
pub async fn list(conn: &mut AsyncPgConnection, filter: &AgencyFilter) -> QueryResult<Vec<Agency>> {
    let mut query = agencies::table
        .select(Agency::as_select())
        .order(agencies::code.asc())
        .limit(filter.limit + 1)
        .into_boxed();
    if let Some(country) = &filter.country {
        query = query.filter(agencies::country.eq(country));
    }
    if let Some(after) = &filter.after_code {
        query = query.filter(agencies::code.gt(after));
    }
    query.load(conn).await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Agency>> {
    agencies::table
        .find(id)
        .select(Agency::as_select())
        .first(conn)
        .await
        .optional()
}
