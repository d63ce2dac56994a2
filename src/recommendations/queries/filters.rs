//! The recommendation list's filters as WHERE conditions over the page's query source.

use super::source::{Condition, TSQUERY_CLOSE, TSQUERY_OPEN};
use crate::agencies::model::AgencyRef;
use crate::db::cached_sql::{BindDsl, sql};
use crate::db::schema::{
    agencies, categories, milestones, recommendation_agencies, recommendations, reports,
};
use crate::domain::MilestoneStatus;
use crate::recommendations::model::listing::Filters;
use crate::reports::model::ReportRef;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

/// The list's filters as WHERE conditions, combined with AND.
pub(super) fn conditions(f: &Filters, today: NaiveDate) -> Vec<Condition> {
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
    if let Some(external_id) = &f.external_id {
        all.push(Condition::new(
            recommendations::external_id.eq(external_id.clone()),
        ));
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
    if let Some(ids) = &f.among_agencies {
        let supports = recommendation_agencies::table
            .filter(recommendation_agencies::agency_id.eq_any(ids.clone()))
            .select(recommendation_agencies::recommendation_id);
        all.push(Condition::new(
            recommendations::lead_agency_id
                .eq_any(ids.clone())
                .or(recommendations::id.eq_any(supports)),
        ));
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

diesel::alias!(agencies as subquery_agencies: SubqueryAgencies);

/// Led or supported by an agency that `$which` (a condition on the aliased directory `$a`)
/// picks. Both halves are uncorrelated subqueries: PostgreSQL hashes each once and filters
/// the index scan that gives the page's order. The directory is aliased because the page's
/// query joins `agencies` already.
macro_rules! involving {
    (|$a:ident| $which:expr) => {{
        use recommendation_agencies as ra;
        let $a = subquery_agencies;
        let leads = $a.filter($which).select($a.field(agencies::id).nullable());
        let supports = ra::table
            .inner_join($a.on($a.field(agencies::id).eq(ra::agency_id)))
            .filter($which)
            .select(ra::recommendation_id);
        Condition::new(
            recommendations::lead_agency_id
                .eq_any(leads)
                .or(recommendations::id.eq_any(supports)),
        )
    }};
}

/// Led or supported by the agency.
fn involves_agency(agency: &AgencyRef) -> Condition {
    match agency {
        AgencyRef::Id(id) => involving!(|a| a.field(agencies::id).eq(*id)),
        AgencyRef::Code(code) => involving!(|a| a.field(agencies::code).eq(code.clone())),
    }
}

/// With a lead or supporting agency of the country.
fn involves_country(country: &str) -> Condition {
    involving!(|a| a.field(agencies::country).eq(country.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommendations::model::listing::{Sort, SortField};
    use crate::recommendations::queries::page::narrow;
    use diesel::pg::Pg;
    use diesel::query_builder::QueryFragment;

    /// The page query's SQL, and whether it stays a prepared statement.
    fn page_sql(filters: &Filters) -> (String, bool) {
        let query = recommendations::table
            .inner_join(categories::table)
            .left_join(agencies::table)
            .select(recommendations::id)
            .into_boxed();
        let sort = Sort {
            field: SortField::Code,
            descending: false,
        };
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a day");
        let query = narrow(query, filters, sort, None, today);
        let cacheable = QueryFragment::<Pg>::is_safe_to_cache_prepared(&query, &Pg);
        (
            diesel::debug_query::<Pg, _>(&query).to_string(),
            cacheable.expect("walk"),
        )
    }

    #[test]
    fn agency_and_country_filters_are_uncorrelated_subqueries_on_an_aliased_directory() {
        let (sql, cacheable) = page_sql(&Filters {
            agency: Some(AgencyRef::Code("KR-MSIT".into())),
            country: Some("KR".into()),
            q: Some("space".into()),
            ..Filters::default()
        });
        assert!(cacheable, "{sql}");
        assert!(sql.contains(r#""recommendations"."lead_agency_id" = ANY(SELECT "subquery_agencies"."id" FROM "agencies" AS "subquery_agencies" WHERE ("subquery_agencies"."code" = $1))"#), "{sql}");
        assert!(sql.contains(r#""recommendations"."id" = ANY(SELECT "recommendation_agencies"."recommendation_id" FROM ("recommendation_agencies" INNER JOIN "agencies" AS "subquery_agencies" ON ("subquery_agencies"."id" = "recommendation_agencies"."agency_id")) WHERE ("subquery_agencies"."country" = $4))"#), "{sql}");
    }
}
