//! 2. Crash: kill -9 the release server in the middle of a write load, restart it. Every
//!    acknowledged write must be there, and nothing half-written: each recommendation's history
//!    length equals its version bumps, its status equals its newest history row, and the audit
//!    log holds one event per history row.

use crate::harness::{Outcome, Server, all_items, bearer, get, login, recommendation_id, scratch};
use crate::http;
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CODES: [&str; 8] = [
    "POL-1", "POL-2", "POL-3", "POL-4", "POL-5", "POL-6", "POL-7", "DEF-1",
];

pub fn run(load_for: Duration) -> Outcome {
    let dir = scratch("crash");
    let data = dir.join("data");
    let mut server = Server::start(
        &[("POLICYTRACK_DATA_DIR", data.to_str().unwrap_or_default())],
        &dir.join("server.log"),
    );
    let port = server.port;
    let token = login(port);
    let ids: Vec<String> = CODES
        .iter()
        .map(|c| recommendation_id(port, &token, c))
        .collect();
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let requests = Arc::new(Mutex::new((0u64, 0u64)));
    let writers: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            let (id, auth) = (id.clone(), bearer(&token));
            let (acknowledged, requests) = (Arc::clone(&acknowledged), Arc::clone(&requests));
            std::thread::spawn(move || {
                let path = format!("/api/v1/recommendations/{id}");
                for round in 0.. {
                    let read = http::send(
                        port,
                        "GET",
                        &format!("{path}?include="),
                        &[("Authorization", &auth)],
                        None,
                    );
                    let Ok(read) = read else { break };
                    let etag = read.header("etag").unwrap_or_default().to_owned();
                    let next = if read.json()["status"] == "in_progress" {
                        "stalled"
                    } else {
                        "in_progress"
                    };
                    let note = format!("crash {n}/{round}");
                    let write = http::json(
                        port,
                        "POST",
                        &format!("{path}/status"),
                        &[("Authorization", &auth), ("If-Match", &etag)],
                        &json!({"status": next, "note": note}),
                    );
                    if let Ok(mut r) = requests.lock() {
                        r.0 += 2;
                    }
                    match write {
                        Ok(w) if w.status == 200 => {
                            if let Ok(mut a) = acknowledged.lock() {
                                a.push(note);
                            }
                        }
                        Ok(w) => {
                            if let Ok(mut r) = requests.lock() {
                                r.1 += 1;
                            }
                            eprintln!("crash writer: unexpected {}", w.status);
                        }
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(load_for);
    server.kill9();
    for w in writers {
        let _ = w.join();
    }
    let restart = server.restart();
    let token = login(port);

    let mut outcome = Outcome::new("crash: kill -9 under write load");
    let (sent, unexpected) = requests.lock().map(|r| *r).unwrap_or_default();
    let acknowledged = acknowledged.lock().map(|a| a.clone()).unwrap_or_default();
    outcome.requests = sent;
    outcome.failures = unexpected;
    outcome.acknowledged = acknowledged.len() as u64;
    let mut present = HashSet::new();
    for id in &ids {
        let rec = get(
            port,
            &token,
            &format!("/api/v1/recommendations/{id}?include=history"),
        )
        .json();
        let history = rec["history"].as_array().cloned().unwrap_or_default();
        present.extend(
            history
                .iter()
                .filter_map(|h| h["note"].as_str().map(str::to_owned)),
        );
        let version = rec["version"].as_i64().unwrap_or(0);
        outcome.expect(
            history.len() as i64 == version - 1,
            format!("{id}: {} history rows at version {version}", history.len()),
        );
        if let Some(newest) = history.first() {
            outcome.expect(
                newest["to_status"] == rec["status"],
                format!("{id}: status differs from its newest history row"),
            );
        }
        let audited = all_items(
            port,
            &token,
            &format!("/api/v1/audit?entity_id={id}&action=change_status"),
        )
        .len();
        outcome.expect(
            audited == history.len(),
            format!(
                "{id}: {audited} audit events for {} history rows",
                history.len()
            ),
        );
    }
    outcome.lost = acknowledged
        .iter()
        .filter(|n| !present.contains(*n))
        .count() as u64;
    outcome.notes.push(format!(
        "restart to ready after kill -9: {} ms",
        restart.as_millis()
    ));
    drop(server);
    crate::harness::cleanup(&dir, &mut outcome);
    outcome
}
