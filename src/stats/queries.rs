//! The queries behind `/stats` (three, whatever the number of recommendations, plus a
//! fingerprint of the data) and `/timeline`.

use super::model::{
    DataVersion, GroupCount, MeanProgress, MilestoneCounts, SeriesCount, StatusOn, TimelineQuery,
    TimelineRow,
};
use crate::db::schema::milestone_tallies;
use crate::domain::Status;
use crate::recommendations::model::MilestoneTally;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// `$1` is the report (id or slug) or NULL for all.
const REPORT_FILTER: &str = "($1::text IS NULL OR rep.id::text = $1 OR rep.slug = $1)";

pub async fn group_counts(
    conn: &mut AsyncPgConnection,
    report: Option<&str>,
) -> QueryResult<Vec<GroupCount>> {
    diesel::sql_query(format!(
        "SELECT c.id AS category_id, c.slug AS category_slug, c.name AS category_name, \
           r.report_id, a.id AS agency_id, a.code AS agency_code, a.name AS agency_name, \
           a.country AS agency_country, r.status, count(*) AS n, max(r.updated_at) AS last_update \
         FROM recommendations r \
         JOIN reports rep ON rep.id = r.report_id \
         JOIN categories c ON c.id = r.category_id \
         LEFT JOIN agencies a ON a.id = r.lead_agency_id \
         WHERE {REPORT_FILTER} \
         GROUP BY c.id, c.slug, c.name, c.position, r.report_id, a.id, a.code, a.name, a.country, r.status \
         ORDER BY r.report_id, c.position, a.code NULLS LAST"
    ))
    .bind::<Nullable<Text>, _>(report)
    .load(conn)
    .await
}

pub async fn milestone_counts(
    conn: &mut AsyncPgConnection,
    report: Option<&str>,
    today: NaiveDate,
) -> QueryResult<MilestoneCounts> {
    diesel::sql_query(format!(
        "SELECT count(*) AS total, \
           count(*) FILTER (WHERE m.status = 'done') AS done, \
           count(*) FILTER (WHERE m.status IN ('planned', 'in_progress') AND m.due_on < $2) AS overdue, \
           count(*) FILTER (WHERE m.status IN ('planned', 'in_progress') \
                            AND m.due_on >= $2 AND m.due_on < $2 + 30) AS due_30, \
           count(*) FILTER (WHERE m.status IN ('planned', 'in_progress') \
                            AND m.due_on >= $2 AND m.due_on < $2 + 90) AS due_90 \
         FROM milestones m \
         JOIN recommendations r ON r.id = m.recommendation_id \
         JOIN reports rep ON rep.id = r.report_id \
         WHERE {REPORT_FILTER}"
    ))
    .bind::<Nullable<Text>, _>(report)
    .bind::<Date, _>(today)
    .get_result(conn)
    .await
}

/// The mean derived progress, computed in the database (one row back, whatever the size).
pub async fn mean_progress(conn: &mut AsyncPgConnection, report: Option<&str>) -> QueryResult<f64> {
    // The status defaults come from the Rust lifecycle, so the two never disagree.
    let defaults: String = Status::ALL
        .iter()
        .map(|s| format!("WHEN '{}' THEN {}", s.as_str(), s.default_progress()))
        .collect::<Vec<_>>()
        .join(" ");
    let row: MeanProgress = diesel::sql_query(format!(
        "SELECT COALESCE(AVG(CASE WHEN COALESCE(t.counted_weight, 0) > 0 \
             THEN (t.done_weight * 100 + t.counted_weight / 2) / t.counted_weight \
             ELSE CASE r.status {defaults} ELSE 0 END END), 0)::float8 AS progress \
         FROM recommendations r \
         JOIN reports rep ON rep.id = r.report_id \
         LEFT JOIN milestone_tallies t ON t.recommendation_id = r.id \
         WHERE {REPORT_FILTER}"
    ))
    .bind::<Nullable<Text>, _>(report)
    .get_result(conn)
    .await?;
    Ok(row.progress)
}

