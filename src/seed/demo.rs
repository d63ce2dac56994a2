//! `policytrack seed --demo`: the seed report in motion, clearly labelled as made up. Owners
//! from the agency directory, statuses across the lifecycle with notes and evidence,
//! milestones done, overdue and due soon, and check-ins, all dated relative to today. On the
//! first run each recommendation first gets the steps that led to its status, months back, so
//! the trend and the timeline have a past; then the rest goes in through the import (one
//! transaction, one `report.imported` event); the check-ins after.

use super::bundled;
use crate::db::schema::{check_ins, recommendations, reports, status_changes};
use crate::domain::{AgencyRole, Derivation, Health, MilestoneStatus, Priority, Status};
use crate::reports::model::ReportRef;
use crate::transfer::commands::{ImportFailure, import};
use crate::transfer::model::{
    ImportBatch, MilestoneImport, RecommendationImport, ReportImport, ReportTarget, SourceFormat,
};
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// Every note the demonstration writes starts with this.
pub const LABEL: &str = "[Demonstration data]";
const EVIDENCE: &str = "https://example.org/policytrack-demo/evidence";

/// Status, health, lead, supporting agency, priority.
type Line = (
    Status,
    Option<Health>,
    &'static str,
    &'static str,
    Option<Priority>,
);

/// One line per recommendation in report order, cycled.
const STORY: [Line; 15] = [
    (
        Status::InProgress,
        Some(Health::OnTrack),
        "US-DOS",
        "KR-MOFA",
        Some(Priority::High),
    ),
    (
        Status::InProgress,
        Some(Health::AtRisk),
        "US-DOS",
        "KR-MSIT",
        Some(Priority::Medium),
    ),
    (
        Status::Implemented,
        None,
        "US-DOD",
        "KR-MND",
        Some(Priority::High),
    ),
    (
        Status::NotStarted,
        Some(Health::OnTrack),
        "US-DOS",
        "JP-CAO-NSPS",
        Some(Priority::Low),
    ),
    (
        Status::Stalled,
        Some(Health::OffTrack),
        "US-DOS",
        "JP-MOD",
        Some(Priority::High),
    ),
    (
        Status::InProgress,
        Some(Health::OnTrack),
        "US-NASA",
        "KR-KASA",
        Some(Priority::Medium),
    ),
    (Status::NotAssessed, None, "KR-MSIT", "US-DOC", None),
    (
        Status::InProgress,
        Some(Health::AtRisk),
        "US-USSF",
        "KR-ROKAF",
        Some(Priority::Critical),
    ),
    (
        Status::PartiallyImplemented,
        None,
        "US-DOD",
        "KR-DAPA",
        Some(Priority::High),
    ),
    (
        Status::NotStarted,
        Some(Health::AtRisk),
        "US-USFK",
        "KR-MND",
        Some(Priority::Medium),
    ),
    (
        Status::InProgress,
        Some(Health::OnTrack),
        "US-NASA",
        "KR-KARI",
        Some(Priority::Medium),
    ),
    (
        Status::Superseded,
        None,
        "US-DOC",
        "KR-MSIT",
        Some(Priority::Low),
    ),
    (
        Status::InProgress,
        Some(Health::OnTrack),
        "KR-KASA",
        "JP-JAXA",
        Some(Priority::High),
    ),
    (
        Status::NotImplemented,
        None,
        "US-DOC-OSC",
        "KR-MSIT",
        Some(Priority::Low),
    ),
    (
        Status::InProgress,
        Some(Health::AtRisk),
        "US-FAA-AST",
        "KR-KASA",
        Some(Priority::Medium),
    ),
];

