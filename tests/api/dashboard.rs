//! The dashboard's HTTP side: every page route answers the one shell under a strict
//! Content-Security-Policy, every file it loads is embedded and served (nothing else is), its
//! scripts never write HTML, and the timeline filters the pages use.

use crate::helpers::{TestApp, spawn_app};
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const PAGES: [&str; 8] = [
    "/",
    "/sign-in",
    "/agencies",
    "/agencies/US-DOS",
    "/reports/charting-a-path-in-the-uncharted-domain",
    "/reports/charting-a-path-in-the-uncharted-domain/timeline",
    "/reports/charting-a-path-in-the-uncharted-domain/trend",
    "/recommendations/0b7c0c8e-1c8d-4a53-9d0c-0f1d3f0e6f3a",
];

#[actix_web::test]
async fn every_page_route_answers_the_shell_under_a_strict_content_security_policy() {
    let app = spawn_app().await;
    for page in PAGES {
        let answer = app.get(page).await;
        assert_eq!(answer.status, 200, "{page}");
        assert_eq!(answer.content_type(), "text/html; charset=utf-8", "{page}");
        let policy = answer.header("content-security-policy").expect("a CSP");
        assert!(policy.starts_with("default-src 'self'"), "{policy}");
        assert!(!policy.contains("unsafe"), "{policy}");
        let html = String::from_utf8(answer.body.clone()).expect("utf-8");
        assert!(html.contains(r#"<script type="module" src="/assets/app.js"></script>"#));
        assert!(
            !html.contains("<script>") && !html.contains("style="),
            "nothing inline"
        );
        let etag = answer.header("etag").expect("an ETag");
        let again = app.get_with(page, &[("If-None-Match", &etag)]).await;
        assert_eq!(again.status, 304, "{page}");
        assert!(again.body.is_empty());
    }
    // A path that is no page stays a problem, as before.
    app.get("/reports").await.assert_problem(404);
    app.get("/recommendations/x/y").await.assert_problem(404);
}

/// The `/assets/…` files `text` names: `href`/`src` in HTML, `from './x.js'` in scripts.
fn references(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (marker, end) in [("\"/assets/", '"'), ("from './", '\'')] {
        for piece in text.split(marker).skip(1) {
            if let Some(name) = piece.split(end).next() {
                found.push(name.to_owned());
            }
        }
    }
    found
}

#[actix_web::test]
async fn every_file_the_pages_load_is_embedded_and_nothing_else_is_served() {
    let app = spawn_app().await;
    let shell = String::from_utf8(app.get("/").await.body).expect("utf-8");
    let mut pending = references(&shell);
    let mut seen = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let answer = app.get(&format!("/assets/{name}")).await;
        assert_eq!(answer.status, 200, "/assets/{name}");
        let expected = match name.rsplit('.').next() {
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("svg") => "image/svg+xml",
            other => panic!("unexpected file type {other:?}"),
        };
        assert_eq!(answer.content_type(), expected, "{name}");
        assert!(
            answer
                .header("content-security-policy")
                .is_some_and(|p| p.starts_with("default-src 'self'"))
        );
        let etag = answer.header("etag").expect("an ETag");
        let again = app
            .get_with(&format!("/assets/{name}"), &[("If-None-Match", &etag)])
            .await;
        assert_eq!(again.status, 304, "{name}");
        let text = String::from_utf8(answer.body).expect("utf-8");
        if name.ends_with(".js") {
            // Data only ever enters the page as text, and no code is built from strings.
            for sink in [
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "eval(",
                "new Function",
            ] {
                assert!(!text.contains(sink), "{name} uses {sink}");
            }
            assert!(
                !text.contains("setAttribute('style'"),
                "{name}: CSP forbids it"
            );
        }
        pending.extend(references(&text));
    }
    for page in [
        "overview.js",
        "report.js",
        "recommendation.js",
        "agencies.js",
    ] {
        assert!(
            seen.contains(page),
            "{page} is reached from the shell: {seen:?}"
        );
    }
    assert!(seen.len() >= 12, "{seen:?}");
    for missing in [
        "/assets/nope.js",
        "/assets/index.html",
        "/assets/..%2Fmod.rs",
    ] {
        assert_eq!(app.get(missing).await.status, 404, "{missing}");
    }
}

async fn timeline(app: &TestApp, query: &str) -> Vec<Value> {
    let answer = app
        .get(&format!("/api/v1/timeline?limit=200&{query}"))
        .await;
    assert_eq!(
        answer.status,
        200,
        "{query}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()["items"].as_array().expect("items").clone()
}

fn codes_and_kinds(items: &[Value]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|e| {
            (
                e["recommendation"]["code"]
                    .as_str()
                    .expect("code")
                    .to_owned(),
                e["kind"].as_str().expect("kind").to_owned(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn the_timeline_filters_by_category_and_kind() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for code in ["POL-1", "DEF-1"] {
        let (id, etag) = app.recommendation(code).await;
        let moved = app
            .send_json(
                "POST",
                &format!("/api/v1/recommendations/{id}/status"),
                &[("Authorization", &admin), ("If-Match", &etag)],
                &json!({"status": "in_progress", "health": "on_track", "note": "Under way"}),
            )
            .await;
        assert_eq!(moved.status, 200);
        let due = (Utc::now().date_naive() + Duration::days(10)).to_string();
        let milestone = app
            .send_json(
                "POST",
                &format!("/api/v1/recommendations/{id}/milestones"),
                &[("Authorization", &admin)],
                &json!({"title": format!("{code} kickoff"), "due_on": due}),
            )
            .await;
        assert_eq!(milestone.status, 201);
    }
    let report = app.get("/api/v1/reports").await.json()["items"][0].clone();
    let slug = report["slug"].as_str().expect("slug");
    let everything = codes_and_kinds(&timeline(&app, &format!("report={slug}")).await);
    let pair = |code: &str, kind: &str| (code.to_owned(), kind.to_owned());
    assert_eq!(
        everything,
        BTreeSet::from([
            pair("POL-1", "status_change"),
            pair("POL-1", "milestone_due"),
            pair("DEF-1", "status_change"),
            pair("DEF-1", "milestone_due"),
        ])
    );
    assert_eq!(
        codes_and_kinds(&timeline(&app, &format!("report={slug}&category=defense")).await),
        BTreeSet::from([
            pair("DEF-1", "status_change"),
            pair("DEF-1", "milestone_due")
        ])
    );
    let defense = report["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["slug"] == "defense")
        .expect("defense")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        codes_and_kinds(&timeline(&app, &format!("category={defense}&kind=milestone_due")).await),
        BTreeSet::from([pair("DEF-1", "milestone_due")])
    );
    assert_eq!(
        codes_and_kinds(&timeline(&app, "kind=status_change,milestone_completed").await),
        BTreeSet::from([
            pair("POL-1", "status_change"),
            pair("DEF-1", "status_change")
        ])
    );
    assert!(timeline(&app, "category=no-such-category").await.is_empty());
    let refused = app.get("/api/v1/timeline?kind=status_change,done").await;
    let problem = refused.assert_problem(422);
    assert_eq!(problem["errors"][0]["field"], "query.kind");
}
