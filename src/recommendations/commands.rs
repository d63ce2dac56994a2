//! Recommendation writes: each is one transaction that checks the expected version under a
//! row lock, changes the row, appends its history and audit records, and reads the new
//! representation before it commits.

use super::model::listing::Embeds;
use super::model::{
    NewRecommendation, NewRecommendationInput, Recommendation, RecommendationChanges,
    RecommendationView, StatusChangeInput,
};
use super::queries;
use crate::agencies::commands::ensure_exist as ensure_agencies_exist;
use crate::audit::commands::{record, snapshot};
use crate::audit::model::{Actor, Change};
use crate::db::fixed_shape::FixedShape;
use crate::db::schema::{recommendation_agencies, recommendations, reports, status_changes};
use crate::domain::{AgencyRole, Health, Priority, Status};
use crate::error::ApiError;
use crate::reports::queries::category_id;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::future::try_join;
use uuid::Uuid;

const RESOURCE: &str = "recommendation";

/// Locks the recommendation and checks it is still at `expected` version.
pub async fn lock_at_version(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected: i32,
) -> Result<Recommendation, ApiError> {
    let current: Recommendation = recommendations::table
        .find(id)
        .select(Recommendation::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found(RESOURCE, id))?;
    if current.version != expected {
        return Err(ApiError::PreconditionFailed);
    }
    Ok(current)
}

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
}

/// Moves the recommendation to a new status, appending history and audit in one transaction.
pub async fn change_status(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    expected: i32,
    input: &StatusChangeInput,
    embeds: Embeds,
) -> Result<RecommendationView, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current = lock_at_version(conn, id, expected).await?;
        if !current.status.can_move_to(input.to) {
            let allowed: Vec<&str> = current
                .status
                .allowed_targets()
                .iter()
                .map(|s| s.as_str())
                .collect();
            return Err(ApiError::Conflict(format!(
                "cannot move from {} to {}; allowed: {}",
                current.status,
                input.to,
                allowed.join(", ")
            )));
        }
        // The change goes in first, and the recommendation then points at it as its latest.
        // Both go out in one pipeline, in that order: diesel-async sends pipelined statements
        // in the order they are first polled.
        let change_id = Uuid::new_v4();
        let (mut for_history, mut for_update): (&AsyncPgConnection, &AsyncPgConnection) =
            (conn, conn);
        let (_, updated): (usize, Recommendation) = try_join(
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
                    actor_id: Some(actor.id),
                    actor_email: Some(actor.email),
                })
                .execute(&mut for_history),
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
        audited_view(
            conn,
            actor,
            Change {
                action: "change_status",
                entity_type: RESOURCE,
                entity_id: id,
                before: snapshot(&current),
                after: snapshot(&updated),
            },
            embeds,
        )
        .await
    })
    .await
}

#[derive(AsChangeset)]
#[diesel(table_name = recommendations)]
struct RecommendationChangeset<'a> {
    lead_agency_id: Option<Option<Uuid>>,
    priority: Option<Option<Priority>>,
    target_on: Option<Option<NaiveDate>>,
    title: Option<&'a str>,
    body: Option<&'a str>,
    category_id: Option<Uuid>,
}

/// Applies a PATCH in one transaction: fields, supporting set, version bump, audit.
pub async fn update(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    expected: i32,
    changes: &RecommendationChanges,
    embeds: Embeds,
) -> Result<RecommendationView, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current = lock_at_version(conn, id, expected).await?;
        let category_id = match &changes.category_slug {
            None => None,
            Some(slug) => Some(existing_category(conn, current.report_id, slug).await?),
        };
        let mut agency_ids: Vec<Uuid> = changes.lead_agency_id.flatten().into_iter().collect();
        if let Some(list) = &changes.supporting {
            agency_ids.extend(list.iter().map(|(a, _)| *a));
        }
        ensure_agencies_exist(conn, "agency_id", &agency_ids).await?;
        let before_supporting = supporting_of(conn, id).await?;
        if let Some(list) = &changes.supporting {
            replace_supporting(conn, id, list).await?;
        }
        let changeset = RecommendationChangeset {
            lead_agency_id: changes.lead_agency_id,
            priority: changes.priority,
            target_on: changes.target_on,
            title: changes.title.as_deref(),
            body: changes.body.as_deref(),
            category_id,
        };
        let updated: Recommendation = diesel::update(recommendations::table.find(id))
            .set((
                changeset,
                recommendations::version.eq(recommendations::version + 1),
                recommendations::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Recommendation::as_returning())
            .get_result(conn)
            .await?;
        let after_supporting = supporting_of(conn, id).await?;
        audited_view(
            conn,
            actor,
            Change {
                action: "update_recommendation",
                entity_type: RESOURCE,
                entity_id: id,
                before: snapshot(&(current, before_supporting)),
                after: snapshot(&(&updated, after_supporting)),
            },
            embeds,
        )
        .await
    })
    .await
}

/// Adds a recommendation to a report (it starts `not_assessed`).
pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    report_id: Uuid,
    input: &NewRecommendationInput,
    embeds: Embeds,
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
            })
            .returning(Recommendation::as_returning())
            .get_result(conn)
            .await
            .map_err(ApiError::conflict_as(format!(
                "the report already has a recommendation {code}"
            )))?;
        audited_view(
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
        )
        .await
    })
    .await
}

/// Records the write's audit event and reads the representation the write answers with, in
/// one pipeline. Call last in the write's transaction: read after COMMIT, the representation
/// could already show a concurrent writer's next version, and two writers would be answered
/// with the same ETag.
pub async fn audited_view(
    conn: &AsyncPgConnection,
    actor: Actor<'_>,
    change: Change<'_>,
    embeds: Embeds,
) -> Result<RecommendationView, ApiError> {
    let id = change.entity_id;
    let ((), view) = try_join(
        record(conn, Some(actor), change),
        queries::find(conn, id, embeds),
    )
    .await?;
    view.ok_or_else(|| ApiError::not_found(RESOURCE, id))
}

async fn existing_category(
    conn: &mut AsyncPgConnection,
    report_id: Uuid,
    slug: &str,
) -> Result<Uuid, ApiError> {
    category_id(conn, report_id, slug).await?.ok_or_else(|| {
        ApiError::invalid("/category", format!("no category {slug:?} in this report"))
    })
}

async fn supporting_of(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Vec<(Uuid, AgencyRole)>> {
    recommendation_agencies::table
        .filter(recommendation_agencies::recommendation_id.eq(id))
        .order(recommendation_agencies::agency_id)
        .select((
            recommendation_agencies::agency_id,
            recommendation_agencies::role,
        ))
        .load(conn)
        .await
}

async fn replace_supporting(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    list: &[(Uuid, AgencyRole)],
) -> QueryResult<()> {
    diesel::delete(
        recommendation_agencies::table.filter(recommendation_agencies::recommendation_id.eq(id)),
    )
    .execute(conn)
    .await?;
    let rows: Vec<_> = list
        .iter()
        .map(|(agency_id, role)| {
            (
                recommendation_agencies::recommendation_id.eq(id),
                recommendation_agencies::agency_id.eq(*agency_id),
                recommendation_agencies::role.eq(*role),
            )
        })
        .collect();
    diesel::insert_into(recommendation_agencies::table)
        .values(rows)
        .execute(conn)
        .await
        .map(|_| ())
}
