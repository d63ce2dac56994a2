//! A cache of whole read responses, invalidated by any change to the database.
//!
//! Dashboards poll the same reads while the data changes a few times an hour. A hit answers
//! (200 or 304) without touching the database. Entries carry the *data generation* seen
//! when the read began; the generation moves on every write through this instance (at once,
//! before the write is acknowledged) and whenever [`watch`] sees PostgreSQL's transaction
//! snapshot change (writes through other instances or straight into the database). A hit
//! needs a snapshot check that began at most `max_stale` ago (`POLICYTRACK_READ_CACHE_MS`),
//! so a change made elsewhere is served stale for at most that long. The watcher checks five
//! times per `max_stale`: a check may be slowed down by a busy machine several times over
//! before the cache stops answering (it then reads the database until a check gets through).
//! With the setting at 0 the cache is off and every read goes to the database.
//!
//! Handlers do not see it: the cached GETs carry the [`ReadCached`] route middleware
//! (`#[get("..", wrap = "ReadCached")]`), and [`invalidate_after_writes`] wraps the app.

mod entries;
pub mod memo;
mod middleware;
mod watch;

pub use middleware::{ReadCached, invalidate_after_writes};

use actix_web::HttpMessage;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;
use entries::{Entries, Ticket};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The signed-in caller of a cached read, as the middleware found it (request extension).
#[derive(Debug, Clone, Copy)]
pub struct Caller(pub uuid::Uuid);

/// Cheap to clone: every worker holds the same cache.
#[derive(Clone, Default)]
pub struct ReadCache {
    shared: Option<Arc<Shared>>,
}

struct Shared {
    entries: Mutex<Entries>,
    /// Moves whenever the data may have changed.
    generation: AtomicU64,
    /// When (ms after `epoch`) the newest successful snapshot check began; 0: none yet.
    checked_at_ms: AtomicU64,
    epoch: Instant,
    max_age_ms: u64,
    /// Set by lookups, so the watcher only polls while reads are arriving.
    demand: AtomicBool,
    wake: tokio::sync::Notify,
    /// Signalled after each successful snapshot check.
    checked: tokio::sync::Notify,
    /// How often the watcher checks while reads arrive.
    interval: Duration,
    /// Reads being built for a key: others asking for it meanwhile wait for that one.
    building: Mutex<HashMap<String, Arc<tokio::sync::Notify>>>,
}

/// What a read does after looking in the cache.
enum Lookup {
    /// Answer with this response: the database is not needed.
    Hit(HttpResponse),
    /// Build the response, then hand it to [`Ticket::keep`].
    Miss(Ticket),
}

/// How long a read waits for an identical one already running before doing the work itself.
const WAIT_FOR_BUILDER: Duration = Duration::from_secs(2);

impl ReadCache {
    /// A cache whose entries may lag other writers by at most `max_stale`, watching the
    /// database at `database_url`; zero turns it off.
    pub fn start(database_url: &str, max_stale: Duration) -> Self {
        if max_stale.is_zero() {
            return Self::default();
        }
        let interval = (max_stale / 5).max(Duration::from_millis(1));
        let shared = Arc::new(Shared {
            entries: Mutex::default(),
            generation: AtomicU64::new(1),
            checked_at_ms: AtomicU64::new(0),
            epoch: Instant::now(),
            max_age_ms: (max_stale.as_millis() as u64).max(1),
            demand: AtomicBool::new(false),
            wake: tokio::sync::Notify::new(),
            checked: tokio::sync::Notify::new(),
            interval,
            building: Mutex::default(),
        });
        watch::spawn(Arc::downgrade(&shared), database_url.to_owned(), interval);
        Self {
            shared: Some(shared),
        }
    }

