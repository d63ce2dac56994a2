//! Report reads: the report, its categories, and recommendation counts per category.

use super::model::{Category, Report, ReportRef, ReportView};
use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::{categories, recommendations, reports};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use uuid::Uuid;

pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<ReportView>> {
    let mut query = reports::table
        .select(Report::as_select())
        .order((reports::created_at.asc(), reports::id.asc()))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            reports::created_at
                .gt(at)
                .or(reports::created_at.eq(at).and(reports::id.gt(id))),
        );
    }
    let rows = query.literal_limit(limit + 1).load(conn).await?;
    with_categories(conn, rows).await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ReportView>> {
    let row: Option<Report> = reports::table
        .find(id)
        .select(Report::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(with_categories(conn, row.into_iter().collect())
        .await?
        .pop())
}

/// The id of the report `reference` names, if there is one.
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    reference: &ReportRef,
) -> QueryResult<Option<Uuid>> {
    let query = reports::table.select(reports::id).into_boxed();
    let query = match reference {
        ReportRef::Id(id) => query.filter(reports::id.eq(*id)),
        ReportRef::Slug(slug) => query.filter(reports::slug.eq(slug.clone())),
    };
    query.first(conn).await.optional()
}

/// The id of the category with `slug` in a report.
pub async fn category_id(
    conn: &mut AsyncPgConnection,
    report_id: Uuid,
    slug: &str,
) -> QueryResult<Option<Uuid>> {
    categories::table
        .filter(categories::report_id.eq(report_id))
        .filter(categories::slug.eq(slug))
        .select(categories::id)
        .first(conn)
        .await
        .optional()
}

/// Categories and counts for all `reports` in two queries.
async fn with_categories(
    conn: &mut AsyncPgConnection,
    rows: Vec<Report>,
) -> QueryResult<Vec<ReportView>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let cats: Vec<Category> = categories::table
        .filter(categories::report_id.eq_any(&ids))
        .order((categories::position.asc(), categories::id.asc()))
        .select(Category::as_select())
        .load(conn)
        .await?;
    let counts: HashMap<Uuid, i64> = recommendations::table
        .filter(recommendations::report_id.eq_any(&ids))
        .group_by(recommendations::category_id)
        .select((recommendations::category_id, diesel::dsl::count_star()))
        .load::<(Uuid, i64)>(conn)
        .await?
        .into_iter()
        .collect();
    let mut by_report: HashMap<Uuid, Vec<(Category, i64)>> = HashMap::new();
    for c in cats {
        let n = counts.get(&c.id).copied().unwrap_or(0);
        by_report.entry(c.report_id).or_default().push((c, n));
    }
    Ok(rows
        .into_iter()
        .map(|report| ReportView {
            categories: by_report.remove(&report.id).unwrap_or_default(),
            report,
            shown: Default::default(),
            categories_shown: HashMap::new(),
        })
        .collect())
}

/// Whether the report of recommendation `recommendation_id` reviews closures (false for no
/// such recommendation). A share lock: the setting cannot change before the caller commits.
pub async fn reviews_closures(
    conn: &mut AsyncPgConnection,
    recommendation_id: Uuid,
) -> QueryResult<bool> {
    use crate::db::schema::recommendations;
    reports::table
        .inner_join(recommendations::table)
        .filter(recommendations::id.eq(recommendation_id))
        .select(reports::review_closures)
        .for_share()
        .first(conn)
        .await
        .optional()
        .map(|reviews| reviews.unwrap_or(false))
}

/// How many recommendations category `id` holds.
pub async fn recommendation_count(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<i64> {
    use crate::db::schema::recommendations;
    recommendations::table
        .filter(recommendations::category_id.eq(id))
        .count()
        .get_result(conn)
        .await
}
