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

#[test]
fn every_operation_is_complete_for_sdk_generators() {
    let spec: serde_json::Value =
        serde_json::from_str(&policytrack::openapi::spec_json()).expect("json");
    let mut ids = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let id = op["operationId"].as_str().expect("operationId");
            assert!(ids.insert(id.to_owned()), "{id} twice");
            let (verb, resource) = id.split_once('_').expect("<verb>_<resource>");
            assert!(
                [
                    "get",
                    "list",
                    "create",
                    "update",
                    "delete",
                    "change",
                    "ping",
                    "redeliver",
                    "approve",
                    "return",
                    "revoke",
                    "import",
                    "export"
                ]
                .contains(&verb)
                    && !resource.is_empty(),
                "{id}"
            );
            assert_eq!(
                op["tags"].as_array().map(Vec::len),
                Some(1),
                "{method} {path}"
            );
            assert!(op["summary"].is_string(), "{id} has no summary");
            for (status, response) in op["responses"].as_object().expect("responses") {
                let documented =
                    response["description"].is_string() || response["$ref"].is_string();
                assert!(documented, "{id} {status} has no description");
            }
            let writes = method != "get";
            if writes && id != "create_token" {
                assert!(
                    op["security"].to_string().contains("bearer"),
                    "{id} is unprotected"
                );
                assert!(op["responses"]["401"].is_object(), "{id} lacks 401");
                assert!(op["responses"]["403"].is_object(), "{id} lacks 403");
            }
            // Revoking a token needs no version: nothing about it can be edited meanwhile.
            if (method == "patch" || method == "delete") && id != "revoke_machine_token" {
                assert!(
                    op["responses"]["412"].is_object() && op["responses"]["428"].is_object(),
                    "{id}"
                );
            }
        }
    }
    assert!(ids.len() >= 30);
}

#[actix_web::test]
async fn the_document_is_also_served_as_yaml() {
    let app = crate::helpers::spawn_app().await;
    let yaml = app.get("/api-docs/openapi.yaml").await;
    assert_eq!(yaml.status, 200);
    assert_eq!(yaml.content_type(), "application/yaml");
    assert!(String::from_utf8_lossy(&yaml.body).starts_with("openapi: 3.1.0"));
}

#[test]
fn every_read_documents_if_none_match() {
    let spec: serde_json::Value =
        serde_json::from_str(&policytrack::openapi::spec_json()).expect("json");
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let Some(get) = item.get("get") else { continue };
        if get["responses"]["304"].is_null() {
            continue;
        }
        let documented = get["parameters"].as_array().is_some_and(|ps| {
            ps.iter()
                .any(|p| p["name"] == "If-None-Match" && p["in"] == "header")
        });
        assert!(documented, "GET {path} lacks If-None-Match");
    }
}

#[test]
fn every_schema_reference_names_a_component() {
    fn references<'a>(value: &'a serde_json::Value, found: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(target) = map.get("$ref").and_then(|r| r.as_str()) {
                    found.push(target);
                }
                map.values().for_each(|v| references(v, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| references(v, found)),
            _ => {}
        }
    }
    let document: serde_json::Value =
        serde_json::from_str(&policytrack::openapi::spec_json()).expect("json");
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("schemas");
    let mut found = Vec::new();
    references(&document, &mut found);
    let to_schemas: Vec<&str> = found
        .iter()
        .filter_map(|r| r.strip_prefix("#/components/schemas/"))
        .collect();
    assert!(
        to_schemas.len() > 50,
        "only {} schema references found",
        to_schemas.len()
    );
    let missing: std::collections::BTreeSet<&str> = to_schemas
        .into_iter()
        .filter(|name| !schemas.contains_key(*name))
        .collect();
    assert!(
        missing.is_empty(),
        "referenced but not defined: {missing:?}"
    );
}
