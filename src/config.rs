//! Typed settings read once from the environment (and `.env`), passed through `app_data`.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A string that must never reach logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself; call only where it is used, never to log or format it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Every setting the service reads; see `.env.example` for the documentation of each.
#[derive(Debug, Clone)]
pub struct Config {
    /// An external PostgreSQL server; `None` runs the embedded cluster in `data_dir`.
    pub database_url: Option<Secret>,
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// Directory holding `initdb` and `postgres`; searched for when unset.
    pub pg_bin_dir: Option<PathBuf>,
    pub jwt_secret: Option<Secret>,
    pub token_ttl: Duration,
    /// Anonymous reads; unset means on for the embedded database (a local, loopback set-up)
    /// and off with `DATABASE_URL`.
    pub public_read: Option<bool>,
    pub cors_origins: Vec<String>,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub stale_after_days: u32,
    /// Connections of the instance, shared out between the workers' pools.
    pub db_pool_size: usize,
    /// Upper bound on waiting for a pooled connection and on any single statement.
    pub db_timeout: Duration,
    pub workers: usize,
    /// The longest the read cache may serve data that changed elsewhere; zero turns it off.
    pub read_cache_max_stale: Duration,
    /// Whether this instance runs the webhook delivery worker and the deadline scheduler.
    pub jobs: bool,
    pub webhooks: WebhookSettings,
    /// How many days before its due date a milestone is `due_soon`.
    pub due_soon_days: u32,
    /// Fixes the scheduler's day (tests of deadlines); `None`: the UTC date.
    pub scheduler_today: Option<chrono::NaiveDate>,
    /// How often the deadline scheduler looks for due dates.
    pub scheduler_interval: Duration,
    /// The largest import file accepted (413 beyond).
    pub import_max_bytes: usize,
}

/// How webhook deliveries are made and retried.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub allow_http: bool,
    pub allow_private: bool,
    /// The first retry's delay; each further retry doubles it, up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// How long a delivery is retried before it is marked failed.
    pub give_up_after: Duration,
    /// How long a subscription may fail every attempt before it is turned off.
    pub disable_after: Duration,
}

/// A setting that is present but unusable; the message names the variable.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: String,
}

impl Config {
    /// Whether anonymous clients may read (see `public_read`).
    pub fn public_read_enabled(&self) -> bool {
        self.public_read.unwrap_or(self.database_url.is_none())
    }

    /// Where webhooks may point, as the operator set it.
    pub fn webhook_targets(&self) -> crate::domain::webhook_target::TargetPolicy {
        crate::domain::webhook_target::TargetPolicy {
            allow_http: self.webhooks.allow_http,
            allow_private: self.webhooks.allow_private,
        }
    }

