//! Small closed sets that are not the status lifecycle.

crate::text_enum! {
    /// How urgent a recommendation is.
    pub enum Priority {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
}

crate::text_enum! {
    /// Where a milestone stands. `overdue` is derived, never stored.
    pub enum MilestoneStatus {
        Planned => "planned",
        InProgress => "in_progress",
        Done => "done",
        Cancelled => "cancelled",
    }
}

crate::text_enum! {
    /// How a non-lead agency takes part in a recommendation.
    pub enum AgencyRole {
        Supporting => "supporting",
        CoLead => "co_lead",
        Consulted => "consulted",
        Informed => "informed",
    }
}

crate::text_enum! {
    /// What a user may do: viewers read, analysts also update tracking data (within their
    /// agencies, when they have any), reviewers also approve closures, admins manage
    /// everything.
    pub enum Role {
        Viewer => "viewer",
        Analyst => "analyst",
        Reviewer => "reviewer",
        Admin => "admin",
    }
}

crate::text_enum! {
    /// What a machine token may do beyond what its owner may: `read` never writes.
    pub enum TokenAccess {
        Read => "read",
        Write => "write",
    }
}

crate::text_enum! {
    /// Where a closure proposal stands: waiting for a reviewer, applied, or sent back.
    pub enum ProposalState {
        Pending => "pending",
        Approved => "approved",
        Returned => "returned",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Health, Status};

    fn json_keys_match<T: serde::Serialize + std::fmt::Display>(values: &[T]) {
        for v in values {
            assert_eq!(
                serde_json::to_string(v).expect("serializes"),
                format!("\"{v}\""),
                "JSON and SQL keys differ"
            );
        }
    }

    #[test]
    fn json_keys_equal_the_stored_keys() {
        json_keys_match(Status::ALL);
        json_keys_match(Health::ALL);
        json_keys_match(Priority::ALL);
        json_keys_match(MilestoneStatus::ALL);
        json_keys_match(AgencyRole::ALL);
        json_keys_match(Role::ALL);
        json_keys_match(TokenAccess::ALL);
        json_keys_match(ProposalState::ALL);
    }
}