/// The cheap fingerprint that tells whether cached aggregates are still current. It runs on
/// every stats request, so it reads one index alone (`recommendations_report_position_idx`
/// carries the version); for all reports without the join to `reports` that `REPORT_FILTER`
/// needs (the planner keeps an inner join even when the filter is NULL).
pub async fn data_version(
    conn: &mut AsyncPgConnection,
    report: Option<&str>,
) -> QueryResult<DataVersion> {
    const TOTALS: &str = "SELECT count(*) AS recommendations, COALESCE(sum(r.version), 0)::bigint AS versions \
         FROM recommendations r";
    match report {
        None => diesel::sql_query(TOTALS).get_result(conn).await,
        Some(report) => {
            diesel::sql_query(format!(
                "{TOTALS} WHERE r.report_id IN \
                 (SELECT rep.id FROM reports rep WHERE rep.id::text = $1 OR rep.slug = $1)"
            ))
            .bind::<Text, _>(report)
            .get_result(conn)
            .await
        }
    }
}

const TIMELINE_SQL: &str = "\
SELECT * FROM ( \
  SELECT sc.effective_on AS on_date, 'status_change' AS kind, sc.id AS event_id, r.id AS rec_id, \
         r.report_id, rep.slug AS report_slug, r.category_id, r.code, r.title, \
         sc.from_status || ' -> ' || sc.to_status AS label, \
         sc.to_status AS to_status, NULL::text AS milestone_status \
    FROM status_changes sc JOIN recommendations r ON r.id = sc.recommendation_id \
    JOIN reports rep ON rep.id = r.report_id \
  UNION ALL \
  SELECT m.due_on, 'milestone_due', m.id, r.id, r.report_id, rep.slug, r.category_id, r.code, r.title, m.title, \
         NULL, m.status \
    FROM milestones m JOIN recommendations r ON r.id = m.recommendation_id \
    JOIN reports rep ON rep.id = r.report_id WHERE m.due_on IS NOT NULL \
  UNION ALL \
  SELECT m.completed_on, 'milestone_completed', m.id, r.id, r.report_id, rep.slug, r.category_id, r.code, r.title, \
         m.title, NULL, m.status \
    FROM milestones m JOIN recommendations r ON r.id = m.recommendation_id \
    JOIN reports rep ON rep.id = r.report_id WHERE m.completed_on IS NOT NULL \
) e \
WHERE e.on_date BETWEEN $1 AND $2 \
  AND ($3::text IS NULL OR e.report_id::text = $3 OR e.report_slug = $3) \
  AND ($4::date IS NULL OR (e.on_date, e.kind, e.event_id) > ($4, $5, $6)) \
  AND ($8::text IS NULL OR e.category_id IN \
       (SELECT c.id FROM categories c WHERE c.id::text = $8 OR c.slug = $8)) \
  AND (cardinality($9::text[]) = 0 OR e.kind = ANY($9)) \
ORDER BY e.on_date, e.kind, e.event_id \
LIMIT $7";

/// A page of timeline events in date order (`limit + 1` rows, so the caller can tell if more
/// exist).
pub async fn timeline(
    conn: &mut AsyncPgConnection,
    query: &TimelineQuery,
) -> QueryResult<Vec<TimelineRow>> {
    let (after_date, after_kind, after_id) = match query.after {
        Some((d, k, i)) => (Some(d), Some(k), Some(i)),
        None => (None, None, None),
    };
    let kinds: Vec<&str> = query.kinds.iter().map(|k| k.as_str()).collect();
    diesel::sql_query(TIMELINE_SQL)
        .bind::<Date, _>(query.from)
        .bind::<Date, _>(query.to)
        .bind::<Nullable<Text>, _>(query.report.as_deref())
        .bind::<Nullable<Date>, _>(after_date)
        .bind::<Nullable<Text>, _>(after_kind)
        .bind::<Nullable<SqlUuid>, _>(after_id)
        .bind::<BigInt, _>(query.limit + 1)
        .bind::<Nullable<Text>, _>(query.category.as_deref())
        .bind::<Array<Text>, _>(kinds)
        .load(conn)
        .await
}

