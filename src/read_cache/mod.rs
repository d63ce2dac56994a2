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

mod watch;

use crate::http::conditional;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Bodies held at most, in bytes: keeps the service well inside its memory budget.
const BUDGET_BYTES: usize = 8 << 20;
/// Larger bodies (very long CSV exports) are not worth holding.
const MAX_ENTRY_BYTES: usize = 1 << 20;

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

#[derive(Default)]
struct Entries {
    map: HashMap<String, Entry>,
    bytes: usize,
}

struct Entry {
    generation: u64,
    day: NaiveDate,
    headers: HeaderMap,
    /// `None`: only the current ETag is known (the read was answered 304), which is enough
    /// to answer clients polling with `If-None-Match`.
    body: Option<Bytes>,
}

/// What a read does after looking in the cache.
enum Lookup {
    /// Answer with this response: the database is not needed.
    Hit(HttpResponse),
    /// Build the response, then hand it to [`Ticket::keep`].
    Miss(Ticket),
}

/// A miss, remembering the generation the read began in.
struct Ticket {
    slot: Option<(Arc<Shared>, String, u64, NaiveDate)>,
    /// Set when this read is the one others wait for: dropping the ticket releases them.
    building: Option<(Arc<Shared>, String)>,
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

    /// Answers `req` from the cache, or with what `build` answers (kept for the next reads:
    /// a 200, or from a 304 its ETag). `build` runs only on a miss.
    pub async fn serve<E>(
        &self,
        req: &HttpRequest,
        today: NaiveDate,
        build: impl std::future::Future<Output = Result<HttpResponse, E>>,
    ) -> Result<HttpResponse, E> {
        match self.lookup(req, today).await {
            Lookup::Hit(response) => Ok(response),
            Lookup::Miss(ticket) => Ok(ticket.keep(build.await?)),
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

impl Ticket {
    fn idle(slot: Option<(Arc<Shared>, String, u64, NaiveDate)>) -> Self {
        Ticket {
            slot,
            building: None,
        }
    }

    /// Keeps a 200 response (or, from a 304, the current ETag) for the generation the read
    /// began in, and returns it.
    fn keep(mut self, response: HttpResponse) -> HttpResponse {
        let Some((shared, key, generation, day)) = self.slot.take() else {
            return response;
        };
        let remember = |body: Option<Bytes>, headers: &HeaderMap| {
            if let Ok(mut entries) = shared.entries.lock() {
                let entry = Entry {
                    generation,
                    day,
                    headers: headers.clone(),
                    body,
                };
                entries.insert(key, entry, shared.generation.load(Ordering::SeqCst));
            }
        };
        match response.status() {
            StatusCode::NOT_MODIFIED => {
                remember(None, response.headers());
                response
            }
            StatusCode::OK => {
                let (head, body) = response.into_parts();
                match body.try_into_bytes() {
                    Ok(bytes) => {
                        if bytes.len() <= MAX_ENTRY_BYTES {
                            remember(Some(bytes.clone()), head.headers());
                        }
                        head.set_body(BoxBody::new(bytes))
                    }
                    Err(body) => head.set_body(body),
                }
            }
            _ => response,
        }
    }
}

impl Drop for Ticket {
    /// Releases the reads waiting for this one, whether it was kept, failed or was cancelled.
    fn drop(&mut self) {
        if let Some((shared, key)) = self.building.take()
            && let Ok(mut building) = shared.building.lock()
            && let Some(waiting) = building.remove(&key)
        {
            waiting.notify_waiters();
        }
    }
}

impl Entries {
    fn insert(&mut self, key: String, entry: Entry, current: u64) {
        if entry.body.is_none()
            && self
                .map
                .get(&key)
                .is_some_and(|held| held.generation == entry.generation && held.body.is_some())
        {
            return; // The full entry answers conditional reads too.
        }
        let size = entry.size(&key);
        if self.bytes + size > BUDGET_BYTES {
            self.map.retain(|_, e| e.generation == current);
            self.bytes = self.map.iter().map(|(k, e)| e.size(k)).sum();
            if self.bytes + size > BUDGET_BYTES {
                self.map.clear();
                self.bytes = 0;
            }
        }
        if let Some(old) = self.map.insert(key.clone(), entry) {
            self.bytes -= old.size(&key);
        }
        self.bytes += size;
    }
}

impl Entry {
    fn size(&self, key: &str) -> usize {
        key.len() + self.body.as_ref().map_or(0, Bytes::len)
    }

    /// The answer this entry gives `req`: 304 when `If-None-Match` holds its ETag, else the
    /// body; `None` when it holds no body and the client's tag is not current.
    fn respond(&self, req: &HttpRequest) -> Option<HttpResponse> {
        let etag = self
            .headers
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !etag.is_empty()
            && let Some(not_modified) = conditional::not_modified(req, etag)
        {
            return Some(not_modified);
        }
        let mut response = HttpResponse::Ok().body(self.body.clone()?);
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
        Some(response)
    }
}

/// Middleware: once a request that may write has been handled, nothing read before it may
/// be served from the cache (its transaction has committed by then).
pub async fn invalidate_after_writes(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl MessageBody>, actix_web::Error> {
    let cache = (!req.method().is_safe())
        .then(|| req.app_data::<actix_web::web::Data<crate::startup::AppState>>())
        .flatten()
        .map(|state| state.read_cache.clone());
    let response = next.call(req).await;
    if let Some(cache) = cache {
        cache.invalidate();
    }
    response
}

/// Path, query and `Accept` (lists answer CSV by it): everything a cached read varies by.
fn key_of(req: &HttpRequest) -> String {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    format!("{}?{}|{accept}", req.path(), req.query_string())
}
