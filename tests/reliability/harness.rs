//! Starting, killing and restarting release servers; logging in; reading back what was written.

use crate::http::{self, Response};
use policytrack::embedded_pg::{ClusterOptions, EmbeddedCluster};
use serde_json::{Value, json};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ADMIN_EMAIL: &str = "admin@reliability.example";
pub const ADMIN_PASSWORD: &str = "reliability suite passphrase";
pub const JWT_SECRET: &str = "reliability-suite-secret-0123456789abcdef";

/// A scratch directory the `postgres` account can enter (under /tmp, mode 0755).
pub fn scratch(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "policytrack-reliability-{}-{label}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A PostgreSQL cluster owned by the suite, playing an external server (`DATABASE_URL`), and
/// its scratch directory (for [`cleanup`] once the cluster is stopped).
pub fn external_cluster(label: &str) -> (EmbeddedCluster, PathBuf) {
    let dir = scratch(label);
    let cluster = EmbeddedCluster::start(ClusterOptions {
        data_dir: dir.clone(),
        bin_dir: None,
        durable: true,
    })
    .expect("start external PostgreSQL");
    policytrack::db::create_database_if_missing(&cluster.url("postgres"), "policytrack")
        .expect("create database");
    (cluster, dir)
}

/// A running `policytrack serve` (release build) and where its logs go.
pub struct Server {
    child: Option<Child>,
    pub port: u16,
    env: Vec<(String, String)>,
    pub log: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn command(env: &[(String, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_policytrack"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("POLICYTRACK_LOG_FORMAT", "json")
        .env("POLICYTRACK_PUBLIC_READ", "false")
        .env("POLICYTRACK_JWT_SECRET", JWT_SECRET)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null());
    command
}

impl Server {
    /// Creates the admin user (first start only) and starts serving with `env`
    /// (`POLICYTRACK_DATA_DIR` or `DATABASE_URL`, and any extra settings).
    pub fn start(env: &[(&str, &str)], log: &Path) -> Server {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut create = command(&env)
            .args([
                "user",
                "create",
                "--email",
                ADMIN_EMAIL,
                "--role",
                "admin",
                "--password-stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("user create");
        use std::io::Write;
        let _ = create
            .stdin
            .take()
            .map(|mut s| s.write_all(format!("{ADMIN_PASSWORD}\n").as_bytes()));
        let _ = create.wait();
        let mut server = Server {
            child: None,
            port: free_port(),
            env,
            log: log.to_path_buf(),
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let child = command(&self.env)
            .env("POLICYTRACK_ADDR", format!("127.0.0.1:{}", self.port))
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn policytrack");
        self.child = Some(child);
        self.wait_ready(Duration::from_secs(60));
    }

    pub fn wait_ready(&self, limit: Duration) -> Duration {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Ok(r) = http::send(self.port, "GET", "/health/ready", &[], None)
                && r.status == 200
            {
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server on port {} not ready within {limit:?}", self.port);
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().map_or(0, |c| c.id() as i32)
    }

    /// SIGKILL, no chance to clean up.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same settings and data; returns the time to ready.
    pub fn restart(&mut self) -> Duration {
        let started = Instant::now();
        self.spawn();
        started.elapsed()
    }

    /// SIGTERM, and the exit within a minute (the service bounds its stop well inside that).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: plain kill(2) on our own child.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(60);
            while matches!(child.try_wait(), Ok(None)) {
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "server on port {} still running 60 s after SIGTERM",
                        self.port
                    );
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Resident set size in KiB.
    pub fn rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn login(port: u16) -> String {
    let r = http::json(
        port,
        "POST",
        "/api/v1/auth/token",
        &[],
        &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
    )
    .expect("login request");
    assert_eq!(r.status, 200, "login: {}", String::from_utf8_lossy(&r.body));
    r.json()["access_token"].as_str().expect("token").to_owned()
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// GET with a bearer token; panics on connection failure.
pub fn get(port: u16, token: &str, path: &str) -> Response {
    http::send(
        port,
        "GET",
        path,
        &[("Authorization", &bearer(token))],
        None,
    )
    .expect("GET")
}

/// Id of a seeded recommendation by code.
pub fn recommendation_id(port: u16, token: &str, code: &str) -> String {
    get(
        port,
        token,
        &format!("/api/v1/reports/charting-a-path-in-the-uncharted-domain/recommendations/{code}"),
    )
    .json()["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// Every item of a paginated list.
pub fn all_items(port: u16, token: &str, path: &str) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{path}{sep}limit=200");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page = get(port, token, &url).json();
        items.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}

/// A row of the closing table.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub scenario: String,
    pub requests: u64,
    pub failures: u64,
    pub acknowledged: u64,
    pub lost: u64,
    pub problems: Vec<String>,
    pub notes: Vec<String>,
}

impl Outcome {
    pub fn new(scenario: &str) -> Self {
        Self {
            scenario: scenario.to_owned(),
            ..Default::default()
        }
    }

    /// Records a broken expectation (the scenario then fails).
    pub fn expect(&mut self, ok: bool, problem: impl Into<String>) {
        if !ok {
            self.problems.push(problem.into());
        }
    }

    pub fn passed(&self) -> bool {
        self.problems.is_empty() && self.failures == 0 && self.lost == 0
    }
}

/// Removes a scenario's scratch directory, or keeps it (and says where) when it failed.
pub fn cleanup(dir: &Path, outcome: &mut Outcome) {
    if outcome.passed() {
        let _ = std::fs::remove_dir_all(dir);
    } else {
        outcome
            .notes
            .push(format!("logs kept in {}", dir.display()));
    }
}
