//! The three queries behind `/stats`, whatever the number of recommendations.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Recommendations counted by category, lead agency and status.
#[derive(Debug, Clone, QueryableByName)]
pub struct GroupCount {
    #[diesel(sql_type = SqlUuid)]
    pub category_id: Uuid,
    #[diesel(sql_type = Text)]
    pub category_slug: String,
    #[diesel(sql_type = Text)]
    pub category_name: String,
    #[diesel(sql_type = SqlUuid)]
    pub report_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub agency_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub agency_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub agency_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub agency_country: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = Timestamptz)]
    pub last_update: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, Default, QueryableByName)]
pub struct MilestoneCounts {
    #[diesel(sql_type = BigInt)]
    pub total: i64,
    #[diesel(sql_type = BigInt)]
    pub done: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
    #[diesel(sql_type = BigInt)]
    pub due_30: i64,
    #[diesel(sql_type = BigInt)]
    pub due_90: i64,
}

#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct MeanProgress {
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub progress: f64,
}

/// What every aggregate depends on. Every committed write bumps a recommendation's version
/// (milestone writes bump their recommendation's), so the sum of versions moves with each
/// commit whatever its timestamp; deletions change the count.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct DataVersion {
    #[diesel(sql_type = BigInt)]
    pub recommendations: i64,
    #[diesel(sql_type = BigInt)]
    pub versions: i64,
}

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
    use crate::domain::Status;
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
