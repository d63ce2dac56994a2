//! The event log: every write's event in its own transaction, check-ins, reasons on edits,
//! and a feed no reader can overtake.

use crate::helpers::{TestApp, TestUser, spawn_app};
use policytrack::domain::Role;
use serde_json::{Value, json};

async fn send(
    app: &TestApp,
    user: &TestUser,
    method: &str,
    path: &str,
    etag: Option<&str>,
    body: Value,
) -> crate::helpers::TestResponse {
    let bearer = user.bearer();
    let mut headers = vec![("Authorization", bearer.as_str())];
    if let Some(etag) = etag {
        headers.push(("If-Match", etag));
    }
    app.send_json(method, path, &headers, &body).await
}

/// Every event of the feed from the start, following `next_cursor`, until `expected` have
/// come. A transaction still open anywhere on the cluster (other tests' databases too) holds
/// newer events back for its duration, so an empty page may only mean "not yet".
async fn feed(app: &TestApp, query: &str, expected: usize) -> Vec<Value> {
    let mut events = Vec::new();
    let mut after: Option<String> = None;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let mut path = format!("/api/v1/events?limit=50{query}");
        if let Some(cursor) = &after {
            path.push_str(&format!("&after={cursor}"));
        }
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
        let body = page.json();
        let items = body["items"].as_array().expect("items").clone();
        after = Some(
            body["next_cursor"]
                .as_str()
                .expect("next_cursor is always there")
                .to_owned(),
        );
        if items.is_empty() && events.len() >= expected {
            return events;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of {expected} events came",
            events.len()
        );
        if items.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        events.extend(items);
    }
}

/// The events after `cursor` (a full path with `after=` or none), polled until `expected`
/// have come (see `feed`).
async fn events_after(app: &TestApp, path: &str, expected: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let body = app.get(path).await.json();
        let items = body["items"].as_array().expect("items").clone();
        if items.len() >= expected {
            return items;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of {expected} events came",
            items.len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default())
        .collect()
}

