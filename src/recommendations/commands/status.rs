//! A status change: checked against the lifecycle, appended to the history, and pointed at as
//! the recommendation's latest. A reviewed closure is applied here too, on approval.

use super::{RESOURCE, event, lock_at_version, recorded_view};
use crate::audit::commands::snapshot;
use crate::audit::model::{Actor, Change};
use crate::db::fixed_shape::FixedShape;
use crate::db::schema::{recommendations, status_changes};
use crate::domain::Reach;
use crate::domain::{Health, Status};
use crate::error::ApiError;
use crate::events::model::{EventType, Represent};
use crate::recommendations::model::listing::Embeds;
use crate::recommendations::model::{
    Recommendation, RecommendationView, StatusChange, StatusChangeInput,
};
use crate::reports::queries::reviews_closures;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::future::try_join;
use uuid::Uuid;

#[derive(Insertable)]
#[diesel(table_name = status_changes, treat_none_as_default_value = false)]
struct NewStatusChange<'a> {
    id: Uuid,
    recommendation_id: Uuid,
    from_status: Status,
    to_status: Status,
    health: Option<Health>,
    note: &'a str,
    evidence_urls: &'a [String],
    effective_on: NaiveDate,
    actor_id: Option<Uuid>,
    actor_email: Option<&'a str>,
    approved_by_id: Option<Uuid>,
    approved_by_email: Option<&'a str>,
}

/// Who a history entry names: its author and, for a reviewed closure, its approver.
#[derive(Debug, Clone, Copy)]
pub struct Authors<'a> {
    pub author_id: Option<Uuid>,
    pub author_email: &'a str,
    pub approved_by: Option<(Uuid, &'a str)>,
}

impl<'a> Authors<'a> {
    /// The actor alone.
    pub fn of(actor: &Actor<'a>) -> Self {
        Self {
            author_id: Some(actor.id),
            author_email: actor.email,
            approved_by: None,
        }
    }
}

/// Moves the recommendation to a new status, appending history and audit in one transaction.
/// When the move closes it, its report reviews closures and the actor may not close directly
/// (`closes_directly`: reviewers and admins), 409: the caller proposes instead.
#[allow(clippy::too_many_arguments)]
pub async fn change_status(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    expected: i32,
    input: &StatusChangeInput,
    closes_directly: bool,
    embeds: Embeds,
    represent: &dyn Represent,
) -> Result<RecommendationView, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current = lock_at_version(conn, &actor, Reach::Lead, id, expected).await?;
        check_move(&current, input.to)?;
        if input.to.is_closed() && !closes_directly && reviews_closures(conn, id).await? {
            return Err(ApiError::Conflict(
                "this report's closures are reviewed now: send the change again to propose it"
                    .into(),
            ));
        }
        apply(
            conn,
            actor,
            &current,
            input,
            Authors::of(&actor),
            embeds,
            represent,
        )
        .await
    })
    .await
}

/// 409 unless the lifecycle allows moving `current` to `to`.
pub fn check_move(current: &Recommendation, to: Status) -> Result<(), ApiError> {
    if current.status.can_move_to(to) {
        return Ok(());
    }
    let allowed: Vec<&str> = current
        .status
        .allowed_targets()
        .iter()
        .map(|s| s.as_str())
        .collect();
    Err(ApiError::Conflict(format!(
        "cannot move from {} to {}; allowed: {}",
        current.status,
        to,
        allowed.join(", ")
    )))
}

/// Applies a checked move of the locked `current` in the caller's transaction: the history
/// entry naming `authors`, the new status, the audit entry and event in `actor`'s name.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    current: &Recommendation,
    input: &StatusChangeInput,
    authors: Authors<'_>,
    embeds: Embeds,
    represent: &dyn Represent,
) -> Result<RecommendationView, ApiError> {
    let id = current.id;
    // The change goes in first, and the recommendation then points at it as its latest.
    // Both go out in one pipeline, in that order: diesel-async sends pipelined statements
    // in the order they are first polled.
    let change_id = Uuid::new_v4();
    let (mut for_history, mut for_update): (&AsyncPgConnection, &AsyncPgConnection) = (conn, conn);
    let (change, updated): (StatusChange, Recommendation) = try_join(
        diesel::insert_into(status_changes::table)
            .values(NewStatusChange {
                id: change_id,
                recommendation_id: id,
                from_status: current.status,
                to_status: input.to,
                health: input.health,
                note: &input.note,
                evidence_urls: &input.evidence_urls,
                effective_on: input.effective_on,
                actor_id: authors.author_id,
                actor_email: Some(authors.author_email),
                approved_by_id: authors.approved_by.map(|a| a.0),
                approved_by_email: authors.approved_by.map(|a| a.1),
            })
            .returning(StatusChange::as_returning())
            .get_result(&mut for_history),
        FixedShape(
            diesel::update(recommendations::table.find(id))
                .set((
                    recommendations::status.eq(input.to),
                    recommendations::health.eq(input.health),
                    recommendations::status_changed_at.eq(diesel::dsl::now),
                    recommendations::latest_status_change_id.eq(Some(change_id)),
                    recommendations::version.eq(recommendations::version + 1),
                    recommendations::updated_at.eq(diesel::dsl::now),
                ))
                .returning(Recommendation::as_returning()),
        )
        .get_result(&mut for_update),
    )
    .await?;
    recorded_view(
        conn,
        actor,
        Change {
            action: "change_status",
            entity_type: RESOURCE,
            entity_id: id,
            before: snapshot(current),
            after: snapshot(&updated),
        },
        embeds,
        |view| {
            let data = represent.status_change(view, &change);
            event(EventType::RecommendationStatusChanged, view, data)
        },
    )
    .await
}
