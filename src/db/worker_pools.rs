//! `WorkerPools`: one connection pool for each HTTP worker.
//!
//! A connection's I/O task runs on the runtime that opened it, and each actix worker is a
//! runtime of its own. With one shared pool, a request on one worker often got a connection
//! opened on the other, and every statement then crossed threads twice (a wake-up each way).
//! A pool per worker keeps a request and its connection on one thread (docs/performance.md).

use super::{DbPool, PoolSettings, build_pool};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Cheap to clone: clones hand out the same pools.
#[derive(Clone)]
pub struct WorkerPools {
    pools: Arc<[DbPool]>,
    url: Arc<str>,
    settings: PoolSettings,
    /// Which pool the next worker to start takes.
    next: Arc<AtomicUsize>,
    /// Each worker's pool now, for `/metrics`: a restarted worker's replaces the first one.
    current: Arc<Mutex<Vec<DbPool>>>,
}

impl WorkerPools {
    /// Pools for `workers` workers sharing `settings.max_size` connections between them. Every
    /// pool needs a connection, so there are never more pools than connections: the server
    /// runs [`Self::workers`] workers. No connection is opened here: each is opened by the
    /// first worker that needs it.
    pub fn new(url: &str, settings: &PoolSettings, workers: usize) -> anyhow::Result<Self> {
        let workers = workers.clamp(1, settings.max_size.max(1));
        let share = |n: usize| PoolSettings {
            max_size: (settings.max_size / workers + usize::from(n < settings.max_size % workers))
                .max(1),
            ..settings.clone()
        };
        let pools = (0..workers)
            .map(|n| build_pool(url, share(n)))
            .collect::<anyhow::Result<Arc<[DbPool]>>>()?;
        Ok(Self {
            current: Arc::new(Mutex::new(pools.to_vec())),
            pools,
            url: url.into(),
            settings: settings.clone(),
            next: Arc::default(),
        })
    }

    pub fn workers(&self) -> usize {
        self.pools.len()
    }

    /// The pool of the worker calling this (once, from its app factory, on its own thread).
    /// A restarted worker takes a fresh pool: its predecessor's connections ran on a runtime
    /// that is gone.
    pub fn for_this_worker(&self) -> DbPool {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let slot = n % self.pools.len();
        if n < self.pools.len() {
            return self.pools[slot].clone();
        }
        // Building cannot fail with settings that built the first pools.
        let size = self.pools[slot].status().max_size;
        let fresh = build_pool(
            &self.url,
            PoolSettings {
                max_size: size,
                ..self.settings.clone()
            },
        )
        .unwrap_or_else(|_| self.pools[slot].clone());
        if let Ok(mut current) = self.current.lock() {
            current[slot] = fresh.clone();
        }
        fresh
    }

    /// The pools' figures summed, as one pool of the instance.
    pub fn status(&self) -> deadpool::Status {
        let current = self
            .current
            .lock()
            .map(|pools| pools.clone())
            .unwrap_or_else(|_| self.pools.to_vec());
        current.iter().map(DbPool::status).fold(
            deadpool::Status {
                max_size: 0,
                size: 0,
                available: 0,
                waiting: 0,
            },
            |sum, s| deadpool::Status {
                max_size: sum.max_size + s.max_size,
                size: sum.size + s.size,
                available: sum.available + s.available,
                waiting: sum.waiting + s.waiting,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn pools(max_size: usize, workers: usize) -> WorkerPools {
        let settings = PoolSettings {
            max_size,
            statement_counter: None,
            timeout: Duration::from_millis(10),
        };
        WorkerPools::new("postgres://nobody@localhost/none", &settings, workers)
            .expect("pools are built without connecting")
    }

    fn sizes(pools: &WorkerPools) -> Vec<usize> {
        (0..pools.workers())
            .map(|_| pools.for_this_worker().status().max_size)
            .collect()
    }

    #[test]
    fn the_configured_size_is_shared_out_not_multiplied() {
        assert_eq!(sizes(&pools(16, 2)), [8, 8]);
        assert_eq!(sizes(&pools(5, 3)), [2, 2, 1]);
        assert_eq!(pools(5, 3).status().max_size, 5, "before any worker starts");
    }

    #[test]
    fn there_are_never_more_workers_than_connections() {
        assert_eq!(sizes(&pools(1, 2)), [1]);
        assert_eq!(sizes(&pools(3, 64)), [1, 1, 1]);
    }

    #[test]
    fn a_restarted_worker_gets_a_fresh_pool_of_the_same_size_in_its_slot() {
        let pools = pools(5, 2);
        let first = sizes(&pools);
        let again = pools.for_this_worker();
        assert_eq!(again.status().max_size, first[0]);
        assert_eq!(
            pools.status().max_size,
            5,
            "the restarted pool replaces its slot"
        );
    }
}
