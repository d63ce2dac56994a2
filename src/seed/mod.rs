//! The seed: the first tracked report and the agency directory, loaded once, idempotently.
//! Owners, milestones and statuses stay empty (`not_assessed`): the report names none.

pub mod demo;

use crate::agencies::commands::bump_recommendations_of;
use crate::agencies::model::NewAgency;
use crate::db::schema::{agencies, categories, recommendations, reports};
use crate::domain::Language;
use crate::recommendations::model::NewRecommendation;
use crate::reports::model::{NewCategory, NewReport};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::collections::HashMap;
use uuid::Uuid;

const SEED_JSON: &str = include_str!("charting-a-path.json");
/// Serialises concurrent seeders (two instances starting at once).
const SEED_LOCK_KEY: i64 = 0x5EED_2049;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedData {
    pub report: SeedReport,
    pub categories: Vec<SeedCategory>,
    pub agencies: Vec<SeedAgency>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedReport {
    pub slug: String,
    pub title: String,
    pub publisher: String,
    pub summary: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCategory {
    pub slug: String,
    pub name: String,
    pub code_prefix: String,
    pub recommendations: Vec<SeedRecommendation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRecommendation {
    pub title: String,
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAgency {
    pub code: String,
    pub name: String,
    pub country: String,
    pub parent: Option<String>,
    /// Its official names in other languages.
    #[serde(default)]
    pub names: BTreeMap<Language, String>,
}

/// What one seeding run inserted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedOutcome {
    pub agencies: usize,
    pub reports: usize,
    pub recommendations: usize,
}

/// The bundled seed data set.
pub fn bundled() -> anyhow::Result<SeedData> {
    Ok(serde_json::from_str(SEED_JSON)?)
}

/// Seeds only a database that holds no report and no agency yet (what start-up does).
pub async fn seed_if_empty(conn: &mut AsyncPgConnection) -> anyhow::Result<Option<SeedOutcome>> {
    let data = bundled()?;
    let outcome = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            lock(conn).await?;
            let reports: i64 = reports::table.count().get_result(conn).await?;
            let agencies: i64 = agencies::table.count().get_result(conn).await?;
            if reports > 0 || agencies > 0 {
                return Ok(None);
            }
            insert(conn, &data).await.map(Some)
        })
        .await?;
    Ok(outcome)
}

/// Inserts whatever of the seed is missing (by report slug and agency code); a second run
/// changes nothing.
pub async fn seed(conn: &mut AsyncPgConnection) -> anyhow::Result<SeedOutcome> {
    let data = bundled()?;
    let outcome = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            lock(conn).await?;
            insert(conn, &data).await
        })
        .await?;
    Ok(outcome)
}

async fn lock(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(SEED_LOCK_KEY)
        .execute(conn)
        .await
        .map(|_| ())
}

async fn insert(conn: &mut AsyncPgConnection, data: &SeedData) -> QueryResult<SeedOutcome> {
    let mut outcome = SeedOutcome {
        agencies: insert_agencies(conn, &data.agencies).await?,
        ..Default::default()
    };
    let exists: bool = diesel::select(diesel::dsl::exists(
        reports::table.filter(reports::slug.eq(&data.report.slug)),
    ))
    .get_result(conn)
    .await?;
    if exists {
        return Ok(outcome);
    }
    let report_id: Uuid = diesel::insert_into(reports::table)
        .values(NewReport {
            language: Language::En,
            slug: data.report.slug.clone(),
            title: data.report.title.clone(),
            publisher: data.report.publisher.clone(),
            published_on: None,
            source_url: None,
            summary: data.report.summary.clone(),
        })
        .returning(reports::id)
        .get_result(conn)
        .await?;
    outcome.reports = 1;
    let mut position = 0;
    for (category_position, category) in data.categories.iter().enumerate() {
        let category_id: Uuid = diesel::insert_into(categories::table)
            .values(NewCategory {
                language: Language::En,
                report_id,
                slug: &category.slug,
                name: &category.name,
                position: category_position as i32,
            })
            .returning(categories::id)
            .get_result(conn)
            .await?;
        let codes: Vec<String> = (1..=category.recommendations.len())
            .map(|n| format!("{}-{n}", category.code_prefix))
            .collect();
        let rows: Vec<NewRecommendation> = category
            .recommendations
            .iter()
            .zip(&codes)
            .map(|(rec, code)| {
                position += 1;
                NewRecommendation {
                    language: Language::En,
                    report_id,
                    category_id,
                    code,
                    position,
                    title: &rec.title,
                    body: &rec.text,
                    external_id: None,
                }
            })
            .collect();
        outcome.recommendations += diesel::insert_into(recommendations::table)
            .values(&rows)
            .execute(conn)
            .await?;
    }
    Ok(outcome)
}

