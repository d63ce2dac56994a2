//! Keeps the embedded cluster running for the life of the service: a dedicated thread starts
//! it (the server is tied to the thread that spawns it), restarts it if it dies, and stops it
//! on shutdown.

use super::{ClusterOptions, EmbeddedCluster};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

const CHECK_EVERY: Duration = Duration::from_millis(250);

pub struct Supervisor {
    stop: mpsc::Sender<()>,
    thread: Option<JoinHandle<()>>,
    /// Connection URL of the `postgres` maintenance database.
    pub admin_url: String,
    /// URL builder input: the cluster's URL for any database name.
    url_template: String,
}

impl Supervisor {
    /// Starts (or joins) the cluster on a supervising thread; returns once it is ready.
    pub fn start(options: ClusterOptions) -> anyhow::Result<Self> {
        let (ready_tx, ready_rx) = mpsc::channel::<anyhow::Result<(String, String)>>();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("postgres-supervisor".into())
            .spawn(move || {
                let mut cluster = match EmbeddedCluster::start(options) {
                    Ok(cluster) => cluster,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok((cluster.url("postgres"), cluster.url("{db}"))));
                supervise(&mut cluster, &stop_rx);
                if let Err(e) = cluster.stop() {
                    tracing::error!(error = %e, "stopping embedded PostgreSQL");
                }
            })?;
        let (admin_url, url_template) = ready_rx
            .recv()
            .map_err(|_| anyhow::anyhow!("the PostgreSQL supervisor thread died"))??;
        Ok(Self {
            stop: stop_tx,
            thread: Some(thread),
            admin_url,
            url_template,
        })
    }

    /// The cluster's connection URL for `database`.
    pub fn url(&self, database: &str) -> String {
        self.url_template.replace("{db}", database)
    }

    /// Stops the cluster (if this process started it) and waits for that to finish.
    pub fn shutdown(&mut self) {
        let _ = self.stop.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn supervise(cluster: &mut EmbeddedCluster, stop: &mpsc::Receiver<()>) {
    loop {
        match stop.recv_timeout(CHECK_EVERY) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
        if cluster.server_exited() {
            tracing::warn!("embedded PostgreSQL exited unexpectedly; restarting it");
            match cluster.restart() {
                Ok(()) => tracing::info!("embedded PostgreSQL is back"),
                Err(e) => {
                    tracing::error!(error = format!("{e:#}"), "restarting embedded PostgreSQL")
                }
            }
        }
    }
}