/// Loads the demonstration onto the seeded report; run again, it changes only what moved
/// with the date. Returns a line saying what it did.
pub async fn load(conn: &mut AsyncPgConnection, derivation: Derivation) -> anyhow::Result<String> {
    let today = derivation.today();
    let seed = bundled()?;
    let slug = seed.report.slug.clone();
    let report_id: uuid::Uuid = reports::table
        .filter(reports::slug.eq(&slug))
        .select(reports::id)
        .first(conn)
        .await?;
    let mut rows = Vec::new();
    let mut n = 0;
    for category in &seed.categories {
        for (i, rec) in category.recommendations.iter().enumerate() {
            let (status, health, lead, support, priority) = STORY[n % STORY.len()];
            n += 1;
            let code = format!("{}-{}", category.code_prefix, i + 1);
            rows.push(RecommendationImport {
                row: n,
                status_note: Some(format!("{LABEL} {} ({code}).", story_note(status))),
                evidence_urls: if status.needs_evidence() {
                    vec![format!("{EVIDENCE}/{}", code.to_lowercase())]
                } else {
                    Vec::new()
                },
                external_id: None,
                title: rec.title.clone(),
                text: Some(rec.text.clone()),
                category: category.slug.clone(),
                status,
                health: Some(health),
                priority: Some(priority),
                target_on: Some(Some(today + Duration::days(90 + 30 * (n as i64 % 12)))),
                lead_agency: Some(Some(lead.to_owned())),
                supporting: Some(vec![(support.to_owned(), AgencyRole::Supporting)]),
                position: None,
                milestones: Some(milestones(n, lead, support, today)),
                history: None,
                code,
                language: None,
                translations: None,
            });
        }
    }
    let past = add_past_steps(conn, report_id, &rows, today).await?;
    let batch = ImportBatch {
        format: SourceFormat::Json,
        agencies: Vec::new(),
        agencies_by_name: false,
        reports: vec![ReportImport {
            target: ReportTarget::Existing(ReportRef::Id(report_id)),
            categories: Vec::new(),
            recommendations: rows,
        }],
        errors: Vec::new(),
    };
    let represent = crate::events::dto::Representation::new(derivation);
    let outcome = match import(conn, None, batch, false, &represent).await {
        Ok(outcome) => outcome,
        Err(ImportFailure::Rejected(errors)) => anyhow::bail!("demo data rejected: {errors:?}"),
        Err(ImportFailure::Api(e)) => anyhow::bail!("demo data: {e}"),
    };
    let check_ins = add_check_ins(conn, report_id, today).await?;
    Ok(format!(
        "demo: {past} earlier status change(s), {} recommendation(s) and {} milestone(s) \
         changed, {} added, {check_ins} check-in(s) posted on {slug} (every note starts {LABEL})",
        outcome.updated.recommendations, outcome.updated.milestones, outcome.created.milestones
    ))
}

fn story_note(status: Status) -> &'static str {
    match status {
        Status::NotAssessed => "Not assessed yet",
        Status::NotStarted => "Assessed; the working group has not met",
        Status::InProgress => "Working group chartered and meeting quarterly",
        Status::Stalled => "Talks paused after the last round",
        Status::Implemented => "Signed and in force",
        Status::PartiallyImplemented => "The first phase is done; the rest was dropped",
        Status::NotImplemented => "Closed without action",
        Status::Superseded => "Replaced by a broader agreement",
    }
}

/// A milestone done a month ago, one overdue by ten days, one due within the week.
fn milestones(n: usize, lead: &str, support: &str, today: NaiveDate) -> Vec<MilestoneImport> {
    let shift = Duration::days(n as i64);
    vec![
        MilestoneImport {
            title: "Agree terms of reference".into(),
            description: format!("{LABEL} Both sides sign the working group's terms."),
            owner_agency: Some(lead.to_owned()),
            due_on: Some(today - Duration::days(45) - shift),
            status: MilestoneStatus::Done,
            completed_on: Some(today - Duration::days(30) - shift),
            weight: 1,
            position: 1,
        },
        MilestoneImport {
            title: "First joint meeting".into(),
            description: format!("{LABEL} Overdue: the date slipped."),
            owner_agency: Some(support.to_owned()),
            due_on: Some(today - Duration::days(10)),
            status: MilestoneStatus::InProgress,
            completed_on: None,
            weight: 2,
            position: 2,
        },
        MilestoneImport {
            title: "Publish a joint statement".into(),
            description: format!("{LABEL} Due soon."),
            owner_agency: Some(lead.to_owned()),
            due_on: Some(today + Duration::days(5)),
            status: MilestoneStatus::Planned,
            completed_on: None,
            weight: 1,
            position: 3,
        },
    ]
}