    /// Looks `req` up: a hit is answered (304 when `If-None-Match` matches) without the
    /// database. When the same read is already being built, waits for it first, so a burst
    /// of identical reads after a change costs the database one read, not one per client.
    async fn lookup(&self, req: &HttpRequest, today: NaiveDate) -> Lookup {
        let Some(shared) = &self.shared else {
            return Lookup::Miss(Ticket::idle(None));
        };
        if !shared.demand.swap(true, Ordering::AcqRel) {
            shared.wake.notify_one();
        }
        let Some(generation) = shared.fresh_generation().await else {
            return Lookup::Miss(Ticket::idle(None));
        };
        let key = key_of(req);
        if let Some(hit) = shared.hit(&key, req, today) {
            return Lookup::Hit(hit);
        }
        let slot = Some((Arc::clone(shared), key.clone(), generation, today));
        let running = match shared.building.lock() {
            Ok(mut building) => match building.get(&key) {
                Some(running) => Some(Arc::clone(running)),
                None => {
                    building.insert(key.clone(), Arc::default());
                    None
                }
            },
            Err(_) => return Lookup::Miss(Ticket::idle(slot)),
        };
        let Some(running) = running else {
            return Lookup::Miss(Ticket {
                slot,
                building: Some((Arc::clone(shared), key)),
            });
        };
        let finished = running.notified();
        tokio::pin!(finished);
        // Registered before the builder can finish: its wake-up cannot be missed.
        finished.as_mut().enable();
        // Unless that build already ended (perhaps replaced by a newer one, whose wake-up
        // this would never get).
        if shared.is_building(&key, &running) {
            let _ = tokio::time::timeout(WAIT_FOR_BUILDER, finished).await;
        }
        match shared.hit(&key, req, today) {
            Some(hit) => Lookup::Hit(hit),
            None => Lookup::Miss(Ticket::idle(slot)),
        }
    }

    /// The data generation, while a snapshot check recent enough to trust says it holds
    /// (`None` with the cache off, or no reads arriving to keep the watcher checking). Other
    /// per-instance caches (the callers' identities) stamp their values with it, so they
    /// follow the same changes.
    pub fn current_generation(&self) -> Option<u64> {
        self.shared.as_ref()?.current_generation()
    }

    /// The data changed through this instance: nothing cached before now may be served.
    pub fn invalidate(&self) {
        if let Some(shared) = &self.shared {
            shared.generation.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Shared {
    fn hit(&self, key: &str, req: &HttpRequest, today: NaiveDate) -> Option<HttpResponse> {
        let generation = self.current_generation()?;
        let entries = self.entries.lock().ok()?;
        let entry = entries.map.get(key)?;
        (entry.generation == generation && entry.day == today)
            .then(|| entry.respond(req))
            .flatten()
    }

    fn is_building(&self, key: &str, build: &Arc<tokio::sync::Notify>) -> bool {
        self.building.lock().is_ok_and(|b| {
            b.get(key)
                .is_some_and(|current| Arc::ptr_eq(current, build))
        })
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// The generation, waiting for the watcher's next check when the last one is too old.
    /// After a quiet spell the watcher has only just been woken: without the wait, every
    /// read of the burst that ends the spell would go to the database on its own. The wait
    /// is at most one polling interval, so a watcher that cannot get through (a busy machine,
    /// a lost database) holds reads up only that long before they go to the database.
    async fn fresh_generation(&self) -> Option<u64> {
        if let Some(generation) = self.current_generation() {
            return Some(generation);
        }
        let checked = self.checked.notified();
        tokio::pin!(checked);
        // Registered before looking again, so a check ending in between is not missed.
        checked.as_mut().enable();
        if let Some(generation) = self.current_generation() {
            return Some(generation);
        }
        let _ = tokio::time::timeout(self.interval, checked).await;
        self.current_generation()
    }

    /// The generation, while the last snapshot check is recent enough to trust.
    fn current_generation(&self) -> Option<u64> {
        let checked = self.checked_at_ms.load(Ordering::SeqCst);
        let fresh = checked != 0 && self.now_ms().saturating_sub(checked) <= self.max_age_ms;
        fresh.then(|| self.generation.load(Ordering::SeqCst))
    }
}

/// Path, query, `Accept` (lists answer CSV by it) and the languages `Accept-Language` asks
/// for: everything a cached read varies by.
fn key_of(req: &HttpRequest) -> String {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // `mine=` answers depend on who asks: such entries are the caller's own.
    let caller = match req.extensions().get::<Caller>() {
        Some(Caller(id)) if req.query_string().contains("mine=") => id.to_string(),
        _ => String::new(),
    };
    let languages = crate::http::language::accepted(req).key();
    format!(
        "{}?{}|{accept}|{languages}|{caller}",
        req.path(),
        req.query_string()
    )
}
