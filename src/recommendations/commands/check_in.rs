//! A check-in: a dated progress note, and perhaps a new health, without a status change.

use super::{RESOURCE, event, lock_at_version, recorded_view};
use crate::audit::commands::snapshot;
use crate::audit::model::{Actor, Change};
use crate::db::schema::{check_ins, recommendations};
use crate::domain::Health;
use crate::domain::Reach;
use crate::error::ApiError;
use crate::events::model::{EventType, Represent};
use crate::recommendations::model::listing::Embeds;
use crate::recommendations::model::{CheckIn, CheckInInput, Recommendation, RecommendationView};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::future::try_join;
use uuid::Uuid;

#[derive(Insertable)]
#[diesel(table_name = check_ins, treat_none_as_default_value = false)]
struct NewCheckIn<'a> {
    recommendation_id: Uuid,
    note: &'a str,
    health: Option<Health>,
    evidence_urls: &'a [String],
    as_of: NaiveDate,
    actor_id: Option<Uuid>,
    actor_email: Option<&'a str>,
}

/// Posts a check-in: the note is kept, the health (when given) replaces the current one, and
/// the recommendation is no longer stale. A new version of the recommendation.
pub async fn check_in(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    expected: i32,
    input: &CheckInInput,
    embeds: Embeds,
    represent: &dyn Represent,
) -> Result<(CheckIn, RecommendationView), ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current = lock_at_version(conn, &actor, Reach::LeadOrSupport, id, expected).await?;
        if input.health.is_some() && !current.status.takes_health() {
            return Err(ApiError::invalid(
                "/health",
                format!(
                    "a {} recommendation takes no health; only not_started, in_progress and \
                     stalled do",
                    current.status
                ),
            ));
        }
        let health = input.health.or(current.health);
        let (mut for_note, mut for_update): (&AsyncPgConnection, &AsyncPgConnection) = (conn, conn);
        let (check_in, updated): (CheckIn, Recommendation) = try_join(
            diesel::insert_into(check_ins::table)
                .values(NewCheckIn {
                    recommendation_id: id,
                    note: &input.note,
                    health: input.health,
                    evidence_urls: &input.evidence_urls,
                    as_of: input.as_of,
                    actor_id: Some(actor.id),
                    actor_email: Some(actor.email),
                })
                .returning(CheckIn::as_returning())
                .get_result(&mut for_note),
            diesel::update(recommendations::table.find(id))
                .set((
                    recommendations::health.eq(health),
                    recommendations::checked_in_at.eq(diesel::dsl::now),
                    recommendations::version.eq(recommendations::version + 1),
                    recommendations::updated_at.eq(diesel::dsl::now),
                ))
                .returning(Recommendation::as_returning())
                .get_result(&mut for_update),
        )
        .await?;
        let view = recorded_view(
            conn,
            actor,
            Change {
                action: "check_in",
                entity_type: RESOURCE,
                entity_id: id,
                before: snapshot(&current),
                after: snapshot(&(&updated, &check_in)),
            },
            embeds,
            |view| {
                let data = represent.check_in(view, &check_in);
                event(EventType::RecommendationCheckedIn, view, data)
            },
        )
        .await?;
        Ok((check_in, view))
    })
    .await
}
