//! A private PostgreSQL cluster run as a child process: created with `initdb` on first use,
//! reachable only through a Unix socket in a private directory, stopped when dropped.

mod account;
mod layout;
mod programs;
mod supervisor;

pub use supervisor::Supervisor;

pub use layout::Layout;

use account::{RunAs, cluster_account, create_private_dir, open_own_dirs};
use anyhow::Context;
use std::fs::{self, OpenOptions};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The role `initdb` creates as superuser; only the cluster's account and root can reach the
/// socket, so it needs no password.
pub const SUPERUSER: &str = "policytrack";
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct ClusterOptions {
    pub data_dir: PathBuf,
    pub bin_dir: Option<PathBuf>,
    /// Keep fsync and synchronous commit (always, except in throwaway test clusters).
    pub durable: bool,
}

/// A running cluster. When this process started the server it also stops it (on `stop` or
/// drop); when another process (a running `policytrack serve`) owns it, it is left alone.
#[derive(Debug)]
pub struct EmbeddedCluster {
    layout: Layout,
    bin_dir: PathBuf,
    account: Option<RunAs>,
    options: ClusterOptions,
    server: Option<Child>,
}

impl EmbeddedCluster {
    /// Creates the cluster on first use, then starts it, or joins the server already running
    /// on the same data. Call from a thread that outlives the cluster: the server is told to
    /// quit when the thread that spawned it exits.
    pub fn start(options: ClusterOptions) -> anyhow::Result<Self> {
        fs::create_dir_all(&options.data_dir)
            .with_context(|| format!("creating data directory {}", options.data_dir.display()))?;
        let data_dir = fs::canonicalize(&options.data_dir)?;
        let bin_dir = programs::find_bin_dir(options.bin_dir.as_deref())?;
        let account = cluster_account()?;
        let layout = Layout::for_data_dir(&data_dir, account.as_ref());
        if layout.relocated {
            tracing::warn!(
                cluster = %layout.root.display(),
                "the data directory is not reachable by the `postgres` account; \
                 the embedded cluster lives outside it"
            );
            fs::write(
                data_dir.join("CLUSTER-LOCATION.txt"),
                format!("{}\n", layout.root.display()),
            )?;
        }
        let mut cluster = Self {
            layout,
            bin_dir,
            account,
            options,
            server: None,
        };
        cluster.prepare_directories()?;
        if !cluster.layout.pgdata.join("PG_VERSION").exists() {
            cluster.initdb()?;
        }
        if cluster.running_server_pid().is_none() {
            cluster.spawn_server()?;
        }
        cluster.wait_until_ready()?;
        Ok(cluster)
    }

