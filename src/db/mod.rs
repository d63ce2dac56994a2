//! Database access: the async connection pool, embedded migrations, and the database target
//! (an external server or the embedded cluster).

pub mod cached_sql;
pub mod dynamic;
pub mod fixed_shape;
pub mod handle;
pub mod literal_limit;
pub mod scans;
pub mod schema;
pub mod text_enum;
pub mod worker_pools;

use crate::config::Config;
use crate::embedded_pg::{ClusterOptions, Supervisor};
use anyhow::Context;
use diesel::Connection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;
use std::time::Duration;

pub use handle::Db;

/// No connection could be had within the database timeout: the request may succeed later.
#[derive(Debug, thiserror::Error)]
#[error("the database is unavailable")]
pub struct Unavailable;

impl From<diesel_async::pooled_connection::deadpool::PoolError> for Unavailable {
    fn from(error: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        tracing::warn!(error = %error, "no database connection");
        Self
    }
}

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The database the service and every subcommand use. Holding it keeps an embedded cluster
/// running (when this process started it), restarted if it dies.
pub struct Database {
    pub url: String,
    /// The embedded cluster's keeper, when no `DATABASE_URL` is set.
    pub embedded: Option<Supervisor>,
}

/// The embedded cluster's database name.
pub const EMBEDDED_DATABASE: &str = "policytrack";

impl Database {
    /// `DATABASE_URL` when set, otherwise the embedded cluster in the data directory (started,
    /// or joined when a server already runs on it). Blocking: call before the runtime starts.
    pub fn open(config: &Config) -> anyhow::Result<Self> {
        if let Some(url) = &config.database_url {
            return Ok(Self {
                url: url.expose().to_owned(),
                embedded: None,
            });
        }
        let supervisor = Supervisor::start(ClusterOptions {
            data_dir: config.data_dir.clone(),
            bin_dir: config.pg_bin_dir.clone(),
            durable: true,
        })?;
        create_database_if_missing(&supervisor.admin_url, EMBEDDED_DATABASE)?;
        Ok(Self {
            url: supervisor.url(EMBEDDED_DATABASE),
            embedded: Some(supervisor),
        })
    }
}

/// Creates `name` through a maintenance connection unless it exists. Blocking.
pub fn create_database_if_missing(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = <AsyncConnectionWrapper<AsyncPgConnection> as Connection>::establish(admin_url)
        .context("connecting to the maintenance database")?;
    let exists: bool = diesel::RunQueryDsl::get_result(
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
        ))),
        &mut conn,
    )?;
    if !exists {
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            &format!("CREATE DATABASE \"{name}\""),
        )?;
    }
    Ok(())
}

/// Applies pending migrations on a blocking thread (the migration harness is synchronous).
pub async fn run_migrations(url: &str) -> anyhow::Result<()> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || run_migrations_blocking(&url))
        .await
        .context("migration task")?
}

/// Applies pending migrations; for callers already off the async runtime.
pub fn run_migrations_blocking(url: &str) -> anyhow::Result<()> {
    let mut conn = <AsyncConnectionWrapper<AsyncPgConnection> as Connection>::establish(url)
        .context("connecting to run migrations")?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
    for version in applied {
        tracing::info!(%version, "applied migration");
    }
    Ok(())
}

/// Pool settings that keep a dead database from hanging requests.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: usize,
    /// Counts statements on pooled connections (for `/metrics`), when given.
    pub statement_counter: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    /// Bounds waiting for a connection, connecting, and each statement.
    pub timeout: Duration,
}

pub fn build_pool(url: &str, settings: PoolSettings) -> anyhow::Result<DbPool> {
    let statement_timeout_ms = settings.timeout.as_millis();
    let mut manager_config = ManagerConfig::default();
    // Fast: a broken connection is detected on use; Verified would add a round trip per request.
    manager_config.recycling_method = RecyclingMethod::Fast;
    let counter = settings.statement_counter.clone();
    manager_config.custom_setup = Box::new(move |url| {
        let url = url.to_owned();
        let counter = counter.clone();
        async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            if let Some(counter) = counter {
                conn.set_instrumentation(crate::metrics::statement_counter(counter));
            }
            conn.batch_execute(&format!(
                "SET statement_timeout = {statement_timeout_ms}; SET TIME ZONE 'UTC'"
            ))
            .await
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        }
        .boxed()
    });
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, manager_config);
    Pool::builder(manager)
        .max_size(settings.max_size)
        .wait_timeout(Some(settings.timeout))
        .create_timeout(Some(settings.timeout))
        .recycle_timeout(Some(settings.timeout))
        .runtime(deadpool::Runtime::Tokio1)
        // The most recently returned connection first: list pages run three per core at a time
        // (`scans`), and reusing the same few backends keeps them warm.
        .queue_mode(deadpool::managed::QueueMode::Lifo)
        .build()
        .context("building the connection pool")
}

/// `SELECT 1`: used by readiness.
pub async fn ping(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1"))
        .get_result::<i32>(conn)
        .await
        .map(|_| ())
}

/// Stands in for a missing date in the `target_sort` and `due_sort` columns, so rows without
/// one sort last (the migrations use the same day).
pub const UNDATED_SORT_KEY: chrono::NaiveDate = match chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
{
    Some(day) => day,
    None => chrono::NaiveDate::MAX,
};

/// Trims a `limit + 1` fetch to `limit` rows; whether more rows exist.
pub fn trim_to_limit<R>(rows: &mut Vec<R>, limit: i64) -> bool {
    let page_len = usize::try_from(limit).unwrap_or(0);
    let has_more = rows.len() > page_len;
    rows.truncate(page_len);
    has_more
}

/// A single connection outside the pool (CLI commands, tests).
pub async fn connect(url: &str) -> diesel::ConnectionResult<AsyncPgConnection> {
    AsyncPgConnection::establish(url).await
}
