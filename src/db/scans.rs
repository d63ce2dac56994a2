//! `Scans`: how many list pages, exports and aggregates run on the database at once.
//!
//! Each of them costs PostgreSQL up to milliseconds of CPU. More of them at once than the
//! cores can run only queue in the kernel and lengthen latency tails on a small machine.
//! Single-row reads and writes are cheap or wait on the disk, and keep the whole pool
//! (docs/performance.md has the figures).

use super::{DbConn, DbPool, Unavailable};
use diesel_async::AsyncPgConnection;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Cheap to clone: clones share the same turns.
#[derive(Clone)]
pub struct Scans {
    permits: Arc<Semaphore>,
    /// Bound on waiting for a turn, like the pool's own wait.
    wait: Duration,
}

impl Scans {
    /// Three per core: enough to keep every core busy while others wait on the network.
    pub fn per_core(wait: Duration) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(3 * cores, wait)
    }

    pub fn new(at_once: usize, wait: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(at_once.max(1))),
            wait,
        }
    }

    /// A pooled connection, once a turn is free; 503 when none frees within the bound.
    pub async fn connection(&self, pool: &DbPool) -> Result<ScanConnection, Unavailable> {
        let turn = self.turn().await?;
        Ok(ScanConnection {
            conn: pool.get().await?,
            _turn: turn,
        })
    }

    async fn turn(&self) -> Result<OwnedSemaphorePermit, Unavailable> {
        tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned())
            .await
            .map_err(|_| {
                tracing::warn!("no turn for a scan within the database timeout");
                Unavailable
            })?
            .map_err(|_| Unavailable)
    }
}

/// A pooled connection that holds a turn until it is dropped.
pub struct ScanConnection {
    conn: DbConn,
    _turn: OwnedSemaphorePermit,
}

impl Deref for ScanConnection {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        &self.conn
    }
}

impl DerefMut for ScanConnection {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        &mut self.conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_scan_waits_for_a_free_turn_and_gives_up_after_the_bound() {
        let scans = Scans::new(2, Duration::from_millis(50));
        let first = scans.turn().await.expect("a free turn");
        let _second = scans.turn().await.expect("a free turn");
        assert!(matches!(scans.turn().await, Err(Unavailable)));

        let waiting = tokio::spawn(async move {
            let scans = scans;
            scans.turn().await.map(|_| ())
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        drop(first);
        assert!(matches!(waiting.await, Ok(Ok(()))));
    }
}
