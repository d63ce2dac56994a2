//! The difference between an import file and what is stored: which rows to create, which
//! to change, which are unchanged, and every problem found on the way.

use crate::agencies::model::AgencyBrief;
use crate::domain::{AgencyRole, Health, Language, MilestoneStatus, Priority, Status};
use crate::milestones::model::Milestone;
use crate::recommendations::model::Recommendation;
use crate::transfer::model::{
    AgencyImport, CategoryImport, HistoryImport, KindCounts, MilestoneImport, RecommendationImport,
    ReportFields, RowError, SourceFormat, TranslationImport, TranslationsImport,
};
use crate::transfer::queries::Current;
use crate::translations::model::{Subject, Translation};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use uuid::Uuid;

/// A recommendation's stored columns as the import leaves them.
#[derive(Debug, Clone)]
pub struct RecommendationRow {
    pub id: Uuid,
    pub category_id: Uuid,
    pub code: String,
    pub external_id: Option<String>,
    pub position: i32,
    pub title: String,
    pub body: String,
    pub status: Status,
    pub health: Option<Health>,
    pub lead_agency_id: Option<Uuid>,
    pub priority: Option<Priority>,
    pub target_on: Option<NaiveDate>,
    pub language: Language,
}

#[derive(Debug, Clone)]
pub struct MilestoneRow {
    pub id: Uuid,
    pub recommendation_id: Uuid,
    pub title: String,
    pub description: String,
    pub owner_agency_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub status: MilestoneStatus,
    pub completed_on: Option<NaiveDate>,
    pub weight: i32,
    pub position: i32,
}

#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub id: Uuid,
    pub recommendation_id: Uuid,
    pub from_status: Status,
    pub to_status: Status,
    pub health: Option<Health>,
    pub note: String,
    pub evidence_urls: Vec<String>,
    pub effective_on: NaiveDate,
    /// The importer (for a change the import makes); `None` for a copied history entry.
    pub by_importer: bool,
    pub actor_email: Option<String>,
    pub approved_by_email: Option<String>,
    /// `None`: when the import commits.
    pub recorded_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewAgencyRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub country: String,
}

/// What one report of the file changes.
#[derive(Debug, Default)]
pub struct ReportPlan {
    pub id: Uuid,
    pub slug: String,
    pub new_report: Option<ReportFields>,
    pub changed_report: Option<ReportFields>,
    pub new_categories: Vec<(Uuid, CategoryImport)>,
    pub changed_categories: Vec<(Uuid, CategoryImport)>,
    pub new_recommendations: Vec<RecommendationRow>,
    pub changed_recommendations: Vec<RecommendationRow>,
    /// Recommendations whose version moves for their milestones alone.
    pub touched: Vec<Uuid>,
    pub supporting: Vec<(Uuid, Vec<(Uuid, AgencyRole)>)>,
    pub history: Vec<HistoryRow>,
    /// Each recommendation's newest history entry after the import: (recommendation, entry).
    pub latest: Vec<(Uuid, Uuid, Option<DateTime<Utc>>)>,
    pub new_milestones: Vec<MilestoneRow>,
    pub changed_milestones: Vec<MilestoneRow>,
    /// Translations to write (new or changed), and to remove.
    pub translations: Vec<(Subject, Uuid, Language, TranslationImport)>,
    pub removed_translations: Vec<(Subject, Uuid, Language)>,
    pub created: KindCounts,
    pub updated: KindCounts,
    pub unchanged: KindCounts,
    pub created_codes: Vec<String>,
    pub updated_codes: Vec<String>,
}

impl ReportPlan {
    pub fn changes_anything(&self) -> bool {
        self.created != KindCounts::default() || self.updated != KindCounts::default()
    }
}

/// The agency directory as the import grows it.
pub struct Directory {
    by_code: HashMap<String, Uuid>,
    by_name: HashMap<String, Uuid>,
    pub new_agencies: Vec<NewAgencyRow>,
    pub unchanged: usize,
}

impl Directory {
    pub fn new(agencies: Vec<AgencyBrief>) -> Self {
        let mut directory = Self {
            by_code: HashMap::new(),
            by_name: HashMap::new(),
            new_agencies: Vec::new(),
            unchanged: 0,
        };
        for a in agencies {
            directory.by_name.insert(a.name.to_lowercase(), a.id);
            directory.by_code.insert(a.code, a.id);
        }
        directory
    }

