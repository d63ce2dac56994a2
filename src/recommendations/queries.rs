//! Recommendation reads: a page or one row, then a fixed number of queries for the embeds.
//! `page_query` picks a page's rows.

use super::dto::{CategorySummary, SupportingAgency};
use super::listing::{Cursor, Embeds, Filters, NO_TARGET, ReportRef, Sort, SortField, status_rank};
use super::model::{Milestone, MilestoneTally, Recommendation, StatusChange};
use super::page_query;
use crate::agencies::dto::AgencySummary;
use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::{
    agencies, categories, milestone_tallies, milestones, recommendation_agencies, recommendations,
    reports, status_changes,
};
use crate::domain::{AgencyRole, Status};
use crate::http::pagination::trim_to_limit;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_dsl::methods;

use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::future::{try_join, try_join5};
// The maps here are keyed by ids the database made, never chosen by a client, so a fast
// hash without SipHash's flooding resistance is safe.
use foldhash::{HashMap, HashMapExt};
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
    /// The cursor after this row in a keyset sort; a relevance cursor needs the row's rank,
    /// which only the page's key query has.
    pub fn keyset_cursor(&self, field: SortField) -> Option<Cursor> {
        let r = &self.recommendation;
        let (seq, p, i) = (r.report_seq, r.position, r.id);
        Some(match field {
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
            SortField::Relevance => return None,
        })
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

/// A page of recommendations, and the cursor after it when more rows exist.
pub struct Page {
    pub views: Vec<RecommendationView>,
    pub next: Option<Cursor>,
}

/// Up to `limit` recommendations after `after`, with the requested embeds.
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
    if sort.field == SortField::Relevance {
        let q = filters.q.as_deref().unwrap_or_default();
        let query = page_query::page(page_query::relevance_keys(q), filters, sort, after, today);
        let mut keys: Vec<(Uuid, f32)> = query.literal_limit(limit + 1).load(conn).await?;
        let more = trim_to_limit(&mut keys, limit);
        let next = keys
            .last()
            .filter(|_| more)
            .map(|&(i, w)| Cursor::Relevance { w, i });
        let ids: Vec<Uuid> = keys.into_iter().map(|(id, _)| id).collect();
        let views = by_ids(conn, &ids, embeds).await?;
        return Ok(Page { views, next });
    }
    let query = page_query::page(base_query(), filters, sort, after, today);
    let mut rows: Vec<BaseRow> = query.literal_limit(limit + 1).load(conn).await?;
    let more = trim_to_limit(&mut rows, limit);
    let views = embed(conn, rows, embeds).await?;
    let next = views
        .last()
        .filter(|_| more)
        .and_then(|view| view.keyset_cursor(sort.field));
    Ok(Page { views, next })
}

/// The recommendations with `ids` and their embeds, in the order of `ids` (a row deleted
/// meanwhile is left out). The embeds need only the ids, so they go out with the rows in one
/// pipeline.
async fn by_ids(
    conn: &AsyncPgConnection,
    ids: &[Uuid],
    embeds: Embeds,
) -> QueryResult<Vec<RecommendationView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut shared = conn;
    let keys = Keys::of(ids);
    let (mut rows, loaded): (Vec<BaseRow>, _) = try_join(
        keys.filter(base_query(), recommendations::id)
            .load(&mut shared),
        load_embeds(conn, keys, embeds),
    )
    .await?;
    if rows.len() > 1 {
        let place: HashMap<Uuid, usize> = ids.iter().enumerate().map(|(n, id)| (*id, n)).collect();
        rows.sort_by_key(|row| place.get(&row.0.id).copied());
    }
    Ok(assemble(rows, loaded))
}

/// One recommendation with the requested embeds.
#[tracing::instrument(skip(conn))]
pub async fn find(
    conn: &AsyncPgConnection,
    id: Uuid,
    embeds: Embeds,
) -> QueryResult<Option<RecommendationView>> {
    Ok(by_ids(conn, &[id], embeds).await?.pop())
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
    let loaded = load_embeds(conn, Keys::of(&ids), embeds).await?;
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
    keys: Keys<'_>,
    embeds: Embeds,
) -> QueryResult<Embedded> {
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