#[actix_web::test]
async fn every_write_records_its_event_with_actor_report_and_representation() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await;
    let (id, etag) = app.recommendation("POL-1").await;
    let changed = send(
        &app,
        &admin,
        "POST",
        &format!("/api/v1/recommendations/{id}/status"),
        Some(&etag),
        json!({"status": "in_progress", "health": "on_track", "note": "Working group formed."}),
    )
    .await;
    assert_eq!(changed.status, 200);
    let etag = changed.header("etag").expect("etag");
    let checked = send(
        &app,
        &admin,
        "POST",
        &format!("/api/v1/recommendations/{id}/check-ins"),
        Some(&etag),
        json!({"note": "Missed its meeting.", "health": "at_risk"}),
    )
    .await;
    assert_eq!(
        checked.status,
        201,
        "{}",
        String::from_utf8_lossy(&checked.body)
    );
    let etag = checked
        .header("etag")
        .expect("the recommendation's new etag");
    let kasa = app.agency_id("KR-KASA").await;
    let edited = send(&app, &admin, "PATCH", &format!("/api/v1/recommendations/{id}"), Some(&etag),
        json!({"lead_agency_id": kasa, "priority": "high", "reason": "KASA leads space policy now."})).await;
    assert_eq!(edited.status, 200);
    let milestone = send(
        &app,
        &admin,
        "POST",
        &format!("/api/v1/recommendations/{id}/milestones"),
        None,
        json!({"title": "First dialogue", "due_on": "2027-03-31"}),
    )
    .await;
    assert_eq!(milestone.status, 201);
    let milestone_id = milestone.json()["id"].as_str().expect("id").to_owned();
    let done = send(
        &app,
        &admin,
        "PATCH",
        &format!("/api/v1/milestones/{milestone_id}"),
        milestone.header("etag").as_deref(),
        json!({"status": "done", "completed_on": "2026-11-30"}),
    )
    .await;
    assert_eq!(done.status, 200);
    let removed = send(
        &app,
        &admin,
        "DELETE",
        &format!("/api/v1/milestones/{milestone_id}"),
        done.header("etag").as_deref(),
        json!({}),
    )
    .await;
    assert_eq!(removed.status, 204);
    let agency = send(&app, &admin, "POST", "/api/v1/agencies", None,
        json!({"code": "KR-MOTIE", "name": "Ministry of Trade, Industry and Energy", "country": "KR"})).await;
    assert_eq!(agency.status, 201);
    let report = send(&app, &admin, "POST", "/api/v1/reports", None,
        json!({"slug": "gao-24-1", "title": "A GAO report", "publisher": "GAO", "categories": [{"slug": "acq", "name": "Acquisition"}]})).await;
    assert_eq!(report.status, 201);
    let report_id = report.json()["id"].as_str().expect("id").to_owned();
    let added = send(
        &app,
        &admin,
        "POST",
        &format!("/api/v1/reports/{report_id}/recommendations"),
        None,
        json!({"code": "REC-1", "title": "Do it", "text": "", "category": "acq"}),
    )
    .await;
    assert_eq!(added.status, 201);

    let events = feed(&app, "", 9).await;
    assert_eq!(
        types(&events),
        [
            "recommendation.status_changed",
            "recommendation.checked_in",
            "recommendation.updated",
            "milestone.created",
            "milestone.completed",
            "milestone.deleted",
            "agency.created",
            "report.created",
            "recommendation.created",
        ]
    );
    for event in &events {
        assert_eq!(
            event["actor"],
            json!({"kind": "user", "id": admin.id, "email": admin.email})
        );
    }
    let status = &events[0];
    assert_eq!(status["recommendation_id"], id);
    assert!(status["report_id"].is_string());
    assert_eq!(status["data"]["recommendation"]["status"], "in_progress");
    assert_eq!(
        status["data"]["status_change"]["note"],
        "Working group formed."
    );
    assert_eq!(events[1]["data"]["check_in"]["health"], "at_risk");
    assert_eq!(events[1]["data"]["recommendation"]["health"], "at_risk");
    let update = &events[2]["data"];
    assert_eq!(update["reason"], "KASA leads space policy now.");
    assert_eq!(
        update["changes"]["lead_agency"],
        json!({"from": null, "to": "KR-KASA"})
    );
    assert_eq!(
        update["changes"]["priority"],
        json!({"from": null, "to": "high"})
    );
    assert!(
        update["changes"].get("title").is_none(),
        "an unchanged field is no change"
    );
    assert_eq!(events[4]["data"]["status"], "done");
    assert_eq!(events[5]["data"]["id"], milestone_id);
    assert_eq!(events[6]["data"]["code"], "KR-MOTIE");
    assert_eq!(events[7]["report_id"], report_id);
    assert_eq!(events[8]["data"]["code"], "REC-1");

    // The recommendation's own events, newest first.
    let own = app
        .get(&format!("/api/v1/recommendations/{id}/events"))
        .await
        .json();
    assert_eq!(
        types(own["items"].as_array().expect("items")),
        [
            "milestone.deleted",
            "milestone.completed",
            "milestone.created",
            "recommendation.updated",
            "recommendation.checked_in",
            "recommendation.status_changed",
        ]
    );
    // Filters.
    let only = feed(&app, "&type=milestone.created,milestone.deleted", 2).await;
    assert_eq!(types(&only), ["milestone.created", "milestone.deleted"]);
    assert_eq!(
        feed(&app, &format!("&report={report_id}"), 2).await.len(),
        2
    );
    assert_eq!(feed(&app, "&report=gao-24-1", 2).await.len(), 2);
    assert_eq!(
        feed(&app, &format!("&recommendation={id}"), 6).await.len(),
        6
    );
}

#[actix_web::test]
async fn after_latest_starts_at_the_end_and_next_cursor_is_always_there() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let empty = app.get("/api/v1/events").await.json();
    assert_eq!(empty["items"], json!([]));
    let start = empty["next_cursor"]
        .as_str()
        .expect("a cursor even with no event")
        .to_owned();
    let (id, etag) = app.recommendation("DEF-2").await;
    let changed = send(
        &app,
        &analyst,
        "POST",
        &format!("/api/v1/recommendations/{id}/status"),
        Some(&etag),
        json!({"status": "not_started", "note": "Assessed."}),
    )
    .await;
    assert_eq!(changed.status, 200);
    let from_start = events_after(&app, &format!("/api/v1/events?after={start}"), 1).await;
    assert_eq!(types(&from_start), ["recommendation.status_changed"]);
    // Once it shows, `latest` is after it.
    let latest = app.get("/api/v1/events?after=latest").await.json();
    assert_eq!(latest["items"], json!([]));
    let cursor = latest["next_cursor"].as_str().expect("cursor");
    let etag = changed.header("etag").expect("etag");
    send(
        &app,
        &analyst,
        "POST",
        &format!("/api/v1/recommendations/{id}/check-ins"),
        Some(&etag),
        json!({"note": "Budget request filed."}),
    )
    .await;
    let next = events_after(&app, &format!("/api/v1/events?after={cursor}"), 1).await;
    assert_eq!(types(&next), ["recommendation.checked_in"]);
    app.get("/api/v1/events?after=nonsense")
        .await
        .assert_problem(422);
    app.get("/api/v1/events?type=recommendation.exploded")
        .await
        .assert_problem(422);
}