    /// Adds the file's own agencies where the directory lacks their code.
    pub fn define(&mut self, agencies: Vec<AgencyImport>) {
        for a in agencies {
            if self.by_code.contains_key(&a.code) {
                self.unchanged += 1;
            } else {
                self.add(a.code, a.name, a.country);
            }
        }
    }

    fn add(&mut self, code: String, name: String, country: String) -> Uuid {
        let id = Uuid::new_v4();
        self.by_code.insert(code.clone(), id);
        self.by_name.insert(name.to_lowercase(), id);
        self.new_agencies.push(NewAgencyRow {
            id,
            code,
            name,
            country,
        });
        id
    }

    fn by_code(&self, code: &str) -> Option<Uuid> {
        self.by_code.get(code).copied()
    }

    /// The agency named `name` (without regard to case), created in the US when missing.
    fn by_name_or_new(&mut self, name: &str) -> Uuid {
        if let Some(id) = self.by_name.get(&name.to_lowercase()) {
            return *id;
        }
        let code = self.free_code(name);
        self.add(code, name.to_owned(), "US".into())
    }

    /// `US-` and the initials of `name` (`Department of Defense` -> `US-DOD`), numbered when
    /// taken.
    fn free_code(&self, name: &str) -> String {
        let initials: String = name
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty() && !matches!(w.to_lowercase().as_str(), "the" | "and"))
            .filter_map(|w| w.chars().next())
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .take(12)
            .collect();
        let base = format!(
            "US-{}",
            if initials.is_empty() {
                "AGENCY"
            } else {
                &initials
            }
        );
        let mut code = base.clone();
        let mut n = 2;
        while self.by_code.contains_key(&code) {
            code = format!("{base}-{n}");
            n += 1;
        }
        code
    }
}

/// Compares one report of the file with `current`, as `importer` on `today`.
pub struct ReportPlanner<'a> {
    pub format: SourceFormat,
    pub by_name: bool,
    pub directory: &'a mut Directory,
    pub errors: &'a mut Vec<RowError>,
    pub today: NaiveDate,
}

