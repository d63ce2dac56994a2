//! Stopping on a signal, within a bound.
//!
//! SIGTERM drains requests in flight (at most [`HTTP_DRAIN`]), SIGINT drops them; then the
//! embedded PostgreSQL is stopped. Whatever part of that hangs, a watchdog ends the process
//! once [`BOUND`] has passed since the signal: a CI run once waited over an hour for a server
//! that had been sent SIGTERM. A second signal ends the process at once. Nothing acknowledged
//! is lost either way: a write is acknowledged only after its commit, and an embedded
//! PostgreSQL left behind quits with its parent and replays its log on the next start.
//!
//! The signals are watched on a thread of their own, so a stuck runtime cannot miss them.

use actix_web::dev::ServerHandle;
use std::time::Duration;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// How long a SIGTERM lets requests in flight finish.
pub const HTTP_DRAIN: Duration = Duration::from_secs(10);
/// From the first signal to the end of the process, whatever happens: draining, stopping
/// PostgreSQL (a checkpoint) and some room.
pub const BOUND: Duration = Duration::from_secs(45);

/// Starts watching SIGTERM and SIGINT for `server`. The handlers are installed before this
/// returns, so a signal arriving from now on is never missed (nor does it kill the process
/// without stopping PostgreSQL).
pub fn watch_signals(server: ServerHandle) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (terminate, interrupt) = {
        let _entered = runtime.enter();
        (
            signal(SignalKind::terminate())?,
            signal(SignalKind::interrupt())?,
        )
    };
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || runtime.block_on(stop_on_signal(server, terminate, interrupt)))?;
    Ok(())
}

async fn stop_on_signal(server: ServerHandle, mut terminate: Signal, mut interrupt: Signal) {
    // `None` only if the signal driver is gone: then no signal can come, and nothing is left
    // to do (a `select!` with every branch disabled would panic instead).
    let graceful = tokio::select! {
        Some(()) = terminate.recv() => true,
        Some(()) = interrupt.recv() => false,
        else => return,
    };
    tracing::info!(graceful, "stopping");
    arm_watchdog(BOUND, || {
        tracing::error!(bound = ?BOUND, "the stop did not finish in time; exiting now");
        std::process::exit(1);
    });
    // Once HTTP has stopped, PostgreSQL is being stopped: a second signal still cuts it short.
    tokio::select! {
        () = server.stop(graceful) => {
            tokio::select! {
                Some(()) = terminate.recv() => {}
                Some(()) = interrupt.recv() => {}
                else => return,
            }
        }
        Some(()) = terminate.recv() => {}
        Some(()) = interrupt.recv() => {}
    }
    tracing::warn!("second signal: exiting now");
    std::process::exit(1);
}

/// Calls `on_overrun` on a thread of its own once `bound` has passed, unless the process has
/// ended by then.
pub fn arm_watchdog(bound: Duration, on_overrun: impl FnOnce() + Send + 'static) {
    let armed = std::thread::Builder::new()
        .name("stop-watchdog".into())
        .spawn(move || {
            std::thread::sleep(bound);
            on_overrun();
        });
    if let Err(error) = armed {
        tracing::warn!(%error, "no watchdog for this stop");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn the_watchdog_fires_once_the_bound_has_passed_and_not_before() {
        let (fired, seen) = mpsc::channel();
        arm_watchdog(Duration::from_millis(300), move || {
            let _ = fired.send(());
        });
        assert!(
            seen.recv_timeout(Duration::from_millis(10)).is_err(),
            "fired before its bound"
        );
        assert!(
            seen.recv_timeout(Duration::from_secs(30)).is_ok(),
            "never fired"
        );
    }
}
