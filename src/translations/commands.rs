//! Translation writes (admins). A translation is part of its subject's representation, so
//! writing one is a new version of the subject, audited and announced like any other edit:
//! `recommendation.updated` (with the change), `report.updated` (for a report or one of its
//! categories) or `agency.updated`. Whatever embeds the subject's text moves version too: a
//! category's recommendations and an agency's recommendations.

use super::model::{Subject, Translation, TranslationInput};
use super::queries;
use crate::agencies::commands::{agency_event, bump_recommendations_of};
use crate::audit::commands::{record, snapshot};
use crate::audit::model::{Actor, Change};
use crate::db::schema::{categories, recommendations};
use crate::domain::Language;
use crate::error::ApiError;
use crate::events::model::{EventType, Represent};
use crate::recommendations::commands::{event as recommendation_event, recorded_view};
use crate::recommendations::model::listing::Embeds;
use crate::reports::commands::{lock_report, report_changed};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

/// What a write is: a translation to put, or the removal of one.
#[derive(Debug, Clone, Copy)]
pub enum Write<'a> {
    Put(&'a TranslationInput),
    Delete,
}

/// What a write did: the translation now stored (none after a removal), whether it is new,
/// and the subject's new version.
#[derive(Debug)]
pub struct Written {
    pub translation: Option<Translation>,
    pub created: bool,
    pub version: i32,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(sql_type = Text)]
    language: Language,
}

/// Puts or removes the `language` translation of `subject` `id`, which must still be at
/// `expected` version; 404 when there is no such subject (or, to remove, no translation).
#[allow(clippy::too_many_arguments)]
pub async fn write(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    subject: Subject,
    id: Uuid,
    language: Language,
    expected: i32,
    change: Write<'_>,
    represent: &dyn Represent,
) -> Result<Written, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        // A category's report first: the order every writer of a report's parts locks in.
        let report_of_category = match subject {
            Subject::Category => {
                let report_id: Uuid = categories::table
                    .find(id)
                    .select(categories::report_id)
                    .first(conn)
                    .await
                    .optional()?
                    .ok_or_else(|| ApiError::not_found(subject.name(), id))?;
                lock_report(conn, report_id).await?;
                Some(report_id)
            }
            _ => None,
        };
        let locked: Locked = diesel::sql_query(format!(
            "SELECT version, language FROM {} WHERE id = $1 FOR UPDATE",
            subject.parent_table()
        ))
        .bind::<SqlUuid, _>(id)
        .get_result(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found(subject.name(), id))?;
        if locked.version != expected {
            return Err(ApiError::PreconditionFailed);
        }
        if locked.language == language {
            return Err(ApiError::invalid(
                "lang",
                format!(
                    "the original is in {language}: change the {} itself",
                    subject.name()
                ),
            ));
        }
        let before = queries::find(conn, subject, id, language).await?;
        let after = match change {
            Write::Put(input) => Some(upsert(conn, actor, subject, id, language, input).await?),
            Write::Delete => {
                if before.is_none() {
                    return Err(ApiError::not_found(
                        "translation",
                        format!("{language} of {} {id}", subject.name()),
                    ));
                }
                diesel::sql_query(format!(
                    "DELETE FROM {} WHERE subject_id = $1 AND language = $2",
                    subject.table()
                ))
                .bind::<SqlUuid, _>(id)
                .bind::<Text, _>(language.as_str())
                .execute(conn)
                .await?;
                None
            }
        };
        let audit = Change {
            action: match change {
                Write::Put(_) => "put_translation",
                Write::Delete => "delete_translation",
            },
            entity_type: subject.name(),
            entity_id: id,
            before: snapshot(&before),
            after: snapshot(&after),
        };
        let version = bump(conn, subject, id).await?;
        match subject {
            Subject::Report => report_changed(conn, actor, id, audit, represent).await?,
            Subject::Category => {
                bump_recommendations_in_category(conn, id).await?;
                let report_id = report_of_category.unwrap_or_default();
                report_changed(conn, actor, report_id, audit, represent).await?;
            }
            Subject::Agency => {
                bump_recommendations_of(conn, id).await?;
                record(conn, Some(actor), audit).await?;
                let agency = crate::agencies::queries::find(conn, id)
                    .await?
                    .ok_or_else(|| ApiError::not_found(subject.name(), id))?;
                agency_event(conn, actor, EventType::AgencyUpdated, &agency, represent).await?;
            }
            Subject::Recommendation => {
                let field = format!("translations.{language}");
                let described = |t: &Option<Translation>| {
                    t.as_ref()
                        .map(|t| json!({"title": t.title, "text": t.body}))
                };
                let changes = json!({field: {"from": described(&before), "to": described(&after)}});
                recorded_view(conn, actor, audit, Embeds::DETAIL_DEFAULT, |view| {
                    let data = represent.recommendation_update(view, changes, None);
                    recommendation_event(EventType::RecommendationUpdated, view, data)
                })
                .await?;
            }
        }
        Ok(Written {
            created: before.is_none() && after.is_some(),
            translation: after,
            version,
        })
    })
    .await
}

async fn upsert(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    subject: Subject,
    id: Uuid,
    language: Language,
    input: &TranslationInput,
) -> QueryResult<Translation> {
    diesel::sql_query(format!(
        "INSERT INTO {} AS t (subject_id, language, title, body, machine_translated, \
         author_id, author_email) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (subject_id, language) DO UPDATE SET title = EXCLUDED.title, \
         body = EXCLUDED.body, machine_translated = EXCLUDED.machine_translated, \
         author_id = EXCLUDED.author_id, author_email = EXCLUDED.author_email, \
         updated_at = now() \
         RETURNING subject_id, language, title, body, machine_translated, author_email, \
         created_at, updated_at",
        subject.table()
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(language.as_str())
    .bind::<Text, _>(&input.title)
    .bind::<Text, _>(&input.body)
    .bind::<Bool, _>(input.machine_translated)
    .bind::<Nullable<SqlUuid>, _>(Some(actor.id))
    .bind::<Nullable<Text>, _>(Some(actor.email))
    .get_result(conn)
    .await
}

#[derive(QueryableByName)]
struct Bumped {
    #[diesel(sql_type = Integer)]
    version: i32,
}

/// The subject's next version. A report's own is moved by `report_changed`: its next.
async fn bump(conn: &mut AsyncPgConnection, subject: Subject, id: Uuid) -> QueryResult<i32> {
    if subject == Subject::Report {
        let row: Bumped =
            diesel::sql_query("SELECT version + 1 AS version FROM reports WHERE id = $1")
                .bind::<SqlUuid, _>(id)
                .get_result(conn)
                .await?;
        return Ok(row.version);
    }
    let row: Bumped = diesel::sql_query(format!(
        "UPDATE {} SET version = version + 1, updated_at = now() WHERE id = $1 RETURNING version",
        subject.parent_table()
    ))
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await?;
    Ok(row.version)
}

/// Recommendations embed their category's name: a new name is a new version of each.
async fn bump_recommendations_in_category(
    conn: &mut AsyncPgConnection,
    category: Uuid,
) -> QueryResult<()> {
    diesel::update(recommendations::table.filter(recommendations::category_id.eq(category)))
        .set((
            recommendations::version.eq(recommendations::version + 1),
            recommendations::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}
