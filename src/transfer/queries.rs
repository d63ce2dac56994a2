//! Reads of whole reports: what an export writes and what an import compares against.

use super::model::ReportExport;
use crate::agencies::model::AgencyBrief;
use crate::db::schema::{
    agencies, categories, milestones, recommendation_agencies, recommendations, reports,
    status_changes,
};
use crate::domain::AgencyRole;
use crate::milestones::model::Milestone;
use crate::recommendations::model::{Recommendation, StatusChange};
use crate::reports::model::{Category, Report};
use crate::translations::model::{Subject, Translation, Translations};
use crate::translations::queries as translations;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use uuid::Uuid;

/// Whether the rows read are locked for the import that will change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locking {
    None,
    ForUpdate,
}

/// A report's rows as they are now.
#[derive(Debug, Default)]
pub struct Current {
    pub report: Option<Report>,
    pub categories: Vec<Category>,
    pub recommendations: Vec<Recommendation>,
    pub supporting: HashMap<Uuid, Vec<(Uuid, AgencyRole)>>,
    pub milestones: HashMap<Uuid, Vec<Milestone>>,
    /// Per recommendation, its translations by language.
    pub translations: HashMap<Uuid, Vec<Translation>>,
    /// The report's translations, and per category its own.
    pub report_translations: Vec<Translation>,
    pub category_translations: HashMap<Uuid, Vec<Translation>>,
}

/// The report with `slug` or `id` and everything below it. Locks in the order every writer
/// takes them, milestones before recommendations before the report: a milestone write locks
/// its milestone and then its recommendation, a status change its recommendation and then
/// shares the report.
pub async fn current(
    conn: &mut AsyncPgConnection,
    report_id: Uuid,
    locking: Locking,
) -> QueryResult<Current> {
    let lock = locking == Locking::ForUpdate;
    let of_report = recommendations::table
        .filter(recommendations::report_id.eq(report_id))
        .select(recommendations::id);
    let milestone_query = milestones::table
        .filter(milestones::recommendation_id.eq_any(of_report))
        .order((
            milestones::recommendation_id,
            milestones::position,
            milestones::id,
        ))
        .select(Milestone::as_select());
    let milestone_rows: Vec<Milestone> = if lock {
        milestone_query.for_update().load(conn).await?
    } else {
        milestone_query.load(conn).await?
    };
    let rec_query = recommendations::table
        .filter(recommendations::report_id.eq(report_id))
        .order((recommendations::position, recommendations::code))
        .select(Recommendation::as_select());
    let recs: Vec<Recommendation> = if lock {
        rec_query.for_update().load(conn).await?
    } else {
        rec_query.load(conn).await?
    };
    let report_query = reports::table.find(report_id).select(Report::as_select());
    let report: Option<Report> = if lock {
        report_query.for_update().first(conn).await.optional()?
    } else {
        report_query.first(conn).await.optional()?
    };
    let categories: Vec<Category> = categories::table
        .filter(categories::report_id.eq(report_id))
        .order((categories::position, categories::slug))
        .select(Category::as_select())
        .load(conn)
        .await?;
    let mut supporting: HashMap<Uuid, Vec<(Uuid, AgencyRole)>> = HashMap::new();
    let links: Vec<(Uuid, Uuid, AgencyRole)> = recommendation_agencies::table
        .inner_join(recommendations::table)
        .filter(recommendations::report_id.eq(report_id))
        .order((
            recommendation_agencies::recommendation_id,
            recommendation_agencies::agency_id,
        ))
        .select((
            recommendation_agencies::recommendation_id,
            recommendation_agencies::agency_id,
            recommendation_agencies::role,
        ))
        .load(conn)
        .await?;
    for (rec, agency, role) in links {
        supporting.entry(rec).or_default().push((agency, role));
    }
    let mut milestones: HashMap<Uuid, Vec<Milestone>> = HashMap::new();
    for m in milestone_rows {
        milestones.entry(m.recommendation_id).or_default().push(m);
    }
    // Translation writes lock their recommendation first: the locks above cover them.
    let ids: Vec<Uuid> = recs.iter().map(|r| r.id).collect();
    let mut loaded = translations::load(conn, Subject::Recommendation, &ids, None).await?;
    let translations = by_subject(&mut loaded, &ids);
    let mut of_report = translations::load(conn, Subject::Report, &[report_id], None).await?;
    let category_ids: Vec<Uuid> = categories.iter().map(|c| c.id).collect();
    let mut of_categories =
        translations::load(conn, Subject::Category, &category_ids, None).await?;
    Ok(Current {
        report_translations: of_report.take(report_id),
        category_translations: by_subject(&mut of_categories, &category_ids),
        report,
        categories,
        recommendations: recs,
        supporting,
        milestones,
        translations,
    })
}

fn by_subject(loaded: &mut Translations, ids: &[Uuid]) -> HashMap<Uuid, Vec<Translation>> {
    ids.iter()
        .map(|id| (*id, loaded.take(*id)))
        .filter(|(_, rows)| !rows.is_empty())
        .collect()
}

/// The id of the report with `slug`.
pub async fn report_by_slug(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<Option<Uuid>> {
    reports::table
        .filter(reports::slug.eq(slug))
        .select(reports::id)
        .first(conn)
        .await
        .optional()
}

/// The whole agency directory.
pub async fn directory(conn: &mut AsyncPgConnection) -> QueryResult<Vec<AgencyBrief>> {
    agencies::table
        .select(AgencyBrief::as_select())
        .load(conn)
        .await
}

/// Everything of report `id` an export writes (`None`: no such report).
pub async fn export(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    with_history: bool,
) -> QueryResult<Option<ReportExport>> {
    let current = current(conn, id, Locking::None).await?;
    let Some(report) = current.report else {
        return Ok(None);
    };
    let history = if with_history {
        let rows: Vec<StatusChange> = status_changes::table
            .inner_join(recommendations::table)
            .filter(recommendations::report_id.eq(id))
            .order((
                status_changes::recommendation_id,
                status_changes::recorded_at,
                status_changes::id,
            ))
            .select(StatusChange::as_select())
            .load(conn)
            .await?;
        let mut by_rec: HashMap<Uuid, Vec<StatusChange>> = HashMap::new();
        for change in rows {
            by_rec
                .entry(change.recommendation_id)
                .or_default()
                .push(change);
        }
        Some(by_rec)
    } else {
        None
    };
    let mut named: Vec<Uuid> = current
        .recommendations
        .iter()
        .filter_map(|r| r.lead_agency_id)
        .collect();
    named.extend(current.supporting.values().flatten().map(|(a, _)| *a));
    named.extend(
        current
            .milestones
            .values()
            .flatten()
            .filter_map(|m| m.owner_agency_id),
    );
    named.sort_unstable();
    named.dedup();
    let agencies: HashMap<Uuid, AgencyBrief> = agencies::table
        .filter(agencies::id.eq_any(&named))
        .select(AgencyBrief::as_select())
        .load::<AgencyBrief>(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    Ok(Some(ReportExport {
        report,
        categories: current.categories,
        recommendations: current.recommendations,
        supporting: current.supporting,
        milestones: current.milestones,
        history,
        agencies,
        translations: current.translations,
        report_translations: current.report_translations,
        category_translations: current.category_translations,
    }))
}
