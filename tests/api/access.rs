//! Who may touch what (OWASP API1 and API5): agency-scoped analysts, reviewers and machine
//! tokens against every recommendation-level write, each refusal checked to leave no trace.

use crate::helpers::{TestApp, TestUser, spawn_app};
use policytrack::domain::Role;
use serde_json::{Value, json};

/// The lead and supporting agencies every target recommendation gets.
const LEAD: &str = "US-DOS";
const SUPPORT: &str = "KR-MSIT";
const UNRELATED: &str = "US-NASA";

/// A fresh recommendation led by `LEAD`, supported by `SUPPORT`, with one milestone owned by
/// `LEAD`: (recommendation path, milestone path).
async fn target(app: &TestApp, admin: &str, code: &str) -> (String, String) {
    let report = app.get("/api/v1/reports").await.json()["items"][0]["id"]
        .as_str()
        .expect("report")
        .to_owned();
    let created = app
        .send_json(
            "POST",
            &format!("/api/v1/reports/{report}/recommendations"),
            &[("Authorization", admin)],
            &json!({"code": code, "title": "Access target", "text": "Body", "category": "political"}),
        )
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let rec = created.header("location").expect("location");
    let etag = created.header("etag").expect("etag");
    let (lead, support) = (app.agency_id(LEAD).await, app.agency_id(SUPPORT).await);
    let owned = app
        .send_json(
            "PATCH",
            &rec,
            &[("Authorization", admin), ("If-Match", &etag)],
            &json!({"lead_agency_id": lead, "supporting_agencies": [{"agency_id": support, "role": "supporting"}]}),
        )
        .await;
    assert_eq!(
        owned.status,
        200,
        "{}",
        String::from_utf8_lossy(&owned.body)
    );
    let milestone = app
        .send_json(
            "POST",
            &format!("{rec}/milestones"),
            &[("Authorization", admin)],
            &json!({"title": "Lead's step", "owner_agency_id": lead}),
        )
        .await
        .header("location")
        .expect("milestone");
    (rec, milestone)
}

/// The recommendation-level writes, in an order each can follow the one before.
const WRITES: [&str; 6] = [
    "change_status",
    "update_recommendation",
    "check_in",
    "create_milestone",
    "update_milestone",
    "delete_milestone",
];

async fn attempt(
    app: &TestApp,
    bearer: &str,
    write: &str,
    rec: &str,
    milestone: &str,
) -> (u16, Value) {
    let auth = ("Authorization", bearer);
    let etag_of = |path: String| async move { app.get(&path).await.header("etag").expect("etag") };
    let (method, path, body, etag) = match write {
        "change_status" => (
            "POST",
            format!("{rec}/status"),
            json!({"status": "in_progress", "note": "Started"}),
            Some(etag_of(rec.to_owned()).await),
        ),
        "update_recommendation" => (
            "PATCH",
            rec.to_owned(),
            json!({"priority": "high"}),
            Some(etag_of(rec.to_owned()).await),
        ),
        "check_in" => (
            "POST",
            format!("{rec}/check-ins"),
            json!({"note": "Met the partners"}),
            Some(etag_of(rec.to_owned()).await),
        ),
        "create_milestone" => (
            "POST",
            format!("{rec}/milestones"),
            json!({"title": "Another step"}),
            None,
        ),
        "update_milestone" => (
            "PATCH",
            milestone.to_owned(),
            json!({"weight": 3}),
            Some(etag_of(milestone.to_owned()).await),
        ),
        "delete_milestone" => (
            "DELETE",
            milestone.to_owned(),
            Value::Null,
            Some(etag_of(milestone.to_owned()).await),
        ),
        other => panic!("unknown write {other}"),
    };
    let mut headers = vec![auth];
    if let Some(etag) = etag.as_deref() {
        headers.push(("If-Match", etag));
    }
    let response = if body.is_null() {
        app.send_raw(method, &path, &headers, None).await
    } else {
        app.send_json(method, &path, &headers, &body).await
    };
    let json = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    (response.status, json)
}

/// What each caller gets for each of `WRITES`.
struct Case {
    who: &'static str,
    bearer: String,
    expect: [u16; 6],
}

const ALLOWED: [u16; 6] = [200, 200, 201, 201, 200, 204];
const FORBIDDEN: [u16; 6] = [403; 6];
const UNAUTHORIZED: [u16; 6] = [401; 6];

