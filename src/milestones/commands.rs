//! Milestone writes, each one transaction with its audit event and the parent's version bump.

use super::model::{Milestone, MilestoneChanges, MilestoneInput};
use crate::agencies::commands::{ensure_exist as ensure_agencies_exist, require_reach_unless};
use crate::audit::commands::{record, snapshot};
use crate::audit::model::{Actor, Change};
use crate::db::schema::{milestones, recommendations};
use crate::domain::{MilestoneStatus, Reach};
use crate::error::ApiError;
use crate::events::commands::record as record_event;
use crate::events::model::{EventType, NewEvent, Represent};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

const RESOURCE: &str = "milestone";

#[derive(Insertable)]
#[diesel(table_name = milestones)]
struct NewMilestone<'a> {
    recommendation_id: Uuid,
    title: &'a str,
    description: &'a str,
    owner_agency_id: Option<Uuid>,
    due_on: Option<NaiveDate>,
    status: MilestoneStatus,
    completed_on: Option<NaiveDate>,
    weight: i32,
    position: i32,
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    recommendation_id: Uuid,
    input: &MilestoneInput,
    represent: &dyn Represent,
) -> Result<Milestone, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        // Locks the parent first, so concurrent creations get distinct default positions.
        let exists: Option<Uuid> = recommendations::table
            .find(recommendation_id)
            .select(recommendations::id)
            .for_update()
            .first(conn)
            .await
            .optional()?;
        if exists.is_none() {
            return Err(ApiError::not_found("recommendation", recommendation_id));
        }
        let owns_it = actor.scope.includes_agency(input.owner_agency_id);
        require_reach_unless(conn, &actor.scope, recommendation_id, Reach::Lead, owns_it).await?;
        ensure_agencies_exist(conn, "agency_id", &Vec::from_iter(input.owner_agency_id)).await?;
        let position = match input.position {
            Some(position) => position,
            None => milestones::table
                .filter(milestones::recommendation_id.eq(recommendation_id))
                .select(diesel::dsl::max(milestones::position))
                .first::<Option<i32>>(conn)
                .await?
                .map_or(0, |p| p.saturating_add(1)),
        };
        let created: Milestone = diesel::insert_into(milestones::table)
            .values(NewMilestone {
                recommendation_id,
                title: &input.title,
                description: &input.description,
                owner_agency_id: input.owner_agency_id,
                due_on: input.due_on,
                status: input.status,
                completed_on: input.completed_on,
                weight: input.weight,
                position,
            })
            .returning(Milestone::as_returning())
            .get_result(conn)
            .await?;
        let report_id = bump_recommendation(conn, recommendation_id).await?;
        record(
            conn,
            Some(actor),
            Change {
                action: "create_milestone",
                entity_type: RESOURCE,
                entity_id: created.id,
                before: None,
                after: snapshot(&created),
            },
        )
        .await?;
        let data = represent.milestone(&created);
        let event = milestone_event(EventType::MilestoneCreated, &created, report_id, data);
        record_event(conn, Some(actor), event).await?;
        Ok(created)
    })
    .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    expected: i32,
    mut changes: MilestoneChanges,
    represent: &dyn Represent,
) -> Result<Milestone, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current = lock_at_version(conn, &actor, id, expected, |current| {
            let new_owner = changes.owner_agency_id.unwrap_or(current.owner_agency_id);
            actor.scope.includes_agency(current.owner_agency_id)
                && actor.scope.includes_agency(new_owner)
        })
        .await?;
        if let Some(Some(owner)) = changes.owner_agency_id {
            ensure_agencies_exist(conn, "agency_id", &[owner]).await?;
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
        let report_id = bump_recommendation(conn, updated.recommendation_id).await?;
        record(
            conn,
            Some(actor),
            Change {
                action: "update_milestone",
                entity_type: RESOURCE,
                entity_id: id,
                before: snapshot(&current),
                after: snapshot(&updated),
            },
        )
        .await?;
        let done = MilestoneStatus::Done;
        let event_type = if current.status != done && updated.status == done {
            EventType::MilestoneCompleted
        } else {
            EventType::MilestoneUpdated
        };
        let data = represent.milestone(&updated);
        let event = milestone_event(event_type, &updated, report_id, data);
        record_event(conn, Some(actor), event).await?;
        Ok(updated)
    })
    .await
}

pub async fn delete(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    expected: i32,
    represent: &dyn Represent,
) -> Result<(), ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current = lock_at_version(conn, &actor, id, expected, |current| {
            actor.scope.includes_agency(current.owner_agency_id)
        })
        .await?;
        diesel::delete(milestones::table.find(id))
            .execute(conn)
            .await?;
        let report_id = bump_recommendation(conn, current.recommendation_id).await?;
        record(
            conn,
            Some(actor),
            Change {
                action: "delete_milestone",
                entity_type: RESOURCE,
                entity_id: id,
                before: snapshot(&current),
                after: None,
            },
        )
        .await?;
        let data = represent.milestone(&current);
        let event = milestone_event(EventType::MilestoneDeleted, &current, report_id, data);
        record_event(conn, Some(actor), event).await?;
        Ok(())
    })
    .await
}

/// Locks the milestone, checks the actor may write it (its agencies own it, as `owns_it`
/// tells, or lead its recommendation; 403 before 412) and that it is still at `expected`.
async fn lock_at_version(
    conn: &mut AsyncPgConnection,
    actor: &Actor<'_>,
    id: Uuid,
    expected: i32,
    owns_it: impl FnOnce(&Milestone) -> bool,
) -> Result<Milestone, ApiError> {
    let current: Milestone = milestones::table
        .find(id)
        .select(Milestone::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found(RESOURCE, id))?;
    let owns_it = owns_it(&current);
    require_reach_unless(
        conn,
        &actor.scope,
        current.recommendation_id,
        Reach::Lead,
        owns_it,
    )
    .await?;
    if current.version != expected {
        return Err(ApiError::PreconditionFailed);
    }
    Ok(current)
}

/// The recommendation embeds its milestones and progress: each milestone write is a new
/// version of it. Its report, for the event.
async fn bump_recommendation(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Uuid> {
    diesel::update(recommendations::table.find(id))
        .set((
            recommendations::version.eq(recommendations::version + 1),
            recommendations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(recommendations::report_id)
        .get_result(conn)
        .await
}

fn milestone_event(
    event_type: EventType,
    milestone: &Milestone,
    report_id: Uuid,
    data: serde_json::Value,
) -> NewEvent {
    NewEvent {
        event_type,
        report_id: Some(report_id),
        recommendation_id: Some(milestone.recommendation_id),
        data,
    }
}
