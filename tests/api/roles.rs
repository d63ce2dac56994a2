//! The role matrix: every write endpoint for anonymous, viewer, analyst and admin callers.

use crate::helpers::{TestApp, spawn_app};
use policytrack::domain::Role;
use serde_json::{Value, json};

/// One write: method, path, body, and whether it needs If-Match.
struct Write {
    name: &'static str,
    method: &'static str,
    path: String,
    body: Option<Value>,
    etag_from: Option<String>,
    least: Role,
}

async fn send(app: &TestApp, write: &Write, bearer: Option<&str>) -> u16 {
    let etag = match &write.etag_from {
        Some(path) => app
            .get_with(
                path,
                &bearer
                    .map(|b| vec![("Authorization", b)])
                    .unwrap_or_default(),
            )
            .await
            .header("etag"),
        None => None,
    };
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(b) = bearer {
        headers.push(("Authorization", b));
    }
    if let Some(e) = etag.as_deref() {
        headers.push(("If-Match", e));
    }
    match &write.body {
        Some(body) => {
            app.send_json(write.method, &write.path, &headers, body)
                .await
                .status
        }
        None => {
            app.send_raw(write.method, &write.path, &headers, None)
                .await
                .status
        }
    }
}

#[actix_web::test]
async fn every_write_endpoint_enforces_its_role() {
    let app = spawn_app().await;
    let viewer = app.create_user(Role::Viewer).await.bearer();
    let analyst = app.create_user(Role::Analyst).await.bearer();
    let admin = app.create_user(Role::Admin).await.bearer();
    let target = app.create_user(Role::Viewer).await;
    let (rec, _) = app.recommendation("POL-1").await;
    let agency = app.agency_id("US-DOS").await;
    let report = app.get("/api/v1/reports").await.json()["items"][0]["id"]
        .as_str()
        .expect("report")
        .to_owned();
    let milestone = app
        .send_json(
            "POST",
            &format!("/api/v1/recommendations/{rec}/milestones"),
            &[("Authorization", &admin)],
            &json!({"title": "for the matrix"}),
        )
        .await
        .header("location")
        .expect("location");
    let rec_path = format!("/api/v1/recommendations/{rec}");
    let writes = vec![
        Write {
            name: "change_status",
            method: "POST",
            path: format!("{rec_path}/status"),
            body: Some(json!({"status": "in_progress", "note": "x"})),
            etag_from: Some(rec_path.clone()),
            least: Role::Analyst,
        },
        Write {
            name: "update_recommendation (owners)",
            method: "PATCH",
            path: rec_path.clone(),
            body: Some(json!({"lead_agency_id": agency, "priority": "high"})),
            etag_from: Some(rec_path.clone()),
            least: Role::Analyst,
        },
        Write {
            name: "update_recommendation (text)",
            method: "PATCH",
            path: rec_path.clone(),
            body: Some(json!({"title": "Reworded"})),
            etag_from: Some(rec_path.clone()),
            least: Role::Admin,
        },
        Write {
            name: "create_milestone",
            method: "POST",
            path: format!("{rec_path}/milestones"),
            body: Some(json!({"title": "m"})),
            etag_from: None,
            least: Role::Analyst,
        },
        Write {
            name: "update_milestone",
            method: "PATCH",
            path: milestone.clone(),
            body: Some(json!({"weight": 2})),
            etag_from: Some(milestone.clone()),
            least: Role::Analyst,
        },
        Write {
            name: "create_agency",
            method: "POST",
            path: "/api/v1/agencies".into(),
            body: Some(
                json!({"code": "KR-MOTIE", "name": "Ministry of Trade, Industry and Energy", "country": "KR"}),
            ),
            etag_from: None,
            least: Role::Admin,
        },
        Write {
            name: "update_agency",
            method: "PATCH",
            path: format!("/api/v1/agencies/{agency}"),
            body: Some(json!({"name": "U.S. Department of State (DOS)"})),
            etag_from: Some(format!("/api/v1/agencies/{agency}")),
            least: Role::Admin,
        },
        Write {
            name: "create_report",
            method: "POST",
            path: "/api/v1/reports".into(),
            body: Some(
                json!({"slug": "matrix-report", "title": "T", "publisher": "P", "categories": [{"slug": "a", "name": "A"}]}),
            ),
            etag_from: None,
            least: Role::Admin,
        },
        Write {
            name: "create_report_recommendation",
            method: "POST",
            path: format!("/api/v1/reports/{report}/recommendations"),
            body: Some(
                json!({"code": "POL-8", "title": "New", "text": "Body", "category": "political"}),
            ),
            etag_from: None,
            least: Role::Admin,
        },
        Write {
            name: "create_user",
            method: "POST",
            path: "/api/v1/users".into(),
            body: Some(
                json!({"email": "matrix@example.org", "role": "viewer", "password": "long enough password"}),
            ),
            etag_from: None,
            least: Role::Admin,
        },
        Write {
            name: "update_user",
            method: "PATCH",
            path: format!("/api/v1/users/{}", target.id),
            body: Some(json!({"role": "analyst"})),
            etag_from: Some(format!("/api/v1/users/{}", target.id)),
            least: Role::Admin,
        },
        Write {
            name: "delete_milestone",
            method: "DELETE",
            path: milestone.clone(),
            body: None,
            etag_from: Some(milestone.clone()),
            least: Role::Analyst,
        },
    ];
    for write in &writes {
        let audit_before = app.count("audit_events").await;
        assert_eq!(
            send(&app, write, None).await,
            401,
            "{} anonymous",
            write.name
        );
        for (role, bearer) in [
            (Role::Viewer, &viewer),
            (Role::Analyst, &analyst),
            (Role::Admin, &admin),
        ] {
            if role < write.least {
                assert_eq!(
                    send(&app, write, Some(bearer)).await,
                    403,
                    "{} as {role}",
                    write.name
                );
            }
        }
        assert_eq!(
            app.count("audit_events").await,
            audit_before,
            "{} changed something while refused",
            write.name
        );
        let bearer = if write.least == Role::Admin {
            &admin
        } else {
            &analyst
        };
        let status = send(&app, write, Some(bearer)).await;
        assert!(
            (200..300).contains(&status),
            "{} as {} gave {status}",
            write.name,
            write.least
        );
        assert_eq!(
            app.count("audit_events").await,
            audit_before + 1,
            "{} wrote no audit event",
            write.name
        );
    }
}