#[actix_web::test]
async fn every_recommendation_write_is_checked_against_the_callers_scope() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let lead_analyst = app.create_member(Role::Analyst, &[LEAD]).await;
    let other_analyst = app.create_member(Role::Analyst, &[UNRELATED]).await;
    let support_analyst = app.create_member(Role::Analyst, &[SUPPORT]).await;
    let global_analyst = app.create_user(Role::Analyst).await;
    let reviewer = app.create_member(Role::Reviewer, &[UNRELATED]).await;
    let admin_user = app.create_user(Role::Admin).await;
    let (read_token, _) = app
        .machine_token(&admin_user, json!({"name": "dashboard", "access": "read"}))
        .await;
    let (lead_write_token, _) = app
        .machine_token(&lead_analyst, json!({"name": "sync", "access": "write"}))
        .await;
    let (other_write_token, _) = app
        .machine_token(&other_analyst, json!({"name": "sync", "access": "write"}))
        .await;
    let (revoked_token, revoked_id) = app
        .machine_token(&global_analyst, json!({"name": "old", "access": "write"}))
        .await;
    let revoked = app
        .send_raw(
            "DELETE",
            &format!("/api/v1/tokens/{revoked_id}"),
            &[("Authorization", &global_analyst.bearer())],
            None,
        )
        .await;
    assert_eq!(revoked.status, 204);
    let (expired_token, expired_id) = app
        .machine_token(
            &global_analyst,
            json!({"name": "expiring", "access": "write"}),
        )
        .await;
    app.execute(&format!(
        "UPDATE api_tokens SET expires_on = current_date - 1 WHERE id = '{expired_id}'"
    ))
    .await;
    let leaver = app.create_user(Role::Analyst).await;
    let (leaver_token, _) = app
        .machine_token(&leaver, json!({"name": "leaver's", "access": "write"}))
        .await;
    app.execute(&format!(
        "UPDATE users SET disabled = true, token_generation = token_generation + 1 WHERE id = '{}'",
        leaver.id
    ))
    .await;

    let mut supporting = FORBIDDEN;
    supporting[2] = 201;
    let cases = [
        Case {
            who: "scoped analyst, own agency leads",
            bearer: lead_analyst.bearer(),
            expect: ALLOWED,
        },
        Case {
            who: "scoped analyst, another agency",
            bearer: other_analyst.bearer(),
            expect: FORBIDDEN,
        },
        Case {
            who: "supporting agency's analyst",
            bearer: support_analyst.bearer(),
            expect: supporting,
        },
        Case {
            who: "global analyst",
            bearer: global_analyst.bearer(),
            expect: ALLOWED,
        },
        Case {
            who: "reviewer (agencies do not limit)",
            bearer: reviewer.bearer(),
            expect: ALLOWED,
        },
        Case {
            who: "admin",
            bearer: admin_user.bearer(),
            expect: ALLOWED,
        },
        Case {
            who: "read token of an admin",
            bearer: read_token,
            expect: FORBIDDEN,
        },
        Case {
            who: "write token of the lead's analyst",
            bearer: lead_write_token,
            expect: ALLOWED,
        },
        Case {
            who: "write token of another agency's analyst",
            bearer: other_write_token,
            expect: FORBIDDEN,
        },
        Case {
            who: "revoked token",
            bearer: revoked_token,
            expect: UNAUTHORIZED,
        },
        Case {
            who: "expired token",
            bearer: expired_token,
            expect: UNAUTHORIZED,
        },
        Case {
            who: "token of a disabled owner",
            bearer: leaver_token,
            expect: UNAUTHORIZED,
        },
    ];
    for (n, case) in cases.iter().enumerate() {
        let (rec, milestone) = target(&app, &admin, &format!("ACC-{n}")).await;
        for (write, expected) in WRITES.iter().zip(case.expect) {
            let before = app.write_fingerprint().await;
            let (status, body) = attempt(&app, &case.bearer, write, &rec, &milestone).await;
            assert_eq!(status, expected, "{write} by {}: {body}", case.who);
            if expected >= 400 {
                assert_eq!(
                    app.write_fingerprint().await,
                    before,
                    "{write} refused to {} left a trace",
                    case.who
                );
                assert_eq!(
                    body["status"], expected,
                    "{write} by {}: problem+json",
                    case.who
                );
            }
            if expected == 403 && case.who.contains("agency") && !case.who.contains("read") {
                let detail = body["detail"].as_str().unwrap_or_default();
                assert!(detail.contains(LEAD), "{write} by {}: {detail}", case.who);
            }
        }
    }
}