/// The statuses a recommendation passed through before reaching `status`.
fn earlier_steps(status: Status) -> &'static [Status] {
    match status {
        Status::NotAssessed => &[],
        Status::NotStarted | Status::Superseded => &[Status::NotStarted],
        _ => &[Status::NotStarted, Status::InProgress],
    }
}

/// On recommendations with no history yet (the first run), the steps before their demo
/// status, dated between six and two months back, so the trend and the timeline have a past.
async fn add_past_steps(
    conn: &mut AsyncPgConnection,
    report_id: uuid::Uuid,
    rows: &[RecommendationImport],
    today: NaiveDate,
) -> diesel::QueryResult<usize> {
    conn.transaction(async |conn| {
        let mut added = 0;
        for (n, rec) in rows.iter().enumerate() {
            let steps = earlier_steps(rec.status);
            let fresh: Option<uuid::Uuid> = recommendations::table
                .filter(recommendations::report_id.eq(report_id))
                .filter(recommendations::code.eq(&rec.code))
                .filter(recommendations::latest_status_change_id.is_null())
                .filter(recommendations::status.eq(Status::NotAssessed))
                .select(recommendations::id)
                .for_update()
                .first(conn)
                .await
                .optional()?;
            let (Some(id), false) = (fresh, steps.is_empty()) else {
                continue;
            };
            let mut from = Status::NotAssessed;
            let mut latest = None;
            for (k, &to) in steps.iter().enumerate() {
                let change = uuid::Uuid::new_v4();
                let days_back = 180 - 75 * k as i64 - (n as i64 * 6) % 45;
                diesel::insert_into(status_changes::table)
                    .values((
                        status_changes::id.eq(change),
                        status_changes::recommendation_id.eq(id),
                        status_changes::from_status.eq(from),
                        status_changes::to_status.eq(to),
                        status_changes::health.eq(Some(Health::OnTrack)),
                        status_changes::note.eq(format!("{LABEL} {}.", story_note(to))),
                        status_changes::evidence_urls.eq(Vec::<String>::new()),
                        status_changes::effective_on.eq(today - Duration::days(days_back)),
                    ))
                    .execute(conn)
                    .await?;
                from = to;
                latest = Some(change);
                added += 1;
            }
            diesel::update(recommendations::table.find(id))
                .set((
                    recommendations::status.eq(from),
                    recommendations::health.eq(Some(Health::OnTrack)),
                    recommendations::latest_status_change_id.eq(latest),
                    recommendations::status_changed_at.eq(diesel::dsl::now),
                    recommendations::version.eq(recommendations::version + 1),
                    recommendations::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
        }
        Ok(added)
    })
    .await
}

/// A check-in on each open, assessed recommendation that has none yet.
async fn add_check_ins(
    conn: &mut AsyncPgConnection,
    report_id: uuid::Uuid,
    today: NaiveDate,
) -> diesel::QueryResult<usize> {
    let open: Vec<(uuid::Uuid, Option<Health>)> = recommendations::table
        .filter(recommendations::report_id.eq(report_id))
        .filter(recommendations::checked_in_at.is_null())
        .filter(recommendations::status.eq_any([
            Status::NotStarted,
            Status::InProgress,
            Status::Stalled,
        ]))
        .select((recommendations::id, recommendations::health))
        .load(conn)
        .await?;
    for (id, health) in &open {
        diesel::insert_into(check_ins::table)
            .values((
                check_ins::recommendation_id.eq(id),
                check_ins::note.eq(format!(
                    "{LABEL} Progress check: on schedule for the next milestone."
                )),
                check_ins::health.eq(health),
                check_ins::as_of.eq(today - Duration::days(3)),
            ))
            .execute(conn)
            .await?;
        diesel::update(recommendations::table.find(id))
            .set((
                recommendations::checked_in_at.eq(diesel::dsl::now),
                recommendations::version.eq(recommendations::version + 1),
                recommendations::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
    }
    Ok(open.len())
}
