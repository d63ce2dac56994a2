//! Report writes (admins): a report with its categories.

use super::model::{NewCategory, Report, ReportChanges, ReportInput, ReportView};
use super::queries;
use crate::audit::commands::{record, snapshot};
use crate::audit::model::{Actor, Change};
use crate::db::schema::{categories, reports};
use crate::error::ApiError;
use crate::events::commands::record as record_event;
use crate::events::model::{EventType, NewEvent, Represent};
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
