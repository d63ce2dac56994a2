//! The recommendation list's query: filters, sorts, embeds and keyset cursors for every sort.
//!
//! Every sort ends in a unique tie-breaker, and the cursor holds the last row's full sort key,
//! so paging never repeats or skips a row, even while rows are added.

use crate::agencies::model::AgencyRef;
use crate::domain::{Health, Priority, Status};
use crate::reports::model::ReportRef;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::Queryable;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    /// Report order (report creation, then position in the report).
    Code,
    UpdatedAt,
    /// Lifecycle order (not_assessed first), then report order.
    Status,
    /// Target date (none last), then report order.
    TargetOn,
    /// Full-text rank (only with `q`).
    Relevance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub field: SortField,
    pub descending: bool,
}

impl Sort {
    /// Report order: report creation, then position in the report.
    pub const REPORT_ORDER: Sort = Sort {
        field: SortField::Code,
        descending: false,
    };

    /// Parses `code`, `-updated_at`, ...; `relevance` without a search is report order.
    pub fn parse(raw: Option<&str>, has_query: bool) -> Result<Self, String> {
        let Some(raw) = raw else {
            return Ok(if has_query {
                Sort {
                    field: SortField::Relevance,
                    descending: true,
                }
            } else {
                Sort::REPORT_ORDER
            });
        };
        let (descending, name) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let field = match name {
            "code" => SortField::Code,
            "updated_at" => SortField::UpdatedAt,
            "status" => SortField::Status,
            "target_on" => SortField::TargetOn,
            "relevance" if has_query => SortField::Relevance,
            "relevance" => return Ok(Sort::REPORT_ORDER),
            _ => {
                return Err(
                    "must be code, updated_at, status, target_on or relevance, optionally prefixed with '-'"
                        .into(),
                );
            }
        };
        Ok(Sort { field, descending })
    }
}

/// The sort key of the last row of a page: what the opaque cursor encodes. Report order is
/// (report sequence, position, id); the other sorts put their own key first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "s")]
pub enum Cursor {
    #[serde(rename = "c")]
    Code { r: i64, p: i32, i: Uuid },
    #[serde(rename = "u")]
    UpdatedAt { u: DateTime<Utc>, i: Uuid },
    #[serde(rename = "s")]
    Status { k: i16, r: i64, p: i32, i: Uuid },
    #[serde(rename = "t")]
    TargetOn {
        t: NaiveDate,
        r: i64,
        p: i32,
        i: Uuid,
    },
    #[serde(rename = "q")]
    Relevance { w: f32, i: Uuid },
}

impl Cursor {
    pub fn field(&self) -> SortField {
        match self {
            Cursor::Code { .. } => SortField::Code,
            Cursor::UpdatedAt { .. } => SortField::UpdatedAt,
            Cursor::Status { .. } => SortField::Status,
            Cursor::TargetOn { .. } => SortField::TargetOn,
            Cursor::Relevance { .. } => SortField::Relevance,
        }
    }
}

/// Every filter of the list; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub report: Option<ReportRef>,
    pub category_slug: Option<String>,
    pub external_id: Option<String>,
    pub statuses: Vec<Status>,
    pub healths: Vec<Health>,
    pub priorities: Vec<Priority>,
    pub lead_agency: Option<AgencyRef>,
    pub agency: Option<AgencyRef>,
    pub country: Option<String>,
    pub overdue: Option<bool>,
    pub target_before: Option<NaiveDate>,
    pub target_after: Option<NaiveDate>,
    pub updated_since: Option<DateTime<Utc>>,
    pub q: Option<String>,
    /// Led or supported by one of these agencies (`mine=true`: the caller's).
    pub among_agencies: Option<Vec<Uuid>>,
}

/// Which embedded collections a representation carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Embeds {
    pub supporting_agencies: bool,
    pub milestones: bool,
    pub latest_status_change: bool,
    pub history: bool,
    /// Every translation of title and text.
    pub translations: bool,
}

