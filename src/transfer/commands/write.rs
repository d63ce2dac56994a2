//! Writes a plan: each kind of row in a few set-based statements (`unnest` of one array
//! per column), so ten thousand rows cost a handful of round trips, not ten thousand.

use super::plan::{HistoryRow, MilestoneRow, NewAgencyRow, RecommendationRow, ReportPlan};
use crate::audit::model::Actor;
use crate::domain::Language;
use crate::transfer::model::{ReportFields, TranslationImport};
use crate::translations::model::Subject;
use diesel::QueryResult;
use diesel::sql_types::Uuid as SqlUuid;
use diesel::sql_types::{Array, Bool, Date, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Rows per statement: bounds the size of one statement's parameters.
const CHUNK: usize = 2_000;

pub async fn agencies(conn: &mut AsyncPgConnection, rows: &[NewAgencyRow]) -> QueryResult<()> {
    for chunk in rows.chunks(CHUNK) {
        diesel::sql_query(
            "INSERT INTO agencies (id, code, name, country) \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])",
        )
        .bind::<Array<SqlUuid>, _>(chunk.iter().map(|a| a.id).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(chunk.iter().map(|a| a.code.as_str()).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(chunk.iter().map(|a| a.name.as_str()).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(chunk.iter().map(|a| a.country.as_str()).collect::<Vec<_>>())
        .execute(conn)
        .await?;
    }
    Ok(())
}

pub async fn report(conn: &mut AsyncPgConnection, plan: &ReportPlan) -> QueryResult<()> {
    if let Some(f) = &plan.new_report {
        report_row(
            conn,
            "INSERT INTO reports (id, slug, title, publisher, published_on, source_url, summary, \
             review_closures, language) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8, false), COALESCE($9, 'en'))",
            plan.id,
            f,
        )
        .await?;
    }
    if let Some(f) = &plan.changed_report {
        report_row(
            conn,
            "UPDATE reports SET slug = $2, title = $3, publisher = $4, published_on = $5, \
             source_url = $6, summary = $7, review_closures = COALESCE($8, review_closures), \
             language = COALESCE($9, language), version = version + 1, updated_at = now() \
             WHERE id = $1",
            plan.id,
            f,
        )
        .await?;
    }
    for (id, c) in &plan.new_categories {
        diesel::sql_query(
            "INSERT INTO categories (id, report_id, slug, name, position, language) \
             VALUES ($1, $2, $3, $4, $5, COALESCE($6, 'en'))",
        )
        .bind::<SqlUuid, _>(id)
        .bind::<SqlUuid, _>(plan.id)
        .bind::<Text, _>(&c.slug)
        .bind::<Text, _>(&c.name)
        .bind::<Integer, _>(c.position)
        .bind::<Nullable<Text>, _>(c.language.map(Language::as_str))
        .execute(conn)
        .await?;
    }
    for (id, c) in &plan.changed_categories {
        diesel::sql_query(
            "UPDATE categories SET name = $2, position = $3, language = COALESCE($4, language), \
             version = version + 1, updated_at = now() WHERE id = $1",
        )
        .bind::<SqlUuid, _>(id)
        .bind::<Text, _>(&c.name)
        .bind::<Integer, _>(c.position)
        .bind::<Nullable<Text>, _>(c.language.map(Language::as_str))
        .execute(conn)
        .await?;
    }
    Ok(())
}

async fn report_row(
    conn: &mut AsyncPgConnection,
    sql: &'static str,
    id: Uuid,
    f: &ReportFields,
) -> QueryResult<usize> {
    diesel::sql_query(sql)
        .bind::<SqlUuid, _>(id)
        .bind::<Text, _>(&f.slug)
        .bind::<Text, _>(&f.title)
        .bind::<Text, _>(&f.publisher)
        .bind::<Nullable<Date>, _>(f.published_on)
        .bind::<Nullable<Text>, _>(f.source_url.as_deref())
        .bind::<Text, _>(&f.summary)
        .bind::<Nullable<Bool>, _>(f.review_closures)
        .bind::<Nullable<Text>, _>(f.language.map(Language::as_str))
        .execute(conn)
        .await
}

const INSERT_RECOMMENDATIONS: &str = "\
INSERT INTO recommendations (id, report_id, category_id, code, external_id, position, title, \
    body, status, health, lead_agency_id, priority, target_on, language) \
SELECT u.id, $13, u.category_id, u.code, u.external_id, u.position, u.title, u.body, u.status, \
    u.health, u.lead, u.priority, u.target_on, u.language \
FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int4[], $6::text[], $7::text[], \
    $8::text[], $9::text[], $10::uuid[], $11::text[], $12::date[], $14::text[]) \
    AS u(id, category_id, code, external_id, position, title, body, status, health, lead, \
    priority, target_on, language)";

const UPDATE_RECOMMENDATIONS: &str = "\
UPDATE recommendations r SET category_id = u.category_id, code = u.code, \
    external_id = u.external_id, position = u.position, title = u.title, body = u.body, \
    status = u.status, health = u.health, lead_agency_id = u.lead, priority = u.priority, \
    target_on = u.target_on, language = u.language, version = r.version + 1, updated_at = now() \
FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int4[], $6::text[], $7::text[], \
    $8::text[], $9::text[], $10::uuid[], $11::text[], $12::date[], $14::text[]) \
    AS u(id, category_id, code, external_id, position, title, body, status, health, lead, \
    priority, target_on, language) \
WHERE r.id = u.id AND r.report_id = $13";

pub async fn recommendations(
    conn: &mut AsyncPgConnection,
    report_id: Uuid,
    rows: &[RecommendationRow],
    insert: bool,
) -> QueryResult<()> {
    let sql = if insert {
        INSERT_RECOMMENDATIONS
    } else {
        UPDATE_RECOMMENDATIONS
    };
    for chunk in rows.chunks(CHUNK) {
        diesel::sql_query(sql)
            .bind::<Array<SqlUuid>, _>(chunk.iter().map(|r| r.id).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(chunk.iter().map(|r| r.category_id).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(chunk.iter().map(|r| r.code.as_str()).collect::<Vec<_>>())
            .bind::<Array<Nullable<Text>>, _>(
                chunk
                    .iter()
                    .map(|r| r.external_id.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind::<Array<Integer>, _>(chunk.iter().map(|r| r.position).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(chunk.iter().map(|r| r.title.as_str()).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(chunk.iter().map(|r| r.body.as_str()).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(chunk.iter().map(|r| r.status.as_str()).collect::<Vec<_>>())
            .bind::<Array<Nullable<Text>>, _>(
                chunk
                    .iter()
                    .map(|r| r.health.map(|h| h.as_str()))
                    .collect::<Vec<_>>(),
            )
            .bind::<Array<Nullable<SqlUuid>>, _>(
                chunk.iter().map(|r| r.lead_agency_id).collect::<Vec<_>>(),
            )
            .bind::<Array<Nullable<Text>>, _>(
                chunk
                    .iter()
                    .map(|r| r.priority.map(|p| p.as_str()))
                    .collect::<Vec<_>>(),
            )
            .bind::<Array<Nullable<Date>>, _>(chunk.iter().map(|r| r.target_on).collect::<Vec<_>>())
            .bind::<SqlUuid, _>(report_id)
            .bind::<Array<Text>, _>(
                chunk
                    .iter()
                    .map(|r| r.language.as_str())
                    .collect::<Vec<_>>(),
            )
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Writes new and changed translations (by the importer), then removes those the file drops.
pub async fn translations(
    conn: &mut AsyncPgConnection,
    actor: Option<&Actor<'_>>,
    put: &[(Subject, Uuid, Language, TranslationImport)],
    removed: &[(Subject, Uuid, Language)],
) -> QueryResult<()> {
    for subject in [Subject::Report, Subject::Category, Subject::Recommendation] {
        let rows: Vec<_> = put.iter().filter(|row| row.0 == subject).collect();
        for chunk in rows.chunks(CHUNK) {
            diesel::sql_query(format!(
                "INSERT INTO {} AS t (subject_id, language, title, body, machine_translated, \
                 author_id, author_email) \
                 SELECT u.*, $6, $7 FROM unnest($1::uuid[], $2::text[], $3::text[], \
                 $4::text[], $5::bool[]) AS u \
                 ON CONFLICT (subject_id, language) DO UPDATE SET title = EXCLUDED.title, \
                 body = EXCLUDED.body, machine_translated = EXCLUDED.machine_translated, \
                 author_id = EXCLUDED.author_id, author_email = EXCLUDED.author_email, \
                 updated_at = now()",
                subject.table()
            ))
            .bind::<Array<SqlUuid>, _>(chunk.iter().map(|r| r.1).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(chunk.iter().map(|r| r.2.as_str()).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(chunk.iter().map(|r| r.3.title.as_str()).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(chunk.iter().map(|r| r.3.text.as_str()).collect::<Vec<_>>())
            .bind::<Array<Bool>, _>(
                chunk
                    .iter()
                    .map(|r| r.3.machine_translated.unwrap_or(false))
                    .collect::<Vec<_>>(),
            )
            .bind::<Nullable<SqlUuid>, _>(actor.map(|a| a.id))
            .bind::<Nullable<Text>, _>(actor.map(|a| a.email))
            .execute(conn)
            .await?;
        }
        let rows: Vec<_> = removed.iter().filter(|row| row.0 == subject).collect();
        for chunk in rows.chunks(CHUNK) {
            diesel::sql_query(format!(
                "DELETE FROM {} t USING unnest($1::uuid[], $2::text[]) AS u(id, language) \
                 WHERE t.subject_id = u.id AND t.language = u.language",
                subject.table()
            ))
            .bind::<Array<SqlUuid>, _>(chunk.iter().map(|r| r.1).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(chunk.iter().map(|r| r.2.as_str()).collect::<Vec<_>>())
            .execute(conn)
            .await?;
        }
    }
    Ok(())
}

/// Rows written in bulk wait in the search index's pending list, which the planner prices as
/// a scan of its own: until autovacuum came by, a search after a large import read the whole
/// table. Moving them into the index now costs what that vacuum would.
pub async fn settle_search_index(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT gin_clean_pending_list('recommendations_search_idx')")
        .execute(conn)
        .await
        .map(|_| ())
}

/// Moves the version of recommendations whose milestones alone changed.
pub async fn touch(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "UPDATE recommendations SET version = version + 1, updated_at = now() WHERE id = ANY($1)",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn supporting(
    conn: &mut AsyncPgConnection,
    sets: &[(Uuid, Vec<(Uuid, crate::domain::AgencyRole)>)],
) -> QueryResult<()> {
    for chunk in sets.chunks(CHUNK) {
        let ids: Vec<Uuid> = chunk.iter().map(|(id, _)| *id).collect();
        diesel::sql_query("DELETE FROM recommendation_agencies WHERE recommendation_id = ANY($1)")
            .bind::<Array<SqlUuid>, _>(&ids)
            .execute(conn)
            .await?;
        let links: Vec<(Uuid, Uuid, &str)> = chunk
            .iter()
            .flat_map(|(rec, list)| list.iter().map(move |(a, role)| (*rec, *a, role.as_str())))
            .collect();
        diesel::sql_query(
            "INSERT INTO recommendation_agencies (recommendation_id, agency_id, role) \
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])",
        )
        .bind::<Array<SqlUuid>, _>(links.iter().map(|l| l.0).collect::<Vec<_>>())
        .bind::<Array<SqlUuid>, _>(links.iter().map(|l| l.1).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(links.iter().map(|l| l.2).collect::<Vec<_>>())
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// History entries, then each recommendation pointed at its newest.
pub async fn history(
    conn: &mut AsyncPgConnection,
    importer: Option<&Actor<'_>>,
    rows: &[HistoryRow],
    latest: &[(Uuid, Uuid, Option<chrono::DateTime<chrono::Utc>>)],
) -> QueryResult<()> {
    for chunk in rows.chunks(CHUNK) {
        let evidence: Vec<String> = chunk
            .iter()
            .map(|h| serde_json::Value::from(h.evidence_urls.clone()).to_string())
            .collect();
        diesel::sql_query(
            "INSERT INTO status_changes (id, recommendation_id, from_status, to_status, health, \
                 note, evidence_urls, effective_on, actor_id, actor_email, approved_by_email, \
                 recorded_at) \
             SELECT u.id, u.rec, u.from_s, u.to_s, u.health, u.note, \
                 ARRAY(SELECT e FROM jsonb_array_elements_text(u.evidence::jsonb) \
                       WITH ORDINALITY AS x(e, n) ORDER BY n), \
                 u.effective_on, CASE WHEN u.by_importer THEN $12 END, \
                 CASE WHEN u.by_importer THEN $13 ELSE u.actor_email END, \
                 u.approved_by, COALESCE(u.recorded_at, now()) \
             FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], \
                 $7::text[], $8::date[], $9::bool[], $10::text[], $11::text[], $14::timestamptz[]) \
                 AS u(id, rec, from_s, to_s, health, note, evidence, effective_on, by_importer, \
                 actor_email, approved_by, recorded_at)",
        )
        .bind::<Array<SqlUuid>, _>(chunk.iter().map(|h| h.id).collect::<Vec<_>>())
        .bind::<Array<SqlUuid>, _>(
            chunk
                .iter()
                .map(|h| h.recommendation_id)
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Text>, _>(
            chunk
                .iter()
                .map(|h| h.from_status.as_str())
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Text>, _>(
            chunk
                .iter()
                .map(|h| h.to_status.as_str())
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Nullable<Text>>, _>(
            chunk
                .iter()
                .map(|h| h.health.map(|x| x.as_str()))
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Text>, _>(chunk.iter().map(|h| h.note.as_str()).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(&evidence)
        .bind::<Array<Date>, _>(chunk.iter().map(|h| h.effective_on).collect::<Vec<_>>())
        .bind::<Array<Bool>, _>(chunk.iter().map(|h| h.by_importer).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(
            chunk
                .iter()
                .map(|h| h.actor_email.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Nullable<Text>>, _>(
            chunk
                .iter()
                .map(|h| h.approved_by_email.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind::<Nullable<SqlUuid>, _>(importer.map(|a| a.id))
        .bind::<Nullable<Text>, _>(importer.map(|a| a.email))
        .bind::<Array<Nullable<Timestamptz>>, _>(
            chunk.iter().map(|h| h.recorded_at).collect::<Vec<_>>(),
        )
        .execute(conn)
        .await?;
    }
    for chunk in latest.chunks(CHUNK) {
        diesel::sql_query(
            "UPDATE recommendations r SET latest_status_change_id = u.change, \
                 status_changed_at = COALESCE(u.at, now()) \
             FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS u(rec, change, at) \
             WHERE r.id = u.rec",
        )
        .bind::<Array<SqlUuid>, _>(chunk.iter().map(|l| l.0).collect::<Vec<_>>())
        .bind::<Array<SqlUuid>, _>(chunk.iter().map(|l| l.1).collect::<Vec<_>>())
        .bind::<Array<Nullable<Timestamptz>>, _>(chunk.iter().map(|l| l.2).collect::<Vec<_>>())
        .execute(conn)
        .await?;
    }
    Ok(())
}

const INSERT_MILESTONES: &str = "\
INSERT INTO milestones (id, recommendation_id, title, description, owner_agency_id, due_on, \
    status, completed_on, weight, position) \
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::date[], \
    $7::text[], $8::date[], $9::int4[], $10::int4[])";

const UPDATE_MILESTONES: &str = "\
UPDATE milestones m SET title = u.title, description = u.description, \
    owner_agency_id = u.owner, due_on = u.due_on, status = u.status, \
    completed_on = u.completed_on, weight = u.weight, version = m.version + 1, \
    updated_at = now() \
FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::date[], \
    $7::text[], $8::date[], $9::int4[], $10::int4[]) \
    AS u(id, rec, title, description, owner, due_on, status, completed_on, weight, position) \
WHERE m.id = u.id AND m.recommendation_id = u.rec";

pub async fn milestones(
    conn: &mut AsyncPgConnection,
    rows: &[MilestoneRow],
    insert: bool,
) -> QueryResult<()> {
    let sql = if insert {
        INSERT_MILESTONES
    } else {
        UPDATE_MILESTONES
    };
    for chunk in rows.chunks(CHUNK) {
        diesel::sql_query(sql)
            .bind::<Array<SqlUuid>, _>(chunk.iter().map(|m| m.id).collect::<Vec<_>>())
            .bind::<Array<SqlUuid>, _>(
                chunk
                    .iter()
                    .map(|m| m.recommendation_id)
                    .collect::<Vec<_>>(),
            )
            .bind::<Array<Text>, _>(chunk.iter().map(|m| m.title.as_str()).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(
                chunk
                    .iter()
                    .map(|m| m.description.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind::<Array<Nullable<SqlUuid>>, _>(
                chunk.iter().map(|m| m.owner_agency_id).collect::<Vec<_>>(),
            )
            .bind::<Array<Nullable<Date>>, _>(chunk.iter().map(|m| m.due_on).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(chunk.iter().map(|m| m.status.as_str()).collect::<Vec<_>>())
            .bind::<Array<Nullable<Date>>, _>(
                chunk.iter().map(|m| m.completed_on).collect::<Vec<_>>(),
            )
            .bind::<Array<Integer>, _>(chunk.iter().map(|m| m.weight).collect::<Vec<_>>())
            .bind::<Array<Integer>, _>(chunk.iter().map(|m| m.position).collect::<Vec<_>>())
            .execute(conn)
            .await?;
    }
    Ok(())
}
