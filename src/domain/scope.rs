//! How far a caller's writes reach: an agency-scoped analyst changes only what its agencies
//! lead, support or own, and a machine token limited to a report only that report.

use uuid::Uuid;

/// The limits on one caller's writes. The default limits nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteScope<'a> {
    /// The agencies whose work the caller may change; `None`: every agency's.
    pub agencies: Option<&'a [Uuid]>,
    /// The only report the caller may change; `None`: every report.
    pub report: Option<Uuid>,
}

/// What a recommendation-level write needs of the caller's agencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Status, owners, priority, target date, text: the lead (or a co-lead) agency.
    Lead,
    /// Check-ins: a lead, co-lead or supporting agency.
    LeadOrSupport,
}

/// The agencies that take part in one recommendation, as a scope check sees them.
#[derive(Debug, Clone, Default)]
pub struct Participants {
    pub report: Uuid,
    /// The lead agency and co-leads.
    pub leads: Vec<Uuid>,
    /// Supporting agencies.
    pub supporting: Vec<Uuid>,
}

/// Why a scoped write is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutOfScope {
    /// The write touches another report than the token's.
    Report,
    /// The write needs one of these agencies (empty: the recommendation has none, so only
    /// unscoped users may make it).
    Agencies(Vec<Uuid>),
}

impl WriteScope<'_> {
    pub fn is_unlimited(&self) -> bool {
        self.agencies.is_none() && self.report.is_none()
    }

    /// Whether a write of `reach` to the recommendation with `participants` is allowed.
    pub fn allows(&self, participants: &Participants, reach: Reach) -> Result<(), OutOfScope> {
        if self.report.is_some_and(|r| r != participants.report) {
            return Err(OutOfScope::Report);
        }
        let Some(mine) = self.agencies else {
            return Ok(());
        };
        let mut needed: Vec<Uuid> = participants.leads.clone();
        if reach == Reach::LeadOrSupport {
            needed.extend(&participants.supporting);
        }
        if needed.iter().any(|a| mine.contains(a)) {
            Ok(())
        } else {
            Err(OutOfScope::Agencies(needed))
        }
    }

    /// Whether the caller's agencies include `agency` (always, when unscoped).
    pub fn includes_agency(&self, agency: Option<Uuid>) -> bool {
        match self.agencies {
            None => true,
            Some(mine) => agency.is_some_and(|a| mine.contains(&a)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn participants() -> (Participants, Uuid, Uuid, Uuid) {
        let (lead, support, report) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let p = Participants {
            report,
            leads: vec![lead],
            supporting: vec![support],
        };
        (p, lead, support, report)
    }

    #[test]
    fn unscoped_callers_reach_everything() {
        let (p, ..) = participants();
        assert_eq!(WriteScope::default().allows(&p, Reach::Lead), Ok(()));
    }

    #[test]
    fn supporting_agencies_check_in_but_do_not_lead() {
        let (p, lead, support, _) = participants();
        let mine = [support];
        let scope = WriteScope {
            agencies: Some(&mine),
            report: None,
        };
        assert_eq!(scope.allows(&p, Reach::LeadOrSupport), Ok(()));
        assert_eq!(
            scope.allows(&p, Reach::Lead),
            Err(OutOfScope::Agencies(vec![lead]))
        );
    }

    #[test]
    fn a_report_limit_refuses_other_reports() {
        let (p, lead, ..) = participants();
        let mine = [lead];
        let scope = WriteScope {
            agencies: Some(&mine),
            report: Some(Uuid::new_v4()),
        };
        assert_eq!(scope.allows(&p, Reach::Lead), Err(OutOfScope::Report));
    }
}
