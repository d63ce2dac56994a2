//! Recommendation reads: a page or one row, then a fixed number of queries for the embeds.

use super::dto::{CategorySummary, SupportingAgency};
use super::listing::{
    AgencyRef, Cursor, Embeds, Filters, NO_TARGET, ReportRef, Sort, SortField, status_rank,
};
use super::model::{Milestone, MilestoneTally, Recommendation, StatusChange};
use crate::agencies::dto::AgencySummary;
use crate::db::cached_sql::{BindDsl, sql};
use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::{
    agencies, categories, milestone_tallies, milestones, recommendation_agencies, recommendations,
    reports, status_changes,
};
use crate::domain::{AgencyRole, MilestoneStatus, Status};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_dsl::methods;

use diesel::sql_types::{Bool, Float, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::future::{try_join, try_join5};
use std::collections::HashMap;
use uuid::Uuid;

/// Only the columns the representation shows are read from the joined tables.
type BaseRow = (Recommendation, CategorySummary, Option<AgencySummary>);

/// A recommendation with everything its representation embeds.
#[derive(Debug, Clone)]
pub struct RecommendationView {
    pub recommendation: Recommendation,
    pub category: CategorySummary,
    pub lead_agency: Option<AgencySummary>,
    pub supporting: Option<Vec<SupportingAgency>>,
    pub tally: MilestoneTally,
    pub milestones: Option<Vec<Milestone>>,
    /// `None`: not embedded; `Some(None)`: embedded, but there is no change yet.
    pub latest_change: Option<Option<StatusChange>>,
    pub history: Option<Vec<StatusChange>>,
}

impl RecommendationView {
    /// The cursor after this row for `sort` (`rank`: its full-text rank, for relevance).
    pub fn cursor(&self, field: SortField, rank: f32) -> Cursor {
        let r = &self.recommendation;
        let (seq, p, i) = (r.report_seq, r.position, r.id);
        match field {
            SortField::Code => Cursor::Code { r: seq, p, i },
            SortField::UpdatedAt => Cursor::UpdatedAt { u: r.updated_at, i },
            SortField::Status => Cursor::Status {
                k: status_rank(r.status),
                r: seq,
                p,
                i,
            },
            SortField::TargetOn => Cursor::TargetOn {
                t: r.target_on.unwrap_or(NO_TARGET),
                r: seq,
                p,
                i,
            },
            SortField::Relevance => Cursor::Relevance { w: rank, i },
        }
    }
}

/// `AgencySummary`'s columns: a left-joined `Selectable` cannot be made nullable.
type LeadAgencyColumns = (
    agencies::id,
    agencies::code,
    agencies::name,
    agencies::country,
);
const LEAD_AGENCY_COLUMNS: LeadAgencyColumns = (
    agencies::id,
    agencies::code,
    agencies::name,
    agencies::country,
);

type BoxedList<'a> = diesel::dsl::IntoBoxed<
    'a,
    diesel::dsl::Select<
        diesel::dsl::LeftJoin<
            diesel::dsl::InnerJoin<recommendations::table, categories::table>,
            agencies::table,
        >,
        (
            diesel::dsl::AsSelect<Recommendation, Pg>,
            diesel::dsl::AsSelect<CategorySummary, Pg>,
            diesel::dsl::Nullable<LeadAgencyColumns>,
        ),
    >,
    Pg,
>;

fn base_query<'a>() -> BoxedList<'a> {
    recommendations::table
        .inner_join(categories::table)
        .left_join(agencies::table)
        .select((
            Recommendation::as_select(),
            CategorySummary::as_select(),
            LEAD_AGENCY_COLUMNS.nullable(),
        ))
        .into_boxed()
}

/// A page of recommendations (`limit + 1` rows, so the caller can tell whether more exist).
pub struct Page {
    pub views: Vec<RecommendationView>,
    /// In relevance order with more rows to come: the full-text rank of the page's last row,
    /// which the next cursor holds. Zero otherwise.
    pub last_rank: f32,
}

#[tracing::instrument(skip(conn))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    filters: &Filters,
    sort: Sort,
    after: Option<&Cursor>,
    limit: i64,
    embeds: Embeds,
    today: NaiveDate,
) -> QueryResult<Page> {
    let mut query = apply_filters(base_query(), filters, today);
    let q = filters.q.clone().unwrap_or_default();
    query = apply_order(query, sort, &q);
    if let Some(cursor) = after {
        query = apply_cursor(query, sort, cursor, &q);
    }
    let rows: Vec<BaseRow> = query.literal_limit(limit + 1).load(conn).await?;
    let last_on_page = match (&filters.q, sort.field) {
        (Some(q), SortField::Relevance) if rows.len() as i64 > limit => usize::try_from(limit - 1)
            .ok()
            .and_then(|last| rows.get(last))
            .map(|row| (row.0.id, q.as_str())),
        _ => None,
    };
    // The rank for the cursor goes out in the same pipeline as the embeds.
    let shared: &AsyncPgConnection = conn;
    let (views, last_rank) = try_join(embed(shared, rows, embeds), async {
        match last_on_page {
            Some((id, q)) => rank_of(shared, id, q).await,
            None => Ok(0.0),
        }
    })
    .await?;
    Ok(Page { views, last_rank })
}

