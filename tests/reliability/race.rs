//! 1. Lost-update race: 32 analysts read-modify-write one recommendation and one milestone
//!    with If-Match for a fixed time. Every 2xx must be in the history and the audit log,
//!    everything else 412, versions strictly increasing, no 5xx.

use crate::harness::{Outcome, Server, all_items, bearer, get, login, recommendation_id, scratch};
use crate::http;
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENTS: usize = 32;

#[derive(Default)]
struct Tally {
    requests: u64,
    unexpected: Vec<String>,
    /// (note or version) of every acknowledged write.
    acknowledged: Vec<(String, i64)>,
}

pub fn run(duration: Duration) -> Outcome {
    let dir = scratch("race");
    let data = dir.join("data");
    let server = Server::start(
        &[("POLICYTRACK_DATA_DIR", data.to_str().unwrap_or_default())],
        &dir.join("server.log"),
    );
    let port = server.port;
    let token = login(port);
    let rec = recommendation_id(port, &token, "POL-1");
    let other = recommendation_id(port, &token, "DEF-1");
    let milestone = http::json(
        port,
        "POST",
        &format!("/api/v1/recommendations/{other}/milestones"),
        &[("Authorization", &bearer(&token))],
        &json!({"title": "Contended milestone", "weight": 1}),
    )
    .expect("create milestone")
    .json()["id"]
        .as_str()
        .expect("milestone id")
        .to_owned();

    let status_tally = Arc::new(Mutex::new(Tally::default()));
    let milestone_tally = Arc::new(Mutex::new(Tally::default()));
    let deadline = Instant::now() + duration;
    let threads: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let (token, rec, milestone) = (token.clone(), rec.clone(), milestone.clone());
            let (st, mt) = (Arc::clone(&status_tally), Arc::clone(&milestone_tally));
            std::thread::spawn(move || {
                let auth = bearer(&token);
                let mut round = 0;
                while Instant::now() < deadline {
                    round += 1;
                    if n % 2 == 0 {
                        status_round(port, &auth, &rec, n, round, &st);
                    } else {
                        milestone_round(port, &auth, &milestone, &mt);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }

    let mut outcome = Outcome::new("lost-update race (32 clients)");
    let st = status_tally
        .lock()
        .map(|t| (t.requests, t.unexpected.clone(), t.acknowledged.clone()))
        .unwrap_or_default();
    let mt = milestone_tally
        .lock()
        .map(|t| (t.requests, t.unexpected.clone(), t.acknowledged.clone()))
        .unwrap_or_default();
    outcome.requests = st.0 + mt.0;
    outcome.failures = (st.1.len() + mt.1.len()) as u64;
    outcome
        .problems
        .extend(st.1.iter().chain(mt.1.iter()).take(5).cloned());
    outcome.acknowledged = (st.2.len() + mt.2.len()) as u64;

    // The recommendation: history holds exactly the acknowledged notes; versions rose by one each.
    let history = all_items(
        port,
        &token,
        &format!("/api/v1/recommendations/{rec}/history"),
    );
    let notes: HashSet<String> = history
        .iter()
        .filter_map(|h| h["note"].as_str().map(str::to_owned))
        .collect();
    let lost_status =
        st.2.iter()
            .filter(|(note, _)| !notes.contains(note))
            .count() as u64;
    outcome.expect(
        history.len() == st.2.len(),
        format!(
            "history has {} rows for {} acknowledged changes",
            history.len(),
            st.2.len()
        ),
    );
    let mut versions: Vec<i64> = st.2.iter().map(|a| a.1).collect();
    versions.sort_unstable();
    versions.dedup();
    outcome.expect(
        versions.len() == st.2.len(),
        "two status writes returned the same version",
    );
    let final_version =
        get(port, &token, &format!("/api/v1/recommendations/{rec}")).json()["version"]
            .as_i64()
            .unwrap_or(0);
    outcome.expect(
        final_version == 1 + st.2.len() as i64,
        format!("final version {final_version} after {} writes", st.2.len()),
    );
    let audited = all_items(
        port,
        &token,
        &format!("/api/v1/audit?entity_id={rec}&action=change_status"),
    )
    .len();
    outcome.expect(
        audited == st.2.len(),
        format!("{audited} audit events for {} status writes", st.2.len()),
    );

    // The milestone: one audit event per acknowledged write, carrying the acknowledged version.
    let events = all_items(
        port,
        &token,
        &format!("/api/v1/audit?entity_id={milestone}&action=update_milestone"),
    );
    let audited_versions: HashSet<i64> = events
        .iter()
        .filter_map(|e| e["after"]["version"].as_i64())
        .collect();
    let lost_milestone =
        mt.2.iter()
            .filter(|(_, v)| !audited_versions.contains(v))
            .count() as u64;
    outcome.expect(
        events.len() == mt.2.len(),
        format!(
            "{} milestone audit events for {} writes",
            events.len(),
            mt.2.len()
        ),
    );
    let mut mversions: Vec<i64> = mt.2.iter().map(|a| a.1).collect();
    mversions.sort_unstable();
    mversions.dedup();
    outcome.expect(
        mversions.len() == mt.2.len(),
        "two milestone writes returned the same version",
    );
    outcome.lost = lost_status + lost_milestone;
    outcome.notes.push(format!(
        "status: {} applied; milestone: {} applied; others 412; server RSS {} MiB",
        st.2.len(),
        mt.2.len(),
        server.rss_kib() / 1024
    ));
    crate::harness::cleanup(&dir, &mut outcome);
    outcome
}

fn status_round(port: u16, auth: &str, rec: &str, n: usize, round: u32, tally: &Mutex<Tally>) {
    let read = http::send(
        port,
        "GET",
        &format!("/api/v1/recommendations/{rec}?include="),
        &[("Authorization", auth)],
        None,
    );
    let mut requests = 1;
    let result = read.and_then(|read| {
        let etag = read.header("etag").unwrap_or_default().to_owned();
        let next = if read.json()["status"] == "in_progress" {
            "stalled"
        } else {
            "in_progress"
        };
        let note = format!("race {n}/{round}");
        requests += 1;
        http::json(
            port,
            "POST",
            &format!("/api/v1/recommendations/{rec}/status"),
            &[("Authorization", auth), ("If-Match", &etag)],
            &json!({"status": next, "note": note}),
        )
        .map(|w| (w, note))
    });
    if let Ok(mut t) = tally.lock() {
        t.requests += requests;
        match result {
            Ok((w, note)) if w.status == 200 => t
                .acknowledged
                .push((note, w.json()["version"].as_i64().unwrap_or(0))),
            Ok((w, _)) if w.status == 412 && w.is_problem() => {}
            Ok((w, _)) => t
                .unexpected
                .push(format!("status write answered {}", w.status)),
            Err(e) => t.unexpected.push(format!("status round: {e}")),
        }
    }
}

fn milestone_round(port: u16, auth: &str, milestone: &str, tally: &Mutex<Tally>) {
    let path = format!("/api/v1/milestones/{milestone}");
    let mut requests = 1;
    let result =
        http::send(port, "GET", &path, &[("Authorization", auth)], None).and_then(|read| {
            let etag = read.header("etag").unwrap_or_default().to_owned();
            let weight = read.json()["weight"].as_i64().unwrap_or(1) % 1000 + 1;
            requests += 1;
            http::json(
                port,
                "PATCH",
                &path,
                &[("Authorization", auth), ("If-Match", &etag)],
                &json!({"weight": weight}),
            )
        });
    if let Ok(mut t) = tally.lock() {
        t.requests += requests;
        match result {
            Ok(w) if w.status == 200 => {
                let version = w.json()["version"].as_i64().unwrap_or(0);
                t.acknowledged.push((String::new(), version));
            }
            Ok(w) if w.status == 412 && w.is_problem() => {}
            Ok(w) => t
                .unexpected
                .push(format!("milestone write answered {}", w.status)),
            Err(e) => t.unexpected.push(format!("milestone round: {e}")),
        }
    }
}
