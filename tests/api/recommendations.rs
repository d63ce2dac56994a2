use crate::helpers::spawn_app;
use serde_json::Value;
use std::collections::HashSet;

fn codes(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|r| r["code"].as_str().expect("code").to_owned())
        .collect()
}

#[actix_web::test]
async fn list_recommendations_serves_the_15_seeded_ones_in_report_order() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/recommendations").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type(), "application/json");
    let body = response.json();
    let items = body["items"].as_array().expect("items envelope");
    assert!(body["next_cursor"].is_null());
    assert_eq!(
        codes(items),
        [
            "POL-1", "POL-2", "POL-3", "POL-4", "POL-5", "POL-6", "POL-7", "DEF-1", "DEF-2",
            "DEF-3", "TECH-1", "TECH-2", "TECH-3", "COM-1", "COM-2"
        ]
    );
    let first = &items[0];
    assert_eq!(first["status"], "not_assessed");
    assert_eq!(first["category"]["slug"], "political");
    assert!(first["lead_agency"].is_null());
    assert_eq!(first["progress"], 0);
    assert_eq!(first["version"], 1);
    assert!(
        first["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("Signal the importance of space cooperation"))
    );
}

#[actix_web::test]
async fn pages_cover_every_row_once_at_any_page_size() {
    let app = spawn_app().await;
    for limit in [1, 2, 4, 7, 15, 200] {
        let items = app.collect_pages("/api/v1/recommendations", limit).await;
        let all = codes(&items);
        let unique: HashSet<&String> = all.iter().collect();
        assert_eq!(all.len(), 15, "limit {limit}");
        assert_eq!(unique.len(), 15, "limit {limit} repeated a row");
    }
}

#[actix_web::test]
async fn a_page_with_more_rows_links_to_the_next() {
    let app = spawn_app().await;
    let response = app
        .get("/api/v1/recommendations?limit=5&status=not_assessed")
        .await;
    let body = response.json();
    let cursor = body["next_cursor"].as_str().expect("next cursor");
    let link = response.header("link").expect("Link header");
    assert!(link.ends_with("; rel=\"next\""), "{link}");
    assert!(link.contains("status=not_assessed"), "{link}");
    assert!(link.contains(&format!("cursor={cursor}")), "{link}");
}

#[actix_web::test]
async fn list_filters_by_category_and_status() {
    let app = spawn_app().await;
    let defense = app
        .get("/api/v1/recommendations?category=defense")
        .await
        .json();
    assert_eq!(
        codes(defense["items"].as_array().expect("items")),
        ["DEF-1", "DEF-2", "DEF-3"]
    );
    let none = app
        .get("/api/v1/recommendations?status=implemented,stalled")
        .await
        .json();
    assert_eq!(none["items"].as_array().expect("items").len(), 0);
    let all = app
        .get("/api/v1/recommendations?status=not_assessed")
        .await
        .json();
    assert_eq!(all["items"].as_array().expect("items").len(), 15);
}

#[actix_web::test]
async fn bad_list_parameters_are_422_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, field) in [
        ("status=finished", "query.status"),
        ("limit=0", "query.limit"),
        ("limit=201", "query.limit"),
        ("cursor=garbage", "query.cursor"),
    ] {
        let response = app.get(&format!("/api/v1/recommendations?{query}")).await;
        let body = response.assert_problem(422);
        assert_eq!(body["errors"][0]["field"], field, "{query}");
    }
    for (query, field) in [
        ("limit=ten", "query.limit"),
        ("target_before=2027-13-01", "query.target_before"),
        ("target_after=soon", "query.target_after"),
        ("updated_since=yesterday", "query.updated_since"),
        ("overdue=maybe", "query.overdue"),
        ("priority=urgent", "query.priority"),
        ("health=fine", "query.health"),
        ("sort=title", "query.sort"),
        ("include=everything", "query.include"),
        ("country=Korea", "query.country"),
        ("format=xml", "query.format"),
    ] {
        let response = app.get(&format!("/api/v1/recommendations?{query}")).await;
        let body = response.assert_problem(422);
        assert_eq!(body["errors"][0]["field"], field, "{query}");
    }
    let unknown = app.get("/api/v1/recommendations?colour=blue").await;
    let body = unknown.assert_problem(422);
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("colour")
    );
    let report = app
        .get("/api/v1/recommendations?report=no-such-report")
        .await
        .json();
    assert_eq!(report["items"], serde_json::json!([]));
}

#[actix_web::test]
async fn get_recommendation_embeds_milestones_and_sends_a_version_etag() {
    let app = spawn_app().await;
    let list = app
        .get("/api/v1/recommendations?category=defense")
        .await
        .json();
    let id = list["items"][2]["id"].as_str().expect("id").to_owned();
    let response = app.get(&format!("/api/v1/recommendations/{id}")).await;
    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(body["code"], "DEF-3");
    assert_eq!(body["milestones"], serde_json::json!([]));
    assert!(
        body["text"]
            .as_str()
            .is_some_and(|t| t.contains("electro-optical"))
    );
    let etag = response.header("etag").expect("etag");
    assert!(etag.starts_with("\"v1."), "{etag}");
    assert_eq!(
        response.header("cache-control").as_deref(),
        Some("no-cache")
    );
}

#[actix_web::test]
async fn conditional_get_with_matching_etag_is_304_without_body() {
    let app = spawn_app().await;
    let first = app.get("/api/v1/recommendations?limit=3").await;
    let etag = first.header("etag").expect("etag");
    let again = app
        .get_with(
            "/api/v1/recommendations?limit=3",
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let other = app
        .get_with(
            "/api/v1/recommendations?limit=3",
            &[("If-None-Match", "W/\"stale\"")],
        )
        .await;
    assert_eq!(other.status, 200);
}

#[actix_web::test]
async fn get_recommendation_with_unknown_or_malformed_id_returns_404() {
    let app = spawn_app().await;
    app.get("/api/v1/recommendations/5d0a4fd4-6b0e-4c36-9df6-3f9e0b1c2d3e")
        .await
        .assert_problem(404);
    app.get("/api/v1/recommendations/POL-1")
        .await
        .assert_problem(404);
}