#[actix_web::test]
async fn admin_reads_refuse_other_roles() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await.bearer();
    let admin = app.create_user(Role::Admin).await.bearer();
    for path in ["/api/v1/users", "/api/v1/audit"] {
        app.get(path).await.assert_problem(401);
        app.get_with(path, &[("Authorization", &analyst)])
            .await
            .assert_problem(403);
        assert_eq!(
            app.get_with(path, &[("Authorization", &admin)])
                .await
                .status,
            200
        );
    }
}

#[actix_web::test]
async fn analysts_assign_owners_and_the_audit_log_keeps_before_and_after() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let admin = app.create_user(Role::Admin).await.bearer();
    let (rec, etag) = app.recommendation("TECH-2").await;
    let lead = app.agency_id("US-DOC-BIS").await;
    let support = app.agency_id("KR-MSIT").await;
    let response = app
        .send_json(
            "PATCH",
            &format!("/api/v1/recommendations/{rec}"),
            &[("Authorization", &analyst.bearer()), ("If-Match", &etag)],
            &json!({"lead_agency_id": lead, "supporting_agencies": [{"agency_id": support, "role": "co_lead"}], "priority": "critical", "target_on": "2027-12-31"}),
        )
        .await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let body = response.json();
    assert_eq!(body["lead_agency"]["code"], "US-DOC-BIS");
    assert_eq!(body["supporting_agencies"][0]["agency"]["code"], "KR-MSIT");
    assert_eq!(body["supporting_agencies"][0]["role"], "co_lead");
    assert_eq!(body["priority"], "critical");
    assert_eq!(body["target_on"], "2027-12-31");

    let audit = app
        .get_with(
            &format!("/api/v1/audit?entity_id={rec}"),
            &[("Authorization", &admin)],
        )
        .await
        .json();
    let event = &audit["items"][0];
    assert_eq!(event["action"], "update_recommendation");
    assert_eq!(event["actor_email"], analyst.email.as_str());
    assert!(event["before"][0]["lead_agency_id"].is_null());
    assert_eq!(event["after"][0]["lead_agency_id"], lead.as_str());
    assert!(event["request_id"].is_string());

    let etag = response.header("etag").expect("etag");
    let cleared = app
        .send_json(
            "PATCH",
            &format!("/api/v1/recommendations/{rec}"),
            &[("Authorization", &analyst.bearer()), ("If-Match", &etag)],
            &json!({"lead_agency_id": null, "supporting_agencies": []}),
        )
        .await
        .json();
    assert!(cleared["lead_agency"].is_null());
    assert_eq!(cleared["supporting_agencies"], json!([]));
    assert_eq!(cleared["priority"], "critical", "absent fields stay");
}
