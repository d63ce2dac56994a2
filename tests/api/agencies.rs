use crate::helpers::spawn_app;

#[actix_web::test]
async fn list_agencies_returns_the_seeded_directory_in_code_order() {
    let app = spawn_app().await;
    let items = app.collect_pages("/api/v1/agencies", 7).await;
    let codes: Vec<&str> = items
        .iter()
        .map(|a| a["code"].as_str().expect("code"))
        .collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    assert_eq!(codes, sorted);
    for expected in [
        "US-DOS",
        "US-USSF",
        "KR-KASA",
        "KR-MSIT",
        "JP-JAXA",
        "US-FAA-AST",
    ] {
        assert!(codes.contains(&expected), "{expected} missing");
    }
    let countries: std::collections::BTreeSet<&str> = items
        .iter()
        .map(|a| a["country"].as_str().expect("country"))
        .collect();
    assert_eq!(
        countries.into_iter().collect::<Vec<_>>(),
        ["JP", "KR", "US"]
    );
}

#[actix_web::test]
async fn list_agencies_filters_by_country() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/agencies?country=JP").await;
    assert_eq!(response.status, 200);
    let body = response.json();
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|a| a["country"] == "JP"));
}

#[actix_web::test]
async fn get_agency_returns_it_with_an_etag() {
    let app = spawn_app().await;
    let list = app.get("/api/v1/agencies?limit=1").await.json();
    let id = list["items"][0]["id"].as_str().expect("id").to_owned();
    let response = app.get(&format!("/api/v1/agencies/{id}")).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["id"], id.as_str());
    assert!(
        response
            .header("etag")
            .is_some_and(|t| t.starts_with("\"v1."))
    );
}

#[actix_web::test]
async fn get_agency_with_unknown_id_returns_404() {
    let app = spawn_app().await;
    let response = app
        .get("/api/v1/agencies/00000000-0000-0000-0000-000000000000")
        .await;
    response.assert_problem(404);
}

#[actix_web::test]
async fn list_agencies_with_unknown_parameter_returns_422() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/agencies?colour=blue").await;
    response.assert_problem(422);
}

#[actix_web::test]
async fn admins_create_and_update_agencies_with_validation() {
    use policytrack::domain::Role;
    use serde_json::json;
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await.bearer();
    let auth = [("Authorization", admin.as_str())];
    let bad = app
        .send_json(
            "POST",
            "/api/v1/agencies",
            &auth,
            &json!({"code": "kr motie", "name": "", "country": "Korea"}),
        )
        .await;
    let problem = bad.assert_problem(422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["/code", "/name", "/country"]);
    app.send_json(
        "POST",
        "/api/v1/agencies",
        &auth,
        &json!({"code": "US-DOS", "name": "Dup", "country": "US"}),
    )
    .await
    .assert_problem(409);
    let parent = app.agency_id("KR-MND").await;
    let created = app
        .send_json("POST", "/api/v1/agencies", &auth, &json!({"code": "KR-ROKSF", "name": "ROK Space Operations", "country": "KR", "parent_id": parent}))
        .await;
    assert_eq!(created.status, 201);
    let location = created.header("location").expect("location");
    let etag = created.header("etag").expect("etag");
    let child_id = created.json()["id"].as_str().expect("id").to_owned();
    // Making the parent a child of its own child would be a cycle.
    let parent_etag = app
        .get(&format!("/api/v1/agencies/{parent}"))
        .await
        .header("etag")
        .expect("etag");
    app.send_json(
        "PATCH",
        &format!("/api/v1/agencies/{parent}"),
        &[
            ("Authorization", admin.as_str()),
            ("If-Match", parent_etag.as_str()),
        ],
        &json!({"parent_id": child_id}),
    )
    .await
    .assert_problem(422);
    let renamed = app
        .send_json(
            "PATCH",
            &location,
            &[
                ("Authorization", admin.as_str()),
                ("If-Match", etag.as_str()),
            ],
            &json!({"name": "ROK Space Operations Group"}),
        )
        .await;
    assert_eq!(renamed.status, 200);
    assert_eq!(renamed.json()["version"], 2);
}

#[actix_web::test]
async fn renaming_an_agency_moves_the_etags_of_the_recommendations_that_embed_it() {
    use policytrack::domain::Role;
    use serde_json::json;
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await.bearer();
    let (rec, etag) = app.recommendation("POL-2").await;
    let dos = app.agency_id("US-DOS").await;
    let assigned = app
        .send_json(
            "PATCH",
            &format!("/api/v1/recommendations/{rec}"),
            &[
                ("Authorization", admin.as_str()),
                ("If-Match", etag.as_str()),
            ],
            &json!({"lead_agency_id": dos}),
        )
        .await;
    let etag = assigned.header("etag").expect("etag");
    let agency_etag = app
        .get(&format!("/api/v1/agencies/{dos}"))
        .await
        .header("etag")
        .expect("etag");
    let renamed = app
        .send_json(
            "PATCH",
            &format!("/api/v1/agencies/{dos}"),
            &[
                ("Authorization", admin.as_str()),
                ("If-Match", agency_etag.as_str()),
            ],
            &json!({"name": "Department of State"}),
        )
        .await;
    assert_eq!(renamed.status, 200);
    let fresh = app
        .get_with(
            &format!("/api/v1/recommendations/{rec}"),
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(
        fresh.status, 200,
        "a stale 304 after the lead agency was renamed"
    );
    assert_eq!(fresh.json()["lead_agency"]["name"], "Department of State");
}
