//! Milestone writes, each one transaction with its audit event and the parent's version bump.

use crate::audit::{self, Change};
use crate::auth::AuthUser;
use crate::db::schema::{milestones, recommendations};
use crate::domain::MilestoneStatus;
use crate::error::ApiError;
use crate::recommendations::commands::ensure_agencies_exist;
use crate::recommendations::model::Milestone;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub fn not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "milestone",
        id: id.to_string(),
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = milestones)]
pub struct NewMilestone {
    pub recommendation_id: Uuid,
    pub title: String,
    pub description: String,
    pub owner_agency_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub status: MilestoneStatus,
    pub completed_on: Option<NaiveDate>,
    pub weight: i32,
    pub position: i32,
}

/// A validated PATCH (`None` leaves alone, `Some(None)` clears).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = milestones)]
pub struct MilestoneChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub owner_agency_id: Option<Option<Uuid>>,
    pub due_on: Option<Option<NaiveDate>>,
    pub status: Option<MilestoneStatus>,
    pub completed_on: Option<Option<NaiveDate>>,
    pub weight: Option<i32>,
    pub position: Option<i32>,
}

async fn bump_recommendation(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(recommendations::table.find(id))
        .set((
            recommendations::version.eq(recommendations::version + 1),
            recommendations::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    mut new: NewMilestone,
    position_given: bool,
) -> Result<Milestone, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        // Locks the parent first, so concurrent creations get distinct default positions.
        let exists: Option<Uuid> = recommendations::table
            .find(new.recommendation_id)
            .select(recommendations::id)
            .for_update()
            .first(conn)
            .await
            .optional()?;
        if exists.is_none() {
            return Err(crate::recommendations::commands::not_found(
                new.recommendation_id,
            ));
        }
        ensure_agencies_exist(conn, &new.owner_agency_id.into_iter().collect::<Vec<_>>()).await?;
        if !position_given {
            let last: Option<i32> = milestones::table
                .filter(milestones::recommendation_id.eq(new.recommendation_id))
                .select(diesel::dsl::max(milestones::position))
                .first(conn)
                .await?;
            new.position = last.map_or(0, |p| p.saturating_add(1));
        }
        let created: Milestone = diesel::insert_into(milestones::table)
            .values(&new)
            .returning(Milestone::as_returning())
            .get_result(conn)
            .await?;
        bump_recommendation(conn, created.recommendation_id).await?;
        audit::record(
            conn,
            Some(actor),
            Change {
                action: "create_milestone",
                entity_type: "milestone",
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

async fn lock_at_version(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected: i32,
) -> Result<Milestone, ApiError> {
    let current: Milestone = milestones::table
        .find(id)
        .select(Milestone::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| not_found(id))?;
    if current.version != expected {
        return Err(ApiError::PreconditionFailed);
    }
    Ok(current)
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    id: Uuid,
    expected: i32,
    mut changes: MilestoneChanges,
) -> Result<Milestone, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current = lock_at_version(conn, id, expected).await?;
        if let Some(Some(owner)) = changes.owner_agency_id {
            ensure_agencies_exist(conn, &[owner]).await?;
        }
        // The stored pair must stay consistent: done <=> completed_on.
        let status = changes.status.unwrap_or(current.status);
        let completed_on = changes.completed_on.unwrap_or(current.completed_on);
        match (status == MilestoneStatus::Done, completed_on.is_some()) {
            (true, false) => {
                return Err(ApiError::invalid(
                    "/completed_on",
                    "is required when status is done",
                ));
            }
            (false, true) if changes.completed_on.flatten().is_some() => {
                return Err(ApiError::invalid(
                    "/completed_on",
                    "is only set when status is done",
                ));
            }
            (false, true) => changes.completed_on = Some(None),
            _ => {}
        }
        let updated: Milestone = diesel::update(milestones::table.find(id))
            .set((
                &changes,
                milestones::version.eq(milestones::version + 1),
                milestones::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Milestone::as_returning())
            .get_result(conn)
            .await?;
        bump_recommendation(conn, updated.recommendation_id).await?;
        audit::record(
            conn,
            Some(actor),
            Change {
                action: "update_milestone",
                entity_type: "milestone",
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

pub async fn delete(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    id: Uuid,
    expected: i32,
) -> Result<(), ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current = lock_at_version(conn, id, expected).await?;
        diesel::delete(milestones::table.find(id))
            .execute(conn)
            .await?;
        bump_recommendation(conn, current.recommendation_id).await?;
        audit::record(
            conn,
            Some(actor),
            Change {
                action: "delete_milestone",
                entity_type: "milestone",
                entity_id: id,
                before: audit::snapshot(&current),
                after: None,
            },
        )
        .await?;
        Ok(())
    })
    .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Milestone>> {
    milestones::table
        .find(id)
        .select(Milestone::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn list_for(
    conn: &mut AsyncPgConnection,
    recommendation_id: Uuid,
) -> QueryResult<Vec<Milestone>> {
    milestones::table
        .filter(milestones::recommendation_id.eq(recommendation_id))
        .order((milestones::position.asc(), milestones::id.asc()))
        .select(Milestone::as_select())
        .load(conn)
        .await
}
