//! The committed document must equal the generated one.

const COMMITTED: &str = "openapi/openapi.json";

#[test]
fn committed_openapi_document_matches_the_code() {
    let generated = policytrack::openapi::spec_json();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).expect("write openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{COMMITTED} is out of date. Regenerate it with:\n\n    UPDATE_OPENAPI=1 cargo test --test api openapi\n"
    );
}

#[actix_web::test]
async fn served_document_equals_the_generated_one() {
    let app = crate::helpers::spawn_app().await;
    let served = app.get("/api-docs/openapi.json").await;
    assert_eq!(served.status, 200);
    let generated: serde_json::Value =
        serde_json::from_str(&policytrack::openapi::spec_json()).expect("json");
    assert_eq!(served.json(), generated);
    assert_eq!(generated["openapi"], "3.1.0");
}

#[actix_web::test]
async fn swagger_ui_is_served_from_vendored_assets() {
    let app = crate::helpers::spawn_app().await;
    let page = app.get("/docs/").await;
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("swagger"));
    let script = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(script.status, 200);
    assert!(script.body.len() > 100_000);
}
