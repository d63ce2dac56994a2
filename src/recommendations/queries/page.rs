//! What picks a page of recommendations: the conditions (filters and the cursor) and the order,
//! for any selection from the recommendations joined with their category and lead agency.
//!
//! A keyset sort reads the page's rows in one statement: an index gives the order, so the scan
//! stops after the page. Relevance has no index order, so every match is ranked and sorted;
//! carrying each match's whole row through that sort costs PostgreSQL about twice as much, so
//! relevance pages are cut from ids and ranks alone and their rows read by id afterwards.

use crate::agencies::model::AgencyRef;
use crate::db::cached_sql::{BindDsl, sql};
use crate::db::dynamic;
use crate::db::schema::{agencies, categories, milestones, recommendations, reports};
use crate::domain::MilestoneStatus;
use crate::recommendations::model::listing::{Cursor, Filters, Sort, SortField};
use crate::reports::model::ReportRef;
use chrono::NaiveDate;
use diesel::expression::{SelectableExpression, ValidGrouping};
use diesel::helper_types::{InnerJoinQuerySource, LeftJoinQuerySource};
use diesel::pg::Pg;
use diesel::query_builder::{QueryFragment, QueryId};
use diesel::query_dsl::methods;
use diesel::sql_types::{Bool, Float, Text, Uuid as SqlUuid};
use diesel::{BoolExpressionMethods, ExpressionMethods, QueryDsl};

/// Recommendations, their category and their lead agency: what every page query reads.
pub type Source = LeftJoinQuerySource<
    InnerJoinQuerySource<recommendations::table, categories::table>,
    agencies::table,
>;

type Condition = dynamic::Condition<'static, Source>;
type Ordering = dynamic::Ordering<'static, Source>;

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
    for condition in conditions(filters, today) {
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

/// The search as a subquery that runs once per statement. In a generic plan, a function of a
/// parameter is not folded into a constant: a bare `websearch_to_tsquery('english', $1)` is
/// parsed again for every row ranked.
const TSQUERY_OPEN: &str = "(SELECT websearch_to_tsquery('english', ";
const TSQUERY_CLOSE: &str = "))";

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

fn conditions(f: &Filters, today: NaiveDate) -> Vec<Condition> {
    let mut all = Vec::new();
    match &f.report {
        Some(ReportRef::Id(id)) => all.push(Condition::new(recommendations::report_id.eq(*id))),
        Some(ReportRef::Slug(slug)) => {
            let report = reports::table
                .filter(reports::slug.eq(slug.clone()))
                .select(reports::id);
            all.push(Condition::new(recommendations::report_id.eq_any(report)));
        }
        None => {}
    }
    if let Some(slug) = &f.category_slug {
        all.push(Condition::new(categories::slug.eq(slug.clone())));
    }
    if !f.statuses.is_empty() {
        all.push(Condition::new(
            recommendations::status.eq_any(f.statuses.clone()),
        ));
    }
    if !f.healths.is_empty() {
        all.push(Condition::new(
            recommendations::health.eq_any(f.healths.clone()),
        ));
    }
    if !f.priorities.is_empty() {
        all.push(Condition::new(
            recommendations::priority.eq_any(f.priorities.clone()),
        ));
    }
    match &f.lead_agency {
        Some(AgencyRef::Id(id)) => {
            all.push(Condition::new(recommendations::lead_agency_id.eq(*id)))
        }
        Some(AgencyRef::Code(code)) => all.push(Condition::new(agencies::code.eq(code.clone()))),
        None => {}
    }
    if let Some(agency) = &f.agency {
        all.push(involves_agency(agency));
    }
    if let Some(country) = &f.country {
        all.push(involves_country(country));
    }
    if let Some(overdue) = f.overdue {
        let late = milestones::table
            .filter(
                milestones::status.eq_any([MilestoneStatus::Planned, MilestoneStatus::InProgress]),
            )
            .filter(milestones::due_on.lt(today))
            .select(milestones::recommendation_id);
        all.push(if overdue {
            Condition::new(recommendations::id.eq_any(late))
        } else {
            Condition::new(diesel::dsl::not(recommendations::id.eq_any(late)))
        });
    }
    if let Some(before) = f.target_before {
        all.push(Condition::new(recommendations::target_on.lt(before)));
    }
    if let Some(after) = f.target_after {
        all.push(Condition::new(recommendations::target_on.gt(after)));
    }
    if let Some(since) = f.updated_since {
        all.push(Condition::new(recommendations::updated_at.ge(since)));
    }
    if let Some(q) = &f.q {
        all.push(Condition::new(
            sql::<Bool>(&format!("recommendations.search @@ {TSQUERY_OPEN}"))
                .bind::<Text, _>(q.clone())
                .sql(TSQUERY_CLOSE),
        ));
    }
    all
}

/// Led or supported by the agency.
fn involves_agency(agency: &AgencyRef) -> Condition {
    let (column, value) = match agency {
        AgencyRef::Id(id) => ("id::text", id.to_string()),
        AgencyRef::Code(code) => ("code", code.clone()),
    };
    Condition::new(
        sql::<Bool>(&format!(
            "(EXISTS (SELECT 1 FROM agencies a WHERE a.id = recommendations.lead_agency_id AND a.{column} = "
        ))
        .bind::<Text, _>(value.clone())
        .sql(&format!(
            ") OR EXISTS (SELECT 1 FROM recommendation_agencies ra JOIN agencies a ON a.id = ra.agency_id \
             WHERE ra.recommendation_id = recommendations.id AND a.{column} = "
        ))
        .bind::<Text, _>(value)
        .sql("))"),
    )
}

/// With a lead or supporting agency of the country.
fn involves_country(country: &str) -> Condition {
    Condition::new(
        sql::<Bool>(
            "(EXISTS (SELECT 1 FROM agencies a WHERE a.id = recommendations.lead_agency_id AND a.country = ",
        )
        .bind::<Text, _>(country.to_owned())
        .sql(
            ") OR EXISTS (SELECT 1 FROM recommendation_agencies ra JOIN agencies a ON a.id = ra.agency_id \
             WHERE ra.recommendation_id = recommendations.id AND a.country = ",
        )
        .bind::<Text, _>(country.to_owned())
        .sql("))"),
    )
}
