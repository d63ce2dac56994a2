//! What third-party tools found in the contract, each pinned: generator-safe enum names,
//! referenced list items, strict JSON object bodies, linters' rules, typed parameters,
//! spreadsheet-safe CSV, the build on display, 405 for unknown methods.

use crate::helpers::spawn_app;
use policytrack::domain::Role;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashSet};

fn spec() -> Value {
    serde_json::from_str(&policytrack::openapi::spec_json()).expect("json")
}

fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            all.push((path.clone(), method.clone(), op.clone()));
        }
    }
    all
}

#[test]
fn every_enum_constant_has_a_name_no_other_enum_uses() {
    let spec = spec();
    let mut seen = HashSet::new();
    let mut enums = 0;
    for (name, schema) in spec["components"]["schemas"].as_object().expect("schemas") {
        let Some(values) = schema["enum"].as_array() else {
            continue;
        };
        enums += 1;
        let names = schema["x-enum-varnames"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has no x-enum-varnames"));
        assert_eq!(names.len(), values.len(), "{name}");
        for constant in names {
            let constant = constant.as_str().expect("a string");
            assert!(
                constant
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
                "{constant}"
            );
            assert!(seen.insert(constant.to_owned()), "{constant} twice");
        }
    }
    assert!(seen.contains("STATUS_IN_PROGRESS") && seen.contains("MILESTONE_STATUS_IN_PROGRESS"));
    assert!(enums >= 10, "{enums} enums");
}

#[test]
fn list_pages_refer_to_the_item_schema_and_every_component_is_used() {
    let spec = spec();
    let schemas = spec["components"]["schemas"].as_object().expect("schemas");
    for (name, schema) in schemas {
        if let Some(item) = name.strip_prefix("Page_") {
            assert_eq!(
                schema["properties"]["items"]["items"]["$ref"],
                format!("#/components/schemas/{item}"),
                "{name}"
            );
        }
    }
    let text = spec.to_string();
    for name in schemas.keys() {
        assert!(
            text.contains(&format!("\"#/components/schemas/{name}\"")),
            "components.schemas.{name} is never used"
        );
    }
}

#[test]
fn the_document_passes_the_linters_rules() {
    let spec = spec();
    assert_eq!(spec["servers"][0]["url"], "/");
    assert!(spec["info"]["contact"]["name"].is_string());
    for (path, method, op) in operations(&spec) {
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(
            op["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{method} {path} has no description"
        );
        assert!(op["security"].is_array(), "{id} declares no security");
    }
    for public in ["create_token", "get_liveness", "get_readiness", "get_meta"] {
        let op = operations(&spec)
            .into_iter()
            .find(|(_, _, op)| op["operationId"] == public)
            .expect(public);
        assert_eq!(op.2["security"], json!([]), "{public}");
    }
}

#[test]
fn every_operation_with_a_body_documents_the_body_problems() {
    let spec = spec();
    let mut bodies = 0;
    for (path, method, op) in operations(&spec) {
        if op.get("requestBody").is_none() {
            continue;
        }
        bodies += 1;
        for status in ["400", "413", "415", "422"] {
            assert!(
                op["responses"].get(status).is_some(),
                "{method} {path} does not document {status}"
            );
        }
    }
    assert!(bodies >= 11, "{bodies} operations take a body");
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_a_documented_400() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await;
    let response = app
        .send_raw(
            "POST",
            "/api/v1/users",
            &[("Authorization", admin.bearer().as_str())],
            Some(("application/json", b"{not json".to_vec())),
        )
        .await;
    response.assert_problem(400);
}

#[test]
fn fixed_value_parameters_are_enums_and_bounds_are_documented() {
    let spec = spec();
    let list = &spec["paths"]["/api/v1/recommendations"]["get"]["parameters"];
    let param = |name: &str| {
        list.as_array()
            .expect("parameters")
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name}"))
    };
    for (name, schema) in [
        ("status", "Status"),
        ("health", "Health"),
        ("priority", "Priority"),
        ("include", "ListEmbed"),
    ] {
        let p = param(name);
        assert_eq!(p["schema"]["type"], "array", "{name}");
        assert_eq!(
            p["schema"]["items"]["$ref"],
            format!("#/components/schemas/{schema}")
        );
        assert_eq!(
            (p["style"].clone(), p["explode"].clone()),
            (json!("form"), json!(false))
        );
    }
    assert_eq!(
        param("sort")["schema"]["$ref"],
        "#/components/schemas/RecommendationSort"
    );
    assert_eq!(
        param("format")["schema"]["$ref"],
        "#/components/schemas/ListFormat"
    );
    for (path, method, op) in operations(&spec) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            match p["name"].as_str() {
                Some("limit") => assert_eq!(p["schema"]["maximum"], 200, "{method} {path}"),
                Some("cursor") => assert_eq!(p["schema"]["minLength"], 1, "{method} {path}"),
                _ => {}
            }
        }
    }
    let milestone = &spec["components"]["schemas"]["CreateMilestoneRequest"];
    assert_eq!(milestone["properties"]["position"]["maximum"], 1_000_000);
}