#[actix_web::test]
async fn a_change_whose_event_cannot_be_stored_is_not_made() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let (id, etag) = app.recommendation("TECH-2").await;
    {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = app.pool.get().await.expect("conn");
        conn.batch_execute(
            "CREATE FUNCTION fail_event() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'event store broken'; END $$; \
             CREATE TRIGGER fail_event BEFORE INSERT ON events \
             FOR EACH ROW EXECUTE FUNCTION fail_event();",
        )
        .await
        .expect("install failing trigger");
    }
    let status = send(
        &app,
        &analyst,
        "POST",
        &format!("/api/v1/recommendations/{id}/status"),
        Some(&etag),
        json!({"status": "in_progress", "note": "x"}),
    )
    .await;
    status.assert_problem(500);
    let check_in = send(
        &app,
        &analyst,
        "POST",
        &format!("/api/v1/recommendations/{id}/check-ins"),
        Some(&etag),
        json!({"note": "x"}),
    )
    .await;
    check_in.assert_problem(500);
    let current = app
        .get(&format!("/api/v1/recommendations/{id}"))
        .await
        .json();
    assert_eq!(
        (current["status"].clone(), current["version"].clone()),
        (json!("not_assessed"), json!(1))
    );
    assert_eq!(app.count("status_changes").await, 0);
    assert_eq!(app.count("check_ins").await, 0);
    assert_eq!(
        app.count("audit_events WHERE action IN ('change_status', 'check_in')")
            .await,
        0
    );
}

#[actix_web::test]
async fn check_ins_keep_a_dated_note_change_health_alone_and_end_staleness() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let viewer = app.create_user(Role::Viewer).await;
    let (id, etag) = app.recommendation("COM-1").await;
    let path = format!("/api/v1/recommendations/{id}/check-ins");
    let untouched = app.write_fingerprint().await;
    // Not yet assessed: a note is fine, a health is not.
    send(
        &app,
        &analyst,
        "POST",
        &path,
        Some(&etag),
        json!({"note": "x", "health": "at_risk"}),
    )
    .await
    .assert_problem(422);
    // Months without news make it stale; a check-in ends that.
    {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = app.pool.get().await.expect("conn");
        conn.batch_execute(&format!(
            "UPDATE recommendations SET created_at = now() - interval '200 days' WHERE id = '{id}'"
        ))
        .await
        .expect("age the recommendation");
    }
    assert_eq!(
        app.write_fingerprint().await,
        untouched,
        "a refusal changed something"
    );
    let (_, etag) = app.recommendation("COM-1").await;
    let before = app
        .get(&format!("/api/v1/recommendations/{id}"))
        .await
        .json();
    assert_eq!(before["stale"], true);
    for (user, tag, status) in [
        (&viewer, Some(etag.as_str()), 403),
        (&analyst, None, 428),
        (&analyst, Some("\"v99.1\""), 412),
    ] {
        send(&app, user, "POST", &path, tag, json!({"note": "x"}))
            .await
            .assert_problem(status);
    }
    send(
        &app,
        &analyst,
        "POST",
        &path,
        Some(&etag),
        json!({"note": "x", "as_of": "2999-01-01"}),
    )
    .await
    .assert_problem(422);
    send(
        &app,
        &analyst,
        "POST",
        &path,
        Some(&etag),
        json!({"note": "   "}),
    )
    .await
    .assert_problem(422);
    assert_eq!(
        app.count("check_ins").await,
        0,
        "a refused check-in was kept"
    );
    assert_eq!(
        app.write_fingerprint().await,
        untouched,
        "a refused check-in left a trace (audit, event, version)"
    );
    let posted = send(&app, &analyst, "POST", &path, Some(&etag),
        json!({"note": "Industry roundtable held.", "evidence_urls": ["https://example.org/roundtable"], "as_of": "2026-11-20"})).await;
    assert_eq!(
        posted.status,
        201,
        "{}",
        String::from_utf8_lossy(&posted.body)
    );
    let body = posted.json();
    assert_eq!(body["note"], "Industry roundtable held.");
    assert_eq!(body["as_of"], "2026-11-20");
    assert_eq!(body["actor"], analyst.email);
    let new_etag = posted.header("etag").expect("etag");
    assert_ne!(new_etag, etag);
    let after = app.get(&format!("/api/v1/recommendations/{id}")).await;
    assert_eq!(after.header("etag").as_deref(), Some(new_etag.as_str()));
    assert_eq!(after.json()["stale"], false);
    assert_eq!(
        after.json()["status"],
        "not_assessed",
        "a check-in changes no status"
    );

    // Health alone: in progress, now at risk.
    let moved = send(
        &app,
        &analyst,
        "POST",
        &format!("/api/v1/recommendations/{id}/status"),
        Some(&new_etag),
        json!({"status": "in_progress", "health": "on_track", "note": "Started."}),
    )
    .await;
    let etag = moved.header("etag").expect("etag");
    let risk = send(&app, &analyst, "POST", &path, Some(&etag),
        json!({"note": "Still in progress, now at risk: the working group missed its meeting.", "health": "at_risk"})).await;
    assert_eq!(risk.status, 201);
    let now = app
        .get(&format!("/api/v1/recommendations/{id}"))
        .await
        .json();
    assert_eq!(
        (now["status"].clone(), now["health"].clone()),
        (json!("in_progress"), json!("at_risk"))
    );
    assert_eq!(app.count("status_changes").await, 1);

    let list = app.get(&format!("{path}?limit=1")).await;
    assert_eq!(list.status, 200);
    let first = list.json();
    assert_eq!(first["items"][0]["health"], "at_risk", "newest first");
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = app
        .get(&format!("{path}?limit=1&cursor={cursor}"))
        .await
        .json();
    assert_eq!(second["items"][0]["note"], "Industry roundtable held.");
    app.get(&format!(
        "/api/v1/recommendations/{}/check-ins",
        uuid::Uuid::new_v4()
    ))
    .await
    .assert_problem(404);
}

