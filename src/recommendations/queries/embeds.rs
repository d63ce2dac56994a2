//! The embeds of some recommendations (supporting agencies, milestone tallies, milestones,
//! latest status change, history): one query each, whatever the number of rows, sent in one
//! pipeline on the one connection.

use super::BaseRow;
use crate::agencies::model::AgencyBrief;
use crate::db::schema::{
    agencies, milestone_tallies, milestones, recommendation_agencies, recommendations,
    status_changes,
};
use crate::domain::AgencyRole;
use crate::milestones::model::Milestone;
use crate::recommendations::model::listing::Embeds;
use crate::recommendations::model::{
    MilestoneTally, RecommendationView, StatusChange, SupportingLink,
};
use crate::translations::model::Shown;
use diesel::prelude::*;
use diesel::query_dsl::methods;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use foldhash::{HashMap, HashMapExt};
use futures_util::future::try_join5;
use uuid::Uuid;

/// Which recommendations an embed query is for. One id is filtered with `=`: PostgreSQL then
/// keeps the statement's generic plan, which is exact. With `= ANY($1)` it guesses ten rows,
/// and for a single id it re-plans the statement on every execution.
#[derive(Debug, Clone, Copy)]
pub(super) enum Keys<'a> {
    One(Uuid),
    Many(&'a [Uuid]),
}

impl<'a> Keys<'a> {
    pub(super) fn of(ids: &'a [Uuid]) -> Self {
        match ids {
            [id] => Keys::One(*id),
            _ => Keys::Many(ids),
        }
    }

    pub(super) fn filter<Q, C>(self, query: Q, column: C) -> Q
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

/// The embeds of some recommendations, before they are matched to their rows.
pub(super) struct Embedded {
    tallies: Vec<MilestoneTally>,
    supporting: Option<Vec<(Uuid, SupportingLink)>>,
    milestones: Option<Vec<Milestone>>,
    latest_changes: Option<Vec<StatusChange>>,
    history: Option<Vec<StatusChange>>,
}

/// Sends every embed query before reading any answer, so a detail read waits for one round
/// trip instead of one per embed. Milestone tallies (for progress) are always loaded.
pub(super) async fn load_embeds(
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

pub(super) fn assemble(rows: Vec<BaseRow>, loaded: Embedded) -> Vec<RecommendationView> {
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
                shown: Shown::default(),
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

async fn supporting_agencies(
    mut conn: &AsyncPgConnection,
    keys: Keys<'_>,
) -> QueryResult<Vec<(Uuid, SupportingLink)>> {
    let query = recommendation_agencies::table
        .inner_join(agencies::table)
        .order((recommendation_agencies::role.asc(), agencies::code.asc()))
        .select((
            recommendation_agencies::recommendation_id,
            recommendation_agencies::role,
            AgencyBrief::as_select(),
        ))
        .into_boxed();
    let rows: Vec<(Uuid, AgencyRole, AgencyBrief)> = keys
        .filter(query, recommendation_agencies::recommendation_id)
        .load(&mut conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, role, agency)| (id, SupportingLink { agency, role }))
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
