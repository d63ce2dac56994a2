//! An instance's background jobs, the webhook delivery worker and the deadline scheduler, on
//! a thread of their own: a slow receiver or a long catch-up never holds up a request.

use crate::config::Config;
use crate::{deadlines, delivery};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How long stopping waits for the jobs to notice (an attempt in flight is abandoned and
/// made again later: deliveries are at least once).
const STOP_BOUND: Duration = Duration::from_secs(2);

pub struct Jobs {
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl Jobs {
    pub fn start(database_url: &str, config: &Config) -> anyhow::Result<Self> {
        let (stop, stopped) = watch::channel(false);
        let url = database_url.to_owned();
        let deliveries = delivery::Settings::from(&config.webhooks);
        let schedule = deadlines::Settings::from(config);
        let thread = std::thread::Builder::new()
            .name("jobs".into())
            .spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    tokio::join!(
                        delivery::run(url.clone(), deliveries, stopped.clone()),
                        deadlines::run(url, schedule, stopped),
                    );
                });
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    /// Asks the jobs to stop and waits a bounded time for them.
    pub fn stop(mut self) {
        self.signal_and_wait();
    }

    fn signal_and_wait(&mut self) {
        let _ = self.stop.send(true);
        let Some(thread) = self.thread.take() else {
            return;
        };
        let deadline = Instant::now() + STOP_BOUND;
        while !thread.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Jobs {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