/// A transaction that began first but commits last: the feed must not go past it.
#[actix_web::test]
async fn no_reader_passes_an_event_that_commits_later_with_an_earlier_position() {
    use diesel_async::SimpleAsyncConnection;
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let mut slow = policytrack::db::connect(&app.db_url)
        .await
        .expect("connect");
    slow.batch_execute(
        "BEGIN; INSERT INTO events (type, actor_kind, data) \
         VALUES ('agency.updated', 'system', '{\"slow\": true}')",
    )
    .await
    .expect("an open transaction with an event");
    let (id, etag) = app.recommendation("POL-2").await;
    let changed = send(
        &app,
        &analyst,
        "POST",
        &format!("/api/v1/recommendations/{id}/status"),
        Some(&etag),
        json!({"status": "not_started", "note": "Assessed."}),
    )
    .await;
    assert_eq!(changed.status, 200);
    let while_open = app.get("/api/v1/events").await.json();
    assert_eq!(
        while_open["items"],
        json!([]),
        "the newer event is held back while the older transaction is open"
    );
    let cursor = while_open["next_cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    slow.batch_execute("COMMIT").await.expect("commit");
    let items = events_after(&app, &format!("/api/v1/events?after={cursor}"), 2).await;
    assert_eq!(
        types(&items),
        ["agency.updated", "recommendation.status_changed"]
    );
    assert_eq!(items[0]["data"]["slow"], true);
}

#[actix_web::test]
async fn many_writers_and_one_reader_see_each_event_once_in_table_order() {
    let app = spawn_app().await;
    let analyst = app.create_user(Role::Analyst).await;
    let codes = [
        "POL-3", "POL-4", "POL-5", "POL-6", "DEF-1", "DEF-3", "TECH-3", "COM-2",
    ];
    let mut reader_seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    let read = async |cursor: &mut Option<String>, seen: &mut Vec<String>| {
        let path = match cursor {
            Some(c) => format!("/api/v1/events?limit=200&after={c}"),
            None => "/api/v1/events?limit=200".to_owned(),
        };
        let body = app.get(&path).await.json();
        for item in body["items"].as_array().expect("items") {
            seen.push(item["id"].as_str().expect("id").to_owned());
        }
        *cursor = Some(body["next_cursor"].as_str().expect("cursor").to_owned());
    };
    let writers = codes.iter().map(|code| {
        let (app, analyst) = (&app, &analyst);
        async move {
            let (id, mut etag) = app.recommendation(code).await;
            for round in 0..6 {
                let response = send(
                    app,
                    analyst,
                    "POST",
                    &format!("/api/v1/recommendations/{id}/check-ins"),
                    Some(&etag),
                    json!({"note": format!("round {round}")}),
                )
                .await;
                assert_eq!(response.status, 201);
                etag = response.header("etag").expect("etag");
            }
        }
    });
    let all_written = futures_util::future::join_all(writers);
    tokio::pin!(all_written);
    loop {
        tokio::select! {
            _ = &mut all_written => break,
            _ = read(&mut cursor, &mut reader_seen) => {}
        }
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while reader_seen.len() < codes.len() * 6 && std::time::Instant::now() < deadline {
        read(&mut cursor, &mut reader_seen).await;
    }
    read(&mut cursor, &mut reader_seen).await;
    let table: Vec<String> = {
        use diesel_async::RunQueryDsl;
        let mut conn = app.pool.get().await.expect("conn");
        diesel::sql_query("SELECT id::text AS id FROM events ORDER BY tx, seq")
            .load::<Id>(&mut conn)
            .await
            .expect("events")
            .into_iter()
            .map(|row| row.id)
            .collect()
    };
    assert_eq!(table.len(), codes.len() * 6);
    assert_eq!(
        reader_seen, table,
        "the reader skipped, repeated or reordered an event"
    );
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}
