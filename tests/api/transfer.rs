//! Whole reports in and out: the report document, CSV and GAO files, dry runs, per-row
//! errors, limits, workbooks, the command line, and imports racing analysts' writes.

use crate::helpers::{TestApp, clone_template, spawn_app, spawn_app_on, test_config};
use policytrack::domain::Role;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Text a spreadsheet would run as a formula, and Korean: both must come back exactly.
const TRICKY_TITLE: &str = "=HYPERLINK(\"http://x\") 우주협력의 이행계획을 +1";

pub async fn import(
    app: &TestApp,
    admin: &str,
    query: &str,
    content_type: &str,
    body: &[u8],
) -> crate::helpers::TestResponse {
    app.send_raw(
        "POST",
        &format!("/api/v1/imports{query}"),
        &[("Authorization", admin)],
        Some((content_type, body.to_vec())),
    )
    .await
}

pub fn ok(response: &crate::helpers::TestResponse) -> Value {
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()
}

/// Puts the seeded report in motion through the API: owners, statuses with evidence, a
/// milestone, tricky text, an external id; then renames it to `slug`.
async fn report_in_motion(app: &TestApp, admin: &str, slug: &str) {
    let (id, etag) = app.recommendation("POL-1").await;
    let path = format!("/api/v1/recommendations/{id}");
    let dos = app.agency_id("US-DOS").await;
    let msit = app.agency_id("KR-MSIT").await;
    let patched = app
        .send_json(
            "PATCH",
            &path,
            &[("Authorization", admin), ("If-Match", &etag)],
            &json!({"lead_agency_id": dos, "supporting_agencies": [{"agency_id": msit, "role": "co_lead"}],
                    "priority": "high", "target_on": "2027-06-30", "title": TRICKY_TITLE,
                    "external_id": "P2049-1"}),
        )
        .await;
    let etag = patched.header("etag").expect("etag");
    let moved = app
        .send_json(
            "POST",
            &format!("{path}/status"),
            &[("Authorization", admin), ("If-Match", &etag)],
            &json!({"status": "in_progress", "health": "at_risk", "note": "Working group met."}),
        )
        .await;
    assert_eq!(
        moved.status,
        200,
        "{}",
        String::from_utf8_lossy(&moved.body)
    );
    let made = app
        .send_json(
            "POST",
            &format!("{path}/milestones"),
            &[("Authorization", admin)],
            &json!({"title": "Sign the framework", "due_on": "2027-01-15", "owner_agency_id": msit}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", String::from_utf8_lossy(&made.body));
    let (id, etag) = app.recommendation("DEF-2").await;
    let closed = app
        .send_json(
            "POST",
            &format!("/api/v1/recommendations/{id}/status"),
            &[("Authorization", admin), ("If-Match", &etag)],
            &json!({"status": "implemented", "note": "Done.", "evidence_urls": ["https://example.org/e"]}),
        )
        .await;
    assert_eq!(
        closed.status,
        200,
        "{}",
        String::from_utf8_lossy(&closed.body)
    );
    let report = app
        .get("/api/v1/reports/charting-a-path-in-the-uncharted-domain")
        .await;
    let etag = report.header("etag").expect("etag");
    let renamed = app
        .send_json(
            "PATCH",
            "/api/v1/reports/charting-a-path-in-the-uncharted-domain",
            &[("Authorization", admin), ("If-Match", &etag)],
            &json!({"slug": slug}),
        )
        .await;
    assert_eq!(
        renamed.status,
        200,
        "{}",
        String::from_utf8_lossy(&renamed.body)
    );
}

#[actix_web::test]
async fn a_report_document_moves_to_another_database_and_back_unchanged() {
    let source = spawn_app().await;
    let admin = source.admin().await;
    report_in_motion(&source, &admin, "moving-report").await;
    let exported = source.get("/api/v1/reports/moving-report/export").await;
    assert_eq!(exported.status, 200);
    let document = exported.json();
    assert_eq!(document["format"], "policytrack.report/1");
    let pol1 = &document["recommendations"][0];
    assert_eq!(pol1["title"], TRICKY_TITLE);
    assert_eq!(pol1["external_id"], "P2049-1");
    assert_eq!(
        pol1["supporting_agencies"],
        json!([{"agency": "KR-MSIT", "role": "co_lead"}])
    );
    assert_eq!(pol1["history"][0]["to_status"], "in_progress");

    let target = spawn_app().await;
    let target_admin = target.admin().await;
    let body = serde_json::to_vec(&document).expect("json");
    let before = target.write_fingerprint().await;
    let dry = ok(&import(
        &target,
        &target_admin,
        "?dry_run=true",
        "application/json",
        &body,
    )
    .await);
    assert_eq!(
        target.write_fingerprint().await,
        before,
        "a dry run writes nothing"
    );
    let real = ok(&import(&target, &target_admin, "", "application/json", &body).await);
    assert_eq!(dry["created"], real["created"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(real["dry_run"], false);
    assert_eq!(real["created"]["reports"], 1);
    assert_eq!(real["created"]["categories"], 4);
    assert_eq!(real["created"]["recommendations"], 15);
    assert_eq!(real["created"]["milestones"], 1);
    assert_eq!(real["errors"], json!([]));
    let again = target
        .get("/api/v1/reports/moving-report/export")
        .await
        .json();
    assert_eq!(
        again, document,
        "export -> import -> export gives the same document"
    );

    // The same file twice: everything unchanged, nothing written.
    let before = target.write_fingerprint().await;
    let second = ok(&import(&target, &target_admin, "", "application/json", &body).await);
    assert_eq!(
        second["created"],
        json!({"reports": 0, "categories": 0, "recommendations": 0, "milestones": 0, "agencies": 0})
    );
    assert_eq!(second["updated"], second["created"]);
    assert_eq!(second["unchanged"]["recommendations"], 15);
    assert_eq!(second["unchanged"]["milestones"], 1);
    assert_eq!(
        target.write_fingerprint().await,
        before,
        "an unchanged import writes nothing"
    );

    // A change in the file is one update, audited once, with one event.
    let mut edited = document.clone();
    edited["recommendations"][2]["title"] = json!("Reworded by the import");
    edited["recommendations"][2]["status"] = json!("stalled");
    edited["recommendations"][2]["health"] = json!("off_track");
    let third = ok(&import(
        &target,
        &target_admin,
        "",
        "application/json",
        &serde_json::to_vec(&edited).expect("json"),
    )
    .await);
    assert_eq!(third["updated"]["recommendations"], 1);
    assert_eq!(third["unchanged"]["recommendations"], 14);
    let code = edited["recommendations"][2]["code"].as_str().expect("code");
    let list = target
        .get("/api/v1/recommendations?report=moving-report&limit=200")
        .await
        .json();
    let id = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["code"] == code)
        .expect("moved")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let rec = target
        .get(&format!("/api/v1/recommendations/{id}?include=history"))
        .await
        .json();
    assert_eq!(rec["title"], "Reworded by the import");
    assert_eq!(rec["status"], "stalled");
    assert_eq!(rec["version"], 2);
    assert_eq!(rec["history"][0]["to_status"], "stalled");
    assert_eq!(
        rec["history"][0]["actor"],
        json!(target_admin_email(&target).await)
    );
    let imported = target
        .query_text("SELECT count(*)::text FROM events WHERE type = 'report.imported'")
        .await;
    assert_eq!(imported, "2", "one event per import that changed something");
    let audited = target
        .query_text("SELECT count(*)::text FROM audit_events WHERE action = 'import_report'")
        .await;
    assert_eq!(audited, "2");
}

async fn target_admin_email(app: &TestApp) -> String {
    app.query_text("SELECT email FROM users WHERE role = 'admin' ORDER BY created_at LIMIT 1")
        .await
}

fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

/// The columns an import reads back.
fn written(rows: &[BTreeMap<String, String>]) -> Vec<Vec<String>> {
    let columns = [
        "code",
        "external_id",
        "category",
        "title",
        "status",
        "health",
        "priority",
        "target_on",
        "lead_agency_code",
        "supporting_agency_codes",
        "text",
    ];
    rows.iter()
        .map(|r| columns.iter().map(|c| r[*c].clone()).collect())
        .collect()
}

#[actix_web::test]
async fn the_csv_export_imports_into_another_report_and_exports_the_same() {
    let source = spawn_app().await;
    let admin = source.admin().await;
    report_in_motion(&source, &admin, "csv-source").await;
    let exported = source
        .get("/api/v1/reports/csv-source/export?format=csv")
        .await;
    assert_eq!(exported.status, 200);
    assert!(exported.content_type().starts_with("text/csv"));
    let text = String::from_utf8(exported.body.to_vec()).expect("utf-8");
    assert!(
        text.contains("\"'=HYPERLINK"),
        "formula cells are escaped: {text}"
    );

    let target = spawn_app().await;
    let target_admin = target.admin().await;
    let created = target
        .send_json(
            "POST",
            "/api/v1/reports",
            &[("Authorization", &target_admin)],
            &json!({"slug": "csv-copy", "title": "A copy", "publisher": "Test",
                    "categories": [{"slug": "political", "name": "Political"}, {"slug": "defense", "name": "Defense"},
                                   {"slug": "technological", "name": "Technological"}, {"slug": "commercial", "name": "Commercial"}]}),
        )
        .await;
    assert_eq!(created.status, 201);
    let result = ok(&import(
        &target,
        &target_admin,
        "?report=csv-copy",
        "text/csv",
        text.as_bytes(),
    )
    .await);
    assert_eq!(result["created"]["recommendations"], 15);
    let copied = target
        .get("/api/v1/reports/csv-copy/export?format=csv")
        .await;
    let copied = String::from_utf8(copied.body.to_vec()).expect("utf-8");
    assert_eq!(written(&csv_rows(&copied)), written(&csv_rows(&text)));
    let pol1 = &csv_rows(&copied)[0];
    assert_eq!(
        pol1["title"],
        format!("'{TRICKY_TITLE}"),
        "escaped the same way again"
    );

    let before = target.write_fingerprint().await;
    let again = ok(&import(
        &target,
        &target_admin,
        "?report=csv-copy",
        "text/csv",
        text.as_bytes(),
    )
    .await);
    assert_eq!(again["unchanged"]["recommendations"], 15);
    assert_eq!(target.write_fingerprint().await, before);
    // Only the columns given: a CSV of code, title, category, status changes nothing else.
    let minimal = "CODE,Title,category,STATUS\r\nPOL-1,New title,political,in_progress\r\n";
    let result = ok(&import(
        &target,
        &target_admin,
        "?report=csv-copy",
        "text/csv",
        minimal.as_bytes(),
    )
    .await);
    assert_eq!(result["updated"]["recommendations"], 1);
    let list = target
        .get("/api/v1/recommendations?report=csv-copy&external_id=P2049-1")
        .await
        .json();
    assert_eq!(list["items"][0]["title"], "New title");
    assert_eq!(list["items"][0]["lead_agency"]["code"], "US-DOS");
    assert_eq!(
        list["items"][0]["supporting_agencies"][0]["role"],
        "co_lead"
    );
}

#[actix_web::test]
async fn a_gao_file_becomes_reports_with_mapped_statuses_agencies_and_evidence() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let file = "\
GAO Recommendations Database,,,,,,,,,\r
Exported 2026-11-30,,,,,,,,,\r
,,,,,,,,,\r
Publication Name,Publication Number,Date Publication Issued,Director Name,Director Phone,Agency,Recommendation,Status,Priority,Comments\r
Space Acquisitions: Test,GAO-24-105923,03/14/2024,Jon Doe,(202) 512-0000,U.S. Department of State,The Secretary of State should do one thing.,Closed - Implemented,Yes,State did it in 2025.\r
Space Acquisitions: Test,GAO-24-105923,03/14/2024,Jon Doe,(202) 512-0000,Department of Space Weather,The Secretary should do a second thing.,Open,No,\r
Space Acquisitions: Test,GAO-24-105923,03/14/2024,Jon Doe,(202) 512-0000,Department of Space Weather,The Secretary should do a third thing.,Closed - Not Implemented,No,Overtaken.\r
Satellites: Another,GAO-25-1,\"May 2, 2025\",,,U.S. Department of State,\"Keep \"\"quotes\"\", commas, and 한국어.\",Open,No,\r
";
    let before = app.write_fingerprint().await;
    let result = ok(&import(&app, &admin, "?format=gao", "text/csv", file.as_bytes()).await);
    assert_ne!(app.write_fingerprint().await, before);
    assert_eq!(result["created"]["reports"], 2);
    assert_eq!(result["created"]["recommendations"], 4);
    assert_eq!(result["created"]["agencies"], 1);
    let report = app.get("/api/v1/reports/gao-24-105923").await.json();
    assert_eq!(report["title"], "Space Acquisitions: Test");
    assert_eq!(report["published_on"], "2024-03-14");
    assert_eq!(
        report["source_url"],
        "https://www.gao.gov/products/gao-24-105923"
    );
    let list = app
        .get("/api/v1/recommendations?report=gao-24-105923&include=latest_status_change")
        .await
        .json();
    let items = list["items"].as_array().expect("items");
    let codes: Vec<&str> = items
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["REC-1", "REC-2", "REC-3"]);
    assert_eq!(items[0]["status"], "implemented");
    assert_eq!(items[0]["priority"], "high");
    assert_eq!(
        items[0]["text"],
        "The Secretary of State should do one thing."
    );
    assert_eq!(items[0]["lead_agency"]["code"], "US-DOS", "matched by name");
    assert_eq!(
        items[0]["latest_status_change"]["note"],
        "State did it in 2025."
    );
    assert_eq!(
        items[0]["latest_status_change"]["evidence_urls"],
        json!(["https://www.gao.gov/products/gao-24-105923"])
    );
    assert_eq!(items[1]["status"], "in_progress");
    assert_eq!(items[1]["priority"], Value::Null);
    assert_eq!(items[2]["status"], "not_implemented");
    let created = &items[1]["lead_agency"];
    assert_eq!(created["name"], "Department of Space Weather");
    assert_eq!(created["country"], "US");
    let other = app
        .get("/api/v1/recommendations?report=gao-25-1")
        .await
        .json();
    assert_eq!(
        other["items"][0]["text"],
        "Keep \"quotes\", commas, and 한국어."
    );

    let before = app.write_fingerprint().await;
    let again = ok(&import(&app, &admin, "?format=gao", "text/csv", file.as_bytes()).await);
    assert_eq!(again["unchanged"]["recommendations"], 4);
    assert_eq!(again["unchanged"]["reports"], 2);
    assert_eq!(
        app.write_fingerprint().await,
        before,
        "the same file twice changes nothing"
    );
    let stalled = ok(&import(
        &app,
        &admin,
        "?format=gao&open_status=stalled",
        "text/csv",
        file.as_bytes(),
    )
    .await);
    assert_eq!(
        stalled["updated"]["recommendations"], 2,
        "the two open ones"
    );
}

#[actix_web::test]
async fn every_problem_of_a_file_is_named_by_row_and_column_and_nothing_is_written() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let report = "?report=charting-a-path-in-the-uncharted-domain";
    let before = app.write_fingerprint().await;
    let file = "\
code,category,title,status,target_on,lead_agency_code\r
POL-1,nowhere,Fine title,in_progress,,\r
POL-2,political,Fine title,in_progress,,XX-NOPE\r
POL-3,political,Fine title,in_progress,2027-13-45,\r
POL-4,political,Fine title,finished,,\r
POL-5,political,Fine title,in_progress,,\r
POL-5,political,Twice,in_progress,,\r
";
    for dry_run in ["true", "false"] {
        let answer = import(
            &app,
            &admin,
            &format!("{report}&dry_run={dry_run}"),
            "text/csv",
            file.as_bytes(),
        )
        .await;
        let problem = answer.assert_problem(422);
        assert_eq!(problem["type"], "urn:policytrack:problem:import-rejected");
        let places: Vec<(i64, String)> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| {
                (
                    e["row"].as_i64().expect("row"),
                    e["column"].as_str().expect("column").to_owned(),
                )
            })
            .collect();
        assert_eq!(
            places,
            [
                (2, "category".to_owned()),
                (3, "lead_agency_code".to_owned()),
                (4, "target_on".to_owned()),
                (5, "status".to_owned()),
                (7, "code".to_owned()),
            ],
            "{problem}"
        );
    }
    let missing = import(
        &app,
        &admin,
        report,
        "text/csv",
        b"code,category,title\r\nPOL-1,political,x\r\n",
    )
    .await;
    let problem = missing.assert_problem(422);
    assert_eq!(problem["errors"][0]["row"], 1);
    assert_eq!(problem["errors"][0]["column"], "status");
    let unknown = import(
        &app,
        &admin,
        report,
        "text/csv",
        b"code,category,title,status,colour\r\n",
    )
    .await;
    assert_eq!(unknown.assert_problem(422)["errors"][0]["column"], "colour");

    let mut document = app
        .get("/api/v1/reports/charting-a-path-in-the-uncharted-domain/export")
        .await
        .json();
    document["recommendations"][1]["status"] = json!("done-ish");
    document["recommendations"][3]["target_on"] = json!("soon");
    let answer = import(
        &app,
        &admin,
        "",
        "application/json",
        &serde_json::to_vec(&document).expect("json"),
    )
    .await;
    let problem = answer.assert_problem(422);
    assert_eq!(problem["errors"][0]["row"], 2);
    assert_eq!(problem["errors"][0]["column"], "status");
    assert_eq!(problem["errors"][1]["row"], 4);
    assert_eq!(problem["errors"][1]["column"], "target_on");
    assert_eq!(
        app.write_fingerprint().await,
        before,
        "a rejected file writes nothing"
    );
}

