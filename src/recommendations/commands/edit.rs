//! A PATCH: owners, priority, target date, and (admins) wording and category.

use super::{RESOURCE, event, existing_category, lock_at_version, recorded_view};
use crate::agencies::commands::ensure_exist as ensure_agencies_exist;
use crate::audit::commands::snapshot;
use crate::audit::model::{Actor, Change};
use crate::db::schema::{recommendation_agencies, recommendations};
use crate::domain::Language;
use crate::domain::Reach;
use crate::domain::{AgencyRole, Priority};
use crate::error::ApiError;
use crate::events::model::{EventType, Represent};
use crate::recommendations::model::listing::Embeds;
use crate::recommendations::model::{Recommendation, RecommendationChanges, RecommendationView};
use crate::recommendations::queries;
use crate::translations::model::Subject;
use crate::translations::queries::has_translation;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(AsChangeset)]
#[diesel(table_name = recommendations)]
struct RecommendationChangeset<'a> {
    lead_agency_id: Option<Option<Uuid>>,
    priority: Option<Option<Priority>>,
    target_on: Option<Option<NaiveDate>>,
    title: Option<&'a str>,
    body: Option<&'a str>,
    category_id: Option<Uuid>,
    external_id: Option<Option<&'a str>>,
    language: Option<Language>,
}

/// Applies a PATCH in one transaction: fields, supporting set, version bump, audit.
pub async fn update(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    expected: i32,
    changes: &RecommendationChanges,
    embeds: Embeds,
    represent: &dyn Represent,
) -> Result<RecommendationView, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current = lock_at_version(conn, &actor, Reach::Lead, id, expected).await?;
        if let Some(language) = changes.language
            && has_translation(conn, Subject::Recommendation, id, language).await?
        {
            return Err(ApiError::Conflict(
                Subject::Recommendation.language_taken(language),
            ));
        }
        let before = queries::find(conn, id, Embeds::SUPPORTING)
            .await?
            .ok_or_else(|| ApiError::not_found(RESOURCE, id))?;
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
            external_id: changes.external_id.as_ref().map(|e| e.as_deref()),
            language: changes.language,
        };
        let updated: Recommendation = diesel::update(recommendations::table.find(id))
            .set((
                changeset,
                recommendations::version.eq(recommendations::version + 1),
                recommendations::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Recommendation::as_returning())
            .get_result(conn)
            .await
            .map_err(ApiError::conflict_as(
                "another recommendation of the report has this external_id",
            ))?;
        let after_supporting = supporting_of(conn, id).await?;
        recorded_view(
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
            |view| {
                let changed = view.changes_since(&before);
                let data =
                    represent.recommendation_update(view, changed, changes.reason.as_deref());
                event(EventType::RecommendationUpdated, view, data)
            },
        )
        .await
    })
    .await
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
