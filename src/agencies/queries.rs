//! Agency reads.

use super::model::{Agency, AgencyCountsRow, AgencyFilter};
use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::agencies;
use crate::domain::AgencyRole;
use crate::domain::scope::Participants;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Agencies ordered by code; fetches `limit + 1` so the caller can tell if more exist.
pub async fn list(conn: &mut AsyncPgConnection, filter: &AgencyFilter) -> QueryResult<Vec<Agency>> {
    let mut query = agencies::table
        .select(Agency::as_select())
        .order(agencies::code.asc())
        .into_boxed();
    if let Some(country) = &filter.country {
        query = query.filter(agencies::country.eq(country));
    }
    if let Some(text) = &filter.text {
        // The directory is small: a scan with ILIKE finds text inside Korean and Japanese
        // names as well as English ones, in the name or any translation of it.
        let pattern = format!("%{}%", escape_like(text));
        let translated = diesel::dsl::sql::<diesel::sql_types::Bool>(
            "EXISTS (SELECT 1 FROM agency_translations t WHERE t.subject_id = agencies.id \
             AND t.title ILIKE ",
        )
        .bind::<diesel::sql_types::Text, _>(pattern.clone())
        .sql(")");
        query = query.filter(
            agencies::code
                .ilike(pattern.clone())
                .or(agencies::name.ilike(pattern))
                .or(translated),
        );
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

/// The first of `ids` that names no agency.
pub async fn first_missing(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Option<Uuid>> {
    if ids.is_empty() {
        return Ok(None);
    }
    let found: HashSet<Uuid> = agencies::table
        .filter(agencies::id.eq_any(ids))
        .select(agencies::id)
        .load::<Uuid>(conn)
        .await?
        .into_iter()
        .collect();
    Ok(ids.iter().find(|id| !found.contains(id)).copied())
}

/// The chain of parents above `id` (bounded: the directory is small and acyclic).
pub async fn ancestors(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<Uuid>> {
    let mut chain = Vec::new();
    let mut next = Some(id);
    while let Some(current) = next {
        if chain.len() > 64 || chain.contains(&current) {
            break;
        }
        chain.push(current);
        next = agencies::table
            .find(current)
            .select(agencies::parent_id)
            .first::<Option<Uuid>>(conn)
            .await
            .optional()?
            .flatten();
    }
    Ok(chain)
}

/// Counts for every agency in `ids`, in one query.
pub async fn counts(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    today: chrono::NaiveDate,
) -> QueryResult<HashMap<Uuid, AgencyCountsRow>> {
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

/// The report, code and lead, co-lead and supporting agencies of a recommendation, as a
/// scope check needs them.
pub async fn participants(
    conn: &mut AsyncPgConnection,
    recommendation_id: Uuid,
) -> QueryResult<Option<(String, Participants)>> {
    use crate::db::schema::{recommendation_agencies, recommendations};
    let Some((report, code, lead)) = recommendations::table
        .find(recommendation_id)
        .select((
            recommendations::report_id,
            recommendations::code,
            recommendations::lead_agency_id,
        ))
        .first::<(Uuid, String, Option<Uuid>)>(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let owners: Vec<(Uuid, AgencyRole)> = recommendation_agencies::table
        .filter(recommendation_agencies::recommendation_id.eq(recommendation_id))
        .filter(recommendation_agencies::role.eq_any([AgencyRole::CoLead, AgencyRole::Supporting]))
        .select((
            recommendation_agencies::agency_id,
            recommendation_agencies::role,
        ))
        .load(conn)
        .await?;
    let mut participants = Participants {
        report,
        leads: Vec::from_iter(lead),
        supporting: Vec::new(),
    };
    for (agency, role) in owners {
        match role {
            AgencyRole::CoLead => participants.leads.push(agency),
            _ => participants.supporting.push(agency),
        }
    }
    Ok(Some((code, participants)))
}

/// The codes of `ids`, in code order.
pub async fn codes(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<String>> {
    agencies::table
        .filter(agencies::id.eq_any(ids))
        .select(agencies::code)
        .order(agencies::code.asc())
        .load(conn)
        .await
}

pub async fn id_by_code(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<Option<Uuid>> {
    agencies::table
        .filter(agencies::code.eq(code))
        .select(agencies::id)
        .first(conn)
        .await
        .optional()
}

/// `text` with LIKE's wildcards taken literally.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