impl ReportPlanner<'_> {
    fn error(&mut self, row: usize, field: &str, message: impl Into<String>) {
        let column = self.format.column(field);
        self.errors
            .push(RowError::new(Some(row), Some(&column), message));
    }

    fn agency(&mut self, row: usize, field: &str, key: &str) -> Option<Uuid> {
        if self.by_name {
            return Some(self.directory.by_name_or_new(key));
        }
        let found = self.directory.by_code(key);
        if found.is_none() {
            self.error(
                row,
                field,
                format!("no agency with code {key:?} in the directory or the file"),
            );
        }
        found
    }

    pub fn plan(
        &mut self,
        current: Current,
        fields: Option<ReportFields>,
        categories: Vec<CategoryImport>,
        recommendations: Vec<RecommendationImport>,
    ) -> ReportPlan {
        let mut plan = ReportPlan::default();
        let report_language;
        match (&current.report, fields) {
            (Some(report), fields) => {
                plan.id = report.id;
                plan.slug = report.slug.clone();
                report_language = fields
                    .as_ref()
                    .and_then(|f| f.language)
                    .unwrap_or(report.language);
                let texts_changed = fields.as_ref().is_some_and(|f| {
                    let stored = &current.report_translations;
                    let wanted = (Subject::Report, report.id, report_language);
                    self.translations(&mut plan, wanted, &f.translations, stored, None)
                });
                match fields {
                    Some(f)
                        if texts_changed
                            || f.title != report.title
                            || f.publisher != report.publisher
                            || f.published_on != report.published_on
                            || f.source_url != report.source_url
                            || f.summary != report.summary
                            || report_language != report.language
                            || f.review_closures
                                .is_some_and(|r| r != report.review_closures) =>
                    {
                        plan.changed_report = Some(f);
                        plan.updated.reports += 1;
                    }
                    _ => plan.unchanged.reports += 1,
                }
            }
            (None, Some(mut f)) => {
                plan.id = Uuid::new_v4();
                plan.slug = f.slug.clone();
                report_language = f.language.unwrap_or(Language::En);
                f.language = Some(report_language);
                let wanted = (Subject::Report, plan.id, report_language);
                self.translations(&mut plan, wanted, &f.translations, &[], None);
                plan.new_report = Some(f);
                plan.created.reports += 1;
            }
            (None, None) => {
                self.errors
                    .push(RowError::new(None, Some("report"), "no such report"));
                return plan;
            }
        }
        let mut category_ids: HashMap<String, Uuid> = current
            .categories
            .iter()
            .map(|c| (c.slug.clone(), c.id))
            .collect();
        for (i, mut wanted) in categories.into_iter().enumerate() {
            let field = format!("categories/{i}/translations");
            match current.categories.iter().find(|c| c.slug == wanted.slug) {
                Some(c) => {
                    let language = wanted.language.unwrap_or(c.language);
                    let stored = current.category_translations.get(&c.id);
                    let texts_changed = self.translations(
                        &mut plan,
                        (Subject::Category, c.id, language),
                        &wanted.translations,
                        stored.map_or(&[], Vec::as_slice),
                        Some(&field),
                    );
                    if !texts_changed
                        && c.name == wanted.name
                        && c.position == wanted.position
                        && c.language == language
                    {
                        plan.unchanged.categories += 1;
                    } else {
                        plan.updated.categories += 1;
                        plan.changed_categories.push((c.id, wanted));
                    }
                }
                None => {
                    let id = Uuid::new_v4();
                    let language = wanted.language.unwrap_or(report_language);
                    wanted.language = Some(language);
                    let target = (Subject::Category, id, language);
                    self.translations(&mut plan, target, &wanted.translations, &[], Some(&field));
                    category_ids.insert(wanted.slug.clone(), id);
                    plan.created.categories += 1;
                    plan.new_categories.push((id, wanted));
                }
            }
        }
        self.recommendations(&mut plan, current, &category_ids, recommendations);
        plan
    }

    fn recommendations(
        &mut self,
        plan: &mut ReportPlan,
        current: Current,
        category_ids: &HashMap<String, Uuid>,
        imports: Vec<RecommendationImport>,
    ) {
        let Current {
            recommendations: stored,
            mut supporting,
            mut milestones,
            mut translations,
            ..
        } = current;
        let by_code: HashMap<&str, usize> = stored
            .iter()
            .enumerate()
            .map(|(i, r)| (r.code.as_str(), i))
            .collect();
        let by_external: HashMap<&str, usize> = stored
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.external_id.as_deref().map(|e| (e, i)))
            .collect();
        let mut next_position = stored
            .iter()
            .map(|r| r.position)
            .chain(imports.iter().filter_map(|r| r.position))
            .max()
            .map_or(1, |p| p.saturating_add(1));
        let mut codes_in_file: HashMap<String, usize> = HashMap::new();
        let mut externals_in_file: HashMap<String, usize> = HashMap::new();
        let mut matched: HashMap<usize, usize> = HashMap::new();
        for rec in imports {
            let row = rec.row;
            let before = self.errors.len();
            if let Some(first) = codes_in_file.insert(rec.code.clone(), row) {
                self.error(
                    row,
                    "code",
                    format!(
                        "{} appears twice in the file (first at row {first})",
                        rec.code
                    ),
                );
                continue;
            }
            if let Some(Some(ext)) = &rec.external_id
                && let Some(first) = externals_in_file.insert(ext.clone(), row)
            {
                self.error(
                    row,
                    "external_id",
                    format!("{ext} appears twice in the file (first at row {first})"),
                );
                continue;
            }
            let category_id = category_ids.get(&rec.category).copied();
            if category_id.is_none() {
                self.error(
                    row,
                    "category",
                    format!("no category {:?} in the report", rec.category),
                );
            }
            let lead = match &rec.lead_agency {
                Some(Some(key)) => Some(self.agency(row, "lead_agency", key).map(Some)),
                Some(None) => Some(Some(None)),
                None => None,
            };
            let support: Option<Vec<(Uuid, AgencyRole)>> = rec.supporting.as_ref().map(|list| {
                list.iter()
                    .filter_map(|(code, role)| {
                        self.agency(row, "supporting_agencies", code)
                            .map(|id| (id, *role))
                    })
                    .collect()
            });
            let wanted_milestones: Option<Vec<(MilestoneImport, Option<Uuid>)>> =
                rec.milestones.as_ref().map(|ms| {
                    ms.iter()
                        .enumerate()
                        .map(|(i, m)| {
                            let owner = m.owner_agency.as_ref().and_then(|code| {
                                self.agency(row, &format!("milestones/{i}/owner_agency"), code)
                            });
                            (m.clone(), owner)
                        })
                        .collect()
                });
            let existing = match &rec.external_id {
                Some(Some(ext)) => by_external
                    .get(ext.as_str())
                    .or(by_code.get(rec.code.as_str())),
                _ => by_code.get(rec.code.as_str()),
            }
            .copied();
            if let Some(i) = existing {
                if let Some(first) = matched.insert(i, row) {
                    self.error(
                        row,
                        "code",
                        format!("is the same recommendation as row {first}"),
                    );
                }
                if let Some(&other) = by_code.get(rec.code.as_str())
                    && other != i
                {
                    self.error(
                        row,
                        "code",
                        format!("another recommendation of the report has code {}", rec.code),
                    );
                }
            }
            if self.errors.len() > before {
                continue;
            }
            let category_id = category_id.unwrap_or_default();
            let lead = lead.flatten();
            if let (Some(Some(lead)), Some(list)) = (lead, &support)
                && list.iter().any(|(a, _)| *a == lead)
            {
                self.error(row, "supporting_agencies", "includes the lead agency");
                continue;
            }
            match existing {
                Some(i) => {
                    let stored = &stored[i];
                    let old_support = supporting.remove(&stored.id).unwrap_or_default();
                    let old_milestones = milestones.remove(&stored.id).unwrap_or_default();
                    let old_translations = translations.remove(&stored.id).unwrap_or_default();
                    self.update(
                        plan,
                        stored,
                        rec,
                        category_id,
                        lead,
                        support,
                        (old_support, old_milestones, old_translations),
                        wanted_milestones,
                    );
                }
                None => {
                    let position = rec.position.unwrap_or_else(|| {
                        next_position = next_position.saturating_add(1);
                        next_position - 1
                    });
                    self.create(
                        plan,
                        rec,
                        category_id,
                        lead,
                        support,
                        wanted_milestones,
                        position,
                    );
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn create(
        &mut self,
        plan: &mut ReportPlan,
        rec: RecommendationImport,
        category_id: Uuid,
        lead: Option<Option<Uuid>>,
        support: Option<Vec<(Uuid, AgencyRole)>>,
        wanted_milestones: Option<Vec<(MilestoneImport, Option<Uuid>)>>,
        position: i32,
    ) {
        let id = Uuid::new_v4();
        let language = rec.language.unwrap_or(Language::En);
        let target = (Subject::Recommendation, id, language);
        self.translations_of_row(plan, target, &rec, &[]);
        let health = rec.health.flatten().filter(|_| rec.status.takes_health());
        match rec.history {
            Some(history) if !history.is_empty() => {
                let mut last = None;
                for h in history {
                    let entry = copied_entry(id, h);
                    last = Some((id, entry.id, entry.recorded_at));
                    plan.history.push(entry);
                }
                plan.latest.extend(last);
            }
            _ if rec.status != Status::NotAssessed => {
                let entry = self.entry_by_import(id, Status::NotAssessed, &rec, health);
                plan.latest.push((id, entry.id, None));
                plan.history.push(entry);
            }
            _ => {}
        }
        if let Some(list) = support.filter(|l| !l.is_empty()) {
            plan.supporting.push((id, list));
        }
        for (m, owner) in wanted_milestones.into_iter().flatten() {
            plan.created.milestones += 1;
            plan.new_milestones
                .push(milestone_row(Uuid::new_v4(), id, m, owner));
        }
        plan.created.recommendations += 1;
        plan.created_codes.push(rec.code.clone());
        plan.new_recommendations.push(RecommendationRow {
            language,
            id,
            category_id,
            external_id: rec.external_id.flatten(),
            position,
            title: rec.title,
            body: rec.text.unwrap_or_default(),
            status: rec.status,
            health,
            lead_agency_id: lead.flatten(),
            priority: rec.priority.flatten(),
            target_on: rec.target_on.flatten(),
            code: rec.code,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn update(
        &mut self,
        plan: &mut ReportPlan,
        stored: &Recommendation,
        rec: RecommendationImport,
        category_id: Uuid,
        lead: Option<Option<Uuid>>,
        support: Option<Vec<(Uuid, AgencyRole)>>,
        (mut old_support, old_milestones, old_translations): (
            Vec<(Uuid, AgencyRole)>,
            Vec<Milestone>,
            Vec<Translation>,
        ),
        wanted_milestones: Option<Vec<(MilestoneImport, Option<Uuid>)>>,
    ) {
        let row = rec.row;
        let health = rec
            .health
            .unwrap_or(stored.health)
            .filter(|_| rec.status.takes_health());
        if rec.status != stored.status {
            if rec.status == Status::NotAssessed {
                self.error(row, "status", "nothing moves back to not_assessed");
                return;
            }
            if stored.pending_proposal_id.is_some() {
                self.error(
                    row,
                    "status",
                    "a closure proposal waits for review; approve or return it first",
                );
                return;
            }
        }
        let new = RecommendationRow {
            id: stored.id,
            category_id,
            code: rec.code.clone(),
            external_id: rec
                .external_id
                .clone()
                .unwrap_or(stored.external_id.clone()),
            position: rec.position.unwrap_or(stored.position),
            title: rec.title.clone(),
            body: rec.text.clone().unwrap_or_else(|| stored.body.clone()),
            status: rec.status,
            health,
            lead_agency_id: lead.unwrap_or(stored.lead_agency_id),
            priority: rec.priority.unwrap_or(stored.priority),
            target_on: rec.target_on.unwrap_or(stored.target_on),
            language: rec.language.unwrap_or(stored.language),
        };
        let fields_changed = new.category_id != stored.category_id
            || new.code != stored.code
            || new.external_id != stored.external_id
            || new.position != stored.position
            || new.title != stored.title
            || new.body != stored.body
            || new.status != stored.status
            || new.health != stored.health
            || new.lead_agency_id != stored.lead_agency_id
            || new.priority != stored.priority
            || new.target_on != stored.target_on
            || new.language != stored.language;
        let target = (Subject::Recommendation, stored.id, new.language);
        let translations_changed = self.translations_of_row(plan, target, &rec, &old_translations);
        let support_changed = match support {
            None => false,
            Some(mut wanted) => {
                wanted.sort_by_key(|(a, _)| *a);
                old_support.sort_by_key(|(a, _)| *a);
                let same = if self.format == SourceFormat::Csv {
                    // The CSV names agencies without roles: the same set keeps its roles.
                    wanted
                        .iter()
                        .map(|(a, _)| a)
                        .eq(old_support.iter().map(|(a, _)| a))
                } else {
                    wanted == old_support
                };
                if !same {
                    plan.supporting.push((stored.id, wanted));
                }
                !same
            }
        };
        let mut milestones_changed = false;
        if let Some(wanted) = wanted_milestones {
            let by_position: HashMap<i32, &Milestone> =
                old_milestones.iter().map(|m| (m.position, m)).collect();
            for (m, owner) in wanted {
                match by_position.get(&m.position) {
                    Some(old) => {
                        let row = milestone_row(old.id, stored.id, m, owner);
                        if row.title != old.title
                            || row.description != old.description
                            || row.owner_agency_id != old.owner_agency_id
                            || row.due_on != old.due_on
                            || row.status != old.status
                            || row.completed_on != old.completed_on
                            || row.weight != old.weight
                        {
                            plan.updated.milestones += 1;
                            plan.changed_milestones.push(row);
                            milestones_changed = true;
                        } else {
                            plan.unchanged.milestones += 1;
                        }
                    }
                    None => {
                        plan.created.milestones += 1;
                        plan.new_milestones.push(milestone_row(
                            Uuid::new_v4(),
                            stored.id,
                            m,
                            owner,
                        ));
                        milestones_changed = true;
                    }
                }
            }
        }
        if rec.status != stored.status {
            let entry = self.entry_by_import(stored.id, stored.status, &rec, health);
            plan.latest.push((stored.id, entry.id, None));
            plan.history.push(entry);
        }
        if fields_changed || support_changed || milestones_changed || translations_changed {
            plan.updated.recommendations += 1;
            plan.updated_codes.push(rec.code);
            if fields_changed {
                plan.changed_recommendations.push(new);
            } else {
                plan.touched.push(stored.id);
            }
        } else {
            plan.unchanged.recommendations += 1;
        }
    }

    /// Plans the `wanted` translations of `subject` `id` (its original in `language`)
    /// against `stored`; true when any changes. A problem is blamed on `field` (the file as a
    /// whole) or, without one, on the recommendation of row `row`.
    fn translations(
        &mut self,
        plan: &mut ReportPlan,
        (subject, id, language): (Subject, Uuid, Language),
        wanted: &TranslationsImport,
        stored: &[Translation],
        place: Option<&str>,
    ) -> bool {
        let mut changed = false;
        let mut kept: Vec<Language> = stored.iter().map(|t| t.language).collect();
        for (l, wanted) in wanted.iter().flatten() {
            let old = stored.iter().find(|t| t.language == *l);
            match (old, wanted) {
                (None, None) => {}
                (Some(_), None) => {
                    kept.retain(|k| k != l);
                    plan.removed_translations.push((subject, id, *l));
                    changed = true;
                }
                (old, Some(w)) => {
                    let same = old.is_some_and(|o| {
                        o.title == w.title
                            && o.body == w.text
                            && w.machine_translated
                                .is_none_or(|m| m == o.machine_translated)
                    });
                    if !same {
                        plan.translations.push((subject, id, *l, w.clone()));
                        kept.push(*l);
                        changed = true;
                    }
                }
            }
        }
        if kept.contains(&language) {
            let message =
                format!("there is a translation into {language}: remove it with the change");
            match place {
                Some(field) => self.errors.push(RowError::new(None, Some(field), message)),
                None => {
                    let column = self.format.column("language");
                    self.errors
                        .push(RowError::new(None, Some(&column), message));
                }
            }
        }
        changed
    }

    /// [`Self::translations`] of one recommendation, its problems blamed on its row.
    fn translations_of_row(
        &mut self,
        plan: &mut ReportPlan,
        target: (Subject, Uuid, Language),
        rec: &RecommendationImport,
        stored: &[Translation],
    ) -> bool {
        let before = self.errors.len();
        let changed = self.translations(plan, target, &rec.translations, stored, None);
        for error in &mut self.errors[before..] {
            error.row = Some(rec.row);
        }
        changed
    }

    /// The status change an import makes: from `from` to the file's status, today.
    fn entry_by_import(
        &self,
        recommendation_id: Uuid,
        from: Status,
        rec: &RecommendationImport,
        health: Option<Health>,
    ) -> HistoryRow {
        HistoryRow {
            id: Uuid::new_v4(),
            recommendation_id,
            from_status: from,
            to_status: rec.status,
            health,
            note: rec
                .status_note
                .clone()
                .unwrap_or_else(|| format!("Status set by a {} import.", self.format.as_str())),
            evidence_urls: rec.evidence_urls.clone(),
            effective_on: self.today,
            by_importer: true,
            actor_email: None,
            approved_by_email: None,
            recorded_at: None,
        }
    }
}

fn copied_entry(recommendation_id: Uuid, h: HistoryImport) -> HistoryRow {
    HistoryRow {
        id: Uuid::new_v4(),
        recommendation_id,
        from_status: h.from_status,
        to_status: h.to_status,
        health: h.health,
        note: h.note,
        evidence_urls: h.evidence_urls,
        effective_on: h.effective_on,
        by_importer: false,
        actor_email: h.actor,
        approved_by_email: h.approved_by,
        recorded_at: Some(h.recorded_at),
    }
}

fn milestone_row(
    id: Uuid,
    recommendation_id: Uuid,
    m: MilestoneImport,
    owner: Option<Uuid>,
) -> MilestoneRow {
    MilestoneRow {
        id,
        recommendation_id,
        title: m.title,
        description: m.description,
        owner_agency_id: owner,
        due_on: m.due_on,
        status: m.status,
        completed_on: m.completed_on,
        weight: m.weight,
        position: m.position,
    }
}
