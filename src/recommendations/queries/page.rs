//! What picks a page of recommendations: the conditions (filters and the cursor) and the order,
//! for any selection from the recommendations joined with their category and lead agency.
//!
//! A keyset sort reads the page's rows in one statement: an index gives the order, so the scan
//! stops after the page. Relevance has no index order, so every match is ranked and sorted;
//! carrying each match's whole row through that sort costs PostgreSQL about twice as much, so
//! relevance pages are cut from ids and ranks alone and their rows read by id afterwards.

use super::source::{Condition, Ordering, Source, TSQUERY_CLOSE, TSQUERY_OPEN};
use crate::db::cached_sql::{BindDsl, sql};
use crate::db::schema::recommendations;
use crate::recommendations::model::listing::{Cursor, Filters, Sort, SortField};
use chrono::NaiveDate;
use diesel::expression::{SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{QueryFragment, QueryId};
use diesel::query_dsl::methods;
use diesel::sql_types::{Bool, Float, Text, Uuid as SqlUuid};

/// `query` narrowed to the rows after `after` that pass `filters`, in `sort`'s order.
pub fn narrow<Q>(
    mut query: Q,
    filters: &Filters,
    sort: Sort,
    after: Option<&Cursor>,
    today: NaiveDate,
) -> Q
where
    Q: methods::FilterDsl<Condition, Output = Q> + methods::OrderDsl<Ordering, Output = Q>,
{
    let q = filters.q.as_deref().unwrap_or_default();
    for condition in super::filters::conditions(filters, today) {
        query = methods::FilterDsl::filter(query, condition);
    }
    query = methods::OrderDsl::order(query, ordering(sort, q));
    if let Some(cursor) = after {
        for condition in self::after(sort, cursor, q) {
            query = methods::FilterDsl::filter(query, condition);
        }
    }
    query
}

/// A page's full-text rank of each row, for `q`. The ORDER BY ranks again with its own bind,
/// which costs about what a separate lookup would.
pub fn rank(
    q: &str,
) -> impl SelectableExpression<Source, SqlType = Float>
+ ValidGrouping<(), IsAggregate = diesel::expression::is_aggregate::Never>
+ QueryFragment<Pg>
+ QueryId
+ Send
+ use<> {
    sql::<Float>(&format!("ts_rank(recommendations.search, {TSQUERY_OPEN}"))
        .bind::<Text, _>(q.to_owned())
        .sql(&format!("{TSQUERY_CLOSE})"))
}

fn ordering(sort: Sort, q: &str) -> Ordering {
    use recommendations as r;
    match (sort.field, sort.descending) {
        (SortField::Code, false) => {
            Ordering::new((r::report_seq.asc(), r::position.asc(), r::id.asc()))
        }
        (SortField::Code, true) => {
            Ordering::new((r::report_seq.desc(), r::position.desc(), r::id.desc()))
        }
        (SortField::UpdatedAt, false) => Ordering::new((r::updated_at.asc(), r::id.asc())),
        (SortField::UpdatedAt, true) => Ordering::new((r::updated_at.desc(), r::id.desc())),
        (SortField::Status, false) => Ordering::new((
            r::status_rank.asc(),
            r::report_seq.asc(),
            r::position.asc(),
            r::id.asc(),
        )),
        (SortField::Status, true) => Ordering::new((
            r::status_rank.desc(),
            r::report_seq.desc(),
            r::position.desc(),
            r::id.desc(),
        )),
        (SortField::TargetOn, false) => Ordering::new((
            r::target_sort.asc(),
            r::report_seq.asc(),
            r::position.asc(),
            r::id.asc(),
        )),
        (SortField::TargetOn, true) => Ordering::new((
            r::target_sort.desc(),
            r::report_seq.desc(),
            r::position.desc(),
            r::id.desc(),
        )),
        (SortField::Relevance, descending) => {
            let dir = if descending { "DESC" } else { "ASC" };
            Ordering::new(
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
    ($cursor:expr, $cmp:ident, $cmp_eq:ident) => {{
        use recommendations as r;
        match $cursor {
            Cursor::Code { r: seq, p, i } => vec![
                Condition::new(r::report_seq.$cmp_eq(seq)),
                Condition::new(
                    r::report_seq.$cmp(seq).or(r::report_seq
                        .eq(seq)
                        .and(r::position.$cmp(p).or(r::position.eq(p).and(r::id.$cmp(i))))),
                ),
            ],
            Cursor::UpdatedAt { u, i } => vec![
                Condition::new(r::updated_at.$cmp_eq(u)),
                Condition::new(
                    r::updated_at
                        .$cmp(u)
                        .or(r::updated_at.eq(u).and(r::id.$cmp(i))),
                ),
            ],
            Cursor::Status { k, r: seq, p, i } => vec![
                Condition::new(r::status_rank.$cmp_eq(k)),
                Condition::new(
                    r::status_rank.$cmp(k).or(r::status_rank.eq(k).and(
                        r::report_seq.$cmp(seq).or(r::report_seq
                            .eq(seq)
                            .and(r::position.$cmp(p).or(r::position.eq(p).and(r::id.$cmp(i))))),
                    )),
                ),
            ],
            Cursor::TargetOn { t, r: seq, p, i } => vec![
                Condition::new(r::target_sort.$cmp_eq(t)),
                Condition::new(
                    r::target_sort.$cmp(t).or(r::target_sort.eq(t).and(
                        r::report_seq.$cmp(seq).or(r::report_seq
                            .eq(seq)
                            .and(r::position.$cmp(p).or(r::position.eq(p).and(r::id.$cmp(i))))),
                    )),
                ),
            ],
            Cursor::Relevance { .. } => Vec::new(),
        }
    }};
}

/// Rows strictly after the cursor in the sort's order.
fn after(sort: Sort, cursor: &Cursor, q: &str) -> Vec<Condition> {
    if let Cursor::Relevance { w, i } = cursor {
        return vec![Condition::new(
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
        )];
    }
    if sort.descending {
        keyset!(cursor.clone(), lt, le)
    } else {
        keyset!(cursor.clone(), gt, ge)
    }
}
