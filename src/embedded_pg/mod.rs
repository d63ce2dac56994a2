//! A private PostgreSQL cluster run as a child process: created with `initdb` on first use,
//! reachable only through a Unix socket in a private directory, stopped when dropped.

mod account;
mod layout;
mod programs;
mod server;
mod supervisor;

pub use supervisor::Supervisor;

pub use layout::Layout;

use account::{RunAs, cluster_account, create_private_dir, open_own_dirs};
use anyhow::Context;
use server::{process_alive, signal};
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
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
