//! Recommendation reads: a page or one row, then a fixed number of queries for the embeds.

use super::model::{Milestone, MilestoneTally, Recommendation, RecommendationAgency, StatusChange};
use crate::agencies::model::Agency;
use crate::db::schema::{
    agencies, categories, milestones, recommendation_agencies, recommendations, reports,
    status_changes,
};
use crate::domain::Status;
use crate::reports::model::Category;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// Position in the default order (report creation, then report order): the keyset cursor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReportOrderKey(pub DateTime<Utc>, pub Uuid, pub i32, pub Uuid);

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct RecommendationFilter {
    pub report_id: Option<Uuid>,
    pub category_slug: Option<String>,
    pub statuses: Vec<Status>,
    pub after: Option<ReportOrderKey>,
    pub limit: i64,
}

/// A recommendation with everything its representation embeds.
#[derive(Debug, Clone)]
pub struct RecommendationView {
    pub recommendation: Recommendation,
    pub category: Category,
    pub lead_agency: Option<Agency>,
    pub supporting: Vec<(RecommendationAgency, Agency)>,
    pub tally: MilestoneTally,
    pub milestones: Option<Vec<Milestone>>,
    pub latest_change: Option<StatusChange>,
    pub report_created_at: DateTime<Utc>,
}

impl RecommendationView {
    pub fn order_key(&self) -> ReportOrderKey {
        let r = &self.recommendation;
        ReportOrderKey(self.report_created_at, r.report_id, r.position, r.id)
    }
}

type BaseRow = (Recommendation, Category, Option<Agency>, DateTime<Utc>);

/// One page in report order (`limit + 1` rows, so the caller can tell whether more exist).
#[tracing::instrument(skip(conn))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &RecommendationFilter,
    today: NaiveDate,
) -> QueryResult<Vec<RecommendationView>> {
    let mut query = recommendations::table
        .inner_join(reports::table)
        .inner_join(categories::table)
        .left_join(agencies::table)
        .select((
            Recommendation::as_select(),
            Category::as_select(),
            agencies::all_columns.nullable(),
            reports::created_at,
        ))
        .order((
            reports::created_at.asc(),
            recommendations::report_id.asc(),
            recommendations::position.asc(),
            recommendations::id.asc(),
        ))
        .limit(filter.limit + 1)
        .into_boxed();
    if let Some(report_id) = filter.report_id {
        query = query.filter(recommendations::report_id.eq(report_id));
    }
    if let Some(slug) = &filter.category_slug {
        query = query.filter(categories::slug.eq(slug));
    }
    if !filter.statuses.is_empty() {
        query = query.filter(recommendations::status.eq_any(filter.statuses.clone()));
    }
    if let Some(ReportOrderKey(created, report_id, position, id)) = &filter.after {
        query = query.filter(
            sql::<Bool>("(reports.created_at, recommendations.report_id, recommendations.position, recommendations.id) > (")
                .bind::<Timestamptz, _>(*created)
                .sql(", ")
                .bind::<diesel::sql_types::Uuid, _>(*report_id)
                .sql(", ")
                .bind::<Integer, _>(*position)
                .sql(", ")
                .bind::<diesel::sql_types::Uuid, _>(*id)
                .sql(")"),
        );
    }
    let rows: Vec<BaseRow> = query.load(conn).await?;
    embed(conn, rows, false, today).await
}

/// One recommendation with milestones and its latest status change.
#[tracing::instrument(skip(conn))]
pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    today: NaiveDate,
) -> QueryResult<Option<RecommendationView>> {
    let row: Option<BaseRow> = recommendations::table
        .inner_join(reports::table)
        .inner_join(categories::table)
        .left_join(agencies::table)
        .filter(recommendations::id.eq(id))
        .select((
            Recommendation::as_select(),
            Category::as_select(),
            agencies::all_columns.nullable(),
            reports::created_at,
        ))
        .first(conn)
        .await
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    Ok(embed(conn, vec![row], true, today).await?.pop())
}

