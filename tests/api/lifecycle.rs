use crate::helpers::{TestApp, TestUser, spawn_app};
use policytrack::domain::Role;
use serde_json::{Value, json};

async fn change(
    app: &TestApp,
    user: &TestUser,
    id: &str,
    etag: &str,
    body: Value,
) -> crate::helpers::TestResponse {
    app.send_json(
        "POST",
        &format!("/api/v1/recommendations/{id}/status"),
        &[("Authorization", &user.bearer()), ("If-Match", etag)],
        &body,
    )
    .await
}

#[actix_web::test]
async fn a_status_change_updates_the_recommendation_history_and_audit_log() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (id, etag) = app.recommendation("POL-1").await;

    let response = change(
        &app,
        &analyst,
        &id,
        &etag,
        json!({"status": "in_progress", "health": "on_track", "note": "Working group formed."}),
    )
    .await;

    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let body = response.json();
    assert_eq!(body["status"], "in_progress");
    assert_eq!(body["health"], "on_track");
    assert_eq!(body["version"], 2);
    assert_eq!(body["progress"], 50);
    assert_eq!(body["latest_status_change"]["from_status"], "not_assessed");
    assert_eq!(
        body["latest_status_change"]["actor"],
        analyst.email.as_str()
    );
    let new_etag = response.header("etag").expect("etag");
    assert!(new_etag.starts_with("\"v2."));
    assert_eq!(app.count("status_changes").await, 1);
    assert_eq!(
        app.count("audit_events WHERE action = 'change_status'")
            .await,
        1
    );
}

#[actix_web::test]
async fn the_latest_status_change_is_the_newest_of_a_long_history() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (id, mut etag) = app.recommendation("POL-2").await;
    let moves = [
        "in_progress",
        "stalled",
        "in_progress",
        "stalled",
        "in_progress",
    ];
    for (n, status) in moves.iter().enumerate() {
        let response = change(
            &app,
            &analyst,
            &id,
            &etag,
            json!({"status": status, "note": format!("Move {n}.")}),
        )
        .await;
        assert_eq!(response.status, 200);
        assert_eq!(
            response.json()["latest_status_change"]["note"],
            format!("Move {n}.")
        );
        etag = response.header("etag").expect("etag");
    }

    let detail = app
        .get(&format!("/api/v1/recommendations/{id}"))
        .await
        .json();
    assert_eq!(detail["latest_status_change"]["note"], "Move 4.");
    assert_eq!(detail["latest_status_change"]["from_status"], "stalled");
    let list = app
        .get("/api/v1/recommendations?include=latest_status_change&limit=200")
        .await
        .json();
    for item in list["items"].as_array().expect("items") {
        let expected = if item["id"] == id.as_str() {
            json!("Move 4.")
        } else {
            Value::Null
        };
        assert_eq!(
            item["latest_status_change"]["note"], expected,
            "{}",
            item["code"]
        );
    }
}

#[actix_web::test]
async fn implemented_needs_evidence_and_health_only_fits_open_statuses() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (id, etag) = app.recommendation("DEF-1").await;
    let cases = [
        (
            json!({"status": "implemented", "note": "Done."}),
            "/evidence_urls",
        ),
        (
            json!({"status": "implemented", "note": "Done.", "evidence_urls": ["not a url"]}),
            "/evidence_urls/0",
        ),
        (
            json!({"status": "superseded", "health": "at_risk", "note": "x"}),
            "/health",
        ),
        (json!({"status": "in_progress", "note": "   "}), "/note"),
        (json!({"status": "not_assessed", "note": "back"}), "/status"),
        (
            json!({"status": "in_progress", "note": "x", "effective_on": "2999-01-01"}),
            "/effective_on",
        ),
        (
            json!({"status": "in_progress", "note": "x", "mood": "great"}),
            "/mood",
        ),
        (json!({"status": "finished", "note": "x"}), "/status"),
        (
            json!({"status": "in_progress", "note": "a".repeat(10_001)}),
            "/note",
        ),
        (
            json!({"status": "in_progress", "note": "nul\u{0}byte"}),
            "/note",
        ),
    ];
    for (body, field) in cases {
        let response = change(&app, &analyst, &id, &etag, body.clone()).await;
        let problem = response.assert_problem(422);
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    assert_eq!(
        app.count("status_changes").await,
        0,
        "a rejected change wrote history"
    );
    let ok = change(
        &app,
        &analyst,
        &id,
        &etag,
        json!({"status": "implemented", "note": "Done.", "evidence_urls": ["https://example.org/statement"]}),
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["progress"], 100);
}