/// The search as a subquery that runs once per statement. In a generic plan, a function of a
/// parameter is not folded into a constant: a bare `websearch_to_tsquery('english', $1)` is
/// parsed again for every row ranked.
const TSQUERY_OPEN: &str = "(SELECT websearch_to_tsquery('english', ";
const TSQUERY_CLOSE: &str = "))";

/// ORDER BY in the query DSL (a cacheable prepared statement), except for relevance.
fn apply_order<'a>(query: BoxedList<'a>, sort: Sort, q: &str) -> BoxedList<'a> {
    use recommendations as r;
    match (sort.field, sort.descending) {
        (SortField::Code, false) => {
            query.order_by((r::report_seq.asc(), r::position.asc(), r::id.asc()))
        }
        (SortField::Code, true) => {
            query.order_by((r::report_seq.desc(), r::position.desc(), r::id.desc()))
        }
        (SortField::UpdatedAt, false) => query.order_by((r::updated_at.asc(), r::id.asc())),
        (SortField::UpdatedAt, true) => query.order_by((r::updated_at.desc(), r::id.desc())),
        (SortField::Status, false) => query.order_by((
            r::status_rank.asc(),
            r::report_seq.asc(),
            r::position.asc(),
            r::id.asc(),
        )),
        (SortField::Status, true) => query.order_by((
            r::status_rank.desc(),
            r::report_seq.desc(),
            r::position.desc(),
            r::id.desc(),
        )),
        (SortField::TargetOn, false) => query.order_by((
            r::target_sort.asc(),
            r::report_seq.asc(),
            r::position.asc(),
            r::id.asc(),
        )),
        (SortField::TargetOn, true) => query.order_by((
            r::target_sort.desc(),
            r::report_seq.desc(),
            r::position.desc(),
            r::id.desc(),
        )),
        (SortField::Relevance, descending) => {
            let dir = if descending { "DESC" } else { "ASC" };
            query.order_by(
                sql::<Float>(&format!("ts_rank(recommendations.search, {TSQUERY_OPEN}"))
                    .bind::<Text, _>(q.to_owned())
                    .sql(&format!("{TSQUERY_CLOSE}) {dir}, recommendations.id {dir}")),
            )
        }
    }
}

