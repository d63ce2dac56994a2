//! 5. Hostile input against every write endpoint and query parameter: each gets a 4xx
//!    problem+json and changes nothing (row counts, versions and the audit log identical).

use crate::harness::{
    Outcome, Server, bearer, external_cluster, get, login, recommendation_id, scratch,
};
use crate::http;
use diesel::Connection;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use serde_json::json;

type SyncConn = AsyncConnectionWrapper<AsyncPgConnection>;

/// Every table's row count and version sum: any write shows up here.
fn fingerprint(url: &str) -> String {
    use diesel::RunQueryDsl;
    let mut conn = <SyncConn as Connection>::establish(url).expect("connect");
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
        "concat_ws(',', (SELECT count(*) FROM reports), (SELECT count(*) FROM categories), \
         (SELECT count(*) FROM recommendations), (SELECT sum(version) FROM recommendations), \
         (SELECT count(*) FROM recommendation_agencies), (SELECT count(*) FROM milestones), \
         (SELECT coalesce(sum(version), 0) FROM milestones), (SELECT count(*) FROM status_changes), \
         (SELECT count(*) FROM agencies), (SELECT sum(version) FROM agencies), \
         (SELECT count(*) FROM users), (SELECT sum(version) FROM users), \
         (SELECT count(*) FROM audit_events))",
    ))
    .get_result(&mut conn)
    .expect("fingerprint")
}

fn bodies() -> Vec<(&'static str, String, Vec<u8>)> {
    let long = "x".repeat(100_000);
    let mut deep = "[".repeat(5000);
    deep.push_str(&"]".repeat(5000));
    let object = |v: serde_json::Value| v.to_string().into_bytes();
    let json = "application/json".to_owned();
    vec![
        ("malformed JSON", json.clone(), b"{\"status\": ".to_vec()),
        ("empty body", json.clone(), Vec::new()),
        ("wrong top-level type", json.clone(), b"[1, 2, 3]".to_vec()),
        ("a bare string", json.clone(), b"\"in_progress\"".to_vec()),
        ("wrong field types", json.clone(), object(json!({"status": 5, "note": true, "title": [], "weight": "heavy", "email": {}, "code": 1}))),
        ("huge numbers", json.clone(), b"{\"weight\": 1e400, \"position\": 99999999999999999999999}".to_vec()),
        ("100 kB strings", json.clone(), object(json!({"note": long, "title": long, "text": long, "name": long, "email": long, "code": long, "slug": long, "summary": long, "description": long, "password": long, "publisher": long}))),
        ("invalid dates", json.clone(), object(json!({"effective_on": "2026-02-30", "due_on": "2026-13-01", "target_on": "soon", "published_on": "x", "completed_on": "0000-00-00"}))),
        ("NUL bytes", json.clone(), object(json!({"note": "a\u{0}b", "title": "t\u{0}", "text": "\u{0}", "name": "n\u{0}", "email": "a\u{0}@b.org", "password": "long enough\u{0}password", "description": "\u{0}", "summary": "\u{0}"}))),
        ("invalid UTF-8", json.clone(), b"{\"note\": \"\xff\xfe\xfd\", \"title\": \"\xc3\x28\"}".to_vec()),
        ("SQL injection in checked fields", json.clone(), object(json!({"status": "in_progress' OR '1'='1", "role": "admin'--", "code": "A'; DROP TABLE agencies;--", "email": "a@b.org'; DROP TABLE users;--", "category": "'; DROP TABLE categories;--", "country": "U'", "slug": "x'; --", "priority": "high' --"}))),
        ("duplicate keys", json.clone(), b"{\"note\": \"a\", \"note\": \"b\", \"title\": \"a\", \"title\": \"b\", \"status\": \"stalled\", \"status\": \"stalled\"}".to_vec()),
        ("deep nesting", json.clone(), deep.into_bytes()),
        ("oversized body (2 MiB)", json.clone(), object(json!({"note": "y".repeat(2 * 1024 * 1024)}))),
        ("not JSON: text/plain", "text/plain".to_owned(), b"status=in_progress".to_vec()),
        ("not JSON: XML", "application/xml".to_owned(), b"<status>in_progress</status>".to_vec()),
        ("JSON declared as UTF-16", "application/json; charset=utf-16".to_owned(), b"{\"note\": \"x\"}".to_vec()),
        ("CSV with NUL and invalid UTF-8", "text/csv".to_owned(), b"code,category,title,status\nPOL-1,political,a\x00\xff,in_progress\n".to_vec()),
        ("CSV with an unbalanced quote", "text/csv".to_owned(), b"code,category,title,status\n\"=1+1,political,x\n".to_vec()),
    ]
}