#[actix_web::test]
async fn imports_are_for_admins_within_the_size_limit_and_in_known_formats() {
    let mut config = test_config();
    config.import_max_bytes = 1000;
    let app = spawn_app_on(clone_template().await, config).await;
    let admin = app.admin().await;
    let analyst = app.create_user(Role::Analyst).await;
    let document = app
        .get("/api/v1/reports/charting-a-path-in-the-uncharted-domain/export")
        .await;
    let before = app.write_fingerprint().await;
    let big = import(&app, &admin, "", "application/json", &document.body).await;
    let problem = big.assert_problem(413);
    assert!(
        problem["detail"].as_str().expect("detail").contains("1000"),
        "{problem}"
    );
    let small = b"code,category,title,status\r\nPOL-1,political,x,in_progress\r\n";
    import(
        &app,
        &analyst.bearer(),
        "?report=charting-a-path-in-the-uncharted-domain",
        "text/csv",
        small,
    )
    .await
    .assert_problem(403);
    import(&app, &admin, "", "application/xml", small)
        .await
        .assert_problem(415);
    let bad = import(&app, &admin, "?dry_run=maybe", "text/csv", small)
        .await
        .assert_problem(422);
    assert_eq!(bad["errors"][0]["column"], "query.dry_run");
    let unknown = import(&app, &admin, "?colour=red", "text/csv", small)
        .await
        .assert_problem(422);
    assert_eq!(unknown["type"], "urn:policytrack:problem:import-rejected");
    assert_eq!(unknown["errors"][0]["column"], "query");
    assert_eq!(bad["errors"][0]["row"], Value::Null);
    import(&app, &admin, "", "text/csv", small)
        .await
        .assert_problem(422);
    assert_eq!(app.write_fingerprint().await, before);
}

