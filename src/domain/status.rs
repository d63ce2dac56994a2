//! The implementation-status lifecycle shared by every report, and the health axis.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::text_enum! {
    /// Implementation status of a recommendation.
    pub enum Status {
        /// Nobody has assessed it yet; never to be read as "no action".
        NotAssessed => "not_assessed",
        NotStarted => "not_started",
        InProgress => "in_progress",
        Stalled => "stalled",
        Implemented => "implemented",
        PartiallyImplemented => "partially_implemented",
        NotImplemented => "not_implemented",
        Superseded => "superseded",
    }
}

crate::text_enum! {
    /// Whether an open, assessed recommendation is on course.
    pub enum Health {
        OnTrack => "on_track",
        AtRisk => "at_risk",
        OffTrack => "off_track",
    }
}

/// Nearest label in the GAO recommendation database.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum GaoLabel {
    #[serde(rename = "open")]
    Open,
    #[serde(rename = "closed_implemented")]
    ClosedImplemented,
    #[serde(rename = "closed_not_implemented")]
    ClosedNotImplemented,
}

/// Nearest label in Canada's mandate letter tracker.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum CanadaMandateLabel {
    #[serde(rename = "not_being_pursued")]
    NotBeingPursued,
    #[serde(rename = "underway_on_track")]
    UnderwayOnTrack,
    #[serde(rename = "underway_with_challenges")]
    UnderwayWithChallenges,
    #[serde(rename = "completed_fully")]
    CompletedFully,
    #[serde(rename = "completed_modified")]
    CompletedModified,
    #[serde(rename = "not_assessed")]
    NotAssessed,
}

impl Status {
    /// The lifecycle's starting point.
    pub const INITIAL: Status = Status::NotAssessed;

    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Self::Implemented
                | Self::PartiallyImplemented
                | Self::NotImplemented
                | Self::Superseded
        )
    }

    /// Open and assessed: the only statuses that carry a health value.
    pub fn takes_health(self) -> bool {
        matches!(self, Self::NotStarted | Self::InProgress | Self::Stalled)
    }

    /// Moves to `implemented` or `partially_implemented` must cite evidence.
    pub fn needs_evidence(self) -> bool {
        matches!(self, Self::Implemented | Self::PartiallyImplemented)
    }

    /// Progress shown while a recommendation has no milestones to measure it by.
    pub fn default_progress(self) -> i32 {
        match self {
            Self::NotAssessed | Self::NotStarted | Self::NotImplemented | Self::Superseded => 0,
            Self::Stalled => 25,
            Self::InProgress | Self::PartiallyImplemented => 50,
            Self::Implemented => 100,
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::NotAssessed => {
                "Nobody has assessed this recommendation yet. Not a sign of inaction."
            }
            Self::NotStarted => "Assessed; no implementing action has begun.",
            Self::InProgress => "Implementing action is under way.",
            Self::Stalled => "Action began but has stopped or shows no progress.",
            Self::Implemented => "Fully implemented, with evidence.",
            Self::PartiallyImplemented => {
                "Implemented in part, with evidence; no further action expected."
            }
            Self::NotImplemented => "Closed without being implemented.",
            Self::Superseded => "Overtaken by events or replaced by another recommendation.",
        }
    }

    pub fn gao_label(self) -> GaoLabel {
        match self {
            Self::Implemented | Self::PartiallyImplemented => GaoLabel::ClosedImplemented,
            Self::NotImplemented | Self::Superseded => GaoLabel::ClosedNotImplemented,
            _ => GaoLabel::Open,
        }
    }

    pub fn canada_label(self) -> CanadaMandateLabel {
        match self {
            Self::NotAssessed => CanadaMandateLabel::NotAssessed,
            Self::NotStarted | Self::InProgress => CanadaMandateLabel::UnderwayOnTrack,
            Self::Stalled => CanadaMandateLabel::UnderwayWithChallenges,
            Self::Implemented => CanadaMandateLabel::CompletedFully,
            Self::PartiallyImplemented => CanadaMandateLabel::CompletedModified,
            Self::NotImplemented | Self::Superseded => CanadaMandateLabel::NotBeingPursued,
        }
    }

    /// Statuses reachable from `self` in one change. Nothing returns to `not_assessed`;
    /// a closed recommendation can be reopened to any open status.
    pub fn allowed_targets(self) -> Vec<Status> {
        Status::ALL
            .iter()
            .copied()
            .filter(|&to| to != Status::NotAssessed && to != self)
            .collect()
    }

    pub fn can_move_to(self, to: Status) -> bool {
        self.allowed_targets().contains(&to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_moves_back_to_not_assessed() {
        for &from in Status::ALL {
            assert!(!from.can_move_to(Status::NotAssessed), "{from}");
        }
    }

    #[test]
    fn closed_recommendations_can_be_reopened() {
        assert!(Status::Implemented.can_move_to(Status::InProgress));
        assert!(Status::Superseded.can_move_to(Status::NotStarted));
    }

    #[test]
    fn a_status_does_not_move_to_itself() {
        assert!(!Status::InProgress.can_move_to(Status::InProgress));
    }

    #[test]
    fn only_open_assessed_statuses_take_health() {
        let with_health: Vec<_> = Status::ALL.iter().filter(|s| s.takes_health()).collect();
        assert_eq!(
            with_health,
            [&Status::NotStarted, &Status::InProgress, &Status::Stalled]
        );
    }

    #[test]
    fn keys_round_trip_through_text() {
        for &s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
        }
        assert!("done".parse::<Status>().is_err());
    }
}
