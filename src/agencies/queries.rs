//! Agency reads and writes.

use super::model::Agency;
use crate::db::literal_limit::LiteralLimitDsl;
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
        .into_boxed();
    if let Some(country) = &filter.country {
        query = query.filter(agencies::country.eq(country));
    }
    if let Some(after) = &filter.after_code {
        query = query.filter(agencies::code.gt(after));
    }
    query.literal_limit(filter.limit + 1).load(conn).await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Agency>> {
    agencies::table
        .find(id)
        .select(Agency::as_select())
        .first(conn)
        .await
        .optional()
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

/// Counts for every agency in `ids`, in one query.
pub async fn counts(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    today: chrono::NaiveDate,
) -> QueryResult<std::collections::HashMap<Uuid, AgencyCountsRow>> {
    let rows: Vec<AgencyCountsRow> = diesel::sql_query(
        "SELECT a.id, \
           (SELECT count(*) FROM recommendations r WHERE r.lead_agency_id = a.id) AS led, \
           (SELECT count(*) FROM recommendation_agencies ra WHERE ra.agency_id = a.id) AS supported, \
           (SELECT count(*) FROM milestones m WHERE m.owner_agency_id = a.id \
              AND m.status IN ('planned', 'in_progress')) AS open_milestones, \
           (SELECT count(*) FROM milestones m WHERE m.owner_agency_id = a.id \
              AND m.status IN ('planned', 'in_progress') AND m.due_on < $2) AS overdue_milestones \
         FROM agencies a WHERE a.id = ANY($1)",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(ids)
    .bind::<diesel::sql_types::Date, _>(today)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}