#[actix_web::test]
async fn reports_export_as_workbooks_and_lists_do_too() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/reports/charting-a-path-in-the-uncharted-domain/export?format=xlsx",
        "/api/v1/recommendations?format=xlsx",
        "/api/v1/milestones?format=xlsx",
    ] {
        let answer = app.get(path).await;
        assert_eq!(answer.status, 200, "{path}");
        assert!(answer.content_type().contains("spreadsheetml"), "{path}");
        assert_eq!(&answer.body[..2], b"PK", "{path} is a zip archive");
    }
    app.get("/api/v1/reports/charting-a-path-in-the-uncharted-domain/export?format=pdf")
        .await
        .assert_problem(422);
    app.get("/api/v1/reports/no-such-report/export")
        .await
        .assert_problem(404);
}

#[actix_web::test]
async fn categories_are_added_and_changed_with_if_match_and_reports_answer_by_slug() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let analyst = app.create_user(Role::Analyst).await;
    let path = "/api/v1/reports/charting-a-path-in-the-uncharted-domain/categories";
    let body = json!({"slug": "industrial", "name": "Industrial"});
    let before = app.write_fingerprint().await;
    app.send_json("POST", path, &[("Authorization", &analyst.bearer())], &body)
        .await
        .assert_problem(403);
    app.send_json(
        "POST",
        path,
        &[("Authorization", &admin)],
        &json!({"slug": "Bad Slug", "name": ""}),
    )
    .await
    .assert_problem(422);
    assert_eq!(app.write_fingerprint().await, before);
    let created = app
        .send_json("POST", path, &[("Authorization", &admin)], &body)
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let category = created.json();
    assert_eq!(category["position"], 4);
    let before = app.write_fingerprint().await;
    app.send_json("POST", path, &[("Authorization", &admin)], &body)
        .await
        .assert_problem(409);
    assert_eq!(
        app.write_fingerprint().await,
        before,
        "a taken slug writes nothing"
    );
    // Two recommendations of a report cannot share an external id: 409, nothing written.
    let (first, etag) = app.recommendation("POL-1").await;
    let tagged = app
        .send_json(
            "PATCH",
            &format!("/api/v1/recommendations/{first}"),
            &[("Authorization", &admin), ("If-Match", &etag)],
            &json!({"external_id": "EXT-1"}),
        )
        .await;
    assert_eq!(
        tagged.status,
        200,
        "{}",
        String::from_utf8_lossy(&tagged.body)
    );
    let (second, etag) = app.recommendation("POL-2").await;
    let before = app.write_fingerprint().await;
    app.send_json(
        "PATCH",
        &format!("/api/v1/recommendations/{second}"),
        &[("Authorization", &admin), ("If-Match", &etag)],
        &json!({"external_id": "EXT-1"}),
    )
    .await
    .assert_problem(409);
    assert_eq!(
        app.write_fingerprint().await,
        before,
        "a taken external_id writes nothing"
    );
    // An import may not move a status back to not_assessed: 422 by row, nothing written.
    let back = "code,category,title,status\r\nPOL-1,political,Back,not_assessed\r\n";
    let (id, etag) = app.recommendation("POL-1").await;
    let moved = app
        .send_json(
            "POST",
            &format!("/api/v1/recommendations/{id}/status"),
            &[("Authorization", &admin), ("If-Match", &etag)],
            &json!({"status": "in_progress", "note": "Started"}),
        )
        .await;
    assert_eq!(moved.status, 200);
    let before = app.write_fingerprint().await;
    let refused = import(
        &app,
        &admin,
        "?report=charting-a-path-in-the-uncharted-domain",
        "text/csv",
        back.as_bytes(),
    )
    .await
    .assert_problem(422);
    assert_eq!(refused["errors"][0]["row"], 2);
    assert_eq!(refused["errors"][0]["column"], "status");
    assert_eq!(app.write_fingerprint().await, before);
    let etag = created.header("etag").expect("etag");
    let one = format!(
        "/api/v1/categories/{}",
        category["id"].as_str().expect("id")
    );
    let before = app.write_fingerprint().await;
    app.send_json(
        "PATCH",
        &one,
        &[("Authorization", &admin)],
        &json!({"name": "Industry"}),
    )
    .await
    .assert_problem(428);
    app.send_json(
        "PATCH",
        &one,
        &[("Authorization", &admin), ("If-Match", "\"v9\"")],
        &json!({"name": "Industry"}),
    )
    .await
    .assert_problem(412);
    assert_eq!(app.write_fingerprint().await, before);
    let renamed = app
        .send_json(
            "PATCH",
            &one,
            &[("Authorization", &admin), ("If-Match", &etag)],
            &json!({"name": "Industry", "position": 0}),
        )
        .await;
    assert_eq!(
        renamed.status,
        200,
        "{}",
        String::from_utf8_lossy(&renamed.body)
    );
    assert_eq!(renamed.json()["version"], 2);
    let report = app
        .get("/api/v1/reports/charting-a-path-in-the-uncharted-domain")
        .await
        .json();
    let industry = report["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["slug"] == "industrial")
        .cloned()
        .expect("listed");
    assert_eq!(industry["name"], "Industry");
    let token = app
        .send_json(
            "POST",
            "/api/v1/tokens",
            &[("Authorization", &admin)],
            &json!({"name": "one report", "access": "write", "report": "charting-a-path-in-the-uncharted-domain"}),
        )
        .await;
    assert_eq!(
        token.status,
        201,
        "{}",
        String::from_utf8_lossy(&token.body)
    );
    assert_eq!(
        token.json()["report"],
        report["id"],
        "a token's report by slug"
    );
    let by_id = app
        .get(&format!(
            "/api/v1/reports/{}",
            report["id"].as_str().expect("id")
        ))
        .await
        .json();
    assert_eq!(by_id["slug"], report["slug"]);
    let updates = app
        .query_text("SELECT count(*)::text FROM events WHERE type = 'report.updated'")
        .await;
    assert_eq!(
        updates, "2",
        "each category write is a report.updated event"
    );
}