#[actix_web::test]
async fn mine_lists_what_the_callers_agencies_lead_support_or_own() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (rec, milestone) = target(&app, &admin, "MINE-1").await;
    let rec_id = rec.rsplit('/').next().expect("id").to_owned();
    let milestone_id = milestone.rsplit('/').next().expect("id").to_owned();
    let supporter = app.create_member(Role::Analyst, &[SUPPORT]).await;
    let outsider = app.create_member(Role::Analyst, &[UNRELATED]).await;
    let ids = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["id"].as_str().expect("id").to_owned())
            .collect()
    };
    let mine = |user: &TestUser, path: &str| {
        let (app, bearer, path) = (&app, user.bearer(), path.to_owned());
        async move {
            app.get_with(&path, &[("Authorization", &bearer)])
                .await
                .json()
        }
    };
    let supported = ids(mine(&supporter, "/api/v1/recommendations?mine=true&limit=200").await);
    assert!(supported.contains(&rec_id), "{supported:?}");
    let outside = ids(mine(&outsider, "/api/v1/recommendations?mine=true&limit=200").await);
    assert!(!outside.contains(&rec_id), "{outside:?}");
    // The same URL answers each caller with their own list, cache or no cache.
    let again = ids(mine(&supporter, "/api/v1/recommendations?mine=true&limit=200").await);
    assert_eq!(again, supported);
    let lead = app.create_member(Role::Analyst, &[LEAD]).await;
    let led = ids(mine(&lead, "/api/v1/milestones?mine=true&limit=200").await);
    assert!(led.contains(&milestone_id), "{led:?}");
    // A supporting agency does not own the lead's milestone.
    let not_supporter = ids(mine(&supporter, "/api/v1/milestones?mine=true&limit=200").await);
    assert!(!not_supporter.contains(&milestone_id));
    app.get("/api/v1/recommendations?mine=true")
        .await
        .assert_problem(422);
}

