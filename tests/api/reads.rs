//! The read API: filters, sorts, paging, embeds, CSV, stats, timeline, CORS.

use crate::fixture::{add_milestone, populate};
use crate::helpers::{TestApp, clone_template, spawn_app, spawn_app_on, test_config};
use serde_json::{Value, json};
use std::collections::HashSet;

async fn codes(app: &TestApp, query: &str) -> Vec<String> {
    let response = app
        .get(&format!("/api/v1/recommendations?limit=200&{query}"))
        .await;
    assert_eq!(
        response.status,
        200,
        "{query}: {}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["code"].as_str().expect("code").to_owned())
        .collect()
}

#[actix_web::test]
async fn every_filter_selects_the_right_rows() {
    let app = spawn_app().await;
    let before_changes = chrono::Utc::now();
    populate(&app).await;
    let dos = app.agency_id("US-DOS").await;
    let cases: Vec<(String, Vec<&str>)> = vec![
        ("lead_agency=US-DOS".into(), vec!["POL-1"]),
        (format!("lead_agency={dos}"), vec!["POL-1"]),
        ("agency=KR-MND".into(), vec!["DEF-1"]),
        ("agency=us-dos".into(), vec!["POL-1"]),
        ("country=KR".into(), vec!["POL-1", "DEF-1", "TECH-1"]),
        ("country=jp".into(), vec!["COM-2"]),
        ("priority=high,critical".into(), vec!["POL-1", "DEF-1"]),
        ("health=on_track".into(), vec!["POL-1"]),
        ("status=in_progress,stalled".into(), vec!["POL-1", "DEF-1"]),
        ("overdue=true".into(), vec!["POL-1"]),
        ("target_before=2027-01-01".into(), vec!["DEF-1"]),
        ("target_after=2027-01-01".into(), vec!["POL-1"]),
        (
            "category=technological&status=implemented".into(),
            vec!["TECH-1"],
        ),
        (
            "report=charting-a-path-in-the-uncharted-domain&category=commercial".into(),
            vec!["COM-1", "COM-2"],
        ),
        ("q=situational%20awareness".into(), vec!["DEF-3"]),
    ];
    for (query, expected) in cases {
        assert_eq!(codes(&app, &query).await, expected, "{query}");
    }
    assert_eq!(codes(&app, "overdue=false").await.len(), 14);
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let query = format!("updated_since={}", urlencode(&future));
    assert!(codes(&app, &query).await.is_empty());
    let since = urlencode(&before_changes.to_rfc3339());
    assert_eq!(
        codes(&app, &format!("updated_since={since}")).await,
        ["POL-1", "DEF-1", "TECH-1", "COM-2"]
    );
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

#[actix_web::test]
async fn search_ranks_the_best_match_first() {
    let app = spawn_app().await;
    let found = codes(&app, "q=space%20cooperation").await;
    assert!(found.len() > 3, "{found:?}");
    let situational = codes(&app, "q=awareness%20OR%20situational%20OR%20space").await;
    assert_eq!(situational[0], "DEF-3", "{situational:?}");
    let by_code = codes(&app, "q=awareness%20OR%20space&sort=code").await;
    let mut sorted = by_code.clone();
    sorted.sort_by_key(|c| situational.iter().position(|s| s == c));
    assert_eq!(by_code.len(), situational.len());
}

#[actix_web::test]
async fn sorts_order_rows_and_every_sort_pages_without_gaps() {
    let app = spawn_app().await;
    populate(&app).await;
    let by_status = codes(&app, "sort=status").await;
    assert_eq!(&by_status[11..], ["COM-2", "POL-1", "DEF-1", "TECH-1"]);
    let by_target = codes(&app, "sort=target_on").await;
    assert_eq!(&by_target[..2], ["DEF-1", "POL-1"]);
    let newest = codes(&app, "sort=-updated_at").await;
    assert!(
        newest[..4]
            .iter()
            .all(|c| ["POL-1", "DEF-1", "TECH-1", "COM-2"].contains(&c.as_str())),
        "{newest:?}"
    );
    let reversed = codes(&app, "sort=-code").await;
    let mut forward = codes(&app, "").await;
    forward.reverse();
    assert_eq!(reversed, forward);
    for sort in [
        "code",
        "-code",
        "updated_at",
        "-updated_at",
        "status",
        "-status",
        "target_on",
        "-target_on",
    ] {
        let full = codes(&app, &format!("sort={sort}")).await;
        for limit in [1, 2, 4, 7] {
            let paged: Vec<String> = app
                .collect_field(
                    &format!("/api/v1/recommendations?sort={sort}"),
                    limit,
                    "code",
                )
                .await;
            assert_eq!(paged, full, "sort={sort} limit={limit}");
        }
    }
    let relevance: Vec<String> = app
        .collect_field(
            "/api/v1/recommendations?q=space%20OR%20cooperation%20OR%20defense",
            2,
            "code",
        )
        .await;
    assert_eq!(
        relevance,
        codes(&app, "q=space%20OR%20cooperation%20OR%20defense").await
    );
}

/// Relevance pages are cut from ids first: every filter must narrow the matches before the
/// page is cut, or a filtered page would come out short.
#[actix_web::test]
async fn relevance_pages_apply_every_filter_before_the_page_is_cut() {
    let app = spawn_app().await;
    populate(&app).await;
    let q = "q=space%20OR%20cooperation%20OR%20defense";
    let all = codes(&app, q).await;
    for filter in ["category=defense", "lead_agency=US-DOS"] {
        let filtered = codes(&app, &format!("{q}&{filter}")).await;
        assert!(
            !filtered.is_empty() && filtered.len() < all.len(),
            "{filter}: {filtered:?} of {all:?}"
        );
        let in_rank_order: Vec<&String> = all.iter().filter(|c| filtered.contains(c)).collect();
        assert_eq!(
            filtered.iter().collect::<Vec<_>>(),
            in_rank_order,
            "{filter}"
        );
        let paged: Vec<String> = app
            .collect_field(&format!("/api/v1/recommendations?{q}&{filter}"), 1, "code")
            .await;
        assert_eq!(paged, filtered, "{filter}");
    }
    let defense = codes(&app, &format!("{q}&category=defense")).await;
    assert!(defense.iter().all(|c| c.starts_with("DEF-")), "{defense:?}");
}

#[actix_web::test]
async fn a_cursor_from_another_sort_is_refused() {
    let app = spawn_app().await;
    let page = app
        .get("/api/v1/recommendations?limit=2&sort=updated_at")
        .await
        .json();
    let cursor = page["next_cursor"].as_str().expect("cursor");
    let response = app
        .get(&format!("/api/v1/recommendations?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(
        response.assert_problem(422)["errors"][0]["field"],
        "query.cursor"
    );
}

#[actix_web::test]
async fn paging_while_rows_are_added_never_repeats_or_skips_a_row() {
    let app = spawn_app().await;
    let admin = app.create_user(policytrack::domain::Role::Admin).await;
    let original: HashSet<String> = app
        .collect_field("/api/v1/recommendations", 200, "id")
        .await
        .into_iter()
        .collect();
    let report = app.get("/api/v1/reports").await.json()["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for limit in [2, 3, 5] {
        let mut seen: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        let mut added = 0;
        loop {
            let mut url = format!("/api/v1/recommendations?limit={limit}");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let page = app.get(&url).await.json();
            seen.extend(
                page["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .map(|r| r["id"].as_str().expect("id").to_owned()),
            );
            // Between pages, another client adds rows before and after the reading position.
            for position in [0, 1000 + added] {
                added += 1;
                let response = app
                    .send_json(
                        "POST",
                        &format!("/api/v1/reports/{report}/recommendations"),
                        &[("Authorization", &admin.bearer())],
                        &json!({"code": format!("NEW-{limit}-{added}"), "title": "Added while paging", "text": "", "category": "political", "position": position}),
                    )
                    .await;
                assert_eq!(response.status, 201);
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "limit {limit}: a row came twice");
        assert!(
            original.iter().all(|id| unique.contains(id)),
            "limit {limit}: a row was skipped"
        );
    }
}

#[actix_web::test]
async fn include_trims_and_extends_embeds() {
    let app = spawn_app().await;
    let fixture = populate(&app).await;
    let (id, _) = app.recommendation("POL-1").await;
    let lean = app
        .get(&format!("/api/v1/recommendations/{id}?include="))
        .await
        .json();
    assert!(lean.get("milestones").is_none() && lean.get("supporting_agencies").is_none());
    assert_eq!(lean["lead_agency"]["code"], "US-DOS");
    let full = app
        .get(&format!(
            "/api/v1/recommendations/{id}?include=milestones,history"
        ))
        .await
        .json();
    assert_eq!(full["milestones"].as_array().expect("milestones").len(), 2);
    assert_eq!(full["history"][0]["to_status"], "in_progress");
    assert!(full.get("latest_status_change").is_none());
    let default = app
        .get(&format!("/api/v1/recommendations/{id}"))
        .await
        .json();
    assert_eq!(default["latest_status_change"]["note"], "Started.");
    assert_eq!(default["overdue_milestone_count"], 1);
    assert_eq!(default["progress"], 50);
    let list = app
        .get("/api/v1/recommendations?include=milestones&lead_agency=US-DOS")
        .await
        .json();
    assert_eq!(
        list["items"][0]["milestones"]
            .as_array()
            .expect("milestones")
            .len(),
        2
    );
    let _ = fixture;
}

#[actix_web::test]
async fn a_recommendation_is_addressable_by_report_and_code() {
    let app = spawn_app().await;
    let (id, _) = app.recommendation("DEF-2").await;
    let by_slug = app
        .get("/api/v1/reports/charting-a-path-in-the-uncharted-domain/recommendations/DEF-2")
        .await;
    assert_eq!(by_slug.status, 200);
    assert_eq!(by_slug.json()["id"], id.as_str());
    let report = app.get("/api/v1/reports").await.json()["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let by_id = app
        .get(&format!("/api/v1/reports/{report}/recommendations/DEF-2"))
        .await;
    assert_eq!(by_id.json()["id"], id.as_str());
    app.get("/api/v1/reports/charting-a-path-in-the-uncharted-domain/recommendations/DEF-9")
        .await
        .assert_problem(404);
}

#[actix_web::test]
async fn history_pages_newest_first() {
    let app = spawn_app().await;
    let fixture = populate(&app).await;
    for (status, note) in [
        ("stalled", "Paused."),
        ("in_progress", "Resumed."),
        ("implemented", "Done."),
    ] {
        let body = if status == "implemented" {
            json!({"status": status, "note": note, "evidence_urls": ["https://example.org/x"]})
        } else {
            json!({"status": status, "note": note})
        };
        crate::fixture::set_status(&app, &fixture.analyst, "POL-1", body).await;
    }
    let (id, _) = app.recommendation("POL-1").await;
    let notes: Vec<String> = app
        .collect_field(&format!("/api/v1/recommendations/{id}/history"), 3, "note")
        .await;
    assert_eq!(notes, ["Done.", "Resumed.", "Paused.", "Started."]);
    app.get(&format!(
        "/api/v1/recommendations/{}/history",
        uuid::Uuid::new_v4()
    ))
    .await
    .assert_problem(404);
}

#[actix_web::test]
async fn milestones_list_filters_and_orders_by_due_date() {
    let app = spawn_app().await;
    let fixture = populate(&app).await;
    add_milestone(&app, &fixture.analyst, "COM-1", json!({"title": "Undated"})).await;
    let titles = |body: Value| -> Vec<String> {
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|m| m["title"].as_str().expect("t").to_owned())
            .collect()
    };
    let all = titles(app.get("/api/v1/milestones").await.json());
    assert_eq!(
        all,
        [
            "Joint statement follow-up",
            "Kick-off",
            "Exercise plan",
            "Undated"
        ]
    );
    let overdue = app.get("/api/v1/milestones?overdue=true").await.json();
    assert_eq!(titles(overdue.clone()), ["Joint statement follow-up"]);
    assert_eq!(overdue["items"][0]["recommendation_code"], "POL-1");
    assert_eq!(overdue["items"][0]["overdue"], true);
    assert_eq!(
        titles(app.get("/api/v1/milestones?status=done").await.json()),
        ["Kick-off"]
    );
    assert_eq!(
        titles(
            app.get("/api/v1/milestones?owner_agency=KR-MND")
                .await
                .json()
        ),
        ["Exercise plan"]
    );
    assert_eq!(
        titles(
            app.get("/api/v1/milestones?due_after=2025-01-01&due_before=2026-06-01")
                .await
                .json()
        ),
        ["Kick-off"]
    );
    assert_eq!(
        app.get("/api/v1/milestones?report=nope").await.json()["items"],
        json!([])
    );
    let paged: Vec<String> = app
        .collect_pages("/api/v1/milestones", 1)
        .await
        .iter()
        .map(|m| m["title"].as_str().expect("t").to_owned())
        .collect();
    assert_eq!(paged, all);
    app.get("/api/v1/milestones?status=late")
        .await
        .assert_problem(422);
    app.get("/api/v1/milestones?due_before=tomorrow")
        .await
        .assert_problem(422);
}

/// Splits RFC 4180 CSV into records of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    records
}

#[actix_web::test]
async fn csv_exports_quote_commas_quotes_newlines_and_keep_unicode() {
    let app = spawn_app().await;
    let fixture = populate(&app).await;
    let (id, etag) = app.recommendation("COM-1").await;
    let title = "Partners, \"trusted\" allies\nand 한국 우주항공청";
    let response = app
        .send_json(
            "PATCH",
            &format!("/api/v1/recommendations/{id}"),
            &[
                ("Authorization", &fixture.admin.bearer()),
                ("If-Match", &etag),
            ],
            &json!({"title": title}),
        )
        .await;
    assert_eq!(response.status, 200);
    let csv = app
        .get_with("/api/v1/recommendations", &[("Accept", "text/csv")])
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.content_type(), "text/csv; charset=utf-8");
    let text = String::from_utf8(csv.body.clone()).expect("utf-8");
    let records = parse_csv(&text);
    assert_eq!(records.len(), 16, "a header and 15 rows");
    let header = &records[0];
    assert_eq!(header[2], "code");
    let title_col = header
        .iter()
        .position(|h| h == "title")
        .expect("title column");
    let com1 = records.iter().find(|r| r[2] == "COM-1").expect("COM-1 row");
    assert_eq!(com1[title_col], title);
    assert!(records.iter().all(|r| r.len() == header.len()));
    let again = app
        .get("/api/v1/recommendations?format=csv&lead_agency=US-DOS")
        .await;
    let rows = parse_csv(&String::from_utf8(again.body).expect("utf-8"));
    assert_eq!(rows.len(), 2);
    let lead_col = rows[0]
        .iter()
        .position(|h| h == "lead_agency_code")
        .expect("col");
    assert_eq!(rows[1][lead_col], "US-DOS");
    let milestones = app.get("/api/v1/milestones?format=csv").await;
    assert_eq!(milestones.content_type(), "text/csv; charset=utf-8");
    assert_eq!(
        parse_csv(&String::from_utf8(milestones.body).expect("utf-8")).len(),
        4
    );
}

#[actix_web::test]
async fn stats_equal_the_counts_the_lists_give() {
    let app = spawn_app().await;
    populate(&app).await;
    let stats = app.get("/api/v1/stats").await.json();
    assert_eq!(stats["recommendations"], 15);
    for entry in stats["by_status"].as_array().expect("by_status") {
        let status = entry["status"].as_str().expect("status");
        let listed = codes(&app, &format!("status={status}")).await.len() as i64;
        assert_eq!(entry["count"].as_i64(), Some(listed), "{status}");
    }
    for entry in stats["by_category"].as_array().expect("by_category") {
        let slug = entry["category"]["slug"].as_str().expect("slug");
        let listed = codes(&app, &format!("category={slug}")).await.len() as i64;
        assert_eq!(entry["total"].as_i64(), Some(listed), "{slug}");
    }
    for entry in stats["by_lead_agency"].as_array().expect("by_lead_agency") {
        if let Some(code) = entry["agency"]["code"].as_str() {
            let listed = codes(&app, &format!("lead_agency={code}")).await.len() as i64;
            assert_eq!(entry["total"].as_i64(), Some(listed), "{code}");
        }
    }
    let unassigned = stats["by_lead_agency"]
        .as_array()
        .expect("agencies")
        .iter()
        .find(|a| a["agency"].is_null())
        .expect("unassigned");
    assert_eq!(unassigned["total"], 11);
    let us = stats["by_country"]
        .as_array()
        .expect("countries")
        .iter()
        .find(|c| c["country"] == "US")
        .expect("US");
    assert_eq!(us["total"], 2);
    let milestones = app.collect_pages("/api/v1/milestones", 200).await;
    assert_eq!(
        stats["milestones"]["total"].as_i64(),
        Some(milestones.len() as i64)
    );
    let overdue = app
        .collect_pages("/api/v1/milestones?overdue=true", 200)
        .await
        .len() as i64;
    assert_eq!(stats["milestones"]["overdue"].as_i64(), Some(overdue));
    assert_eq!(stats["milestones"]["done"], 1);
    assert_eq!(stats["milestones"]["due_within_30_days"], 1);
    let items = app.collect_pages("/api/v1/recommendations", 200).await;
    let mean = items
        .iter()
        .map(|r| r["progress"].as_f64().expect("p"))
        .sum::<f64>()
        / 15.0;
    assert!((stats["progress"].as_f64().expect("progress") - mean).abs() < 0.05);
    assert!(stats["last_change_at"].is_string());
    let filtered = app
        .get("/api/v1/stats?report=charting-a-path-in-the-uncharted-domain")
        .await
        .json();
    assert_eq!(filtered["recommendations"], 15);
    assert_eq!(
        app.get("/api/v1/stats?report=other").await.json()["recommendations"],
        0
    );
}

#[actix_web::test]
async fn stats_answer_304_while_nothing_changed() {
    let app = spawn_app().await;
    let first = app.get("/api/v1/stats").await;
    let etag = first.header("etag").expect("etag");
    assert_eq!(
        app.get_with("/api/v1/stats", &[("If-None-Match", &etag)])
            .await
            .status,
        304
    );
}

#[actix_web::test]
async fn concurrent_first_stats_requests_compute_the_aggregates_once() {
    // The read cache is off, so every request reaches the stats cache itself.
    let app = spawn_app_on(clone_template().await, {
        let mut config = test_config();
        config.read_cache_max_stale = std::time::Duration::ZERO;
        config
    })
    .await;
    let before = app.statements().await;
    app.get("/api/v1/stats").await;
    let cold = app.statements().await - before;
    let before = app.statements().await;
    app.get("/api/v1/stats").await;
    let warm = app.statements().await - before;
    assert!(cold > warm, "cold {cold}, warm {warm}");

    // Fill the pool first, so that no connection set-up is counted below.
    futures_util::future::join_all((0..8).map(|_| app.get("/api/v1/stats"))).await;

    // Another report filter is another key: eight requests for it arrive together. Each
    // checks the data version; one computes, the others wait for it (32 statements without).
    let path = "/api/v1/stats?report=charting-a-path-in-the-uncharted-domain";
    let before = app.statements().await;
    let burst = futures_util::future::join_all((0..8).map(|_| app.get(path))).await;
    let spent = app.statements().await - before;
    assert!(burst.iter().all(|r| r.status == 200));
    assert!(burst.windows(2).all(|w| w[0].body == w[1].body));
    assert!(
        spent < 8 * warm + 2 * (cold - warm),
        "8 first requests ran {spent} statements; a cold one runs {cold}, a warm one {warm}"
    );
}

#[actix_web::test]
async fn agencies_carry_their_counts() {
    let app = spawn_app().await;
    populate(&app).await;
    let dos = app.agency_id("US-DOS").await;
    let agency = app.get(&format!("/api/v1/agencies/{dos}")).await.json();
    assert_eq!(
        agency["counts"],
        json!({"recommendations_led": 1, "recommendations_supported": 0, "open_milestones": 1, "overdue_milestones": 1})
    );
    let mnd = app
        .get("/api/v1/agencies?country=KR&limit=200")
        .await
        .json();
    let mnd = mnd["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|a| a["code"] == "KR-MND")
        .expect("KR-MND")
        .clone();
    assert_eq!(mnd["counts"]["recommendations_supported"], 1);
    assert_eq!(mnd["counts"]["open_milestones"], 1);
    assert_eq!(mnd["counts"]["overdue_milestones"], 0);
}

#[actix_web::test]
async fn the_timeline_lists_dated_events_in_order() {
    let app = spawn_app().await;
    populate(&app).await;
    let body = app
        .get("/api/v1/timeline?from=2019-06-01&to=2029-01-01&limit=200")
        .await
        .json();
    let events = body["items"].as_array().expect("items");
    let dates: Vec<&str> = events
        .iter()
        .map(|e| e["date"].as_str().expect("date"))
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_unstable();
    assert_eq!(dates, sorted);
    let kinds: HashSet<&str> = events
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        HashSet::from(["status_change", "milestone_due", "milestone_completed"])
    );
    let first = &events[0];
    assert_eq!(first["date"], "2020-01-15");
    assert_eq!(first["recommendation"]["code"], "POL-1");
    assert_eq!(first["overdue"], true);
    assert_eq!(events.len(), 4 + 3 + 1);
    let paged = app
        .collect_pages("/api/v1/timeline?from=2019-06-01&to=2029-01-01", 3)
        .await;
    assert_eq!(&paged, events);
    // A window that ends before it starts holds nothing; any window may be asked for.
    let empty = app
        .get("/api/v1/timeline?from=2030-01-01&to=2020-01-01")
        .await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.json()["items"], serde_json::json!([]));
    let wide = app
        .get("/api/v1/timeline?from=1900-01-01&to=2199-12-31&limit=200")
        .await;
    assert_eq!(
        wide.json()["items"].as_array().map(Vec::len),
        Some(events.len())
    );
    app.get("/api/v1/timeline?from=someday")
        .await
        .assert_problem(422);
}

#[actix_web::test]
async fn a_page_of_200_with_every_embed_costs_a_fixed_number_of_statements() {
    let app = spawn_app().await;
    let fixture = populate(&app).await;
    let report = app
        .send_json("POST", "/api/v1/reports", &[("Authorization", &fixture.admin.bearer())],
            &json!({"slug": "bulk", "title": "Bulk", "publisher": "Tests", "categories": [{"slug": "all", "name": "All"}]}))
        .await
        .json();
    {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = app.pool.get().await.expect("conn");
        let id = report["id"].as_str().expect("id");
        conn.batch_execute(&format!(
            "INSERT INTO recommendations (report_id, category_id, code, position, title, body) \
             SELECT '{id}', c.id, 'B-' || g, g, 'Bulk ' || g, 'Body' FROM categories c, generate_series(1, 250) g \
             WHERE c.report_id = '{id}'; \
             INSERT INTO milestones (recommendation_id, title, position) \
             SELECT r.id, 'M', 0 FROM recommendations r WHERE r.report_id = '{id}'; \
             INSERT INTO recommendation_agencies (recommendation_id, agency_id) \
             SELECT r.id, (SELECT id FROM agencies WHERE code = 'US-DOS') FROM recommendations r WHERE r.report_id = '{id}';"
        ))
        .await
        .expect("bulk rows");
    }
    let mut costs = Vec::new();
    for limit in [10, 200] {
        let before = app.statements().await;

        let page = app
            .get(&format!("/api/v1/recommendations?limit={limit}&include=supporting_agencies,milestones,latest_status_change&report=bulk"))
            .await;
        assert_eq!(page.json()["items"].as_array().expect("items").len(), limit);
        costs.push(app.statements().await - before);
    }
    println!(
        "statements per page: limit 10 -> {}, limit 200 -> {}",
        costs[0], costs[1]
    );
    assert_eq!(costs[0], costs[1], "the cost grows with the page size");
    assert!(costs[1] <= 6, "{} statements for one page", costs[1]);
}

#[actix_web::test]
async fn cors_allows_configured_origins_only() {
    let mut config = test_config();
    config.cors_origins = vec!["https://dashboard.example.org".into()];
    let app = spawn_app_on(clone_template().await, config).await;
    let allowed = app
        .get_with(
            "/api/v1/stats",
            &[("Origin", "https://dashboard.example.org")],
        )
        .await;
    assert_eq!(
        allowed.header("access-control-allow-origin").as_deref(),
        Some("https://dashboard.example.org")
    );
    assert!(
        allowed
            .header("access-control-expose-headers")
            .is_some_and(|h| h.to_lowercase().contains("etag"))
    );
    let preflight = app
        .send_raw(
            "OPTIONS",
            "/api/v1/recommendations",
            &[
                ("Origin", "https://dashboard.example.org"),
                ("Access-Control-Request-Method", "PATCH"),
                (
                    "Access-Control-Request-Headers",
                    "authorization,if-match,content-type",
                ),
            ],
            None,
        )
        .await;
    assert_eq!(preflight.status, 200);
    let other = app
        .get_with("/api/v1/stats", &[("Origin", "https://evil.example")])
        .await;
    assert!(other.header("access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn stats_follow_every_write_even_when_cached() {
    let app = spawn_app().await;
    let fixture = populate(&app).await;
    let before = app.get("/api/v1/stats").await;
    let etag = before.header("etag").expect("etag");
    let count = |body: &Value, status: &str| {
        body["by_status"]
            .as_array()
            .expect("by_status")
            .iter()
            .find(|s| s["status"] == status)
            .expect("status")["count"]
            .as_i64()
            .expect("count")
    };
    let superseded = count(&before.json(), "superseded");
    // One report's stats have their own data version, named by slug or by id.
    let report_id = app.get("/api/v1/reports").await.json()["items"][0]["id"]
        .as_str()
        .expect("report id")
        .to_owned();
    let by_slug = "/api/v1/stats?report=charting-a-path-in-the-uncharted-domain";
    let by_id = format!("/api/v1/stats?report={report_id}");
    let report_before = app.get(by_slug).await;
    assert_eq!(app.get(&by_id).await.body, report_before.body);
    crate::fixture::set_status(
        &app,
        &fixture.analyst,
        "DEF-2",
        json!({"status": "superseded", "note": "Overtaken."}),
    )
    .await;
    let after = app
        .get_with("/api/v1/stats", &[("If-None-Match", &etag)])
        .await;
    assert_eq!(after.status, 200, "a stale 304 after a write");
    assert_eq!(count(&after.json(), "superseded"), superseded + 1);
    let report_etag = report_before.header("etag").expect("etag");
    for path in [by_slug, by_id.as_str()] {
        let report_after = app.get_with(path, &[("If-None-Match", &report_etag)]).await;
        assert_eq!(report_after.status, 200, "a stale 304 for {path}");
        assert_eq!(
            count(&report_after.json(), "superseded"),
            count(&report_before.json(), "superseded") + 1
        );
    }
    add_milestone(&app, &fixture.analyst, "DEF-2", json!({"title": "new"})).await;
    let again = app.get("/api/v1/stats").await.json();
    assert_eq!(again["milestones"]["total"], 4);
}