/// The newest status change of `r` effective by the end of day `$DAY` (a lateral subquery).
const STATUS_ON: &str = "LEFT JOIN LATERAL (SELECT sc.to_status FROM status_changes sc \
     WHERE sc.recommendation_id = r.id AND sc.effective_on <= {day} \
     ORDER BY sc.effective_on DESC, sc.recorded_at DESC, sc.id DESC LIMIT 1) s ON true";

/// Whether `r` existed at the end of day `{day}`: created by then, or with a status change
/// effective by then (an imported history reaches back before its import).
const EXISTED_ON: &str = "(r.created_at < (({day} + 1)::timestamp AT TIME ZONE 'UTC') \
     OR s.to_status IS NOT NULL)";

/// Of recommendations `ids`, those that existed at the end of `day`, with their status then.
pub async fn statuses_on(
    conn: &mut AsyncPgConnection,
    ids: &[uuid::Uuid],
    day: NaiveDate,
) -> QueryResult<Vec<StatusOn>> {
    diesel::sql_query(format!(
        "SELECT r.id, s.to_status AS status FROM recommendations r {} \
         WHERE r.id = ANY($1) AND {}",
        STATUS_ON.replace("{day}", "$2"),
        EXISTED_ON.replace("{day}", "$2"),
    ))
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Date, _>(day)
    .load(conn)
    .await
}

/// Milestone counts of recommendations `ids` as they stood on `day` (done: completed by then).
pub async fn milestone_counts_for(
    conn: &mut AsyncPgConnection,
    ids: &[uuid::Uuid],
    day: NaiveDate,
) -> QueryResult<MilestoneCounts> {
    const OPEN: &str =
        "m.status <> 'cancelled' AND (m.completed_on IS NULL OR m.completed_on > $2)";
    diesel::sql_query(format!(
        "SELECT count(*) AS total, \
           count(*) FILTER (WHERE m.completed_on <= $2) AS done, \
           count(*) FILTER (WHERE {OPEN} AND m.due_on < $2) AS overdue, \
           count(*) FILTER (WHERE {OPEN} AND m.due_on >= $2 AND m.due_on < $2 + 30) AS due_30, \
           count(*) FILTER (WHERE {OPEN} AND m.due_on >= $2 AND m.due_on < $2 + 90) AS due_90 \
         FROM milestones m WHERE m.recommendation_id = ANY($1)"
    ))
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Date, _>(day)
    .get_result(conn)
    .await
}

/// The milestone weights of recommendations `ids`, for their progress.
pub async fn tallies_for(
    conn: &mut AsyncPgConnection,
    ids: &[uuid::Uuid],
) -> QueryResult<Vec<MilestoneTally>> {
    milestone_tallies::table
        .filter(milestone_tallies::recommendation_id.eq_any(ids))
        .select(MilestoneTally::as_select())
        .load(conn)
        .await
}

/// Counts by status at the end of each day of `ends`, for one report (id or slug) or all.
pub async fn series(
    conn: &mut AsyncPgConnection,
    report: Option<&str>,
    ends: &[NaiveDate],
) -> QueryResult<Vec<SeriesCount>> {
    diesel::sql_query(format!(
        "SELECT d.period_end, s.to_status AS status, count(*) AS n \
         FROM unnest($1::date[]) AS d(period_end) \
         CROSS JOIN recommendations r \
         JOIN reports rep ON rep.id = r.report_id {} \
         WHERE ($2::text IS NULL OR rep.id::text = $2 OR rep.slug = $2) AND {} \
         GROUP BY d.period_end, s.to_status ORDER BY d.period_end",
        STATUS_ON.replace("{day}", "d.period_end"),
        EXISTED_ON.replace("{day}", "d.period_end"),
    ))
    .bind::<Array<Date>, _>(ends)
    .bind::<Nullable<Text>, _>(report)
    .load(conn)
    .await
}