/// The lexicographic "after the cursor" condition on the sort key, with `gt`/`ge` or
/// `lt`/`le`. The leading column is also bounded on its own, so the index range starts at the
/// cursor instead of the OR chain being checked row by row.
macro_rules! keyset {
    ($query:expr, $cursor:expr, $cmp:ident, $cmp_eq:ident) => {{
        use recommendations as r;
        match $cursor {
            Cursor::Code { r: seq, p, i } => $query.filter(r::report_seq.$cmp_eq(seq)).filter(
                r::report_seq.$cmp(seq).or(r::report_seq
                    .eq(seq)
                    .and(r::position.$cmp(p).or(r::position.eq(p).and(r::id.$cmp(i))))),
            ),
            Cursor::UpdatedAt { u, i } => $query.filter(r::updated_at.$cmp_eq(u)).filter(
                r::updated_at
                    .$cmp(u)
                    .or(r::updated_at.eq(u).and(r::id.$cmp(i))),
            ),
            Cursor::Status { k, r: seq, p, i } => $query.filter(r::status_rank.$cmp_eq(k)).filter(
                r::status_rank.$cmp(k).or(r::status_rank.eq(k).and(
                    r::report_seq.$cmp(seq).or(r::report_seq
                        .eq(seq)
                        .and(r::position.$cmp(p).or(r::position.eq(p).and(r::id.$cmp(i))))),
                )),
            ),
            Cursor::TargetOn { t, r: seq, p, i } => {
                $query.filter(r::target_sort.$cmp_eq(t)).filter(
                    r::target_sort.$cmp(t).or(r::target_sort.eq(t).and(
                        r::report_seq.$cmp(seq).or(r::report_seq
                            .eq(seq)
                            .and(r::position.$cmp(p).or(r::position.eq(p).and(r::id.$cmp(i))))),
                    )),
                )
            }
            Cursor::Relevance { .. } => $query,
        }
    }};
}

/// Rows strictly after the cursor in the sort's order.
fn apply_cursor<'a>(query: BoxedList<'a>, sort: Sort, cursor: &Cursor, q: &str) -> BoxedList<'a> {
    if let Cursor::Relevance { w, i } = cursor {
        return query.filter(
            sql::<Bool>(&format!("(ts_rank(recommendations.search, {TSQUERY_OPEN}"))
                .bind::<Text, _>(q.to_owned())
                .sql(&format!(
                    "{TSQUERY_CLOSE}), recommendations.id) {} (",
                    if sort.descending { "<" } else { ">" }
                ))
                .bind::<Float, _>(*w)
                .sql("::real, ")
                .bind::<SqlUuid, _>(*i)
                .sql(")"),
        );
    }
    if sort.descending {
        keyset!(query, cursor.clone(), lt, le)
    } else {
        keyset!(query, cursor.clone(), gt, ge)
    }
}