#[actix_web::test]
async fn tokens_are_shown_once_stored_as_hashes_and_capped_by_their_report() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Admin).await;
    let (bearer, id) = app
        .machine_token(&owner, json!({"name": "Power BI", "access": "read"}))
        .await;
    let token = bearer.trim_start_matches("Bearer ").to_owned();
    // Only the SHA-256 is kept: not the token, nothing it could be read back from.
    let stored = app
        .query_text(&format!(
            "SELECT encode(token_hash, 'hex') FROM api_tokens WHERE id = '{id}'"
        ))
        .await;
    use sha2::Digest;
    let expected: String = sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(stored, expected);
    for table in ["api_tokens", "audit_events", "events"] {
        let dump = app
            .query_text(&format!(
                "SELECT COALESCE(string_agg(t::text, ' '), '') FROM {table} t"
            ))
            .await;
        assert!(!dump.contains(&token), "the token is stored in {table}");
    }
    let listed = app
        .get_with("/api/v1/tokens", &[("Authorization", &owner.bearer())])
        .await;
    assert_eq!(listed.status, 200);
    assert!(!String::from_utf8_lossy(&listed.body).contains(&token));
    assert_eq!(listed.json()["items"][0]["id"], id);
    // The token reads as its owner, and a machine token cannot make more tokens.
    let me = app
        .get_with("/api/v1/auth/me", &[("Authorization", &bearer)])
        .await;
    assert_eq!(me.json()["email"], owner.email);
    let before = app.write_fingerprint().await;
    app.send_json(
        "POST",
        "/api/v1/tokens",
        &[("Authorization", &bearer)],
        &json!({"name": "more", "access": "read"}),
    )
    .await
    .assert_problem(403);
    assert_eq!(app.write_fingerprint().await, before);
    // last_used_at is written after use.
    let mut used = String::new();
    for _ in 0..50 {
        used = app
            .query_text(&format!(
                "SELECT COALESCE(last_used_at::text, '') FROM api_tokens WHERE id = '{id}'"
            ))
            .await;
        if !used.is_empty() {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(!used.is_empty(), "last_used_at was not recorded");
    // Bad settings are 422 and create nothing.
    let before = app.write_fingerprint().await;
    for body in [
        json!({"name": "", "access": "read"}),
        json!({"name": "x", "access": "admin"}),
        json!({"name": "x", "access": "read", "expires_on": "2000-01-01"}),
        json!({"name": "x", "access": "read", "expires_on": "2999-01-01"}),
        json!({"name": "x", "access": "read", "report": uuid::Uuid::new_v4()}),
    ] {
        let refused = app
            .send_json(
                "POST",
                "/api/v1/tokens",
                &[("Authorization", &owner.bearer())],
                &body,
            )
            .await;
        assert_eq!(refused.status, 422, "{body}");
    }
    assert_eq!(app.write_fingerprint().await, before);
    // Another person cannot see or revoke the token; its owner can.
    let stranger = app.create_user(Role::Analyst).await;
    let theirs = app
        .get_with("/api/v1/tokens", &[("Authorization", &stranger.bearer())])
        .await
        .json();
    assert_eq!(theirs["items"].as_array().map(Vec::len), Some(0));
    let before = app.write_fingerprint().await;
    app.send_raw(
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        &[("Authorization", &stranger.bearer())],
        None,
    )
    .await
    .assert_problem(404);
    assert_eq!(app.write_fingerprint().await, before);
    // An unknown agency in a user's agencies: 422, nothing written.
    let admin = app.admin().await;
    let user_path = format!("/api/v1/users/{}", stranger.id);
    let etag = app
        .get_with(&user_path, &[("Authorization", &admin)])
        .await
        .header("etag")
        .expect("etag");
    let before = app.write_fingerprint().await;
    app.send_json(
        "PATCH",
        &user_path,
        &[("Authorization", &admin), ("If-Match", &etag)],
        &json!({"agency_ids": [uuid::Uuid::new_v4()]}),
    )
    .await
    .assert_problem(422);
    assert_eq!(app.write_fingerprint().await, before);
    assert_eq!(
        app.get_with("/api/v1/auth/me", &[("Authorization", &bearer)])
            .await
            .status,
        200
    );

    // A token limited to one report writes nowhere else.
    let analyst = app.create_user(Role::Analyst).await;
    let other = app
        .send_json(
            "POST",
            "/api/v1/reports",
            &[("Authorization", &admin)],
            &json!({"slug": "other-report", "title": "Other", "publisher": "P", "categories": [{"slug": "a", "name": "A"}]}),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("report")
        .to_owned();
    let (capped, _) = app
        .machine_token(
            &analyst,
            json!({"name": "other only", "access": "write", "report": other}),
        )
        .await;
    let (rec, etag) = app.recommendation("POL-1").await;
    let before = app.write_fingerprint().await;
    let refused = app
        .send_json(
            "POST",
            &format!("/api/v1/recommendations/{rec}/status"),
            &[("Authorization", &capped), ("If-Match", &etag)],
            &json!({"status": "in_progress", "note": "x"}),
        )
        .await;
    refused.assert_problem(403);
    assert_eq!(app.write_fingerprint().await, before);
}

#[actix_web::test]
async fn revocation_reaches_a_second_instance_within_the_cache_window() {
    let first = spawn_app().await;
    let second =
        crate::helpers::spawn_app_on(first.db_url.clone(), crate::helpers::test_config()).await;
    let owner = first.create_user(Role::Viewer).await;
    let (bearer, id) = first
        .machine_token(&owner, json!({"name": "dashboard", "access": "read"}))
        .await;
    for _ in 0..3 {
        let read = second
            .get_with(
                "/api/v1/recommendations?limit=1",
                &[("Authorization", &bearer)],
            )
            .await;
        assert_eq!(read.status, 200);
    }
    let revoked_at = std::time::Instant::now();
    let revoked = first
        .send_raw(
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            &[("Authorization", &owner.bearer())],
            None,
        )
        .await;
    assert_eq!(revoked.status, 204);
    // At once where it was revoked.
    let here = first
        .get_with(
            "/api/v1/recommendations?limit=1",
            &[("Authorization", &bearer)],
        )
        .await;
    assert_eq!(here.status, 401);
    loop {
        let there = second
            .get_with(
                "/api/v1/recommendations?limit=1",
                &[("Authorization", &bearer)],
            )
            .await;
        if there.status == 401 {
            break;
        }
        assert_eq!(there.status, 200);
        assert!(
            revoked_at.elapsed() < std::time::Duration::from_secs(2),
            "the second instance still accepts a revoked token"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// An admin-level write for the token matrix: method, path, body, and the path whose ETag
/// If-Match needs.
struct AdminWrite {
    name: &'static str,
    method: &'static str,
    path: String,
    body: Value,
    etag_from: Option<String>,
}

async fn send_admin_write(app: &TestApp, bearer: &str, write: &AdminWrite) -> (u16, Value) {
    let etag = match &write.etag_from {
        Some(path) => app
            .get_with(path, &[("Authorization", bearer)])
            .await
            .header("etag"),
        None => None,
    };
    let mut headers = vec![("Authorization", bearer)];
    if let Some(etag) = etag.as_deref() {
        headers.push(("If-Match", etag));
    }
    let response = app
        .send_json(write.method, &write.path, &headers, &write.body)
        .await;
    let body = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    (response.status, body)
}

#[actix_web::test]
async fn machine_tokens_are_capped_by_access_and_report_on_every_admin_write() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Admin).await;
    let target = app.create_user(Role::Viewer).await;
    let report = app.get("/api/v1/reports").await.json()["items"][0]["id"]
        .as_str()
        .expect("report")
        .to_owned();
    let agency = app.agency_id(LEAD).await;
    let (read, _) = app
        .machine_token(&owner, json!({"name": "read", "access": "read"}))
        .await;
    let (capped, _) = app
        .machine_token(
            &owner,
            json!({"name": "one report", "access": "write", "report": report}),
        )
        .await;
    let (revoked, revoked_id) = app
        .machine_token(&owner, json!({"name": "gone", "access": "write"}))
        .await;
    let gone = app
        .send_raw(
            "DELETE",
            &format!("/api/v1/tokens/{revoked_id}"),
            &[("Authorization", &owner.bearer())],
            None,
        )
        .await;
    assert_eq!(gone.status, 204);
    let (write, _) = app
        .machine_token(&owner, json!({"name": "write", "access": "write"}))
        .await;
    let writes = |n: usize| {
        vec![
            AdminWrite {
                name: "create_agency",
                method: "POST",
                path: "/api/v1/agencies".into(),
                body: json!({"code": format!("KR-T{n}"), "name": "Token test agency", "country": "KR"}),
                etag_from: None,
            },
            AdminWrite {
                name: "update_agency",
                method: "PATCH",
                path: format!("/api/v1/agencies/{agency}"),
                body: json!({"name": format!("U.S. Department of State {n}")}),
                etag_from: Some(format!("/api/v1/agencies/{agency}")),
            },
            AdminWrite {
                name: "create_report",
                method: "POST",
                path: "/api/v1/reports".into(),
                body: json!({"slug": format!("token-report-{n}"), "title": "T", "publisher": "P"}),
                etag_from: None,
            },
            AdminWrite {
                name: "update_report",
                method: "PATCH",
                path: format!("/api/v1/reports/{report}"),
                body: json!({"summary": format!("Summary {n}")}),
                etag_from: Some(format!("/api/v1/reports/{report}")),
            },
            AdminWrite {
                name: "create_report_recommendation",
                method: "POST",
                path: format!("/api/v1/reports/{report}/recommendations"),
                body: json!({"code": format!("TOK-{n}"), "title": "New", "text": "Body", "category": "political"}),
                etag_from: None,
            },
            AdminWrite {
                name: "create_user",
                method: "POST",
                path: "/api/v1/users".into(),
                body: json!({"email": format!("token-{n}@example.org"), "role": "viewer", "password": "long enough password"}),
                etag_from: None,
            },
            AdminWrite {
                name: "update_user",
                method: "PATCH",
                path: format!("/api/v1/users/{}", target.id),
                body: json!({"agency_ids": [agency]}),
                etag_from: Some(format!("/api/v1/users/{}", target.id)),
            },
            AdminWrite {
                name: "create_machine_token",
                method: "POST",
                path: "/api/v1/tokens".into(),
                body: json!({"name": "from a token", "access": "read"}),
                etag_from: None,
            },
        ]
    };
    for (n, (who, bearer, refused)) in [
        ("read token", &read, Some(403)),
        ("token limited to one report", &capped, Some(403)),
        ("revoked token", &revoked, Some(401)),
        ("write token", &write, None),
    ]
    .into_iter()
    .enumerate()
    {
        for w in writes(n) {
            let before = app.write_fingerprint().await;
            let tokens = app.count("api_tokens").await;
            let (status, body) = send_admin_write(&app, bearer, &w).await;
            match refused {
                Some(code) => {
                    assert_eq!(status, code, "{} with a {who}: {body}", w.name);
                    assert_eq!(
                        app.write_fingerprint().await,
                        before,
                        "{} left a trace",
                        w.name
                    );
                    assert_eq!(app.count("api_tokens").await, tokens);
                }
                // A token never makes tokens; everything else a write token of an admin may.
                None if w.name == "create_machine_token" => {
                    assert_eq!(status, 403, "{}: {body}", w.name);
                    assert_eq!(app.count("api_tokens").await, tokens);
                }
                None => assert!(status < 300, "{} with a {who}: {status} {body}", w.name),
            }
        }
    }
    // Events made through a token say so.
    let mut kinds = Vec::new();
    for _ in 0..100 {
        kinds = app
            .get("/api/v1/events?type=agency.created&limit=200")
            .await
            .json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| e["actor"]["kind"].as_str().unwrap_or_default().to_owned())
            .collect();
        if kinds.iter().any(|k| k == "token") {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(kinds.iter().any(|k| k == "token"), "{kinds:?}");
}