#[actix_web::test]
async fn an_import_and_analysts_writes_never_interleave() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let analyst = app.create_user(Role::Analyst).await;
    let mut document = app
        .get("/api/v1/reports/charting-a-path-in-the-uncharted-domain/export")
        .await
        .json();
    for rec in document["recommendations"].as_array_mut().expect("recs") {
        let title = format!("Imported: {}", rec["title"].as_str().expect("title"));
        rec["title"] = json!(title.chars().take(300).collect::<String>());
        rec["status"] = json!("in_progress");
    }
    let body = serde_json::to_vec(&document).expect("json");
    let mut reads = Vec::new();
    for rec in document["recommendations"].as_array().expect("recs") {
        let code = rec["code"].as_str().expect("code").to_owned();
        reads.push((code.clone(), app.recommendation(&code).await));
    }
    let auth = analyst.bearer();
    let writes = futures_util::future::join_all(reads.iter().map(|(_, (id, etag))| {
        let (path, auth, app) = (format!("/api/v1/recommendations/{id}/status"), &auth, &app);
        async move {
            app.send_json(
                "POST",
                &path,
                &[("Authorization", auth), ("If-Match", etag)],
                &json!({"status": "in_progress", "note": "Racing the import"}),
            )
            .await
        }
    }));
    let (imported, writes) =
        futures_util::future::join(import(&app, &admin, "", "application/json", &body), writes)
            .await;
    ok(&imported);
    let admin_email = target_admin_email(&app).await;
    for ((code, (id, _)), write) in reads.iter().zip(writes) {
        let rec = app
            .get(&format!("/api/v1/recommendations/{id}?include=history"))
            .await
            .json();
        assert!(
            rec["title"]
                .as_str()
                .expect("title")
                .starts_with("Imported: "),
            "{code}: the import applied whole"
        );
        assert_eq!(rec["status"], "in_progress", "{code}");
        let history = rec["history"].as_array().expect("history");
        assert_eq!(
            history.len(),
            1,
            "{code}: one status change, by whoever came first"
        );
        match write.status {
            // The analyst first: the import then found the status it wanted and changed the title.
            200 => {
                assert_eq!(history[0]["actor"], json!(analyst.email), "{code}");
                assert_eq!(rec["version"], 3, "{code}");
            }
            // The import first: the analyst's If-Match was stale.
            412 => {
                assert_eq!(history[0]["actor"], json!(admin_email), "{code}");
                assert_eq!(rec["version"], 2, "{code}");
            }
            other => panic!("{code}: {other} {}", String::from_utf8_lossy(&write.body)),
        }
    }
}