fn apply_filters<'a>(mut query: BoxedList<'a>, f: &Filters, today: NaiveDate) -> BoxedList<'a> {
    match &f.report {
        Some(ReportRef::Id(id)) => query = query.filter(recommendations::report_id.eq(*id)),
        Some(ReportRef::Slug(slug)) => {
            let report = reports::table
                .filter(reports::slug.eq(slug.clone()))
                .select(reports::id);
            query = query.filter(recommendations::report_id.eq_any(report));
        }
        None => {}
    }
    if let Some(slug) = &f.category_slug {
        query = query.filter(categories::slug.eq(slug.clone()));
    }
    if !f.statuses.is_empty() {
        query = query.filter(recommendations::status.eq_any(f.statuses.clone()));
    }
    if !f.healths.is_empty() {
        query = query.filter(recommendations::health.eq_any(f.healths.clone()));
    }
    if !f.priorities.is_empty() {
        query = query.filter(recommendations::priority.eq_any(f.priorities.clone()));
    }
    match &f.lead_agency {
        Some(AgencyRef::Id(id)) => query = query.filter(recommendations::lead_agency_id.eq(*id)),
        Some(AgencyRef::Code(code)) => query = query.filter(agencies::code.eq(code.clone())),
        None => {}
    }
    if let Some(agency) = &f.agency {
        let (column, value) = match agency {
            AgencyRef::Id(id) => ("id::text", id.to_string()),
            AgencyRef::Code(code) => ("code", code.clone()),
        };
        query = query.filter(
            sql::<Bool>(&format!(
                "(EXISTS (SELECT 1 FROM agencies a WHERE a.id = recommendations.lead_agency_id AND a.{column} = "
            ))
            .bind::<Text, _>(value.clone())
            .sql(&format!(
                ") OR EXISTS (SELECT 1 FROM recommendation_agencies ra JOIN agencies a ON a.id = ra.agency_id                  WHERE ra.recommendation_id = recommendations.id AND a.{column} = "
            ))
            .bind::<Text, _>(value)
            .sql("))"),
        );
    }
    if let Some(country) = &f.country {
        query = query.filter(
            sql::<Bool>("(EXISTS (SELECT 1 FROM agencies a WHERE a.id = recommendations.lead_agency_id AND a.country = ")
                .bind::<Text, _>(country.clone())
                .sql(") OR EXISTS (SELECT 1 FROM recommendation_agencies ra JOIN agencies a ON a.id = ra.agency_id                       WHERE ra.recommendation_id = recommendations.id AND a.country = ")
                .bind::<Text, _>(country.clone())
                .sql("))"),
        );
    }
    if let Some(overdue) = f.overdue {
        let late = milestones::table
            .filter(
                milestones::status.eq_any([MilestoneStatus::Planned, MilestoneStatus::InProgress]),
            )
            .filter(milestones::due_on.lt(today))
            .select(milestones::recommendation_id);
        query = if overdue {
            query.filter(recommendations::id.eq_any(late))
        } else {
            query.filter(diesel::dsl::not(recommendations::id.eq_any(late)))
        };
    }
    if let Some(before) = f.target_before {
        query = query.filter(recommendations::target_on.lt(before));
    }
    if let Some(after) = f.target_after {
        query = query.filter(recommendations::target_on.gt(after));
    }
    if let Some(since) = f.updated_since {
        query = query.filter(recommendations::updated_at.ge(since));
    }
    if let Some(q) = &f.q {
        query = query.filter(
            sql::<Bool>(&format!("recommendations.search @@ {TSQUERY_OPEN}"))
                .bind::<Text, _>(q.clone())
                .sql(TSQUERY_CLOSE),
        );
    }
    query
}

/// The full-text rank of one row (for the relevance cursor of a page's last row).
async fn rank_of(mut conn: &AsyncPgConnection, id: Uuid, q: &str) -> QueryResult<f32> {
    recommendations::table
        .find(id)
        .select(
            sql::<Float>(&format!("ts_rank(recommendations.search, {TSQUERY_OPEN}"))
                .bind::<Text, _>(q.to_owned())
                .sql(&format!("{TSQUERY_CLOSE})")),
        )
        .first(&mut conn)
        .await
}

/// One recommendation with the requested embeds.
#[tracing::instrument(skip(conn))]
pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    embeds: Embeds,
    today: NaiveDate,
) -> QueryResult<Option<RecommendationView>> {
    // The embeds need only the id, so they go out with the row in one pipeline.
    let mut shared: &AsyncPgConnection = conn;
    let (rows, loaded): (Vec<BaseRow>, _) = try_join(
        base_query()
            .filter(recommendations::id.eq(id))
            .load(&mut shared),
        load_embeds(shared, &[id], embeds),
    )
    .await?;
    Ok(assemble(rows, loaded).pop())
}

/// The id of the recommendation with `code` in a report named by id or slug.
pub async fn id_by_code(
    conn: &mut AsyncPgConnection,
    report: &ReportRef,
    code: &str,
) -> QueryResult<Option<Uuid>> {
    let mut query = recommendations::table
        .inner_join(reports::table)
        .filter(recommendations::code.eq(code.to_owned()))
        .select(recommendations::id)
        .into_boxed();
    query = match report {
        ReportRef::Id(id) => query.filter(reports::id.eq(*id)),
        ReportRef::Slug(slug) => query.filter(reports::slug.eq(slug.clone())),
    };
    query.first(conn).await.optional()
}

/// Adds the requested embeds with one query each, whatever the number of rows; milestone
/// tallies (for progress) always.
async fn embed(
    conn: &AsyncPgConnection,
    rows: Vec<BaseRow>,
    embeds: Embeds,
) -> QueryResult<Vec<RecommendationView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0.id).collect();
    let loaded = load_embeds(conn, &ids, embeds).await?;
    Ok(assemble(rows, loaded))
}

