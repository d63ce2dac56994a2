//! Translations of reports, categories, recommendations and agencies: one row per subject and
//! language, in one table per subject kind of the same shape (`<kind>_translations`).

use crate::domain::Language;
use crate::domain::language::Preference;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use std::collections::HashMap;
use uuid::Uuid;

/// What a translation translates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Report,
    Category,
    Recommendation,
    Agency,
}

impl Subject {
    /// The entity's name in errors and the audit log.
    pub fn name(self) -> &'static str {
        match self {
            Subject::Report => "report",
            Subject::Category => "category",
            Subject::Recommendation => "recommendation",
            Subject::Agency => "agency",
        }
    }

    /// The table its translations are kept in.
    pub fn table(self) -> &'static str {
        match self {
            Subject::Report => "report_translations",
            Subject::Category => "category_translations",
            Subject::Recommendation => "recommendation_translations",
            Subject::Agency => "agency_translations",
        }
    }

    /// Why its original cannot be marked `language`: a translation says that language already.
    pub fn language_taken(self, language: Language) -> String {
        format!(
            "the {} has a {language} translation: delete it before marking the original {language}",
            self.name()
        )
    }

    /// The table of the subjects themselves.
    pub fn parent_table(self) -> &'static str {
        match self {
            Subject::Report => "reports",
            Subject::Category => "categories",
            Subject::Recommendation => "recommendations",
            Subject::Agency => "agencies",
        }
    }
}

/// One translation. For a category or an agency `title` is the name and `body` is empty; for
/// a report `body` is the summary, for a recommendation its text.
#[derive(Debug, Clone, QueryableByName, serde::Serialize)]
pub struct Translation {
    #[diesel(sql_type = SqlUuid)]
    pub subject_id: Uuid,
    #[diesel(sql_type = Text)]
    pub language: Language,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Bool)]
    pub machine_translated: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub author_email: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

/// A validated translation to write.
#[derive(Debug, Clone)]
pub struct TranslationInput {
    pub title: String,
    pub body: String,
    pub machine_translated: bool,
}

/// How a text is shown: in which language, and (`include=translations`) every translation.
#[derive(Debug, Clone, Default)]
pub struct Shown {
    /// The translation shown in place of the original; `None`: the original.
    pub translated_to: Option<Language>,
    /// Whether that translation is machine-made.
    pub machine_translated: bool,
    /// Every translation, when asked for.
    pub translations: Option<Vec<Translation>>,
}

/// The loaded translations of some subjects, by subject.
#[derive(Debug, Default)]
pub struct Translations(HashMap<Uuid, Vec<Translation>>);

impl Translations {
    pub fn new(rows: Vec<Translation>) -> Self {
        let mut map: HashMap<Uuid, Vec<Translation>> = HashMap::new();
        for row in rows {
            map.entry(row.subject_id).or_default().push(row);
        }
        Self(map)
    }

    /// The translation to show of subject `id` written in `original`, if one is wanted.
    pub fn pick(&self, id: Uuid, original: Language, wanted: &Preference) -> Option<&Translation> {
        let rows = self.0.get(&id)?;
        let language = wanted.pick(original, |l| rows.iter().any(|t| t.language == l));
        rows.iter().find(|t| t.language == language)
    }

    /// Takes the translations of `id` out.
    pub fn take(&mut self, id: Uuid) -> Vec<Translation> {
        self.0.remove(&id).unwrap_or_default()
    }

    /// Every translation of `id`, by language.
    pub fn all_of(&self, id: Uuid) -> Vec<Translation> {
        let mut rows = self.0.get(&id).cloned().unwrap_or_default();
        rows.sort_by_key(|t| t.language);
        rows
    }
}
