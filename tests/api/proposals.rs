//! A second pair of eyes on closures: when a report reviews them, an analyst's closure is a
//! proposal a reviewer (never the proposer) approves or returns.

use crate::helpers::{TestApp, TestUser, spawn_app};
use policytrack::domain::Role;
use serde_json::{Value, json};

/// Turns `review_closures` on for the seeded report.
async fn review_closures(app: &TestApp) {
    let admin = app.admin().await;
    let report = app.get("/api/v1/reports").await.json()["items"][0]["id"]
        .as_str()
        .expect("report")
        .to_owned();
    let path = format!("/api/v1/reports/{report}");
    let etag = app.get(&path).await.header("etag").expect("etag");
    let analyst = app.create_user(Role::Analyst).await;
    let before = app.write_fingerprint().await;
    app.send_json(
        "PATCH",
        &path,
        &[("Authorization", &analyst.bearer()), ("If-Match", &etag)],
        &json!({"review_closures": true}),
    )
    .await
    .assert_problem(403);
    assert_eq!(app.write_fingerprint().await, before);
    let set = app
        .send_json(
            "PATCH",
            &path,
            &[("Authorization", &admin), ("If-Match", &etag)],
            &json!({"review_closures": true}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", String::from_utf8_lossy(&set.body));
    assert_eq!(set.json()["review_closures"], true);
}

/// Moves `code` to in_progress as `user`, then proposes closing it: the 202 answer's body.
async fn propose(app: &TestApp, user: &TestUser, code: &str) -> Value {
    let (id, etag) = app.recommendation(code).await;
    let path = format!("/api/v1/recommendations/{id}/status");
    let auth = user.bearer();
    let started = app
        .send_json(
            "POST",
            &path,
            &[("Authorization", &auth), ("If-Match", &etag)],
            &json!({"status": "in_progress", "note": "Under way"}),
        )
        .await;
    assert_eq!(
        started.status,
        200,
        "{}",
        String::from_utf8_lossy(&started.body)
    );
    let etag = started.header("etag").expect("etag");
    let proposed = app
        .send_json(
            "POST",
            &path,
            &[("Authorization", &auth), ("If-Match", &etag)],
            &json!({"status": "not_implemented", "note": "Dropped by both governments",
                    "evidence_urls": ["https://example.org/statement"]}),
        )
        .await;
    assert_eq!(
        proposed.status,
        202,
        "{}",
        String::from_utf8_lossy(&proposed.body)
    );
    let body = proposed.json();
    assert_eq!(
        proposed.header("location").as_deref(),
        Some(format!("/api/v1/proposals/{}", body["id"].as_str().expect("id")).as_str())
    );
    body
}

#[actix_web::test]
async fn an_analysts_closure_waits_for_a_reviewer_and_is_applied_exactly() {
    let app = spawn_app().await;
    review_closures(&app).await;
    let analyst = app.create_user(Role::Analyst).await;
    let proposal = propose(&app, &analyst, "POL-1").await;
    assert_eq!(proposal["state"], "pending");
    assert_eq!(proposal["to_status"], "not_implemented");
    let (rec, etag) = app.recommendation("POL-1").await;
    let shown = app
        .get(&format!("/api/v1/recommendations/{rec}"))
        .await
        .json();
    assert_eq!(
        shown["status"], "in_progress",
        "a proposal changes no status"
    );
    assert_eq!(shown["pending_proposal"], proposal["id"]);

    // A second proposal while one is pending: 409, nothing written.
    let before = app.write_fingerprint().await;
    app.send_json(
        "POST",
        &format!("/api/v1/recommendations/{rec}/status"),
        &[("Authorization", &analyst.bearer()), ("If-Match", &etag)],
        &json!({"status": "superseded", "note": "Replaced"}),
    )
    .await
    .assert_problem(409);
    assert_eq!(app.write_fingerprint().await, before);

    let queue = app.get("/api/v1/proposals?state=pending").await.json();
    assert_eq!(queue["items"][0]["id"], proposal["id"]);
    let id = proposal["id"].as_str().expect("id");
    let approve = format!("/api/v1/proposals/{id}/approve");
    // An analyst may not approve; the proposer may not either, even once a reviewer.
    app.send_raw(
        "POST",
        &approve,
        &[("Authorization", &analyst.bearer())],
        None,
    )
    .await
    .assert_problem(403);
    app.execute(&format!(
        "UPDATE users SET role = 'reviewer' WHERE id = '{}'",
        analyst.id
    ))
    .await;
    let mut refused = app
        .send_raw(
            "POST",
            &approve,
            &[("Authorization", &analyst.bearer())],
            None,
        )
        .await;
    for _ in 0..100 {
        // The role change reaches the identity cache within its window.
        if refused.json()["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("you proposed")
        {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        refused = app
            .send_raw(
                "POST",
                &approve,
                &[("Authorization", &analyst.bearer())],
                None,
            )
            .await;
    }
    refused.assert_problem(403);
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("you proposed")
    );
    assert_eq!(app.write_fingerprint().await, before);

    let reviewer = app.create_user(Role::Reviewer).await;
    let approved = app
        .send_raw(
            "POST",
            &approve,
            &[("Authorization", &reviewer.bearer())],
            None,
        )
        .await;
    assert_eq!(
        approved.status,
        200,
        "{}",
        String::from_utf8_lossy(&approved.body)
    );
    assert_eq!(approved.json()["state"], "approved");
    assert_eq!(approved.json()["decided_by"], reviewer.email);
    let after = app
        .get(&format!("/api/v1/recommendations/{rec}"))
        .await
        .json();
    assert_eq!(after["status"], "not_implemented");
    assert!(after["pending_proposal"].is_null());
    let entry = &after["latest_status_change"];
    assert_eq!(entry["to_status"], "not_implemented");
    assert_eq!(entry["note"], "Dropped by both governments");
    assert_eq!(
        entry["evidence_urls"],
        json!(["https://example.org/statement"])
    );
    assert_eq!(entry["actor"], analyst.email, "the proposer is the author");
    assert_eq!(
        entry["approved_by"], reviewer.email,
        "the reviewer approved it"
    );
    // Each step is an event (the feed shows them once no older transaction is open).
    let mut types: Vec<String> = Vec::new();
    for _ in 0..100 {
        types = events_of(&app, &rec).await;
        if types.iter().any(|t| t == "recommendation.closure_approved") {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    for wanted in [
        "recommendation.closure_proposed",
        "recommendation.status_changed",
        "recommendation.closure_approved",
    ] {
        assert!(
            types.iter().any(|t| t == wanted),
            "{wanted} missing: {types:?}"
        );
    }
    // Deciding twice: 409.
    app.send_raw(
        "POST",
        &approve,
        &[("Authorization", &reviewer.bearer())],
        None,
    )
    .await
    .assert_problem(409);
}

async fn events_of(app: &TestApp, rec: &str) -> Vec<String> {
    app.get(&format!("/api/v1/events?recommendation={rec}&limit=200"))
        .await
        .json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["type"].as_str().expect("type").to_owned())
        .collect()
}

#[actix_web::test]
async fn approve_and_return_racing_decide_once() {
    let app = spawn_app().await;
    review_closures(&app).await;
    let analyst = app.create_user(Role::Analyst).await;
    let (first, second) = (
        app.create_user(Role::Reviewer).await,
        app.create_user(Role::Admin).await,
    );
    for code in ["POL-2", "POL-3", "POL-4"] {
        let proposal = propose(&app, &analyst, code).await;
        let id = proposal["id"].as_str().expect("id").to_owned();
        let approve_path = format!("/api/v1/proposals/{id}/approve");
        let return_path = format!("/api/v1/proposals/{id}/return");
        let (approve_auth, return_auth) = (first.bearer(), second.bearer());
        let (approved, returned) = futures_util::future::join(
            app.send_raw(
                "POST",
                &approve_path,
                &[("Authorization", &approve_auth)],
                None,
            ),
            app.send_json(
                "POST",
                &return_path,
                &[("Authorization", &return_auth)],
                &json!({"note": "Attach the signed statement"}),
            ),
        )
        .await;
        let mut statuses = [approved.status, returned.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{code}: one decision wins");
        let state = app.get(&format!("/api/v1/proposals/{id}")).await.json()["state"].clone();
        let (rec, _) = app.recommendation(code).await;
        let status = app
            .get(&format!("/api/v1/recommendations/{rec}"))
            .await
            .json()["status"]
            .clone();
        if approved.status == 200 {
            assert_eq!(
                (state, status),
                (json!("approved"), json!("not_implemented"))
            );
        } else {
            assert_eq!((state, status), (json!("returned"), json!("in_progress")));
            assert_eq!(
                returned.json()["decision_note"],
                "Attach the signed statement"
            );
        }
    }
}

#[actix_web::test]
async fn reviewers_and_admins_close_directly_and_reports_without_review_are_unchanged() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (id, etag) = app.recommendation("POL-5").await;
    // Review off: an analyst closes directly.
    let closed = app
        .send_json(
            "POST",
            &format!("/api/v1/recommendations/{id}/status"),
            &[("Authorization", &analyst.bearer()), ("If-Match", &etag)],
            &json!({"status": "superseded", "note": "Replaced by a treaty"}),
        )
        .await;
    assert_eq!(
        closed.status,
        200,
        "{}",
        String::from_utf8_lossy(&closed.body)
    );
    review_closures(&app).await;
    let reviewer = app.create_user(Role::Reviewer).await;
    let (id, etag) = app.recommendation("POL-6").await;
    let closed = app
        .send_json(
            "POST",
            &format!("/api/v1/recommendations/{id}/status"),
            &[("Authorization", &reviewer.bearer()), ("If-Match", &etag)],
            &json!({"status": "superseded", "note": "Replaced"}),
        )
        .await;
    assert_eq!(
        closed.status,
        200,
        "{}",
        String::from_utf8_lossy(&closed.body)
    );
    assert_eq!(closed.json()["status"], "superseded");
}

#[actix_web::test]
async fn the_queue_filters_by_state_report_and_lead_agency() {
    let app = spawn_app().await;
    review_closures(&app).await;
    let admin = app.admin().await;
    let (rec, etag) = app.recommendation("POL-7").await;
    let lead = app.agency_id("US-DOS").await;
    let owned = app
        .send_json(
            "PATCH",
            &format!("/api/v1/recommendations/{rec}"),
            &[("Authorization", &admin), ("If-Match", &etag)],
            &json!({"lead_agency_id": lead}),
        )
        .await;
    assert_eq!(owned.status, 200);
    let analyst = app.create_user(Role::Analyst).await;
    let led = propose(&app, &analyst, "POL-7").await;
    let other = propose(&app, &analyst, "POL-1").await;
    let ids = |page: Value| -> Vec<Value> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["id"].clone())
            .collect()
    };
    let by_agency = ids(app.get("/api/v1/proposals?agency=US-DOS").await.json());
    assert_eq!(by_agency, [led["id"].clone()]);
    let by_id = ids(app
        .get(&format!("/api/v1/proposals?agency={lead}"))
        .await
        .json());
    assert_eq!(by_id, by_agency);
    let slug = "charting-a-path-in-the-uncharted-domain";
    let pending = ids(app
        .get(&format!("/api/v1/proposals?state=pending&report={slug}"))
        .await
        .json());
    assert_eq!(pending, [led["id"].clone(), other["id"].clone()]);
    let none = ids(app.get("/api/v1/proposals?state=approved").await.json());
    assert!(none.is_empty());
    app.get("/api/v1/proposals?state=open")
        .await
        .assert_problem(422);
    let one = app
        .get(&format!(
            "/api/v1/proposals/{}",
            led["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(one.json()["recommendation_code"], "POL-7");
    assert!(one.header("etag").is_some());
}

#[actix_web::test]
async fn refused_report_edits_and_returns_write_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let report = app.get("/api/v1/reports").await.json()["items"][0]["id"]
        .as_str()
        .expect("report")
        .to_owned();
    let path = format!("/api/v1/reports/{report}");
    let other = app
        .send_json(
            "POST",
            "/api/v1/reports",
            &[("Authorization", &admin)],
            &json!({"slug": "taken-slug", "title": "T", "publisher": "P"}),
        )
        .await;
    assert_eq!(other.status, 201);
    let etag = app.get(&path).await.header("etag").expect("etag");
    let analyst = app.create_user(Role::Analyst).await;
    let proposal = propose_on_reviewed(&app, &admin, &etag, &analyst).await;
    let etag = app.get(&path).await.header("etag").expect("etag");
    let auth = ("Authorization", admin.as_str());
    let before = app.write_fingerprint().await;
    let refusals = [
        (
            vec![auth, ("If-Match", etag.as_str())],
            json!({"slug": "Not A Slug"}),
            422,
        ),
        (
            vec![auth, ("If-Match", etag.as_str())],
            json!({"title": "  "}),
            422,
        ),
        (
            vec![auth, ("If-Match", etag.as_str())],
            json!({"source_url": "ftp://x"}),
            422,
        ),
        (
            vec![auth, ("If-Match", etag.as_str())],
            json!({"slug": "taken-slug"}),
            409,
        ),
        (vec![auth], json!({"summary": "no precondition"}), 428),
        (
            vec![auth, ("If-Match", "\"v1.0\"")],
            json!({"summary": "stale"}),
            412,
        ),
    ];
    for (headers, body, status) in refusals {
        app.send_json("PATCH", &path, &headers, &body)
            .await
            .assert_problem(status);
        assert_eq!(app.write_fingerprint().await, before, "{body} left a trace");
    }
    // Returning needs a note; a reviewer sending an empty one writes nothing.
    let reviewer = app.create_user(Role::Reviewer).await;
    let before = app.write_fingerprint().await;
    let id = proposal["id"].as_str().expect("id");
    app.send_json(
        "POST",
        &format!("/api/v1/proposals/{id}/return"),
        &[("Authorization", &reviewer.bearer())],
        &json!({"note": "   "}),
    )
    .await
    .assert_problem(422);
    app.send_raw(
        "POST",
        &format!("/api/v1/proposals/{}/approve", uuid::Uuid::new_v4()),
        &[("Authorization", &reviewer.bearer())],
        None,
    )
    .await
    .assert_problem(404);
    assert_eq!(app.write_fingerprint().await, before);
    let pending = app.get(&format!("/api/v1/proposals/{id}")).await.json();
    assert_eq!(pending["state"], "pending");
}

/// Turns review on with `etag` as admin, then has `analyst` propose closing POL-2.
async fn propose_on_reviewed(app: &TestApp, admin: &str, etag: &str, analyst: &TestUser) -> Value {
    let report = app.get("/api/v1/reports").await.json()["items"][0]["id"]
        .as_str()
        .expect("report")
        .to_owned();
    let set = app
        .send_json(
            "PATCH",
            &format!("/api/v1/reports/{report}"),
            &[("Authorization", admin), ("If-Match", etag)],
            &json!({"review_closures": true}),
        )
        .await;
    assert_eq!(set.status, 200);
    propose(app, analyst, "POL-2").await
}