/// Adds supporting agencies and milestone tallies (and, for details, milestones and the
/// latest status change) with one query each, whatever the number of rows.
async fn embed(
    conn: &mut AsyncPgConnection,
    rows: Vec<BaseRow>,
    details: bool,
    today: NaiveDate,
) -> QueryResult<Vec<RecommendationView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0.id).collect();
    let mut supporting =
        group_by_recommendation(supporting_agencies(conn, &ids).await?, |(link, _)| {
            link.recommendation_id
        });
    let mut tallies: HashMap<Uuid, MilestoneTally> = milestone_tallies(conn, &ids, today)
        .await?
        .into_iter()
        .map(|t| (t.recommendation_id, t))
        .collect();
    let (mut milestone_map, mut latest_map) = if details {
        let ms =
            group_by_recommendation(load_milestones(conn, &ids).await?, |m| m.recommendation_id);
        let latest = latest_changes(conn, &ids)
            .await?
            .into_iter()
            .map(|c| (c.recommendation_id, c))
            .collect::<HashMap<_, _>>();
        (Some(ms), latest)
    } else {
        (None, HashMap::new())
    };
    Ok(rows
        .into_iter()
        .map(
            |(recommendation, category, lead_agency, report_created_at)| {
                let id = recommendation.id;
                RecommendationView {
                    supporting: supporting.remove(&id).unwrap_or_default(),
                    tally: tallies.remove(&id).unwrap_or_default(),
                    milestones: milestone_map
                        .as_mut()
                        .map(|m| m.remove(&id).unwrap_or_default()),
                    latest_change: latest_map.remove(&id),
                    recommendation,
                    category,
                    lead_agency,
                    report_created_at,
                }
            },
        )
        .collect())
}

fn group_by_recommendation<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut map: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

async fn supporting_agencies(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<(RecommendationAgency, Agency)>> {
    recommendation_agencies::table
        .inner_join(agencies::table)
        .filter(recommendation_agencies::recommendation_id.eq_any(ids))
        .order((recommendation_agencies::role.asc(), agencies::code.asc()))
        .select((RecommendationAgency::as_select(), Agency::as_select()))
        .load(conn)
        .await
}

async fn milestone_tallies(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    today: NaiveDate,
) -> QueryResult<Vec<MilestoneTally>> {
    diesel::sql_query(
        "SELECT recommendation_id, \
           COALESCE(SUM(weight) FILTER (WHERE status = 'done'), 0)::bigint AS done_weight, \
           COALESCE(SUM(weight) FILTER (WHERE status <> 'cancelled'), 0)::bigint AS counted_weight, \
           COUNT(*) AS total, \
           COUNT(*) FILTER (WHERE due_on < $2 AND status NOT IN ('done', 'cancelled')) AS overdue \
         FROM milestones WHERE recommendation_id = ANY($1) GROUP BY recommendation_id",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(ids)
    .bind::<diesel::sql_types::Date, _>(today)
    .load(conn)
    .await
}

async fn load_milestones(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<Milestone>> {
    milestones::table
        .filter(milestones::recommendation_id.eq_any(ids))
        .order((milestones::position.asc(), milestones::id.asc()))
        .select(Milestone::as_select())
        .load(conn)
        .await
}

/// The newest status change of each recommendation in `ids`.
async fn latest_changes(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<StatusChange>> {
    status_changes::table
        .filter(status_changes::recommendation_id.eq_any(ids))
        .distinct_on(status_changes::recommendation_id)
        .order((
            status_changes::recommendation_id.asc(),
            status_changes::recorded_at.desc(),
            status_changes::id.desc(),
        ))
        .select(StatusChange::as_select())
        .load(conn)
        .await
}

/// The current status alone (for the transitions endpoint).
pub async fn status_of(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Status>> {
    recommendations::table
        .find(id)
        .select(recommendations::status)
        .first(conn)
        .await
        .optional()
}