#[actix_web::test]
async fn if_match_is_required_and_must_be_current() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (id, etag) = app.recommendation("POL-2").await;
    let body = json!({"status": "not_started", "note": "Assessed."});
    let missing = app
        .send_json(
            "POST",
            &format!("/api/v1/recommendations/{id}/status"),
            &[("Authorization", &analyst.bearer())],
            &body,
        )
        .await;
    missing.assert_problem(428);
    assert_eq!(
        change(&app, &analyst, &id, &etag, body.clone())
            .await
            .status,
        200
    );
    change(&app, &analyst, &id, &etag, body)
        .await
        .assert_problem(412);
    change(
        &app,
        &analyst,
        &id,
        "W/\"v2.1\"",
        json!({"status": "stalled", "note": "x"}),
    )
    .await
    .assert_problem(412);
}

#[actix_web::test]
async fn a_move_to_the_same_status_is_409_naming_the_allowed_moves() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (id, etag) = app.recommendation("POL-3").await;
    let first = change(
        &app,
        &analyst,
        &id,
        &etag,
        json!({"status": "stalled", "note": "x"}),
    )
    .await;
    let etag = first.header("etag").expect("etag");
    let conflict = change(
        &app,
        &analyst,
        &id,
        &etag,
        json!({"status": "stalled", "note": "again"}),
    )
    .await;
    let problem = conflict.assert_problem(409);
    let detail = problem["detail"].as_str().expect("detail");
    assert!(
        detail.contains("allowed:") && detail.contains("in_progress"),
        "{detail}"
    );
    let transitions = app
        .get(&format!("/api/v1/recommendations/{id}/transitions"))
        .await
        .json();
    assert_eq!(transitions["from"], "stalled");
    let allowed: Vec<&str> = transitions["allowed"]
        .as_array()
        .expect("allowed")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!allowed.contains(&"stalled") && !allowed.contains(&"not_assessed"));
    assert!(allowed.contains(&"implemented"));
}

#[actix_web::test]
async fn a_closed_recommendation_can_be_reopened() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (id, etag) = app.recommendation("COM-1").await;
    let closed = change(
        &app,
        &analyst,
        &id,
        &etag,
        json!({"status": "not_implemented", "note": "Dropped."}),
    )
    .await;
    let etag = closed.header("etag").expect("etag");
    let reopened = change(
        &app,
        &analyst,
        &id,
        &etag,
        json!({"status": "in_progress", "note": "Revived."}),
    )
    .await;
    assert_eq!(reopened.status, 200);
    assert_eq!(reopened.json()["status"], "in_progress");
}

#[actix_web::test]
async fn status_change_for_unknown_recommendation_is_404() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    change(
        &app,
        &analyst,
        &uuid::Uuid::new_v4().to_string(),
        "\"v1.0\"",
        json!({"status": "in_progress", "note": "x"}),
    )
    .await
    .assert_problem(404);
}

#[actix_web::test]
async fn malformed_oversized_and_non_json_bodies_get_400_413_415() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (id, etag) = app.recommendation("POL-4").await;
    let path = format!("/api/v1/recommendations/{id}/status");
    let auth = analyst.bearer();
    let headers = [
        ("Authorization", auth.as_str()),
        ("If-Match", etag.as_str()),
    ];
    app.send_raw(
        "POST",
        &path,
        &headers,
        Some(("application/json", b"{\"status\": ".to_vec())),
    )
    .await
    .assert_problem(400);
    app.send_raw(
        "POST",
        &path,
        &headers,
        Some(("application/json", vec![0xff, 0xfe, b'{'])),
    )
    .await
    .assert_problem(400);
    app.send_raw(
        "POST",
        &path,
        &headers,
        Some(("text/plain", b"status=done".to_vec())),
    )
    .await
    .assert_problem(415);
    let huge = format!(
        "{{\"status\":\"in_progress\",\"note\":\"{}\"}}",
        "a".repeat(1_100_000)
    );
    app.send_raw(
        "POST",
        &path,
        &headers,
        Some(("application/json", huge.into_bytes())),
    )
    .await
    .assert_problem(413);
    assert_eq!(app.count("status_changes").await, 0);
}

