//! Recommendation reads: a page or one row, then a fixed number of queries for the embeds.

mod embeds;
mod filters;
pub mod page;
mod source;

use crate::agencies::model::AgencyBrief;
use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::{
    agencies, categories, check_ins, recommendations, reports, status_changes,
};
use crate::db::trim_to_limit;
use crate::domain::Status;
use crate::recommendations::model::listing::{Cursor, Embeds, ListQuery, SortField, status_rank};
use crate::recommendations::model::{CheckIn, Recommendation, RecommendationView, StatusChange};
use crate::reports::model::{CategoryBrief, ReportRef};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use embeds::{Keys, assemble, load_embeds};
use futures_util::future::try_join;
// Keyed by ids the database made, never chosen by a client: a fast hash without SipHash's
// flooding resistance is safe.
use foldhash::HashMap;
use uuid::Uuid;

/// Only the columns the representation shows are read from the joined tables.
type BaseRow = (Recommendation, CategoryBrief, Option<AgencyBrief>);

/// `AgencyBrief`'s columns: a left-joined `Selectable` cannot be made nullable.
type LeadAgencyColumns = (
    agencies::id,
    agencies::code,
    agencies::name,
    agencies::country,
    agencies::language,
);
const LEAD_AGENCY_COLUMNS: LeadAgencyColumns = (
    agencies::id,
    agencies::code,
    agencies::name,
    agencies::country,
    agencies::language,
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
            diesel::dsl::AsSelect<CategoryBrief, Pg>,
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
            CategoryBrief::as_select(),
            LEAD_AGENCY_COLUMNS.nullable(),
        ))
        .into_boxed()
}

/// A page of recommendations, and the cursor after it when more rows exist.
pub struct Page {
    pub views: Vec<RecommendationView>,
    pub next: Option<Cursor>,
}

/// The cursor after `view` in a keyset sort; a relevance cursor needs the row's rank, which
/// only the page's key query has.
fn keyset_cursor(view: &RecommendationView, field: SortField) -> Option<Cursor> {
    let r = &view.recommendation;
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
            t: r.target_on.unwrap_or(crate::db::UNDATED_SORT_KEY),
            r: seq,
            p,
            i,
        },
        SortField::Relevance => return None,
    })
}

/// Up to `query.limit` recommendations after its cursor, with the requested embeds.
#[tracing::instrument(skip(conn))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    query: &ListQuery,
    today: NaiveDate,
) -> QueryResult<Page> {
    let ListQuery {
        filters,
        sort,
        embeds,
        after,
        limit,
    } = query;
    if sort.field == SortField::Relevance {
        let q = filters.q.as_deref().unwrap_or_default();
        let keys_query = recommendations::table
            .inner_join(categories::table)
            .left_join(agencies::table)
            .select((recommendations::id, page::rank(q)))
            .into_boxed();
        let keys_query = page::narrow(keys_query, filters, *sort, after.as_ref(), today);
        let mut keys: Vec<(Uuid, f32)> = keys_query.literal_limit(limit + 1).load(conn).await?;
        let more = trim_to_limit(&mut keys, *limit);
        let next = keys
            .last()
            .filter(|_| more)
            .map(|&(i, w)| Cursor::Relevance { w, i });
        let ids: Vec<Uuid> = keys.into_iter().map(|(id, _)| id).collect();
        let views = by_ids(conn, &ids, *embeds).await?;
        return Ok(Page { views, next });
    }
    let rows_query = page::narrow(base_query(), filters, *sort, after.as_ref(), today);
    let mut rows: Vec<BaseRow> = rows_query.literal_limit(limit + 1).load(conn).await?;
    let more = trim_to_limit(&mut rows, *limit);
    let views = if rows.is_empty() {
        Vec::new()
    } else {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.0.id).collect();
        let loaded = load_embeds(conn, Keys::of(&ids), *embeds).await?;
        assemble(rows, loaded)
    };
    let next = views
        .last()
        .filter(|_| more)
        .and_then(|view| keyset_cursor(view, sort.field));
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

/// The current status alone (for the transitions endpoint).
pub async fn status_of(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Status>> {
    recommendations::table
        .find(id)
        .select(recommendations::status)
        .first(conn)
        .await
        .optional()
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

/// One page of a recommendation's check-ins, newest first, after `(recorded_at, id)`.
pub async fn check_ins_page(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<CheckIn>> {
    let mut query = check_ins::table
        .filter(check_ins::recommendation_id.eq(id))
        .order((check_ins::recorded_at.desc(), check_ins::id.desc()))
        .select(CheckIn::as_select())
        .into_boxed();
    if let Some((at, last)) = before {
        query = query.filter(
            check_ins::recorded_at
                .lt(at)
                .or(check_ins::recorded_at.eq(at).and(check_ins::id.lt(last))),
        );
    }
    query.literal_limit(limit + 1).load(conn).await
}

/// Every recommendation `filters` lets through, as the aggregates group them (no paging:
/// `/stats` with filters counts them all).
pub async fn matching(
    conn: &mut AsyncPgConnection,
    filters: &crate::recommendations::model::listing::Filters,
    today: NaiveDate,
) -> QueryResult<Vec<crate::recommendations::model::listing::MatchRow>> {
    let mut query = recommendations::table
        .inner_join(categories::table)
        .left_join(agencies::table)
        .select((
            recommendations::id,
            recommendations::report_id,
            recommendations::status,
            recommendations::created_at,
            recommendations::updated_at,
            categories::id,
            categories::slug,
            categories::name,
            categories::position,
            agencies::id.nullable(),
            agencies::code.nullable(),
            agencies::name.nullable(),
            agencies::country.nullable(),
        ))
        .into_boxed();
    for condition in filters::conditions(filters, today) {
        query = query.filter(condition);
    }
    query.load(conn).await
}
