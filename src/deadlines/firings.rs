//! One pass of the deadline scheduler in SQL: each occurrence due by `today` that has not
//! fired gets its `deadline_firings` row and its event in one transaction. The row's primary
//! key makes a second pass, or a second instance, fire nothing twice.

use crate::db::schema::{milestones, recommendations};
use crate::events::commands::record;
use crate::events::model::{EventType, NewEvent, Represent};
use crate::milestones::model::Milestone;
use crate::recommendations::model::listing::Embeds;
use crate::recommendations::queries as recommendation_queries;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Integer};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// How many of each kind fired.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Fired {
    pub due_soon: usize,
    pub overdue: usize,
    pub stale: usize,
}

/// Fires everything due by `today`; `represent` shapes the events' data.
pub async fn fire_due(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
    due_soon_days: u32,
    stale_after_days: u32,
    represent: &dyn Represent,
) -> QueryResult<Fired> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let due_soon = claim(conn, DUE_SOON, today, due_soon_days).await?;
        let overdue = claim(conn, OVERDUE, today, 0).await?;
        let stale = claim(conn, STALE, today, stale_after_days).await?;
        for (kind, ids) in [
            (EventType::MilestoneDueSoon, &due_soon),
            (EventType::MilestoneOverdue, &overdue),
        ] {
            milestone_events(conn, kind, ids, represent).await?;
        }
        for id in &stale {
            let Some(view) =
                recommendation_queries::find(conn, *id, Embeds::DETAIL_DEFAULT).await?
            else {
                continue;
            };
            let event = NewEvent {
                event_type: EventType::RecommendationStale,
                report_id: Some(view.recommendation.report_id),
                recommendation_id: Some(*id),
                data: represent.recommendation(&view),
            };
            record(conn, None, event).await?;
        }
        Ok(Fired {
            due_soon: due_soon.len(),
            overdue: overdue.len(),
            stale: stale.len(),
        })
    })
    .await
}

/// Milestones, still open, due within `$2` days from today (`$1`).
const DUE_SOON: &str = "INSERT INTO deadline_firings (kind, subject_id, occurrence, fired_on) \
     SELECT 'milestone.due_soon', m.id, m.due_on, $1 FROM milestones m \
     WHERE m.status IN ('planned', 'in_progress') AND m.due_on >= $1 AND m.due_on <= $1 + $2 \
     ON CONFLICT DO NOTHING RETURNING subject_id";

/// Milestones, still open, whose due date is before today (`$2` is unused).
const OVERDUE: &str = "INSERT INTO deadline_firings (kind, subject_id, occurrence, fired_on) \
     SELECT 'milestone.overdue', m.id, m.due_on, $1 FROM milestones m \
     WHERE m.status IN ('planned', 'in_progress') AND m.due_on < $1 AND $2 >= 0 \
     ON CONFLICT DO NOTHING RETURNING subject_id";

/// Open recommendations with no status change or check-in for more than `$2` days; the
/// occurrence is the day of the last activity, so a new check-in starts a new one.
const STALE: &str = "INSERT INTO deadline_firings (kind, subject_id, occurrence, fired_on) \
     SELECT 'recommendation.stale', r.id, \
       (COALESCE(GREATEST(r.status_changed_at, r.checked_in_at), r.created_at) AT TIME ZONE 'UTC')::date, $1 \
     FROM recommendations r \
     WHERE r.status NOT IN ('implemented', 'partially_implemented', 'not_implemented', 'superseded') \
       AND (COALESCE(GREATEST(r.status_changed_at, r.checked_in_at), r.created_at) AT TIME ZONE 'UTC')::date < $1 - $2 \
     ON CONFLICT DO NOTHING RETURNING subject_id";

#[derive(QueryableByName)]
struct Subject {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    subject_id: Uuid,
}

/// Runs one of the inserts above; the subjects that fired now, in a stable order.
async fn claim(
    conn: &mut AsyncPgConnection,
    statement: &str,
    today: NaiveDate,
    days: u32,
) -> QueryResult<Vec<Uuid>> {
    let mut ids: Vec<Uuid> = diesel::sql_query(statement)
        .bind::<Date, _>(today)
        .bind::<Integer, _>(i32::try_from(days).unwrap_or(i32::MAX))
        .load::<Subject>(conn)
        .await?
        .into_iter()
        .map(|s| s.subject_id)
        .collect();
    ids.sort();
    Ok(ids)
}

async fn milestone_events(
    conn: &mut AsyncPgConnection,
    kind: EventType,
    ids: &[Uuid],
    represent: &dyn Represent,
) -> QueryResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<(Milestone, Uuid)> = milestones::table
        .inner_join(recommendations::table)
        .filter(milestones::id.eq_any(ids))
        .order((milestones::due_sort.asc(), milestones::id.asc()))
        .select((Milestone::as_select(), recommendations::report_id))
        .load(conn)
        .await?;
    for (milestone, report_id) in rows {
        let event = NewEvent {
            event_type: kind,
            report_id: Some(report_id),
            recommendation_id: Some(milestone.recommendation_id),
            data: represent.milestone(&milestone),
        };
        record(conn, None, event).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MilestoneStatus, Status};

    #[test]
    fn the_stale_statement_leaves_out_exactly_the_closed_statuses() {
        let listed = STALE
            .split("NOT IN (")
            .nth(1)
            .and_then(|r| r.split(')').next());
        let listed = listed.expect("a NOT IN list");
        for status in Status::ALL {
            assert_eq!(
                listed.contains(&format!("'{status}'")),
                status.is_closed(),
                "{status}"
            );
        }
    }

    #[test]
    fn the_milestone_statements_name_the_open_statuses() {
        for statement in [DUE_SOON, OVERDUE] {
            for status in [MilestoneStatus::Planned, MilestoneStatus::InProgress] {
                assert!(statement.contains(&format!("'{status}'")));
            }
        }
    }
}
