//! `Db`: a worker's way to the database. A handler asks for a connection for a point read or
//! a write, or for a scan (list pages, exports, aggregates); which pool serves it and how many
//! scans run at once stay behind this seam (see docs/ARCHITECTURE.md).

use super::scans::{ScanConnection, Scans};
use super::{DbConn, DbPool, Unavailable};

/// Cheap to clone. Each HTTP worker holds one over its own pool; the scan turns are shared.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    scans: Scans,
}

impl Db {
    pub fn new(pool: DbPool, scans: Scans) -> Self {
        Self { pool, scans }
    }

    /// A connection for single-row reads and writes.
    pub async fn conn(&self) -> Result<DbConn, Unavailable> {
        Ok(self.pool.get().await?)
    }

    /// A connection for a statement that may read many rows, once a scan turn is free.
    pub async fn scan(&self) -> Result<ScanConnection, Unavailable> {
        self.scans.connection(&self.pool).await
    }
}