/// Inserts missing agencies, parents before children (the file lists them in that order).
async fn insert_agencies(conn: &mut AsyncPgConnection, seed: &[SeedAgency]) -> QueryResult<usize> {
    let mut ids: HashMap<String, Uuid> = agencies::table
        .select((agencies::code, agencies::id))
        .load::<(String, Uuid)>(conn)
        .await?
        .into_iter()
        .collect();
    let existing: Vec<Uuid> = ids.values().copied().collect();
    let mut inserted = 0;
    for agency in seed {
        if ids.contains_key(&agency.code) {
            continue;
        }
        let parent_id = agency.parent.as_ref().and_then(|p| ids.get(p).copied());
        let id: Uuid = diesel::insert_into(agencies::table)
            .values(NewAgency {
                language: Language::En,
                code: agency.code.clone(),
                name: agency.name.clone(),
                country: agency.country.clone(),
                parent_id,
            })
            .returning(agencies::id)
            .get_result(conn)
            .await?;
        ids.insert(agency.code.clone(), id);
        inserted += 1;
    }
    for agency in seed {
        if let Some(&id) = ids.get(&agency.code) {
            insert_names(conn, id, &agency.names, existing.contains(&id)).await?;
        }
    }
    Ok(inserted)
}

/// Adds the official names an agency lacks. The representation of an agency that existed
/// before (and of every recommendation it takes part in) then has a new version, as after
/// any translation.
async fn insert_names(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    names: &BTreeMap<Language, String>,
    existed: bool,
) -> QueryResult<()> {
    let mut added = 0;
    for (language, name) in names {
        added += diesel::sql_query(
            "INSERT INTO agency_translations (subject_id, language, title) \
             SELECT $1, $2, $3 FROM agencies WHERE id = $1 AND language <> $2 \
             ON CONFLICT (subject_id, language) DO NOTHING",
        )
        .bind::<diesel::sql_types::Uuid, _>(id)
        .bind::<diesel::sql_types::Text, _>(language.as_str())
        .bind::<diesel::sql_types::Text, _>(name)
        .execute(conn)
        .await?;
    }
    if added > 0 && existed {
        diesel::sql_query(
            "UPDATE agencies SET version = version + 1, updated_at = now() WHERE id = $1",
        )
        .bind::<diesel::sql_types::Uuid, _>(id)
        .execute(conn)
        .await?;
        bump_recommendations_of(conn, id).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_seed_has_the_reports_shape() {
        let data = bundled().expect("valid seed json");
        let counts: Vec<(String, usize)> = data
            .categories
            .iter()
            .map(|c| (c.slug.clone(), c.recommendations.len()))
            .collect();
        assert_eq!(
            counts,
            [
                ("political".to_string(), 7),
                ("defense".to_string(), 3),
                ("technological".to_string(), 3),
                ("commercial".to_string(), 2)
            ]
        );
    }

    #[test]
    fn every_agency_parent_is_listed_before_its_child() {
        let data = bundled().expect("valid seed json");
        let mut seen = std::collections::HashSet::new();
        for agency in &data.agencies {
            if let Some(parent) = &agency.parent {
                assert!(seen.contains(parent), "{} before {parent}", agency.code);
            }
            assert!(["US", "KR", "JP"].contains(&agency.country.as_str()));
            seen.insert(agency.code.clone());
        }
    }
}