    /// A connection URL for `database` through the private socket.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@localhost/{database}?host={}",
            self.layout.socket_dir.display()
        )
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The postmaster's pid, whoever started it.
    pub fn running_server_pid(&self) -> Option<i32> {
        let text = fs::read_to_string(self.layout.pgdata.join("postmaster.pid")).ok()?;
        let pid: i32 = text.lines().next()?.trim().parse().ok()?;
        process_alive(pid).then_some(pid)
    }

    /// True when this process started the server and will stop it.
    pub fn owns_server(&self) -> bool {
        self.server.is_some()
    }

    /// False once a server this process started has exited (crashed or killed).
    pub fn server_exited(&mut self) -> bool {
        match self.server.as_mut().map(Child::try_wait) {
            Some(Ok(Some(_))) | Some(Err(_)) => true,
            Some(Ok(None)) | None => false,
        }
    }

    /// Starts the server again after it stopped or was killed (data stays as it was).
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.stop()?;
        self.spawn_server()?;
        self.wait_until_ready()
    }

    /// Fast shutdown: open sessions end, committed data is checkpointed.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.server.take() else {
            return Ok(());
        };
        let pid = child.id() as i32;
        signal(pid, libc::SIGINT);
        let deadline = Instant::now() + STOP_TIMEOUT;
        while child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                tracing::warn!("postgres did not stop in time; sending SIGQUIT");
                signal(pid, libc::SIGQUIT);
                child.wait()?;
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    fn prepare_directories(&self) -> anyhow::Result<()> {
        if self.layout.relocated
            && let Some(parent) = self.layout.root.parent()
        {
            open_own_dirs(parent)?;
        }
        for dir in [&self.layout.root, &self.layout.socket_dir] {
            create_private_dir(dir, self.account.as_ref())?;
        }
        Ok(())
    }

    /// initdb into a scratch directory, then rename: a half-made cluster is never used.
    fn initdb(&self) -> anyhow::Result<()> {
        let scratch = self.layout.root.join("pgdata.initdb");
        if scratch.exists() {
            fs::remove_dir_all(&scratch)?;
        }
        let started = Instant::now();
        let mut command = self.command("initdb");
        command
            .arg("-D")
            .arg(&scratch)
            .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C"])
            .stdin(Stdio::null());
        if !self.options.durable {
            command.arg("--no-sync");
        }
        let output = command.output().context("running initdb")?;
        anyhow::ensure!(
            output.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        fs::rename(&scratch, &self.layout.pgdata)?;
        tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, pgdata = %self.layout.pgdata.display(), "initialised embedded PostgreSQL cluster");
        Ok(())
    }

    fn spawn_server(&mut self) -> anyhow::Result<()> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.layout.log_file)
            .with_context(|| format!("opening {}", self.layout.log_file.display()))?;
        let mut command = self.command("postgres");
        command
            .arg("-D")
            .arg(&self.layout.pgdata)
            .arg("-k")
            .arg(&self.layout.socket_dir)
            .args([
                "-c",
                "listen_addresses=",
                "-c",
                "unix_socket_permissions=0700",
            ])
            .args(["-c", "max_connections=200"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Own process group: a terminal's Ctrl-C reaches us, and we stop it in order.
            .process_group(0);
        if !self.options.durable {
            command.args([
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]);
        }
        // SAFETY: prctl and getppid are async-signal-safe; nothing here allocates.
        unsafe {
            command.pre_exec(|| {
                // If we die without stopping it (kill -9), the server quits too.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().context("starting postgres")?;
        self.server = Some(child);
        Ok(())
    }

    fn wait_until_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let pid_file = self.layout.pgdata.join("postmaster.pid");
        loop {
            if let Some(child) = self.server.as_mut()
                && let Some(status) = child.try_wait()?
            {
                self.server = None;
                anyhow::bail!(
                    "postgres exited ({status}) before it was ready; its log ({}) ends:\n{}",
                    self.layout.log_file.display(),
                    log_tail(&self.layout.log_file)
                );
            }
            // A pid file left by a killed server still says "ready": it must name our child.
            let expected_pid = self.server.as_ref().map(|c| c.id().to_string());
            let ready = fs::read_to_string(&pid_file)
                .map(|t| {
                    let lines: Vec<&str> = t.lines().collect();
                    let ours = expected_pid
                        .as_deref()
                        .is_none_or(|pid| lines.first().map(|l| l.trim()) == Some(pid));
                    ours && lines.get(7).is_some_and(|l| l.trim() == "ready")
                })
                .unwrap_or(false);
            if ready {
                return Ok(());
            }
            // A server we joined may be on its way down (its owner just died): start our own.
            if self.server.is_none() && self.running_server_pid().is_none() {
                self.spawn_server()?;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "postgres was not ready within {READY_TIMEOUT:?}; see {}",
                self.layout.log_file.display()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        command.env("LC_ALL", "C").env_remove("PGDATA");
        if let Some(account) = &self.account {
            command.uid(account.uid).gid(account.gid);
        }
        command
    }
}

impl Drop for EmbeddedCluster {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            tracing::error!(error = %e, "stopping embedded PostgreSQL");
        }
    }
}

/// A live postgres process (a stale pid file after a crash may name a recycled pid).
fn process_alive(pid: i32) -> bool {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|cmd| cmd.windows(8).any(|w| w == b"postgres"))
        .unwrap_or(false)
}

fn signal(pid: i32, sig: libc::c_int) {
    // SAFETY: plain kill(2) on a pid we spawned.
    unsafe {
        libc::kill(pid, sig);
    }
}

fn log_tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
