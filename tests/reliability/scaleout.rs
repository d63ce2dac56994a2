//! 4. Scale-out shape: two instances on one PostgreSQL. A token from one works on the other;
//!    concurrent writes through both lose nothing; each pool stays within its limit.

use crate::harness::{
    Outcome, Server, all_items, bearer, external_cluster, get, login, recommendation_id, scratch,
};
use crate::http;
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const POOL: u64 = 4;

fn pool_open(port: u16) -> u64 {
    http::send(port, "GET", "/metrics", &[], None)
        .ok()
        .and_then(|r| {
            String::from_utf8_lossy(&r.body).lines().find_map(|l| {
                l.strip_prefix("policytrack_db_pool_connections{state=\"open\"} ")
                    .map(str::to_owned)
            })
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(u64::MAX)
}

pub fn run(duration: Duration) -> Outcome {
    let mut outcome = Outcome::new("scale-out: two instances, one database");
    let dir = scratch("scaleout");
    let (cluster, cluster_dir) = external_cluster("scaleout-db");
    let url = cluster.url("policytrack");
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("POLICYTRACK_DB_POOL_SIZE", "4"),
    ];
    let a = Server::start(&env, &dir.join("a.log"));
    let b = Server::start(&env, &dir.join("b.log"));
    let token = login(a.port);
    let me = get(b.port, &token, "/api/v1/auth/me");
    outcome.requests += 2;
    outcome.expect(
        me.status == 200,
        format!("a token from instance A gave {} on instance B", me.status),
    );

    let codes = ["COM-1", "COM-2", "TECH-1", "TECH-3"];
    let ids: Vec<String> = codes
        .iter()
        .map(|c| recommendation_id(a.port, &token, c))
        .collect();
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let stats = Arc::new(Mutex::new((0u64, Vec::<String>::new())));
    let deadline = Instant::now() + duration;
    let threads: Vec<_> = (0..16)
        .map(|n| {
            let port = if n % 2 == 0 { a.port } else { b.port };
            let (auth, id) = (bearer(&token), ids[n % ids.len()].clone());
            let (acknowledged, stats) = (Arc::clone(&acknowledged), Arc::clone(&stats));
            std::thread::spawn(move || {
                let mut round = 0;
                while Instant::now() < deadline {
                    round += 1;
                    let path = format!("/api/v1/recommendations/{id}");
                    let read = http::send(
                        port,
                        "GET",
                        &format!("{path}?include="),
                        &[("Authorization", &auth)],
                        None,
                    );
                    let write = read.and_then(|r| {
                        let etag = r.header("etag").unwrap_or_default().to_owned();
                        let next = if r.json()["status"] == "in_progress" {
                            "stalled"
                        } else {
                            "in_progress"
                        };
                        http::json(
                            port,
                            "POST",
                            &format!("{path}/status"),
                            &[("Authorization", &auth), ("If-Match", &etag)],
                            &json!({"status": next, "note": format!("scale {n}/{round}")}),
                        )
                    });
                    if let Ok(mut s) = stats.lock() {
                        s.0 += 2;
                        match &write {
                            Ok(w) if w.status == 200 || w.status == 412 => {}
                            Ok(w) => s.1.push(format!("write answered {}", w.status)),
                            Err(e) => s.1.push(format!("write failed: {e}")),
                        }
                    }
                    if write.is_ok_and(|w| w.status == 200)
                        && let Ok(mut ack) = acknowledged.lock()
                    {
                        ack.push(format!("scale {n}/{round}"));
                    }
                }
            })
        })
        .collect();
    let mut peak = (0, 0);
    while Instant::now() < deadline {
        peak = (peak.0.max(pool_open(a.port)), peak.1.max(pool_open(b.port)));
        std::thread::sleep(Duration::from_millis(200));
    }
    for t in threads {
        let _ = t.join();
    }
    let (requests, unexpected) = stats.lock().map(|s| (s.0, s.1.clone())).unwrap_or_default();
    let acknowledged = acknowledged.lock().map(|a| a.clone()).unwrap_or_default();
    outcome.requests += requests;
    outcome.failures = unexpected.len() as u64;
    outcome.problems.extend(unexpected.into_iter().take(3));
    outcome.acknowledged = acknowledged.len() as u64;
    let mut present = HashSet::new();
    for id in &ids {
        let history = all_items(
            b.port,
            &token,
            &format!("/api/v1/recommendations/{id}/history"),
        );
        let version =
            get(a.port, &token, &format!("/api/v1/recommendations/{id}")).json()["version"]
                .as_i64()
                .unwrap_or(0);
        outcome.expect(
            history.len() as i64 == version - 1,
            format!("{id}: {} history rows at version {version}", history.len()),
        );
        present.extend(
            history
                .iter()
                .filter_map(|h| h["note"].as_str().map(str::to_owned)),
        );
    }
    outcome.lost = acknowledged
        .iter()
        .filter(|n| !present.contains(*n))
        .count() as u64;
    outcome.expect(
        peak.0 <= POOL && peak.1 <= POOL,
        format!("pool peaked at {peak:?}, limit {POOL}"),
    );
    outcome.notes.push(format!(
        "pool peak per instance: {} and {} of {POOL}",
        peak.0, peak.1
    ));
    drop(a);
    drop(b);
    drop(cluster);
    crate::harness::cleanup(&cluster_dir, &mut outcome);
    crate::harness::cleanup(&dir, &mut outcome);
    outcome
}
