//! Starting the embedded cluster's server process and waiting until it accepts connections.

use super::{EmbeddedCluster, READY_TIMEOUT};
use anyhow::Context;
use std::fs::{self, OpenOptions};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

impl EmbeddedCluster {
    pub(super) fn spawn_server(&mut self) -> anyhow::Result<()> {
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

    pub(super) fn wait_until_ready(&mut self) -> anyhow::Result<()> {
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
}

/// A live postgres process (a stale pid file after a crash may name a recycled pid).
pub(super) fn process_alive(pid: i32) -> bool {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|cmd| cmd.windows(8).any(|w| w == b"postgres"))
        .unwrap_or(false)
}

pub(super) fn signal(pid: i32, sig: libc::c_int) {
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