#[actix_web::test]
async fn request_bodies_must_be_json_objects_at_every_depth() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await;
    let login = app
        .send_json(
            "POST",
            "/api/v1/auth/token",
            &[],
            &json!([admin.email, crate::helpers::TEST_PASSWORD]),
        )
        .await;
    let problem = login.assert_problem(422);
    assert_eq!(
        problem["detail"],
        ": the body must be a JSON object, not an array"
    );
    assert!(problem.get("access_token").is_none());

    let report = app.get("/api/v1/reports").await.json()["items"][0]["id"]
        .as_str()
        .expect("report")
        .to_owned();
    let before = app.count("recommendations").await;
    let auth = [("Authorization", admin.bearer())];
    let headers: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for body in [
        json!(["A-9", "title", "text", "political", null]),
        json!("A-9"),
        json!(7),
    ] {
        let created = app
            .send_json(
                "POST",
                &format!("/api/v1/reports/{report}/recommendations"),
                &headers,
                &body,
            )
            .await;
        created.assert_problem(422);
    }
    assert_eq!(
        app.count("recommendations").await,
        before,
        "an array created a row"
    );

    let (id, etag) = app.recommendation("POL-1").await;
    let nested = app
        .send_json(
            "PATCH",
            &format!("/api/v1/recommendations/{id}"),
            &[
                ("Authorization", admin.bearer().as_str()),
                ("If-Match", etag.as_str()),
            ],
            &json!({"supporting_agencies": [[uuid::Uuid::new_v4(), "supporting"]]}),
        )
        .await;
    let problem = nested.assert_problem(422);
    assert_eq!(problem["errors"][0]["field"], "/supporting_agencies/0");
    for bad in [
        json!({"status": "in_progress", "note": ["x"]}),
        json!(["in_progress", "x"]),
        json!({"status": {"a": 1}, "note": "x"}),
    ] {
        let response = app
            .send_json(
                "POST",
                &format!("/api/v1/recommendations/{id}/status"),
                &[
                    ("Authorization", admin.bearer().as_str()),
                    ("If-Match", etag.as_str()),
                ],
                &bad,
            )
            .await;
        let text = String::from_utf8_lossy(&response.body).into_owned();
        response.assert_problem(422);
        for internal in ["struct", "Request", "Status`", "i32", "alloc::"] {
            assert!(!text.contains(internal), "{internal} in {text}");
        }
    }
}

