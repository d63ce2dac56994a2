//! 3. Database outage: PostgreSQL stops under read and write load. Requests fail fast with
//!    503 problem+json (none hangs past the 5 s database timeout), readiness goes 503, and the
//!    service recovers by itself once PostgreSQL is back. Then the same with the embedded
//!    cluster's postgres killed outright. A webhook subscription runs throughout: every
//!    acknowledged status change still reaches its receiver after the outage.

use crate::harness::{
    Outcome, Server, all_items, bearer, external_cluster, login, recommendation_id, scratch,
};
use crate::http;
use crate::receiver::Receiver;
use serde_json::json;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TIMEOUT_LIMIT: Duration = Duration::from_secs(6);

#[derive(Default)]
struct Load {
    requests: u64,
    unexpected: Vec<String>,
    slowest: Duration,
    acknowledged: Vec<String>,
    unavailable: u64,
}

fn start_load(
    port: u16,
    token: &str,
    rec: &str,
    stop: &Arc<AtomicBool>,
    load: &Arc<Mutex<Load>>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..6)
        .map(|n| {
            let (auth, rec, stop, load) = (
                bearer(token),
                rec.to_owned(),
                Arc::clone(stop),
                Arc::clone(load),
            );
            std::thread::spawn(move || {
                let mut round = 0;
                while !stop.load(Ordering::Relaxed) {
                    round += 1;
                    let (result, note) = if n < 4 {
                        (
                            http::send(
                                port,
                                "GET",
                                "/api/v1/recommendations?limit=20",
                                &[("Authorization", &auth)],
                                None,
                            ),
                            None,
                        )
                    } else {
                        let note = format!("outage {n}/{round}");
                        let etag = http::send(
                            port,
                            "GET",
                            &format!("/api/v1/recommendations/{rec}?include="),
                            &[("Authorization", &auth)],
                            None,
                        )
                        .ok()
                        .and_then(|r| r.header("etag").map(str::to_owned))
                        .unwrap_or_else(|| "\"v0.0\"".into());
                        let next = if round % 2 == 0 {
                            "stalled"
                        } else {
                            "in_progress"
                        };
                        (
                            http::json(
                                port,
                                "POST",
                                &format!("/api/v1/recommendations/{rec}/status"),
                                &[("Authorization", &auth), ("If-Match", &etag)],
                                &json!({"status": next, "note": note}),
                            ),
                            Some(note),
                        )
                    };
                    let Ok(mut load) = load.lock() else { return };
                    load.requests += 1;
                    match result {
                        Ok(r) => {
                            load.slowest = load.slowest.max(r.elapsed);
                            match r.status {
                                200 => {
                                    if let Some(note) = note {
                                        load.acknowledged.push(note);
                                    }
                                }
                                412 | 409 => {}
                                503 if r.is_problem() => load.unavailable += 1,
                                other => load.unexpected.push(format!("answered {other}")),
                            }
                        }
                        Err(e) => load.unexpected.push(format!("request failed: {e}")),
                    }
                    drop(load);
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        })
        .collect()
}

fn time_to_ready(port: u16, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if http::send(port, "GET", "/health/ready", &[], None).is_ok_and(|r| r.status == 200) {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// Waits (at most `limit`) for a delivery carrying each acknowledged note; how many never came.
fn wait_for_deliveries(receiver: &Receiver, acknowledged: &[String], limit: Duration) -> usize {
    let started = Instant::now();
    loop {
        let delivered: HashSet<String> = receiver
            .bodies()
            .iter()
            .filter_map(|b| serde_json::from_str::<serde_json::Value>(b).ok())
            .filter_map(|b| {
                b["data"]["data"]["status_change"]["note"]
                    .as_str()
                    .map(str::to_owned)
            })
            .collect();
        let missing = acknowledged
            .iter()
            .filter(|n| !delivered.contains(*n))
            .count();
        if missing == 0 || started.elapsed() > limit {
            return missing;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn run() -> Outcome {
    let mut outcome = Outcome::new("database outage (external + embedded)");
    let dir = scratch("outage");
    let (mut cluster, cluster_dir) = external_cluster("outage-db");
    let url = cluster.url("policytrack");
    let server = Server::start(
        &[
            ("DATABASE_URL", url.as_str()),
            ("POLICYTRACK_WEBHOOK_ALLOW_HTTP", "true"),
            ("POLICYTRACK_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("POLICYTRACK_WEBHOOK_RETRY_BASE_MS", "100"),
            ("POLICYTRACK_WEBHOOK_RETRY_MAX_MS", "1000"),
        ],
        &dir.join("server.log"),
    );
    let port = server.port;
    let token = login(port);
    let rec = recommendation_id(port, &token, "TECH-2");
    let receiver = Receiver::start();
    let subscribed = http::json(
        port,
        "POST",
        "/api/v1/webhooks",
        &[("Authorization", &bearer(&token))],
        &json!({"url": receiver.url(), "event_types": ["recommendation.status_changed"]}),
    );
    outcome.expect(
        subscribed.is_ok_and(|r| r.status == 201),
        "could not subscribe the webhook receiver",
    );
    let stop = Arc::new(AtomicBool::new(false));
    let load = Arc::new(Mutex::new(Load::default()));
    let threads = start_load(port, &token, &rec, &stop, &load);

    std::thread::sleep(Duration::from_millis(1500));
    let _ = cluster.stop();
    std::thread::sleep(Duration::from_millis(300));
    let ready = http::send(port, "GET", "/health/ready", &[], None);
    outcome.expect(
        ready
            .as_ref()
            .is_ok_and(|r| r.status == 503 && r.is_problem()),
        "readiness was not 503 problem+json during the outage",
    );
    std::thread::sleep(Duration::from_millis(2500));
    let _ = cluster.restart();
    let recovered = time_to_ready(port, Duration::from_secs(15));
    outcome.expect(
        recovered.is_some(),
        "no recovery within 15 s of PostgreSQL returning",
    );
    std::thread::sleep(Duration::from_millis(1500));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    let load = load
        .lock()
        .map(|l| {
            (
                l.requests,
                l.unexpected.clone(),
                l.slowest,
                l.acknowledged.clone(),
                l.unavailable,
            )
        })
        .unwrap_or_default();
    outcome.requests = load.0;
    outcome.failures = load.1.len() as u64;
    outcome.problems.extend(load.1.iter().take(3).cloned());
    outcome.expect(
        load.2 <= TIMEOUT_LIMIT,
        format!("a request took {:?} during the outage", load.2),
    );
    outcome.expect(load.4 > 0, "no request saw the outage");
    outcome.acknowledged = load.3.len() as u64;
    let notes: HashSet<String> = all_items(
        port,
        &login(port),
        &format!("/api/v1/recommendations/{rec}/history"),
    )
    .iter()
    .filter_map(|h| h["note"].as_str().map(str::to_owned))
    .collect();
    outcome.lost = load.3.iter().filter(|n| !notes.contains(*n)).count() as u64;
    let undelivered = wait_for_deliveries(&receiver, &load.3, Duration::from_secs(30));
    outcome.expect(
        undelivered == 0,
        format!("{undelivered} acknowledged status changes never reached the webhook receiver"),
    );
    outcome.notes.push(format!(
        "webhooks: {} of {} acknowledged status changes delivered after the outage ({} requests \
         received, repeats included)",
        load.3.len() - undelivered,
        load.3.len(),
        receiver.bodies().len()
    ));
    outcome.notes.push(format!(
        "external: {} answered 503 fast (slowest {} ms); recovered {} ms after PostgreSQL restarted",
        load.4,
        load.2.as_millis(),
        recovered.map_or(-1, |d| d.as_millis() as i64)
    ));
    drop(server);
    drop(cluster);

    // The embedded cluster: kill its postmaster; the service restarts it by itself.
    let data = dir.join("embedded");
    let server = Server::start(
        &[("POLICYTRACK_DATA_DIR", data.to_str().unwrap_or_default())],
        &dir.join("embedded.log"),
    );
    let pid: i32 = std::fs::read_to_string(data.join("postgres/pgdata/postmaster.pid"))
        .ok()
        .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()))
        .unwrap_or(0);
    outcome.expect(pid > 0, "no postmaster pid");
    // SAFETY: kill(2) on the embedded postmaster, which the suite means to crash.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    std::thread::sleep(Duration::from_millis(200));
    let during = http::send(server.port, "GET", "/health/ready", &[], None);
    outcome.requests += 1;
    outcome.expect(
        during
            .as_ref()
            .is_ok_and(|r| r.status == 503 || r.status == 200),
        "readiness broke after postgres was killed",
    );
    let back = time_to_ready(server.port, Duration::from_secs(30));
    outcome.expect(back.is_some(), "embedded postgres was not brought back");
    let token = login(server.port);
    let list = http::send(
        server.port,
        "GET",
        "/api/v1/recommendations",
        &[("Authorization", &bearer(&token))],
        None,
    );
    outcome.requests += 2;
    outcome.expect(
        list.is_ok_and(|r| r.status == 200),
        "reads failed after recovery",
    );
    outcome.notes.push(format!(
        "embedded: postmaster killed, service ready again in {} ms",
        back.map_or(-1, |d| d.as_millis() as i64)
    ));
    drop(server);
    crate::harness::cleanup(&cluster_dir, &mut outcome);
    crate::harness::cleanup(&dir, &mut outcome);
    outcome
}
