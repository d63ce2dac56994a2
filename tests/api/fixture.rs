//! A varied data set made through the API: owners, priorities, targets, statuses, milestones.

use crate::helpers::{TestApp, TestUser};
use policytrack::domain::Role;
use serde_json::{Value, json};

pub struct Fixture {
    pub admin: TestUser,
    pub analyst: TestUser,
}

async fn patch_rec(app: &TestApp, user: &TestUser, code: &str, body: Value) {
    let (id, etag) = app.recommendation(code).await;
    let response = app
        .send_json(
            "PATCH",
            &format!("/api/v1/recommendations/{id}"),
            &[("Authorization", &user.bearer()), ("If-Match", &etag)],
            &body,
        )
        .await;
    assert_eq!(
        response.status,
        200,
        "{code}: {}",
        String::from_utf8_lossy(&response.body)
    );
}

pub async fn set_status(app: &TestApp, user: &TestUser, code: &str, body: Value) {
    let (id, etag) = app.recommendation(code).await;
    let response = app
        .send_json(
            "POST",
            &format!("/api/v1/recommendations/{id}/status"),
            &[("Authorization", &user.bearer()), ("If-Match", &etag)],
            &body,
        )
        .await;
    assert_eq!(
        response.status,
        200,
        "{code}: {}",
        String::from_utf8_lossy(&response.body)
    );
}

pub async fn add_milestone(app: &TestApp, user: &TestUser, code: &str, body: Value) -> Value {
    let (id, _) = app.recommendation(code).await;
    let response = app
        .send_json(
            "POST",
            &format!("/api/v1/recommendations/{id}/milestones"),
            &[("Authorization", &user.bearer())],
            &body,
        )
        .await;
    assert_eq!(
        response.status,
        201,
        "{code}: {}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()
}

/// POL-1: US-DOS leads, KR-MOFA supports, high, target 2027-06-30, in_progress/on_track,
///        one overdue milestone and one done.
/// DEF-1: US-USFK leads, KR-MND supports, critical, target 2026-12-31, stalled, one
///        milestone due in 20 days.
/// TECH-1: KR-KASA leads, low, implemented.
/// COM-2: JP-JAXA leads, not_started.
pub async fn populate(app: &TestApp) -> Fixture {
    let admin = app.create_user(Role::Admin).await;
    let analyst = app.create_user(Role::Analyst).await;
    let id = |code: &'static str| async move { app.agency_id(code).await };
    patch_rec(
        app,
        &analyst,
        "POL-1",
        json!({
        "lead_agency_id": id("US-DOS").await,
        "supporting_agencies": [{"agency_id": id("KR-MOFA").await}],
        "priority": "high", "target_on": "2027-06-30"}),
    )
    .await;
    patch_rec(
        app,
        &analyst,
        "DEF-1",
        json!({
        "lead_agency_id": id("US-USFK").await,
        "supporting_agencies": [{"agency_id": id("KR-MND").await}],
        "priority": "critical", "target_on": "2026-12-31"}),
    )
    .await;
    patch_rec(
        app,
        &analyst,
        "TECH-1",
        json!({"lead_agency_id": id("KR-KASA").await, "priority": "low"}),
    )
    .await;
    patch_rec(
        app,
        &analyst,
        "COM-2",
        json!({"lead_agency_id": id("JP-JAXA").await}),
    )
    .await;
    set_status(
        app,
        &analyst,
        "POL-1",
        json!({"status": "in_progress", "health": "on_track", "note": "Started."}),
    )
    .await;
    set_status(app, &analyst, "DEF-1", json!({"status": "stalled", "health": "off_track", "note": "Stuck.", "effective_on": "2026-06-01"})).await;
    set_status(app, &analyst, "TECH-1", json!({"status": "implemented", "note": "Done.", "evidence_urls": ["https://example.org/e"]})).await;
    set_status(
        app,
        &analyst,
        "COM-2",
        json!({"status": "not_started", "note": "Assessed."}),
    )
    .await;
    let soon = (chrono::Utc::now().date_naive() + chrono::Duration::days(20)).to_string();
    add_milestone(app, &analyst, "POL-1", json!({"title": "Joint statement follow-up", "due_on": "2020-01-15", "owner_agency_id": id("US-DOS").await})).await;
    add_milestone(app, &analyst, "POL-1", json!({"title": "Kick-off", "status": "done", "completed_on": "2026-01-10", "due_on": "2026-01-31"})).await;
    add_milestone(
        app,
        &analyst,
        "DEF-1",
        json!({"title": "Exercise plan", "due_on": soon, "owner_agency_id": id("KR-MND").await}),
    )
    .await;
    Fixture { admin, analyst }
}