#[actix_web::test]
async fn csv_cells_that_look_like_formulas_are_text_and_a_bom_is_offered() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await;
    let (id, etag) = app.recommendation("POL-1").await;
    let formula = r#"=HYPERLINK("http://x.invalid","c")"#;
    let renamed = app
        .send_json(
            "PATCH",
            &format!("/api/v1/recommendations/{id}"),
            &[
                ("Authorization", admin.bearer().as_str()),
                ("If-Match", etag.as_str()),
            ],
            &json!({"title": formula, "text": "@SUM(1+1) 우주협력"}),
        )
        .await;
    assert_eq!(renamed.status, 200);
    let csv = app
        .get("/api/v1/recommendations?format=csv&q=HYPERLINK&sort=code")
        .await;
    let text = String::from_utf8(csv.body.clone()).expect("utf-8");
    assert!(!text.starts_with('\u{feff}'));
    assert!(
        text.contains(r#""'=HYPERLINK(""http://x.invalid"",""c"")""#),
        "{text}"
    );
    assert!(text.contains("\"'@SUM(1+1) 우주협력\""), "{text}");
    assert!(!text.contains(",=HYPERLINK"));

    let with_bom = app
        .get("/api/v1/recommendations?format=csv&bom=true&limit=2")
        .await;
    assert_eq!(&with_bom.body[..3], b"\xEF\xBB\xBF");
    assert!(with_bom.content_type().starts_with("text/csv"));
    let milestones = app.get("/api/v1/milestones?format=csv&bom=true").await;
    assert_eq!(&milestones.body[..3], b"\xEF\xBB\xBF");
    app.get("/api/v1/recommendations?format=csv&bom=maybe")
        .await
        .assert_problem(422);
}

#[actix_web::test]
async fn the_build_is_on_display_and_the_root_leads_to_the_docs() {
    let app = spawn_app().await;
    let meta = app.get("/api/v1/meta").await;
    assert_eq!(meta.status, 200);
    let body = meta.json();
    assert_eq!(body["name"], "policytrack");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["commit"], policytrack::build_info::COMMIT);
    let metrics = String::from_utf8(app.get("/metrics").await.body).expect("utf-8");
    assert!(metrics.contains(&format!(
        "policytrack_build_info{{version=\"{}\",commit=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        policytrack::build_info::COMMIT
    )));
    let no_redirects = awc::Client::builder().disable_redirects().finish();
    let docs = crate::helpers::read(
        no_redirects
            .get(app.url("/docs"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert!(
        matches!(docs.status, 301 | 302 | 307 | 308),
        "{}",
        docs.status
    );
    assert_eq!(docs.header("location").as_deref(), Some("/docs/"));
    // `/` is the dashboard (tests/api/dashboard.rs).
    assert_eq!(
        app.get("/").await.content_type(),
        "text/html; charset=utf-8"
    );
    let initializer = app.get("/docs/swagger-initializer.js").await;
    let script = String::from_utf8_lossy(&initializer.body);
    assert!(script.contains(r#""validatorUrl": "none""#), "{script}");
}

#[actix_web::test]
async fn an_undeclared_method_on_a_known_path_is_405_with_allow() {
    let app = spawn_app().await;
    let (id, _) = app.recommendation("POL-1").await;
    for (method, path, allowed) in [
        ("TRACE", "/api/v1/recommendations".to_owned(), "GET"),
        ("PUT", format!("/api/v1/recommendations/{id}"), "GET, PATCH"),
        ("DELETE", "/api/v1/stats".to_owned(), "GET"),
    ] {
        let response = app.send_raw(method, &path, &[], None).await;
        let problem = response.assert_problem(405);
        assert_eq!(
            response.header("allow").as_deref(),
            Some(allowed),
            "{method} {path}"
        );
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains(method))
        );
    }
    app.send_raw("TRACE", "/api/v1/nowhere", &[], None)
        .await
        .assert_problem(404);
}

#[actix_web::test]
async fn relevance_without_a_search_is_report_order() {
    let app = spawn_app().await;
    let codes = |list: Value| -> Vec<String> {
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|r| r["code"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let relevance = app.get("/api/v1/recommendations?sort=relevance").await;
    assert_eq!(relevance.status, 200);
    let report_order = app.get("/api/v1/recommendations").await.json();
    assert_eq!(codes(relevance.json()), codes(report_order));
    let declared: BTreeSet<String> = spec()["components"]["schemas"]["RecommendationSort"]["enum"]
        .as_array()
        .expect("enum")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect();
    for sort in &declared {
        let page = app
            .get(&format!("/api/v1/recommendations?sort={sort}&limit=3"))
            .await;
        assert_eq!(page.status, 200, "sort={sort}");
    }
}
