//! `Application`: binds the listener and wires the actix app (state, middleware, routes, docs).

use crate::auth::jwt::JwtKeys;
use crate::config::Config;
use crate::db::worker_pools::WorkerPools;
use crate::db::{self, DbPool, PoolSettings};
use crate::error::ApiError;
use crate::http::{input, middleware};
use crate::metrics::Metrics;
use crate::read_cache::{self, ReadCache};
use crate::{api, openapi, seed, shutdown};
use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::{Method, header};
use actix_web::{App, HttpServer, web};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

/// A worker's read-only state: its own connection pool, and what every worker shares.
#[derive(Clone)]
pub struct AppState {
    /// This worker's pool (see [`WorkerPools`]).
    pub pool: DbPool,
    /// Every worker's pool.
    pub pools: WorkerPools,
    /// Turns for list pages, exports and aggregates, shared by every worker.
    pub scans: db::scans::Scans,
    pub config: Arc<Config>,
    pub jwt: Arc<JwtKeys>,
    pub metrics: Arc<Metrics>,
    pub stats_cache: Arc<crate::stats::handlers::StatsCache>,
    pub read_cache: ReadCache,
}

impl AppState {
    pub fn public_read(&self) -> bool {
        self.config.public_read_enabled()
    }

    /// The clock and settings that derived fields (`stale`, `overdue`) are computed from.
    pub fn derivation(&self) -> crate::recommendations::dto::Derivation {
        crate::recommendations::dto::Derivation {
            now: chrono::Utc::now(),
            stale_after_days: self.config.stale_after_days,
        }
    }
}

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Migrates and (when empty) seeds the database, then binds `config.addr`.
    pub async fn build(config: Config, database_url: &str) -> anyhow::Result<Self> {
        db::run_migrations(database_url).await?;
        {
            // Closed after seeding: opened on the main thread's runtime, it would serve no worker.
            let mut conn = db::connect(database_url).await?;
            if let Some(outcome) = seed::seed_if_empty(&mut conn).await? {
                tracing::info!(?outcome, "seeded an empty database");
            }
        }
        let metrics = Arc::new(Metrics::default());
        let workers_asked = worker_count(&config);
        let pools = WorkerPools::new(
            database_url,
            &PoolSettings {
                max_size: config.db_pool_size,
                timeout: config.db_timeout,
                statement_counter: Some(Arc::clone(&metrics.db_statements)),
            },
            workers_asked,
        )?;
        if pools.workers() < workers_asked {
            tracing::warn!(
                workers = pools.workers(),
                "fewer HTTP workers than asked: each needs a connection of its own \
                 (POLICYTRACK_DB_POOL_SIZE)"
            );
        }
        let read_cache = ReadCache::start(database_url, config.read_cache_max_stale);
        Self::build_with_pools(config, pools, metrics, read_cache)
    }

    /// Binds and starts serving, each worker on its own pool (the database is already
    /// migrated).
    pub fn build_with_pools(
        config: Config,
        pools: WorkerPools,
        metrics: Arc<Metrics>,
        read_cache: ReadCache,
    ) -> anyhow::Result<Self> {
        let secret = config.jwt_secret.as_ref().ok_or_else(|| {
            anyhow::anyhow!(
                "POLICYTRACK_JWT_SECRET is required (at least 32 bytes) with DATABASE_URL"
            )
        })?;
        let jwt = Arc::new(JwtKeys::new(secret, config.token_ttl));
        let listener = TcpListener::bind(config.addr)?;
        let port = listener.local_addr()?.port();
        let workers = pools.workers();
        let scans = db::scans::Scans::per_core(config.db_timeout);
        let config = Arc::new(config);
        let stats_cache = Arc::default();
        let spec = openapi::spec();
        let spec_yaml: Arc<str> = spec.to_yaml()?.into();
        let server = HttpServer::new(move || {
            // Called on each worker's own thread, once as it starts.
            let state = AppState {
                pool: pools.for_this_worker(),
                pools: pools.clone(),
                scans: scans.clone(),
                config: Arc::clone(&config),
                jwt: Arc::clone(&jwt),
                metrics: Arc::clone(&metrics),
                stats_cache: Arc::clone(&stats_cache),
                read_cache: read_cache.clone(),
            };
            let (app, _) = App::new()
                .into_utoipa_app()
                .app_data(web::Data::new(state.clone()))
                .app_data(input::json_config())
                .app_data(input::query_config())
                .app_data(input::path_config())
                .configure(api::configure)
                .split_for_parts();
            app.service(web::redirect("/docs", "/docs/"))
                .route("/metrics", web::get().to(metrics_text))
                .route("/api-docs/openapi.yaml", {
                    let yaml = Arc::clone(&spec_yaml);
                    web::get().to(move || {
                        let yaml = Arc::clone(&yaml);
                        async move {
                            actix_web::HttpResponse::Ok()
                                .content_type("application/yaml")
                                .body(yaml.to_string())
                        }
                    })
                })
                .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", spec.clone()))
                .default_service(web::to(not_found))
                .wrap(actix_web::middleware::from_fn(
                    read_cache::invalidate_after_writes,
                ))
                .wrap(cors(&state.config.cors_origins))
                .wrap(middleware::SecurityHeaders)
                .wrap(middleware::RequestLog)
        })
        .workers(workers)
        .client_request_timeout(Duration::from_secs(10))
        .client_disconnect_timeout(Duration::from_secs(2))
        .keep_alive(Duration::from_secs(30))
        .shutdown_timeout(shutdown::HTTP_DRAIN.as_secs())
        // Signals are ours (`shutdown`): a stop must end the process within a bound.
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server on SIGTERM (draining requests) or SIGINT, within `shutdown::BOUND`.
    pub fn stop_on_signals(&self) -> std::io::Result<()> {
        shutdown::watch_signals(self.server.handle())
    }

    /// Serves until stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Prometheus exposition (outside the API: scraped by operators, not called by SDKs).
async fn metrics_text(state: web::Data<AppState>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render(state.pools.status()))
}

fn worker_count(config: &Config) -> usize {
    if config.workers == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        config.workers
    }
}

async fn not_found(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound {
        resource: "route",
        id: req.path().chars().take(200).collect(),
    })
}

fn cors(origins: &[String]) -> Cors {
    let cors = origins.iter().fold(Cors::default(), |cors, origin| {
        if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        }
    });
    cors.allowed_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
        ])
        .max_age(3600)
}