#[actix_web::test]
async fn the_command_line_imports_and_exports_on_the_same_code() {
    let url = clone_template().await;
    let app = spawn_app_on(url.clone(), test_config()).await;
    let dir = crate::helpers::scratch_dir("transfer-cli");
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_policytrack"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &url)
            .env("POLICYTRACK_LOG", "warn")
            .args(args)
            .output()
            .expect("run policytrack");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            output.stdout,
        )
    };
    let (ok_export, _, bytes) = run(&["export", "charting-a-path-in-the-uncharted-domain"]);
    assert!(ok_export);
    let mut document: Value = serde_json::from_slice(&bytes).expect("a document");
    assert_eq!(
        document["recommendations"].as_array().expect("recs").len(),
        15
    );
    document["report"]["slug"] = json!("from-the-cli");
    let file = dir.join("report.json");
    std::fs::write(&file, serde_json::to_vec(&document).expect("json")).expect("write");
    let file = file.to_str().expect("path");
    let (dry_ok, dry, _) = run(&["import", file, "--dry-run"]);
    assert!(dry_ok, "{dry}");
    assert!(
        app.get("/api/v1/reports/from-the-cli").await.status == 404,
        "a dry run writes nothing"
    );
    let (real_ok, real, _) = run(&["import", file]);
    assert!(real_ok, "{real}");
    let real: Value = serde_json::from_str(&real).expect("counts");
    assert_eq!(real["created"]["recommendations"], 15);
    assert_eq!(app.get("/api/v1/reports/from-the-cli").await.status, 200);
    let (xlsx_ok, _, xlsx) = run(&["export", "from-the-cli", "--format", "xlsx"]);
    assert!(xlsx_ok);
    assert_eq!(&xlsx[..2], b"PK");
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "code,category,title,status\nPOL-1,nowhere,x,in_progress\n",
    )
    .expect("write");
    let (bad_ok, problem, _) = run(&[
        "import",
        bad.to_str().expect("path"),
        "--report",
        "from-the-cli",
    ]);
    assert!(!bad_ok);
    assert!(problem.contains("\"column\": \"category\""), "{problem}");
}

