//! The clock and settings that derived fields (`stale`, `overdue`) are computed from.

use chrono::{DateTime, NaiveDate, Utc};

/// Facts a representation derives from the clock and settings.
#[derive(Debug, Clone, Copy)]
pub struct Derivation {
    pub now: DateTime<Utc>,
    pub stale_after_days: u32,
}

impl Derivation {
    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }
}
