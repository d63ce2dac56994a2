//! Agency writes (admins), each with its audit event.

use super::model::{Agency, NewAgency};
use crate::audit::{self, Change};
use crate::auth::AuthUser;
use crate::db::schema::{agencies, recommendation_agencies, recommendations};
use crate::error::ApiError;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub fn not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "agency",
        id: id.to_string(),
    }
}

/// A validated PATCH (`None` leaves alone, `Some(None)` clears the parent).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = agencies)]
pub struct AgencyChanges {
    pub code: Option<String>,
    pub name: Option<String>,
    pub country: Option<String>,
    pub parent_id: Option<Option<Uuid>>,
}

fn conflict_on_code(e: diesel::result::Error) -> ApiError {
    match ApiError::from(e) {
        ApiError::Conflict(_) => ApiError::Conflict("an agency with this code exists".into()),
        other => other,
    }
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    new: NewAgency<'_>,
) -> Result<Agency, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        if let Some(parent) = new.parent_id {
            crate::recommendations::commands::ensure_agencies_exist(conn, &[parent]).await?;
        }
        let created: Agency = diesel::insert_into(agencies::table)
            .values(&new)
            .returning(Agency::as_returning())
            .get_result(conn)
            .await
            .map_err(conflict_on_code)?;
        audit::record(
            conn,
            Some(actor),
            Change {
                action: "create_agency",
                entity_type: "agency",
                entity_id: created.id,
                before: None,
                after: audit::snapshot(&created),
            },
        )
        .await?;
        Ok(created)
    })
    .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    id: Uuid,
    expected: i32,
    changes: AgencyChanges,
) -> Result<Agency, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current: Agency = agencies::table
            .find(id)
            .select(Agency::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| not_found(id))?;
        if current.version != expected {
            return Err(ApiError::PreconditionFailed);
        }
        if let Some(Some(parent)) = changes.parent_id {
            if parent == id || ancestors(conn, parent).await?.contains(&id) {
                return Err(ApiError::invalid("/parent_id", "would make a cycle"));
            }
            crate::recommendations::commands::ensure_agencies_exist(conn, &[parent]).await?;
        }
        let updated: Agency = diesel::update(agencies::table.find(id))
            .set((
                &changes,
                agencies::version.eq(agencies::version + 1),
                agencies::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Agency::as_returning())
            .get_result(conn)
            .await
            .map_err(conflict_on_code)?;
        if changes.code.is_some() || changes.name.is_some() || changes.country.is_some() {
            bump_recommendations_of(conn, id).await?;
        }
        audit::record(
            conn,
            Some(actor),
            Change {
                action: "update_agency",
                entity_type: "agency",
                entity_id: id,
                before: audit::snapshot(&current),
                after: audit::snapshot(&updated),
            },
        )
        .await?;
        Ok(updated)
    })
    .await
}

/// Recommendations embed their agencies' code, name and country: a change to those is a new
/// version of every recommendation the agency leads or supports (so their ETags move).
async fn bump_recommendations_of(conn: &mut AsyncPgConnection, agency: Uuid) -> QueryResult<()> {
    let supported = recommendation_agencies::table
        .filter(recommendation_agencies::agency_id.eq(agency))
        .select(recommendation_agencies::recommendation_id);
    diesel::update(
        recommendations::table.filter(
            recommendations::lead_agency_id
                .eq(agency)
                .or(recommendations::id.eq_any(supported)),
        ),
    )
    .set((
        recommendations::version.eq(recommendations::version + 1),
        recommendations::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await
    .map(|_| ())
}

/// The chain of parents above `id` (bounded: the directory is small and acyclic).
async fn ancestors(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<Uuid>> {
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
