use crate::helpers::spawn_app;
use policytrack::domain::Role;
use serde_json::json;

#[actix_web::test]
async fn list_reports_shows_the_seeded_report_with_category_counts() {
    let app = spawn_app().await;
    let body = app.get("/api/v1/reports").await.json();
    let report = &body["items"][0];
    assert_eq!(report["slug"], "charting-a-path-in-the-uncharted-domain");
    assert_eq!(report["publisher"], "Project 2049 Institute");
    assert_eq!(report["recommendation_count"], 15);
    let counts: Vec<(String, i64)> = report["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| {
            (
                c["slug"].as_str().expect("slug").to_owned(),
                c["recommendation_count"].as_i64().expect("n"),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("political".into(), 7),
            ("defense".into(), 3),
            ("technological".into(), 3),
            ("commercial".into(), 2)
        ]
    );
    let id = report["id"].as_str().expect("id");
    assert_eq!(
        app.get(&format!("/api/v1/reports/{id}")).await.json()["slug"],
        report["slug"]
    );
    app.get(&format!("/api/v1/reports/{}", uuid::Uuid::new_v4()))
        .await
        .assert_problem(404);
}

#[actix_web::test]
async fn an_admin_can_track_a_second_report_side_by_side() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await.bearer();
    let auth = [("Authorization", admin.as_str())];
    let created = app
        .send_json(
            "POST",
            "/api/v1/reports",
            &auth,
            &json!({"slug": "second-report", "title": "Second", "publisher": "Someone",
                    "source_url": "https://example.org/report",
                    "categories": [{"slug": "space", "name": "Space"}]}),
        )
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let report = created.json();
    let id = report["id"].as_str().expect("id");
    app.send_json(
        "POST",
        "/api/v1/reports",
        &auth,
        &json!({"slug": "second-report", "title": "Again", "publisher": "x"}),
    )
    .await
    .assert_problem(409);
    let path = format!("/api/v1/reports/{id}/recommendations");
    let rec = app
        .send_json(
            "POST",
            &path,
            &auth,
            &json!({"code": "SP-1", "title": "Do a thing", "text": "Details", "category": "space"}),
        )
        .await;
    assert_eq!(rec.status, 201);
    assert_eq!(rec.json()["status"], "not_assessed");
    app.send_json(
        "POST",
        &path,
        &auth,
        &json!({"code": "SP-1", "title": "Dup", "text": "", "category": "space"}),
    )
    .await
    .assert_problem(409);
    app.send_json(
        "POST",
        &path,
        &auth,
        &json!({"code": "SP-2", "title": "T", "text": "", "category": "nope"}),
    )
    .await
    .assert_problem(422);
    let all = app.collect_pages("/api/v1/recommendations", 10).await;
    assert_eq!(all.len(), 16);
    assert_eq!(
        all[15]["code"], "SP-1",
        "the newer report's rows come after the first's"
    );
    let only = app
        .get(&format!("/api/v1/recommendations?report={id}"))
        .await
        .json();
    assert_eq!(only["items"].as_array().expect("items").len(), 1);
}
