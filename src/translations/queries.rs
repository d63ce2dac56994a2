//! Translation reads, and the step every localized read ends with: texts swapped for the
//! translations the reader asked for (`Accept-Language`, `lang=`), with a fallback along the
//! list to the original.

use super::model::{Shown, Subject, Translation, Translations};
use crate::agencies::model::{Agency, AgencyBrief};
use crate::domain::Language;
use crate::domain::language::Preference;
use crate::recommendations::model::RecommendationView;
use crate::reports::model::ReportView;
use diesel::QueryResult;
use diesel::sql_types::{Array, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::future::{try_join, try_join3};
use std::collections::HashMap;
use uuid::Uuid;

const COLUMNS: &str =
    "subject_id, language, title, body, machine_translated, author_email, created_at, updated_at";

/// The translations of `ids` into `languages` (`None`: every language).
pub async fn load(
    mut conn: &AsyncPgConnection,
    subject: Subject,
    ids: &[Uuid],
    languages: Option<&[Language]>,
) -> QueryResult<Translations> {
    if ids.is_empty() || languages.is_some_and(<[Language]>::is_empty) {
        return Ok(Translations::default());
    }
    let table = subject.table();
    let rows: Vec<Translation> = match languages {
        None => {
            diesel::sql_query(format!(
                "SELECT {COLUMNS} FROM {table} WHERE subject_id = ANY($1) ORDER BY language"
            ))
            .bind::<Array<SqlUuid>, _>(ids)
            .load(&mut conn)
            .await?
        }
        Some(languages) => {
            let names: Vec<&str> = languages.iter().map(|l| l.as_str()).collect();
            diesel::sql_query(format!(
                "SELECT {COLUMNS} FROM {table} WHERE subject_id = ANY($1) AND language = ANY($2)"
            ))
            .bind::<Array<SqlUuid>, _>(ids)
            .bind::<Array<Text>, _>(names)
            .load(&mut conn)
            .await?
        }
    };
    Ok(Translations::new(rows))
}

/// The translation of one subject into one language.
pub async fn find(
    conn: &AsyncPgConnection,
    subject: Subject,
    id: Uuid,
    language: Language,
) -> QueryResult<Option<Translation>> {
    let mut loaded = load(conn, subject, &[id], Some(&[language])).await?;
    Ok(loaded.take(id).into_iter().next())
}

/// Which languages to load: those wanted, or all of them for `include=translations`.
fn wanted(preference: &Preference, all: bool) -> Option<&[Language]> {
    (!all).then(|| preference.languages())
}

/// Recommendations (title, text), their categories and agencies in the wanted language.
pub async fn localize_recommendations(
    conn: &AsyncPgConnection,
    views: &mut [RecommendationView],
    preference: &Preference,
    all: bool,
) -> QueryResult<()> {
    if preference.is_empty() && !all {
        return Ok(());
    }
    let ids: Vec<Uuid> = views.iter().map(|v| v.recommendation.id).collect();
    let category_ids: Vec<Uuid> = views.iter().map(|v| v.category.id).collect();
    let agency_ids: Vec<Uuid> = views
        .iter()
        .flat_map(|v| {
            let lead = v.lead_agency.iter().map(|a| a.id);
            let supporting = v.supporting.iter().flatten().map(|l| l.agency.id);
            lead.chain(supporting)
        })
        .collect();
    let languages = preference.languages();
    let (texts, categories, agencies) = try_join3(
        load(conn, Subject::Recommendation, &ids, wanted(preference, all)),
        load(conn, Subject::Category, &category_ids, Some(languages)),
        load(conn, Subject::Agency, &agency_ids, Some(languages)),
    )
    .await?;
    for view in views {
        let r = &mut view.recommendation;
        if let Some(t) = texts.pick(r.id, r.language, preference) {
            r.title.clone_from(&t.title);
            r.body.clone_from(&t.body);
            view.shown.translated_to = Some(t.language);
            view.shown.machine_translated = t.machine_translated;
        }
        if all {
            view.shown.translations = Some(texts.all_of(r.id));
        }
        if let Some(t) = categories.pick(view.category.id, view.category.language, preference) {
            view.category.name.clone_from(&t.title);
        }
        let links = view.supporting.iter_mut().flatten().map(|l| &mut l.agency);
        for agency in view.lead_agency.iter_mut().chain(links) {
            rename_brief(agency, &agencies, preference);
        }
    }
    Ok(())
}

fn rename_brief(agency: &mut AgencyBrief, loaded: &Translations, preference: &Preference) {
    if let Some(t) = loaded.pick(agency.id, agency.language, preference) {
        agency.name.clone_from(&t.title);
    }
}

/// Reports (title, summary) and their categories (name) in the wanted language.
pub async fn localize_reports(
    conn: &AsyncPgConnection,
    views: &mut [ReportView],
    preference: &Preference,
    all: bool,
) -> QueryResult<()> {
    if preference.is_empty() && !all {
        return Ok(());
    }
    let ids: Vec<Uuid> = views.iter().map(|v| v.report.id).collect();
    let category_ids: Vec<Uuid> = views
        .iter()
        .flat_map(|v| v.categories.iter().map(|(c, _)| c.id))
        .collect();
    let (texts, categories) = try_join(
        load(conn, Subject::Report, &ids, wanted(preference, all)),
        load(
            conn,
            Subject::Category,
            &category_ids,
            wanted(preference, all),
        ),
    )
    .await?;
    for view in views {
        let r = &mut view.report;
        view.shown = shown(&texts, r.id, r.language, preference, all, |t| {
            r.title.clone_from(&t.title);
            r.summary.clone_from(&t.body);
        });
        for (category, _) in &mut view.categories {
            let id = category.id;
            let original = category.language;
            let category_shown = shown(&categories, id, original, preference, all, |t| {
                category.name.clone_from(&t.title)
            });
            view.categories_shown.insert(id, category_shown);
        }
    }
    Ok(())
}

/// Agencies (name) in the wanted language: how each is shown, in their order.
pub async fn localize_agencies(
    conn: &AsyncPgConnection,
    agencies: &mut [Agency],
    preference: &Preference,
    all: bool,
) -> QueryResult<Vec<Shown>> {
    if preference.is_empty() && !all {
        return Ok(vec![Shown::default(); agencies.len()]);
    }
    let ids: Vec<Uuid> = agencies.iter().map(|a| a.id).collect();
    let names = load(conn, Subject::Agency, &ids, wanted(preference, all)).await?;
    Ok(agencies
        .iter_mut()
        .map(|a| {
            shown(&names, a.id, a.language, preference, all, |t| {
                a.name.clone_from(&t.title)
            })
        })
        .collect())
}

/// Applies the translation to show of `id` with `apply`, and says how it is shown.
fn shown(
    loaded: &Translations,
    id: Uuid,
    original: Language,
    preference: &Preference,
    all: bool,
    apply: impl FnOnce(&Translation),
) -> Shown {
    let picked = loaded.pick(id, original, preference);
    if let Some(t) = picked {
        apply(t);
    }
    Shown {
        translated_to: picked.map(|t| t.language),
        machine_translated: picked.is_some_and(|t| t.machine_translated),
        translations: all.then(|| loaded.all_of(id)),
    }
}

#[derive(diesel::QueryableByName)]
struct NameRow {
    #[diesel(sql_type = SqlUuid)]
    subject_id: Uuid,
    #[diesel(sql_type = Text)]
    original: Language,
    #[diesel(sql_type = Text)]
    language: Language,
    #[diesel(sql_type = Text)]
    title: String,
}

/// The name (title, for recommendations and reports) to show of each of `ids` that has one
/// in a wanted language; those to show in the original are left out.
pub async fn names(
    mut conn: &AsyncPgConnection,
    subject: Subject,
    ids: &[Uuid],
    preference: &Preference,
) -> QueryResult<HashMap<Uuid, String>> {
    if ids.is_empty() || preference.is_empty() {
        return Ok(HashMap::new());
    }
    let languages: Vec<&str> = preference.languages().iter().map(|l| l.as_str()).collect();
    let rows: Vec<NameRow> = diesel::sql_query(format!(
        "SELECT t.subject_id, p.language AS original, t.language, t.title \
         FROM {} t JOIN {} p ON p.id = t.subject_id \
         WHERE t.subject_id = ANY($1) AND t.language = ANY($2)",
        subject.table(),
        subject.parent_table()
    ))
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Text>, _>(languages)
    .load(&mut conn)
    .await?;
    let mut by_subject: HashMap<Uuid, Vec<NameRow>> = HashMap::new();
    for row in rows {
        by_subject.entry(row.subject_id).or_default().push(row);
    }
    Ok(by_subject
        .into_iter()
        .filter_map(|(id, rows)| {
            let original = <[NameRow]>::first(&rows)?.original;
            let chosen = preference.pick(original, |l| rows.iter().any(|r| r.language == l));
            let row = rows.into_iter().find(|r| r.language == chosen)?;
            Some((id, row.title))
        })
        .collect())
}

/// Whether `subject` `id` has a translation into `language`.
pub async fn has_translation(
    conn: &AsyncPgConnection,
    subject: Subject,
    id: Uuid,
    language: Language,
) -> QueryResult<bool> {
    Ok(find(conn, subject, id, language).await?.is_some())
}
