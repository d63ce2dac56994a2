//! Report writes (admins): a report with its categories.

use super::model::{
    Category, CategoryChanges, CategoryInput, NewCategory, Report, ReportChanges, ReportInput,
    ReportView,
};
use super::queries;
use crate::audit::commands::{record, snapshot};
use crate::audit::model::{Actor, Change};
use crate::db::schema::{categories, reports};
use crate::domain::Language;
use crate::error::ApiError;
use crate::events::commands::record as record_event;
use crate::events::model::{EventType, NewEvent, Represent};
use crate::translations::model::Subject;
use crate::translations::queries::has_translation;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    input: &ReportInput,
    represent: &dyn Represent,
) -> Result<Uuid, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let report: Report = diesel::insert_into(reports::table)
            .values(&input.report)
            .returning(Report::as_returning())
            .get_result(conn)
            .await
            .map_err(ApiError::conflict_as("a report with this slug exists"))?;
        let rows: Vec<NewCategory> = input
            .categories
            .iter()
            .enumerate()
            .map(|(i, (slug, name))| NewCategory {
                language: report.language,
                report_id: report.id,
                slug,
                name,
                position: i as i32,
            })
            .collect();
        diesel::insert_into(categories::table)
            .values(&rows)
            .execute(conn)
            .await?;
        record(
            conn,
            Some(actor),
            Change {
                action: "create_report",
                entity_type: "report",
                entity_id: report.id,
                before: None,
                after: snapshot(&(&report, &input.categories)),
            },
        )
        .await?;
        let view = queries::find(conn, report.id)
            .await?
            .ok_or_else(|| ApiError::not_found("report", report.id))?;
        let event = NewEvent {
            event_type: EventType::ReportCreated,
            report_id: Some(report.id),
            recommendation_id: None,
            data: represent.report(&view),
        };
        record_event(conn, Some(actor), event).await?;
        Ok(report.id)
    })
    .await
}

/// Applies `changes` when the report is still at `expected` version.
pub async fn update(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    expected: i32,
    changes: &ReportChanges,
    represent: &dyn Represent,
) -> Result<ReportView, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before: Report = reports::table
            .find(id)
            .select(Report::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| ApiError::not_found("report", id))?;
        if before.version != expected {
            return Err(ApiError::PreconditionFailed);
        }
        if let Some(language) = changes.language
            && has_translation(conn, Subject::Report, id, language).await?
        {
            return Err(ApiError::Conflict(Subject::Report.language_taken(language)));
        }
        let updated: Report = diesel::update(reports::table.find(id))
            .set((
                changes,
                reports::version.eq(reports::version + 1),
                reports::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Report::as_returning())
            .get_result(conn)
            .await
            .map_err(ApiError::conflict_as("a report with this slug exists"))?;
        record(
            conn,
            Some(actor),
            Change {
                action: "update_report",
                entity_type: "report",
                entity_id: id,
                before: snapshot(&before),
                after: snapshot(&updated),
            },
        )
        .await?;
        let view = queries::find(conn, id)
            .await?
            .ok_or_else(|| ApiError::not_found("report", id))?;
        let event = NewEvent {
            event_type: EventType::ReportUpdated,
            report_id: Some(id),
            recommendation_id: None,
            data: represent.report(&view),
        };
        record_event(conn, Some(actor), event).await?;
        Ok(view)
    })
    .await
}

/// Adds a category to a report; the report's version moves (its representation lists them).
pub async fn create_category(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    report_id: Uuid,
    input: &CategoryInput,
    represent: &dyn Represent,
) -> Result<(Category, i64), ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let report_language = lock_report(conn, report_id).await?;
        let position = match input.position {
            Some(p) => p,
            None => categories::table
                .filter(categories::report_id.eq(report_id))
                .select(diesel::dsl::max(categories::position))
                .first::<Option<i32>>(conn)
                .await?
                .map_or(0, |p| p.saturating_add(1)),
        };
        let category: Category = diesel::insert_into(categories::table)
            .values(NewCategory {
                language: input.language.unwrap_or(report_language),
                report_id,
                slug: &input.slug,
                name: &input.name,
                position,
            })
            .returning(Category::as_returning())
            .get_result(conn)
            .await
            .map_err(ApiError::conflict_as(
                "the report has a category with this slug",
            ))?;
        let change = Change {
            action: "create_category",
            entity_type: "category",
            entity_id: category.id,
            before: None,
            after: snapshot(&category),
        };
        report_changed(conn, actor, report_id, change, represent).await?;
        Ok((category, 0))
    })
    .await
}

/// Applies `changes` to a category still at `expected` version.
pub async fn update_category(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    expected: i32,
    changes: &CategoryChanges,
    represent: &dyn Represent,
) -> Result<(Category, i64), ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let report_id: Uuid = categories::table
            .find(id)
            .select(categories::report_id)
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| ApiError::not_found("category", id))?;
        lock_report(conn, report_id).await?;
        let before: Category = categories::table
            .find(id)
            .select(Category::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| ApiError::not_found("category", id))?;
        if before.version != expected {
            return Err(ApiError::PreconditionFailed);
        }
        if let Some(language) = changes.language
            && has_translation(conn, Subject::Category, id, language).await?
        {
            return Err(ApiError::Conflict(
                Subject::Category.language_taken(language),
            ));
        }
        let updated: Category = diesel::update(categories::table.find(id))
            .set((
                changes,
                categories::version.eq(categories::version + 1),
                categories::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Category::as_returning())
            .get_result(conn)
            .await
            .map_err(ApiError::conflict_as(
                "the report has a category with this slug",
            ))?;
        let count = queries::recommendation_count(conn, id).await?;
        let change = Change {
            action: "update_category",
            entity_type: "category",
            entity_id: id,
            before: snapshot(&before),
            after: snapshot(&updated),
        };
        report_changed(conn, actor, report_id, change, represent).await?;
        Ok((updated, count))
    })
    .await
}

/// Locks report `id` (404 when there is none); its original's language, which new
/// categories take.
pub async fn lock_report(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Language, ApiError> {
    reports::table
        .find(id)
        .select(reports::language)
        .for_update()
        .first::<Language>(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found("report", id))
}

/// After a change to a part of report `id`: its version moves, the change is audited, and a
/// `report.updated` event shows the report as it now is.
pub async fn report_changed(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    change: Change<'_>,
    represent: &dyn Represent,
) -> Result<(), ApiError> {
    diesel::update(reports::table.find(id))
        .set((
            reports::version.eq(reports::version + 1),
            reports::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    record(conn, Some(actor), change).await?;
    let view = queries::find(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("report", id))?;
    let event = NewEvent {
        event_type: EventType::ReportUpdated,
        report_id: Some(id),
        recommendation_id: None,
        data: represent.report(&view),
    };
    record_event(conn, Some(actor), event).await?;
    Ok(())
}
