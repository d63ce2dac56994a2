//! `Application`: binds the listener and wires the actix app (state, middleware, routes, docs).

use crate::auth::jwt::JwtKeys;
use crate::auth::principals::Principals;
use crate::config::Config;
use crate::dashboard;
use crate::db::scans::Scans;
use crate::db::worker_pools::WorkerPools;
use crate::db::{self, Db, PoolSettings};
use crate::error::ApiError;
use crate::http::methods::KnownRoutes;
use crate::http::{input, middleware};
use crate::jobs::Jobs;
use crate::metrics::Metrics;
use crate::read_cache::memo::Memo;
use crate::read_cache::{self, ReadCache};
use crate::state::AppState;
use crate::{api, openapi, seed, shutdown};
use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::{Method, header};
use actix_web::{App, HttpResponse, HttpServer, web};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

pub struct Application {
    port: u16,
    server: Server,
    /// Webhook deliveries and deadlines, when this instance runs them.
    jobs: Option<Jobs>,
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
        let jobs = if config.jobs {
            Some(Jobs::start(database_url, &config)?)
        } else {
            None
        };
        let mut app = Self::serve(config, pools, metrics, read_cache)?;
        app.jobs = jobs;
        Ok(app)
    }

    /// Binds and starts serving, each worker on its own pool (the database is migrated).
    fn serve(
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
        let scans = Scans::per_core(config.db_timeout);
        let config = Arc::new(config);
        let spec = openapi::spec();
        let memo = Memo::default();
        let principals = Principals::new(read_cache.clone());
        let cached_reads = web::Data::new(read_cache.clone());
        let known_routes = web::Data::new(KnownRoutes::from_spec(&spec));
        let spec_yaml: Arc<str> = spec.to_yaml()?.into();
        let server = HttpServer::new(move || {
            // Called on each worker's own thread, once as it starts.
            let state = AppState {
                db: Db::new(pools.for_this_worker(), scans.clone()),
                config: Arc::clone(&config),
                jwt: Arc::clone(&jwt),
                memo: memo.clone(),
                principals: principals.clone(),
            };
            let (app, _) = App::new()
                .into_utoipa_app()
                .app_data(web::Data::new(state))
                .app_data(cached_reads.clone())
                .app_data(known_routes.clone())
                .app_data(input::json_config())
                .app_data(input::query_config())
                .app_data(input::path_config())
                .configure(api::configure)
                .split_for_parts();
            let (metrics_now, pools_now) = (Arc::clone(&metrics), pools.clone());
            let yaml = Arc::clone(&spec_yaml);
            app.configure(dashboard::configure)
                .service(web::redirect("/docs", "/docs/"))
                // Outside the API: scraped by operators, not called by SDKs.
                .route(
                    "/metrics",
                    web::get().to(move || {
                        let text = metrics_now.render(pools_now.status());
                        async move {
                            HttpResponse::Ok()
                                .content_type("text/plain; version=0.0.4")
                                .body(text)
                        }
                    }),
                )
                .route(
                    "/api-docs/openapi.yaml",
                    web::get().to(move || {
                        let yaml = yaml.to_string();
                        async move {
                            HttpResponse::Ok()
                                .content_type("application/yaml")
                                .body(yaml)
                        }
                    }),
                )
                .service(
                    SwaggerUi::new("/docs/{_:.*}")
                        .url("/api-docs/openapi.json", spec.clone())
                        // Its default validator badge sends the document's URL to swagger.io.
                        .config(SwaggerConfig::default().validator_url("none")),
                )
                .default_service(web::to(not_found))
                .wrap(actix_web::middleware::from_fn({
                    let cache = read_cache.clone();
                    move |req, next| read_cache::invalidate_after_writes(cache.clone(), req, next)
                }))
                .wrap(cors(&config.cors_origins))
                .wrap(middleware::SecurityHeaders)
                .wrap(middleware::RequestLog::new(Arc::clone(&metrics)))
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
        Ok(Self {
            port,
            server,
            jobs: None,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server on SIGTERM (draining requests) or SIGINT, within `shutdown::BOUND`.
    pub fn stop_on_signals(&self) -> std::io::Result<()> {
        shutdown::watch_signals(self.server.handle())
    }

    /// Serves until stopped, then stops the jobs.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some(jobs) = self.jobs {
            jobs.stop();
        }
        served
    }
}

fn worker_count(config: &Config) -> usize {
    if config.workers == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        config.workers
    }
}

async fn not_found(
    req: actix_web::HttpRequest,
    routes: web::Data<KnownRoutes>,
) -> Result<HttpResponse, ApiError> {
    if let Some(allowed) = routes.allowed(req.path()) {
        return Err(ApiError::MethodNotAllowed(
            req.method().to_string(),
            allowed.join(", "),
        ));
    }
    Err(ApiError::not_found(
        "route",
        req.path().chars().take(200).collect::<String>(),
    ))
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
