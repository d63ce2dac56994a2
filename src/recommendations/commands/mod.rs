//! Recommendation writes: each is one transaction that checks the expected version under a
//! row lock, changes the row, appends its history and audit records, and reads the new
//! representation and records the change's event before it commits. Status changes in
//! `status`, check-ins in `check_in`, edits in `edit`.

mod check_in;
mod edit;
mod status;

pub use check_in::check_in;
pub use edit::update;
pub use status::{Authors, apply as apply_status_change, change_status, check_move};

use super::model::listing::Embeds;
use super::model::{NewRecommendation, NewRecommendationInput, Recommendation, RecommendationView};
use super::queries;
use crate::agencies::commands::require_reach;
use crate::audit::commands::{record, snapshot};
use crate::audit::model::{Actor, Change};
use crate::db::schema::{recommendations, reports};
use crate::domain::Reach;
use crate::error::ApiError;
use crate::events::commands::record as record_event;
use crate::events::model::{EventType, NewEvent, Represent};
use crate::reports::queries::category_id;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::future::try_join;
use uuid::Uuid;

const RESOURCE: &str = "recommendation";

/// Locks the recommendation, checks the actor's scope reaches it for a write of `reach` (403
/// before 412: a refusal tells nothing of versions) and that it is still at `expected`.
pub async fn lock_at_version(
    conn: &mut AsyncPgConnection,
    actor: &Actor<'_>,
    reach: Reach,
    id: Uuid,
    expected: i32,
) -> Result<Recommendation, ApiError> {
    let current = lock(conn, actor, reach, id).await?;
    if current.version != expected {
        return Err(ApiError::PreconditionFailed);
    }
    Ok(current)
}

/// Locks the recommendation and checks the actor's scope reaches it for a write of `reach`.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    actor: &Actor<'_>,
    reach: Reach,
    id: Uuid,
) -> Result<Recommendation, ApiError> {
    let current: Recommendation = recommendations::table
        .find(id)
        .select(Recommendation::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found(RESOURCE, id))?;
    require_reach(conn, &actor.scope, id, reach).await?;
    Ok(current)
}

/// Adds a recommendation to a report (it starts `not_assessed`).
pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    report_id: Uuid,
    input: &NewRecommendationInput,
    embeds: Embeds,
    represent: &dyn Represent,
) -> Result<RecommendationView, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        // Locks the report, so concurrent creations get distinct default positions.
        let report: Option<Uuid> = reports::table
            .find(report_id)
            .select(reports::id)
            .for_update()
            .first(conn)
            .await
            .optional()?;
        report.ok_or_else(|| ApiError::not_found("report", report_id))?;
        let category_id = existing_category(conn, report_id, &input.category_slug).await?;
        let position = match input.position {
            Some(p) => p,
            None => recommendations::table
                .filter(recommendations::report_id.eq(report_id))
                .select(diesel::dsl::max(recommendations::position))
                .first::<Option<i32>>(conn)
                .await?
                .map_or(1, |p| p.saturating_add(1)),
        };
        let code = &input.code;
        let created: Recommendation = diesel::insert_into(recommendations::table)
            .values(NewRecommendation {
                report_id,
                category_id,
                code,
                position,
                title: &input.title,
                body: &input.body,
                external_id: input.external_id.as_deref(),
                language: input.language,
            })
            .returning(Recommendation::as_returning())
            .get_result(conn)
            .await
            .map_err(ApiError::conflict_as(format!(
                "the report already has a recommendation {code} or with this external_id"
            )))?;
        recorded_view(
            conn,
            actor,
            Change {
                action: "create_recommendation",
                entity_type: RESOURCE,
                entity_id: created.id,
                before: None,
                after: snapshot(&created),
            },
            embeds,
            |view| {
                event(
                    EventType::RecommendationCreated,
                    view,
                    represent.recommendation(view),
                )
            },
        )
        .await
    })
    .await
}

/// Records the write's audit entry and reads the representation the write answers with, in
/// one pipeline, then records the event `event` makes of it. Call last in the write's
/// transaction: read after COMMIT, the representation could already show a concurrent
/// writer's next version, and two writers would be answered with the same ETag.
pub async fn recorded_view(
    conn: &AsyncPgConnection,
    actor: Actor<'_>,
    change: Change<'_>,
    embeds: Embeds,
    event: impl FnOnce(&RecommendationView) -> NewEvent,
) -> Result<RecommendationView, ApiError> {
    let id = change.entity_id;
    let ((), view) = try_join(
        record(conn, Some(actor), change),
        queries::find(conn, id, embeds),
    )
    .await?;
    let view = view.ok_or_else(|| ApiError::not_found(RESOURCE, id))?;
    record_event(conn, Some(actor), event(&view)).await?;
    Ok(view)
}

/// An event about the recommendation `view` shows.
pub fn event(
    event_type: EventType,
    view: &RecommendationView,
    data: serde_json::Value,
) -> NewEvent {
    NewEvent {
        event_type,
        report_id: Some(view.recommendation.report_id),
        recommendation_id: Some(view.recommendation.id),
        data,
    }
}

pub(super) async fn existing_category(
    conn: &mut AsyncPgConnection,
    report_id: Uuid,
    slug: &str,
) -> Result<Uuid, ApiError> {
    category_id(conn, report_id, slug).await?.ok_or_else(|| {
        ApiError::invalid("/category", format!("no category {slug:?} in this report"))
    })
}