impl Embeds {
    pub const LIST_DEFAULT: Embeds = Embeds {
        supporting_agencies: true,
        milestones: false,
        latest_status_change: false,
        history: false,
        translations: false,
    };
    /// What an edit compares: the supporting agencies alone.
    pub const SUPPORTING: Embeds = Embeds {
        supporting_agencies: true,
        milestones: false,
        latest_status_change: false,
        history: false,
        translations: false,
    };
    pub const DETAIL_DEFAULT: Embeds = Embeds {
        supporting_agencies: true,
        milestones: true,
        latest_status_change: true,
        history: false,
        translations: false,
    };

    /// Parses `include=a,b`; an empty value means no embeds; absent means `default`.
    pub fn parse(raw: Option<&str>, default: Embeds, allow_history: bool) -> Result<Self, String> {
        let Some(raw) = raw else { return Ok(default) };
        let mut embeds = Embeds {
            supporting_agencies: false,
            milestones: false,
            latest_status_change: false,
            history: false,
            translations: false,
        };
        for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "supporting_agencies" => embeds.supporting_agencies = true,
                "milestones" => embeds.milestones = true,
                "latest_status_change" => embeds.latest_status_change = true,
                "history" if allow_history => embeds.history = true,
                "translations" => embeds.translations = true,
                _ => {
                    return Err(format!(
                        "unknown embed {name:?}; use supporting_agencies, milestones, latest_status_change, translations{}",
                        if allow_history { ", history" } else { "" }
                    ));
                }
            }
        }
        Ok(embeds)
    }

    /// A short stable name for ETags.
    pub fn tag(&self) -> String {
        [
            self.supporting_agencies,
            self.milestones,
            self.latest_status_change,
            self.history,
            self.translations,
        ]
        .iter()
        .map(|b| if *b { '1' } else { '0' })
        .collect()
    }
}

/// One validated request for a page of the list.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filters: Filters,
    pub sort: Sort,
    pub embeds: Embeds,
    pub after: Option<Cursor>,
    pub limit: i64,
}

/// Position of a status in lifecycle order, 1-based like SQL's array_position.
pub fn status_rank(status: Status) -> i16 {
    Status::ALL
        .iter()
        .position(|s| *s == status)
        .map_or(0, |p| p as i16 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_parses_direction_and_rejects_unknown_fields() {
        let sort = Sort::parse(Some("-updated_at"), false).expect("valid");
        assert_eq!(sort.field, SortField::UpdatedAt);
        assert!(sort.descending);
        assert!(Sort::parse(Some("title"), false).is_err());
        assert_eq!(
            Sort::parse(Some("-relevance"), false).expect("valid"),
            Sort::REPORT_ORDER
        );
        assert_eq!(
            Sort::parse(None, true).expect("default").field,
            SortField::Relevance
        );
    }

    #[test]
    fn status_rank_follows_the_lifecycle() {
        assert_eq!(status_rank(Status::NotAssessed), 1);
        assert_eq!(status_rank(Status::Superseded), 8);
    }

    #[test]
    fn include_parses_and_rejects_unknown_names() {
        let e = Embeds::parse(Some("milestones"), Embeds::LIST_DEFAULT, false).expect("valid");
        assert!(e.milestones && !e.supporting_agencies);
        assert!(Embeds::parse(Some("history"), Embeds::LIST_DEFAULT, false).is_err());
        assert!(Embeds::parse(Some("history"), Embeds::DETAIL_DEFAULT, true).is_ok());
        let none = Embeds::parse(Some(""), Embeds::DETAIL_DEFAULT, true).expect("valid");
        assert_eq!(none.tag(), "00000");
        let all = Embeds::parse(Some("translations"), Embeds::LIST_DEFAULT, false).expect("valid");
        assert!(all.translations && !all.supporting_agencies);
    }
}

/// A recommendation as the aggregates group it: status, category and lead agency.
#[derive(Debug, Clone, Queryable)]
pub struct MatchRow {
    pub id: Uuid,
    pub report_id: Uuid,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub category_id: Uuid,
    pub category_slug: String,
    pub category_name: String,
    pub category_position: i32,
    pub agency_id: Option<Uuid>,
    pub agency_code: Option<String>,
    pub agency_name: Option<String>,
    pub agency_country: Option<String>,
}
