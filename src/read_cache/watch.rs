//! The watcher: moves the cache's generation when PostgreSQL's transaction snapshot changes.
//!
//! Two equal snapshots (`pg_current_snapshot()`: xmin, xmax and the transactions in flight)
//! mean no transaction committed in between, so nothing a read returns can have changed. It
//! costs no table access. The watcher runs on its own thread and connection, so a busy pool
//! or busy workers cannot delay it, and it polls only while reads are arriving.

use super::Shared;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::sync::Weak;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How long an idle watcher sleeps before checking whether the cache still exists.
const IDLE_WAIT: Duration = Duration::from_secs(1);
/// After this many idle waits in a row the watcher lets its connection go: a quiet instance
/// holds no connection for it (the next read reconnects, off the request path).
const IDLE_WAITS_BEFORE_DISCONNECT: u32 = 10;
/// Bounds one snapshot check, and the pause before reconnecting after a failure.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);
const RETRY_PAUSE: Duration = Duration::from_millis(200);

pub(super) fn spawn(shared: Weak<Shared>, database_url: String, interval: Duration) {
    let started = std::thread::Builder::new()
        .name("read-cache-watch".into())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(watch(shared, database_url, interval)),
                Err(error) => tracing::warn!(%error, "read cache off: no runtime for its watcher"),
            }
        });
    if let Err(error) = started {
        tracing::warn!(%error, "read cache off: its watcher did not start");
    }
}

async fn watch(shared: Weak<Shared>, database_url: String, interval: Duration) {
    let mut conn: Option<AsyncPgConnection> = None;
    let mut last_snapshot: Option<String> = None;
    let mut idle_waits = 0u32;
    // Ends when the cache is dropped (the server stopped).
    while let Some(cache) = shared.upgrade() {
        if !cache.demand.swap(false, Ordering::AcqRel) {
            idle_waits = idle_waits.saturating_add(1);
            if idle_waits >= IDLE_WAITS_BEFORE_DISCONNECT && conn.is_some() {
                // Nothing is known of what happens while disconnected: start over.
                conn = None;
                last_snapshot = None;
                cache.generation.fetch_add(1, Ordering::SeqCst);
            }
            let _ = tokio::time::timeout(IDLE_WAIT, cache.wake.notified()).await;
            continue;
        }
        idle_waits = 0;
        let began = cache.now_ms().max(1);
        let checked = tokio::time::timeout(CHECK_TIMEOUT, snapshot(&mut conn, &database_url)).await;
        let pause =
            match checked.unwrap_or_else(|_| Err(anyhow::anyhow!("snapshot check timed out"))) {
                Ok(current) => {
                    if last_snapshot.as_deref() != Some(current.as_str()) {
                        cache.generation.fetch_add(1, Ordering::SeqCst);
                        last_snapshot = Some(current);
                    }
                    cache.checked_at_ms.store(began, Ordering::SeqCst);
                    cache.checked.notify_waiters();
                    interval
                }
                Err(error) => {
                    // Whatever happened meanwhile is unknown: drop everything and start over.
                    tracing::debug!(%error, "read cache watcher lost the database");
                    conn = None;
                    last_snapshot = None;
                    cache.generation.fetch_add(1, Ordering::SeqCst);
                    RETRY_PAUSE
                }
            };
        drop(cache);
        tokio::time::sleep(pause).await;
    }
}

async fn snapshot(
    conn: &mut Option<AsyncPgConnection>,
    database_url: &str,
) -> anyhow::Result<String> {
    let connection = match conn {
        Some(connection) => connection,
        None => conn.insert(AsyncPgConnection::establish(database_url).await?),
    };
    let current = diesel::select(diesel::dsl::sql::<Text>("pg_current_snapshot()::text"))
        .get_result::<String>(connection)
        .await?;
    Ok(current)
}