#[actix_web::test]
async fn seed_demo_puts_the_seed_report_in_motion_with_labels() {
    let url = clone_template().await;
    let app = spawn_app_on(url.clone(), test_config()).await;
    let seed = || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_policytrack"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &url)
            .env("POLICYTRACK_LOG", "warn")
            .args(["seed", "--demo"])
            .output()
            .expect("run policytrack");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    seed();
    let stats = app
        .get("/api/v1/recommendations?limit=200&include=milestones,latest_status_change")
        .await
        .json();
    let items = stats["items"].as_array().expect("items");
    let statuses: std::collections::BTreeSet<&str> = items
        .iter()
        .map(|r| r["status"].as_str().expect("status"))
        .collect();
    assert!(
        statuses.len() >= 6,
        "statuses across the lifecycle: {statuses:?}"
    );
    assert!(items.iter().all(|r| !r["lead_agency"].is_null()));
    assert!(
        items
            .iter()
            .any(|r| r["overdue_milestone_count"].as_i64() > Some(0))
    );
    let milestones: Vec<&Value> = items
        .iter()
        .flat_map(|r| r["milestones"].as_array().expect("ms"))
        .collect();
    assert!(milestones.iter().any(|m| m["status"] == "done"));
    assert!(
        milestones
            .iter()
            .any(|m| m["due_soon"] == true || m["status"] == "planned")
    );
    let labelled = items
        .iter()
        .filter_map(|r| r["latest_status_change"]["note"].as_str())
        .all(|note| note.starts_with("[Demonstration data]"));
    assert!(labelled);
    let check_ins = app.count("check_ins").await;
    assert!(check_ins > 0);
    // The steps before today's statuses reach months back: the trend has a past to draw.
    let months_back = app
        .query_text(
            "(SELECT count(DISTINCT date_trunc('month', effective_on)) FROM status_changes \
             WHERE note LIKE '[Demonstration data]%')::text",
        )
        .await;
    assert!(
        months_back.parse::<i64>().expect("a count") >= 4,
        "{months_back}"
    );
    let history = app.count("status_changes").await;
    seed();
    assert_eq!(
        app.count("check_ins").await,
        check_ins,
        "run again, no second round of check-ins"
    );
    assert_eq!(app.count("status_changes").await, history, "nor of history");
}
