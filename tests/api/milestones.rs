use crate::helpers::{TestApp, TestUser, spawn_app};
use policytrack::domain::Role;
use serde_json::{Value, json};

async fn create(
    app: &TestApp,
    user: &TestUser,
    rec: &str,
    body: Value,
) -> crate::helpers::TestResponse {
    app.send_json(
        "POST",
        &format!("/api/v1/recommendations/{rec}/milestones"),
        &[("Authorization", &user.bearer())],
        &body,
    )
    .await
}

async fn patch(
    app: &TestApp,
    user: &TestUser,
    location: &str,
    etag: &str,
    body: Value,
) -> crate::helpers::TestResponse {
    app.send_json(
        "PATCH",
        location,
        &[("Authorization", &user.bearer()), ("If-Match", etag)],
        &body,
    )
    .await
}

#[actix_web::test]
async fn milestones_drive_progress_by_weight_and_leave_cancelled_ones_out() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (rec, _) = app.recommendation("POL-5").await;
    let owner = app.agency_id("JP-CAO-NSPS").await;

    let first = create(&app, &analyst, &rec, json!({"title": "Trilateral dialogue", "owner_agency_id": owner, "due_on": "2027-01-31", "weight": 3})).await;
    assert_eq!(
        first.status,
        201,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let location = first.header("location").expect("location");
    let first_etag = first.header("etag").expect("etag");
    assert_eq!(first.json()["position"], 0);
    let second = create(
        &app,
        &analyst,
        &rec,
        json!({"title": "Information sharing MoU", "weight": 1}),
    )
    .await;
    assert_eq!(second.json()["position"], 1);
    let third = create(
        &app,
        &analyst,
        &rec,
        json!({"title": "Joint exercise", "status": "cancelled", "weight": 6}),
    )
    .await;
    assert_eq!(third.status, 201);

    let done = patch(
        &app,
        &analyst,
        &location,
        &first_etag,
        json!({"status": "done", "completed_on": "2026-11-01"}),
    )
    .await;
    assert_eq!(done.status, 200, "{}", String::from_utf8_lossy(&done.body));
    assert_eq!(done.json()["completed_on"], "2026-11-01");

    let detail = app
        .get(&format!("/api/v1/recommendations/{rec}"))
        .await
        .json();
    assert_eq!(detail["progress"], 75, "3 of 4 counted weight done");
    assert_eq!(detail["milestone_count"], 3);
    assert_eq!(
        detail["milestones"].as_array().expect("milestones").len(),
        3
    );
    assert_eq!(
        detail["version"], 5,
        "every milestone write bumps the recommendation"
    );
}

#[actix_web::test]
async fn done_needs_completed_on_and_only_done_has_one() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (rec, _) = app.recommendation("POL-6").await;
    create(
        &app,
        &analyst,
        &rec,
        json!({"title": "x", "status": "done"}),
    )
    .await
    .assert_problem(422);
    create(
        &app,
        &analyst,
        &rec,
        json!({"title": "x", "completed_on": "2026-01-01"}),
    )
    .await
    .assert_problem(422);
    create(&app, &analyst, &rec, json!({"title": "", "weight": 5000}))
        .await
        .assert_problem(422);
    let created = create(&app, &analyst, &rec, json!({"title": "x"})).await;
    let location = created.header("location").expect("location");
    let etag = created.header("etag").expect("etag");
    patch(&app, &analyst, &location, &etag, json!({"status": "done"}))
        .await
        .assert_problem(422);
    assert_eq!(app.count("milestones").await, 1);
}

#[actix_web::test]
async fn leaving_done_clears_the_completion_date() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (rec, _) = app.recommendation("POL-7").await;
    let created = create(
        &app,
        &analyst,
        &rec,
        json!({"title": "x", "status": "done", "completed_on": "2026-10-10"}),
    )
    .await;
    let location = created.header("location").expect("location");
    let etag = created.header("etag").expect("etag");
    let reopened = patch(
        &app,
        &analyst,
        &location,
        &etag,
        json!({"status": "in_progress"}),
    )
    .await;
    assert_eq!(reopened.status, 200);
    assert!(reopened.json()["completed_on"].is_null());
}

#[actix_web::test]
async fn milestones_can_be_reordered_and_deleted_with_if_match() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (rec, _) = app.recommendation("DEF-3").await;
    let a = create(&app, &analyst, &rec, json!({"title": "A"})).await;
    let b = create(&app, &analyst, &rec, json!({"title": "B"})).await;
    let moved = patch(
        &app,
        &analyst,
        &b.header("location").expect("location"),
        &b.header("etag").expect("etag"),
        json!({"position": 0}),
    )
    .await;
    assert_eq!(moved.status, 200);
    let a_location = a.header("location").expect("location");
    let a_moved = patch(
        &app,
        &analyst,
        &a_location,
        &a.header("etag").expect("etag"),
        json!({"position": 1}),
    )
    .await;
    let list = app
        .get(&format!("/api/v1/recommendations/{rec}/milestones"))
        .await
        .json();
    let titles: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|m| m["title"].as_str())
        .collect();
    assert_eq!(titles, ["B", "A"]);

    let auth = analyst.bearer();
    app.send_raw("DELETE", &a_location, &[("Authorization", &auth)], None)
        .await
        .assert_problem(428);
    app.send_raw(
        "DELETE",
        &a_location,
        &[("Authorization", &auth), ("If-Match", "\"v1.0\"")],
        None,
    )
    .await
    .assert_problem(412);
    let etag = a_moved.header("etag").expect("etag");
    let deleted = app
        .send_raw(
            "DELETE",
            &a_location,
            &[("Authorization", &auth), ("If-Match", &etag)],
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    app.get(&a_location).await.assert_problem(404);
    assert_eq!(
        app.count("audit_events WHERE action = 'delete_milestone'")
            .await,
        1
    );
}

#[actix_web::test]
async fn milestone_for_unknown_recommendation_or_agency_is_rejected() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    create(
        &app,
        &analyst,
        &uuid::Uuid::new_v4().to_string(),
        json!({"title": "x"}),
    )
    .await
    .assert_problem(404);
    let (rec, _) = app.recommendation("COM-2").await;
    create(
        &app,
        &analyst,
        &rec,
        json!({"title": "x", "owner_agency_id": uuid::Uuid::new_v4()}),
    )
    .await
    .assert_problem(422);
    assert_eq!(app.count("milestones").await, 0);
}