#[actix_web::test]
async fn a_change_whose_audit_insert_fails_leaves_nothing_behind() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (id, etag) = app.recommendation("TECH-1").await;
    {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = app.pool.get().await.expect("conn");
        conn.batch_execute(
            "CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'audit store broken'; END $$; \
             CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events \
             FOR EACH ROW EXECUTE FUNCTION fail_audit();",
        )
        .await
        .expect("install failing trigger");
    }
    let response = change(
        &app,
        &analyst,
        &id,
        &etag,
        json!({"status": "in_progress", "note": "x"}),
    )
    .await;
    let problem = response.assert_problem(500);
    assert!(
        !problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("audit store")
    );
    let current = app
        .get(&format!("/api/v1/recommendations/{id}"))
        .await
        .json();
    assert_eq!(current["status"], "not_assessed");
    assert_eq!(current["version"], 1);
    assert_eq!(app.count("status_changes").await, 0);
}

#[actix_web::test]
async fn statuses_publish_the_vocabulary_and_crosswalks() {
    let app = spawn_app().await;
    let body = app.get("/api/v1/statuses").await.json();
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), 8);
    assert_eq!(items[0]["key"], "not_assessed");
    let implemented = items
        .iter()
        .find(|s| s["key"] == "implemented")
        .expect("implemented");
    assert_eq!(implemented["closed"], true);
    assert_eq!(implemented["gao_label"], "closed_implemented");
    assert_eq!(implemented["requires_evidence"], true);
    assert_eq!(implemented["default_progress"], 100);
}

#[actix_web::test]
async fn concurrent_read_modify_write_never_loses_an_update() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (id, _) = app.recommendation("DEF-2").await;
    let path = format!("/api/v1/recommendations/{id}");
    let client = |n: usize| {
        let (app, analyst, path, id) = (&app, &analyst, &path, &id);
        async move {
            let mut outcomes = Vec::new();
            for round in 0..4 {
                let current = app.get(path).await;
                let etag = current.header("etag").expect("etag");
                // Always a real move from what this client read, so only staleness can fail it.
                let status = if current.json()["status"] == "in_progress" {
                    "stalled"
                } else {
                    "in_progress"
                };
                let response = change(
                    app,
                    analyst,
                    id,
                    &etag,
                    json!({"status": status, "note": format!("client {n} round {round}")}),
                )
                .await;
                let version = (response.status == 200)
                    .then(|| response.json()["version"].as_i64().expect("version"));
                outcomes.push((response.status, version));
            }
            outcomes
        }
    };
    let results: Vec<(u16, Option<i64>)> = futures_util::future::join_all((0..16).map(client))
        .await
        .into_iter()
        .flatten()
        .collect();
    let ok: Vec<i64> = results.iter().filter_map(|r| r.1).collect();
    assert!(
        results.iter().all(|(s, _)| *s == 200 || *s == 412),
        "{results:?}"
    );
    let applied = ok.len() as i64;
    println!(
        "16 clients x 4 rounds: {applied} applied, {} stale (412)",
        results.len() as i64 - applied
    );
    assert!(applied >= 1);
    let mut versions = ok.clone();
    versions.sort_unstable();
    versions.dedup();
    assert_eq!(
        versions.len(),
        ok.len(),
        "two writes returned the same version"
    );
    assert_eq!(
        app.count("status_changes").await,
        applied,
        "history differs from acknowledged writes"
    );
    let final_version = app.get(&path).await.json()["version"]
        .as_i64()
        .expect("version");
    assert_eq!(final_version, 1 + applied);
}