/// The embeds of some recommendations, before they are matched to their rows.
struct Embedded {
    tallies: Vec<MilestoneTally>,
    supporting: Option<Vec<(Uuid, SupportingAgency)>>,
    milestones: Option<Vec<Milestone>>,
    latest_changes: Option<Vec<StatusChange>>,
    history: Option<Vec<StatusChange>>,
}

/// Sends every embed query before reading any answer (pipelined on the one connection), so
/// a detail read waits for one round trip instead of one per embed.
async fn load_embeds(
    conn: &AsyncPgConnection,
    ids: &[Uuid],
    embeds: Embeds,
) -> QueryResult<Embedded> {
    let keys = Keys::of(ids);
    let (tallies, supporting, milestones, latest_changes, history) = try_join5(
        milestone_tallies(conn, keys),
        when(embeds.supporting_agencies, supporting_agencies(conn, keys)),
        when(embeds.milestones, load_milestones(conn, keys)),
        when(embeds.latest_status_change, latest_changes(conn, keys)),
        when(embeds.history, load_history(conn, keys)),
    )
    .await?;
    Ok(Embedded {
        tallies,
        supporting,
        milestones,
        latest_changes,
        history,
    })
}

/// Runs `query` only when `wanted` (an unpolled query future sends nothing).
async fn when<T>(
    wanted: bool,
    query: impl std::future::Future<Output = QueryResult<T>>,
) -> QueryResult<Option<T>> {
    if wanted {
        query.await.map(Some)
    } else {
        Ok(None)
    }
}

fn assemble(rows: Vec<BaseRow>, loaded: Embedded) -> Vec<RecommendationView> {
    let mut tallies: HashMap<Uuid, MilestoneTally> = loaded
        .tallies
        .into_iter()
        .map(|t| (t.recommendation_id, t))
        .collect();
    let mut supporting = loaded
        .supporting
        .map(|rows| group_by_recommendation(rows, |(id, _)| *id));
    let mut milestone_map = loaded
        .milestones
        .map(|rows| group_by_recommendation(rows, |m| m.recommendation_id));
    let mut latest_map: Option<HashMap<Uuid, StatusChange>> = loaded
        .latest_changes
        .map(|rows| rows.into_iter().map(|c| (c.recommendation_id, c)).collect());
    let mut history_map = loaded
        .history
        .map(|rows| group_by_recommendation(rows, |c| c.recommendation_id));
    rows.into_iter()
        .map(|(recommendation, category, lead_agency)| {
            let id = recommendation.id;
            RecommendationView {
                supporting: supporting.as_mut().map(|m| {
                    let links = m.remove(&id).unwrap_or_default();
                    links.into_iter().map(|(_, link)| link).collect()
                }),
                tally: tallies.remove(&id).unwrap_or_default(),
                milestones: milestone_map
                    .as_mut()
                    .map(|m| m.remove(&id).unwrap_or_default()),
                latest_change: latest_map.as_mut().map(|m| m.remove(&id)),
                history: history_map
                    .as_mut()
                    .map(|m| m.remove(&id).unwrap_or_default()),
                recommendation,
                category,
                lead_agency,
            }
        })
        .collect()
}

fn group_by_recommendation<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut map: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

/// Which recommendations an embed query is for. One id is filtered with `=`: PostgreSQL then
/// keeps the statement's generic plan, which is exact. With `= ANY($1)` it guesses ten rows,
/// and for a single id it re-plans the statement on every execution.
#[derive(Debug, Clone, Copy)]
enum Keys<'a> {
    One(Uuid),
    Many(&'a [Uuid]),
}

impl<'a> Keys<'a> {
    fn of(ids: &'a [Uuid]) -> Self {
        match ids {
            [id] => Keys::One(*id),
            _ => Keys::Many(ids),
        }
    }