    /// Reads the process environment (after `.env`, which `main` loads).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Builds the config from any key lookup, so tests need not touch the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let parse = |name: &'static str, default: &str| -> Result<String, ConfigError> {
            Ok(get(name).unwrap_or_else(|| default.to_owned()))
        };
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| ConfigError {
                    name,
                    problem: format!("expected a whole number, got {v:?}"),
                }),
            }
        };
        let addr_text = parse("POLICYTRACK_ADDR", "127.0.0.1:8080")?;
        let addr = addr_text.parse().map_err(|_| ConfigError {
            name: "POLICYTRACK_ADDR",
            problem: format!("expected host:port such as 127.0.0.1:8080, got {addr_text:?}"),
        })?;
        let log_format = match parse("POLICYTRACK_LOG_FORMAT", "text")?.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError {
                    name: "POLICYTRACK_LOG_FORMAT",
                    problem: format!("expected text or json, got {other:?}"),
                });
            }
        };
        let flag = |name: &'static str| -> Result<Option<bool>, ConfigError> {
            match get(name).as_deref() {
                None => Ok(None),
                Some("true" | "1" | "yes") => Ok(Some(true)),
                Some("false" | "0" | "no") => Ok(Some(false)),
                Some(other) => Err(ConfigError {
                    name,
                    problem: format!("expected true or false, got {other:?}"),
                }),
            }
        };
        let public_read = flag("POLICYTRACK_PUBLIC_READ")?;
        let scheduler_today = match get("POLICYTRACK_SCHEDULER_TODAY") {
            None => None,
            Some(day) => Some(day.trim().parse().map_err(|_| ConfigError {
                name: "POLICYTRACK_SCHEDULER_TODAY",
                problem: format!("expected a date such as 2027-01-31, got {day:?}"),
            })?),
        };
        let millis = |name: &'static str, default: u64| -> Result<Duration, ConfigError> {
            Ok(Duration::from_millis(number(name, default)?.max(1)))
        };
        let webhooks = WebhookSettings {
            allow_http: flag("POLICYTRACK_WEBHOOK_ALLOW_HTTP")?.unwrap_or(false),
            allow_private: flag("POLICYTRACK_WEBHOOK_ALLOW_PRIVATE")?.unwrap_or(false),
            retry_base: millis("POLICYTRACK_WEBHOOK_RETRY_BASE_MS", 5_000)?,
            retry_max: millis("POLICYTRACK_WEBHOOK_RETRY_MAX_MS", 3_600_000)?,
            give_up_after: millis("POLICYTRACK_WEBHOOK_GIVE_UP_MS", 86_400_000)?,
            disable_after: millis("POLICYTRACK_WEBHOOK_DISABLE_MS", 3 * 86_400_000)?,
        };
        let jwt_secret = get("POLICYTRACK_JWT_SECRET").map(Secret::new);
        if let Some(secret) = &jwt_secret
            && secret.expose().len() < 32
        {
            return Err(ConfigError {
                name: "POLICYTRACK_JWT_SECRET",
                problem: "must be at least 32 bytes long".into(),
            });
        }
        let db_pool_size = number("POLICYTRACK_DB_POOL_SIZE", 16)?.clamp(1, 1000) as usize;
        Ok(Self {
            database_url: get("DATABASE_URL").map(Secret::new),
            addr,
            data_dir: PathBuf::from(parse("POLICYTRACK_DATA_DIR", "./data")?),
            pg_bin_dir: get("POLICYTRACK_PG_BIN_DIR").map(PathBuf::from),
            jwt_secret,
            token_ttl: Duration::from_secs(number("POLICYTRACK_TOKEN_TTL_SECS", 3600)?.max(1)),
            public_read,
            cors_origins: get("POLICYTRACK_CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().to_owned())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            log_format,
            log_filter: parse("POLICYTRACK_LOG", "info")?,
            stale_after_days: number("POLICYTRACK_STALE_AFTER_DAYS", 90)?.min(36_500) as u32,
            db_pool_size,
            db_timeout: Duration::from_millis(number("POLICYTRACK_DB_TIMEOUT_MS", 5000)?.max(100)),
            workers: number("POLICYTRACK_WORKERS", 0)? as usize,
            read_cache_max_stale: Duration::from_millis(
                number("POLICYTRACK_READ_CACHE_MS", 250)?.min(60_000),
            ),
            jobs: flag("POLICYTRACK_JOBS")?.unwrap_or(true),
            webhooks,
            due_soon_days: number("POLICYTRACK_DUE_SOON_DAYS", 14)?.min(3650) as u32,
            scheduler_today,
            scheduler_interval: millis("POLICYTRACK_SCHEDULER_INTERVAL_MS", 60_000)?,
            import_max_bytes: number("POLICYTRACK_IMPORT_MAX_BYTES", 20 * 1024 * 1024)? as usize,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config_from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let config = config_from(&[]).expect("defaults are valid");
        assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.data_dir, PathBuf::from("./data"));
        assert!(config.database_url.is_none());
        assert_eq!(config.public_read, None);
        assert_eq!(config.stale_after_days, 90);
        assert_eq!(config.db_timeout, Duration::from_secs(5));
        assert_eq!(config.read_cache_max_stale, Duration::from_millis(250));
        assert!(config.jobs);
        assert_eq!(config.due_soon_days, 14);
        assert!(!config.webhooks.allow_http && !config.webhooks.allow_private);
        assert_eq!(config.webhooks.give_up_after, Duration::from_secs(86_400));
        assert_eq!(
            config.webhooks.disable_after,
            Duration::from_secs(3 * 86_400)
        );
    }

    #[test]
    fn short_jwt_secret_is_rejected() {
        let err = config_from(&[("POLICYTRACK_JWT_SECRET", "short")]).expect_err("too short");
        assert_eq!(err.name, "POLICYTRACK_JWT_SECRET");
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let config = config_from(&[
            ("DATABASE_URL", "postgres://u:hunter2@db/x"),
            (
                "POLICYTRACK_JWT_SECRET",
                "0123456789abcdef0123456789abcdef-secret",
            ),
        ])
        .expect("valid");
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"));
        assert!(!shown.contains("abcdef-secret"));
    }

    #[test]
    fn cors_origins_split_on_commas() {
        let config = config_from(&[(
            "POLICYTRACK_CORS_ORIGINS",
            "https://a.example, https://b.example",
        )])
        .expect("valid");
        assert_eq!(
            config.cors_origins,
            ["https://a.example", "https://b.example"]
        );
    }

    #[test]
    fn bad_address_names_the_variable() {
        let err = config_from(&[("POLICYTRACK_ADDR", "nowhere")]).expect_err("bad addr");
        assert_eq!(err.name, "POLICYTRACK_ADDR");
    }
}
