//! Imports: compare a file with what is stored, then (unless a dry run) write the
//! difference in one transaction with one audit entry and one `report.imported` event per
//! report it changed. Unchanged rows are not touched: no version, audit or event.

mod plan;
mod write;

use super::model::{ImportBatch, ImportOutcome, KindCounts, ReportTarget, RowError};
use super::queries::{self, Locking};
use crate::audit::commands::record;
use crate::audit::model::{Actor, Change};
use crate::events::commands::record as record_event;
use crate::events::model::{EventType, NewEvent, Represent};
use crate::reports::queries as report_queries;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use plan::{Directory, ReportPlan, ReportPlanner};

/// Why an import wrote nothing.
#[derive(Debug)]
pub enum ImportFailure {
    /// The file's problems, every one of them.
    Rejected(Vec<RowError>),
    Api(crate::error::ApiError),
}

impl From<crate::error::ApiError> for ImportFailure {
    fn from(error: crate::error::ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<diesel::result::Error> for ImportFailure {
    fn from(error: diesel::result::Error) -> Self {
        Self::Api(error.into())
    }
}

/// Serialises imports across instances: two imports naming the same new agency or report
/// would otherwise race.
const IMPORT_LOCK_KEY: i64 = 0x1A9_0127;

pub async fn import(
    conn: &mut AsyncPgConnection,
    actor: Option<Actor<'_>>,
    batch: ImportBatch,
    dry_run: bool,
    represent: &dyn Represent,
) -> Result<ImportOutcome, ImportFailure> {
    conn.transaction::<_, ImportFailure, _>(async |conn| {
        let locking = if dry_run {
            Locking::None
        } else {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<diesel::sql_types::BigInt, _>(IMPORT_LOCK_KEY)
                .execute(conn)
                .await?;
            Locking::ForUpdate
        };
        let ImportBatch {
            format,
            agencies,
            agencies_by_name,
            reports,
            mut errors,
        } = batch;
        let mut directory = Directory::new(queries::directory(conn).await?);
        directory.define(agencies);
        let mut plans = Vec::with_capacity(reports.len());
        for report in reports {
            let (report_id, fields) = match report.target {
                ReportTarget::Described(fields) => (
                    queries::report_by_slug(conn, &fields.slug).await?,
                    Some(fields),
                ),
                ReportTarget::Existing(reference) => {
                    (report_queries::resolve(conn, &reference).await?, None)
                }
            };
            let current = match report_id {
                Some(id) => queries::current(conn, id, locking).await?,
                None => queries::Current::default(),
            };
            let mut planner = ReportPlanner {
                format,
                by_name: agencies_by_name,
                directory: &mut directory,
                errors: &mut errors,
                today: represent.today(),
            };
            plans.push(planner.plan(current, fields, report.categories, report.recommendations));
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.row.unwrap_or(0));
            return Err(ImportFailure::Rejected(errors));
        }
        let mut outcome = ImportOutcome {
            dry_run,
            ..ImportOutcome::default()
        };
        outcome.created.agencies = directory.new_agencies.len();
        outcome.unchanged.agencies = directory.unchanged;
        for plan in &plans {
            add(&mut outcome.created, &plan.created);
            add(&mut outcome.updated, &plan.updated);
            add(&mut outcome.unchanged, &plan.unchanged);
            outcome.reports.push((plan.id, plan.slug.clone()));
        }
        if dry_run {
            return Ok(outcome);
        }
        write::agencies(conn, &directory.new_agencies).await?;
        for plan in &plans {
            apply(conn, actor, plan, format.as_str(), represent).await?;
        }
        Ok(outcome)
    })
    .await
}

/// Rows an import writes before it settles the search index itself (a few hundred fit in the
/// pending list without changing any plan).
const SETTLE_SEARCH_INDEX_AFTER: usize = 1_000;

fn add(total: &mut KindCounts, more: &KindCounts) {
    total.reports += more.reports;
    total.categories += more.categories;
    total.recommendations += more.recommendations;
    total.milestones += more.milestones;
    total.agencies += more.agencies;
}

async fn apply(
    conn: &mut AsyncPgConnection,
    actor: Option<Actor<'_>>,
    plan: &ReportPlan,
    format: &str,
    represent: &dyn Represent,
) -> Result<(), ImportFailure> {
    if !plan.changes_anything() {
        return Ok(());
    }
    write::report(conn, plan).await.map_err(taken)?;
    write::recommendations(conn, plan.id, &plan.new_recommendations, true)
        .await
        .map_err(taken)?;
    write::recommendations(conn, plan.id, &plan.changed_recommendations, false)
        .await
        .map_err(taken)?;
    write::touch(conn, &plan.touched).await?;
    write::supporting(conn, &plan.supporting).await?;
    write::history(conn, actor.as_ref(), &plan.history, &plan.latest).await?;
    write::milestones(conn, &plan.new_milestones, true).await?;
    write::milestones(conn, &plan.changed_milestones, false).await?;
    write::translations(
        conn,
        actor.as_ref(),
        &plan.translations,
        &plan.removed_translations,
    )
    .await?;
    let rewritten = plan.new_recommendations.len()
        + plan.changed_recommendations.len()
        + plan.translations.len();
    if rewritten >= SETTLE_SEARCH_INDEX_AFTER {
        write::settle_search_index(conn).await?;
    }
    let summary = serde_json::json!({
        "format": format,
        "created": plan.created,
        "updated": plan.updated,
        "unchanged": plan.unchanged,
    });
    record(
        conn,
        actor,
        Change {
            action: "import_report",
            entity_type: "report",
            entity_id: plan.id,
            before: None,
            after: Some(summary),
        },
    )
    .await?;
    let view = report_queries::find(conn, plan.id)
        .await?
        .ok_or_else(|| crate::error::ApiError::not_found("report", plan.id))?;
    let data = serde_json::json!({
        "report": represent.report(&view),
        "created": plan.created,
        "updated": plan.updated,
        "unchanged": plan.unchanged,
        "created_codes": plan.created_codes,
        "updated_codes": plan.updated_codes,
    });
    let event = NewEvent {
        event_type: EventType::ReportImported,
        report_id: Some(plan.id),
        recommendation_id: None,
        data,
    };
    record_event(conn, actor, event).await?;
    Ok(())
}

/// A unique key taken between the plan and the write: someone changed the report meanwhile.
fn taken(error: diesel::result::Error) -> crate::error::ApiError {
    crate::error::ApiError::conflict_as(
        "the report changed while the file was imported (a slug, code or external_id is now \
         taken); import it again",
    )(error)
}