    fn filter<Q, C>(self, query: Q, column: C) -> Q
    where
        C: Expression<SqlType = SqlUuid> + ExpressionMethods,
        Q: methods::FilterDsl<diesel::dsl::Eq<C, Uuid>, Output = Q>
            + methods::FilterDsl<diesel::dsl::EqAny<C, &'a [Uuid]>, Output = Q>,
    {
        match self {
            Keys::One(id) => methods::FilterDsl::filter(query, column.eq(id)),
            Keys::Many(ids) => methods::FilterDsl::filter(query, column.eq_any(ids)),
        }
    }
}

async fn supporting_agencies(
    mut conn: &AsyncPgConnection,
    keys: Keys<'_>,
) -> QueryResult<Vec<(Uuid, SupportingAgency)>> {
    let query = recommendation_agencies::table
        .inner_join(agencies::table)
        .order((recommendation_agencies::role.asc(), agencies::code.asc()))
        .select((
            recommendation_agencies::recommendation_id,
            recommendation_agencies::role,
            AgencySummary::as_select(),
        ))
        .into_boxed();
    let rows: Vec<(Uuid, AgencyRole, AgencySummary)> = keys
        .filter(query, recommendation_agencies::recommendation_id)
        .load(&mut conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, role, agency)| (id, SupportingAgency { agency, role }))
        .collect())
}

async fn milestone_tallies(
    mut conn: &AsyncPgConnection,
    keys: Keys<'_>,
) -> QueryResult<Vec<MilestoneTally>> {
    let query = milestone_tallies::table
        .select(MilestoneTally::as_select())
        .into_boxed();
    keys.filter(query, milestone_tallies::recommendation_id)
        .load(&mut conn)
        .await
}

async fn load_milestones(
    mut conn: &AsyncPgConnection,
    keys: Keys<'_>,
) -> QueryResult<Vec<Milestone>> {
    let query = milestones::table
        .order((milestones::position.asc(), milestones::id.asc()))
        .select(Milestone::as_select())
        .into_boxed();
    keys.filter(query, milestones::recommendation_id)
        .load(&mut conn)
        .await
}

/// The newest status change of each recommendation: a key lookup through
/// `latest_status_change_id`, whatever the length of the history.
async fn latest_changes(
    mut conn: &AsyncPgConnection,
    keys: Keys<'_>,
) -> QueryResult<Vec<StatusChange>> {
    let latest = recommendations::table
        .select(recommendations::latest_status_change_id)
        .into_boxed();
    let latest = keys.filter(latest, recommendations::id);
    status_changes::table
        .filter(status_changes::id.nullable().eq_any(latest))
        .select(StatusChange::as_select())
        .load(&mut conn)
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

/// Full status histories, newest first.
async fn load_history(
    mut conn: &AsyncPgConnection,
    keys: Keys<'_>,
) -> QueryResult<Vec<StatusChange>> {
    let query = status_changes::table
        .order((
            status_changes::recorded_at.desc(),
            status_changes::id.desc(),
        ))
        .select(StatusChange::as_select())
        .into_boxed();
    keys.filter(query, status_changes::recommendation_id)
        .load(&mut conn)
        .await
}

/// One page of a recommendation's history, newest first, after `(recorded_at, id)`.
pub async fn history_page(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<StatusChange>> {
    let mut query = status_changes::table
        .filter(status_changes::recommendation_id.eq(id))
        .order((
            status_changes::recorded_at.desc(),
            status_changes::id.desc(),
        ))
        .select(StatusChange::as_select())
        .into_boxed();
    if let Some((at, last)) = before {
        query = query.filter(
            status_changes::recorded_at
                .lt(at)
                .or(status_changes::recorded_at
                    .eq(at)
                    .and(status_changes::id.lt(last))),
        );
    }
    query.literal_limit(limit + 1).load(conn).await
}

/// The current version alone: enough to answer a conditional GET with 304.
pub async fn version_of(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<i32>> {
    recommendations::table
        .find(id)
        .select(recommendations::version)
        .first(conn)
        .await
        .optional()
}