pub fn run() -> Outcome {
    let mut outcome = Outcome::new("hostile input corpus");
    let dir = scratch("hostile");
    let (cluster, cluster_dir) = external_cluster("hostile-db");
    let url = cluster.url("policytrack");
    let server = Server::start(&[("DATABASE_URL", url.as_str())], &dir.join("server.log"));
    let port = server.port;
    let token = login(port);
    let auth = bearer(&token);
    let rec = recommendation_id(port, &token, "POL-1");
    let report = get(port, &token, "/api/v1/reports").json()["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let agency = get(port, &token, "/api/v1/agencies?limit=1").json()["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let me = get(port, &token, "/api/v1/auth/me").json()["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let milestone = http::json(
        port,
        "POST",
        &format!("/api/v1/recommendations/{rec}/milestones"),
        &[("Authorization", &auth)],
        &json!({"title": "target"}),
    )
    .map(|r| r.json()["id"].as_str().unwrap_or_default().to_owned())
    .unwrap_or_default();
    let before = fingerprint(&url);

    let etag = |path: &str| {
        get(port, &token, path)
            .header("etag")
            .unwrap_or_default()
            .to_owned()
    };
    let writes: Vec<(&str, String, Option<String>)> = vec![
        (
            "POST",
            format!("/api/v1/recommendations/{rec}/status"),
            Some(format!("/api/v1/recommendations/{rec}")),
        ),
        (
            "PATCH",
            format!("/api/v1/recommendations/{rec}"),
            Some(format!("/api/v1/recommendations/{rec}")),
        ),
        (
            "POST",
            format!("/api/v1/recommendations/{rec}/milestones"),
            None,
        ),
        (
            "PATCH",
            format!("/api/v1/milestones/{milestone}"),
            Some(format!("/api/v1/milestones/{milestone}")),
        ),
        ("POST", "/api/v1/agencies".into(), None),
        (
            "PATCH",
            format!("/api/v1/agencies/{agency}"),
            Some(format!("/api/v1/agencies/{agency}")),
        ),
        ("POST", "/api/v1/reports".into(), None),
        (
            "POST",
            format!("/api/v1/reports/{report}/recommendations"),
            None,
        ),
        ("POST", format!("/api/v1/reports/{report}/categories"), None),
        ("POST", "/api/v1/imports".into(), None),
        ("POST", format!("/api/v1/imports?report={report}"), None),
        ("POST", "/api/v1/imports?format=gao".into(), None),
        ("POST", "/api/v1/users".into(), None),
        (
            "PATCH",
            format!("/api/v1/users/{me}"),
            Some(format!("/api/v1/users/{me}")),
        ),
        ("POST", "/api/v1/auth/token".into(), None),
    ];
    let check = |outcome: &mut Outcome, what: &str, response: std::io::Result<http::Response>| {
        outcome.requests += 1;
        match response {
            Ok(r) if (400..500).contains(&r.status) && r.is_problem() => {}
            Ok(r) => {
                outcome.failures += 1;
                outcome.problems.push(format!(
                    "{what}: {} {}",
                    r.status,
                    r.header("content-type").unwrap_or("-")
                ));
            }
            Err(e) => {
                outcome.failures += 1;
                outcome.problems.push(format!("{what}: {e}"));
            }
        }
    };
    for (method, path, etag_from) in &writes {
        let tag = etag_from.as_deref().map(etag).unwrap_or_default();
        for (name, content_type, body) in bodies() {
            let mut headers = vec![
                ("Authorization", auth.as_str()),
                ("Content-Type", content_type.as_str()),
            ];
            if !tag.is_empty() {
                headers.push(("If-Match", tag.as_str()));
            }
            check(
                &mut outcome,
                &format!("{method} {path} [{name}]"),
                http::send(port, method, path, &headers, Some(&body)),
            );
        }
        let junk_tag = "\"".to_owned() + &"v".repeat(8000) + "\"";
        let absurd = [
            ("If-Match", junk_tag.as_str()),
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
        ];
        if etag_from.is_some() {
            check(
                &mut outcome,
                &format!("{method} {path} [8 kB If-Match]"),
                http::send(port, method, path, &absurd, Some(b"{}")),
            );
        }
        let forged = format!("Bearer {}", "A".repeat(8000));
        check(
            &mut outcome,
            &format!("{method} {path} [8 kB token]"),
            http::send(
                port,
                method,
                path,
                &[
                    ("Authorization", &forged),
                    ("Content-Type", "application/json"),
                ],
                Some(b"{}"),
            ),
        );
    }
    for path in [
        "/api/v1/recommendations/..%2F..%2Fetc%2Fpasswd/status",
        "/api/v1/recommendations/99999999999999999999999999999/status",
        "/api/v1/milestones/%00",
        "/api/v1/agencies/'%20OR%20'1'='1",
        "/api/v1/users/%FF%FE",
        "/api/v1/recommendations/00000000-0000-0000-0000-000000000000/status",
    ] {
        let method =
            if path.contains("agencies") || path.contains("users") || path.contains("milestones") {
                "PATCH"
            } else {
                "POST"
            };
        check(
            &mut outcome,
            &format!("{method} {path}"),
            http::send(
                port,
                method,
                path,
                &[
                    ("Authorization", &auth),
                    ("If-Match", "\"v1.0\""),
                    ("Content-Type", "application/json"),
                ],
                Some(b"{\"note\": \"x\", \"status\": \"stalled\"}"),
            ),
        );
    }
    let long_q = "q".repeat(5000);
    let queries: Vec<String> = vec![
        "/api/v1/recommendations?limit=-1".into(),
        "/api/v1/recommendations?limit=99999999999999999999".into(),
        "/api/v1/recommendations?limit=1e3".into(),
        "/api/v1/recommendations?cursor=%00".into(),
        "/api/v1/recommendations?cursor=eyJzIjoiYyJ9".into(),
        "/api/v1/recommendations?status=in_progress'%20OR%201=1--".into(),
        "/api/v1/recommendations?priority=%FF".into(),
        "/api/v1/recommendations?sort=title;DROP%20TABLE%20reports".into(),
        "/api/v1/recommendations?include=../../etc".into(),
        "/api/v1/recommendations?country=';--".into(),
        "/api/v1/recommendations?target_before=2026-02-30".into(),
        "/api/v1/recommendations?updated_since=1e10".into(),
        "/api/v1/recommendations?overdue=1%00".into(),
        format!("/api/v1/recommendations?q={long_q}"),
        "/api/v1/recommendations?q=a%00b".into(),
        "/api/v1/recommendations?format=csv&limit=100001".into(),
        "/api/v1/milestones?status=done'--".into(),
        "/api/v1/milestones?recommendation=1%20OR%201=1".into(),
        "/api/v1/milestones?due_after=yesterday".into(),
        "/api/v1/agencies?limit=0".into(),
        "/api/v1/audit?entity_id=';DROP".into(),
        "/api/v1/audit?since=never".into(),
        "/api/v1/timeline?from=0000-00-00".into(),
        "/api/v1/timeline?from=1900-01-01&to=2100-13-01".into(),
        "/api/v1/users?cursor=%FF".into(),
        "/api/v1/recommendations?unknown=1".into(),
    ];
    for path in &queries {
        check(
            &mut outcome,
            &format!("GET {}", &path[..path.len().min(80)]),
            http::send(port, "GET", path, &[("Authorization", &auth)], None),
        );
    }
    // Injection strings in free-text filters are just text: they match nothing and change nothing.
    for path in [
        "/api/v1/recommendations?report='%20OR%20'1'='1",
        "/api/v1/recommendations?category=x');DROP%20TABLE%20recommendations;--",
        "/api/v1/recommendations?agency=1%20OR%201=1",
        "/api/v1/recommendations?q=');%20DELETE%20FROM%20users;--",
    ] {
        outcome.requests += 1;
        let r = http::send(port, "GET", path, &[("Authorization", &auth)], None);
        outcome.expect(
            r.is_ok_and(|r| r.status == 200),
            format!("{path} did not answer 200"),
        );
    }
    let after = fingerprint(&url);
    outcome.expect(
        before == after,
        format!("data changed: {before} -> {after}"),
    );
    outcome.notes.push(format!(
        "{} hostile requests, all 4xx problem+json, data unchanged",
        outcome.requests
    ));
    drop(server);
    drop(cluster);
    crate::harness::cleanup(&cluster_dir, &mut outcome);
    crate::harness::cleanup(&dir, &mut outcome);
    outcome
}
