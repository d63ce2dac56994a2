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
    /// What a user may do: viewers read, analysts also update tracking data, admins manage
    /// everything.
    pub enum Role {
        Viewer => "viewer",
        Analyst => "analyst",
        Admin => "admin",
    }
}
