//! `AppState`: what every handler may use. A leaf: it names no resource module.

use crate::auth::jwt::JwtKeys;
use crate::auth::principals::Principals;
use crate::config::Config;
use crate::db::Db;
use crate::domain::Derivation;
use crate::read_cache::memo::Memo;
use std::sync::Arc;

/// A worker's read-only state.
#[derive(Clone)]
pub struct AppState {
    /// This worker's way to the database.
    pub db: Db,
    pub config: Arc<Config>,
    pub jwt: Arc<JwtKeys>,
    /// Values derived from the data (aggregates), kept while the data they depend on holds.
    pub memo: Memo,
    /// Who each credential belongs to, kept while the data holds.
    pub principals: Principals,
}

impl AppState {
    pub fn public_read(&self) -> bool {
        self.config.public_read_enabled()
    }

    /// The clock and settings that derived fields (`stale`, `overdue`) are computed from.
    pub fn derivation(&self) -> Derivation {
        Derivation {
            now: chrono::Utc::now(),
            stale_after_days: self.config.stale_after_days,
        }
    }
}
