//! `/stats` with the recommendation list's filters and `as_of`, and `/stats/series`: the
//! numbers a dashboard draws equal the rows a list returns, then and now.

use crate::helpers::{TestApp, spawn_app};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde_json::{Value, json};

fn count_of(stats: &Value, status: &str) -> i64 {
    stats["by_status"]
        .as_array()
        .expect("by_status")
        .iter()
        .find(|s| s["status"] == status)
        .map(|s| s["count"].as_i64().expect("count"))
        .unwrap_or(0)
}

/// Moves `code` to `status`, effective on `day`.
async fn change(app: &TestApp, admin: &str, code: &str, status: &str, day: NaiveDate) {
    let (id, etag) = app.recommendation(code).await;
    let answer = app
        .send_json(
            "POST",
            &format!("/api/v1/recommendations/{id}/status"),
            &[("Authorization", admin), ("If-Match", &etag)],
            &json!({"status": status, "note": "Moved for the stats test",
                    "effective_on": day.to_string(),
                    "evidence_urls": ["https://example.org/evidence"]}),
        )
        .await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
}

#[actix_web::test]
async fn filtered_stats_count_exactly_what_the_list_returns() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let today = Utc::now().date_naive();
    change(&app, &admin, "POL-1", "in_progress", today).await;
    change(&app, &admin, "DEF-1", "implemented", today).await;
    let (id, etag) = app.recommendation("POL-2").await;
    let msit = app.agency_id("KR-MSIT").await;
    let led = app
        .send_json(
            "PATCH",
            &format!("/api/v1/recommendations/{id}"),
            &[("Authorization", &admin), ("If-Match", &etag)],
            &json!({"lead_agency_id": msit, "priority": "high"}),
        )
        .await;
    assert_eq!(led.status, 200);
    for filter in [
        "category=defense",
        "status=in_progress,implemented",
        "country=KR",
        "lead_agency=KR-MSIT",
        "priority=high",
        "q=space",
        "category=political&status=not_assessed",
        "overdue=false",
    ] {
        let stats = app.get(&format!("/api/v1/stats?{filter}")).await;
        assert_eq!(stats.status, 200, "{filter}");
        let stats = stats.json();
        let list = app
            .get(&format!("/api/v1/recommendations?{filter}&limit=200"))
            .await
            .json();
        let items = list["items"].as_array().expect("items");
        assert_eq!(stats["recommendations"], items.len(), "{filter}");
        for status in ["not_assessed", "in_progress", "implemented"] {
            let listed = items.iter().filter(|r| r["status"] == status).count() as i64;
            assert_eq!(count_of(&stats, status), listed, "{filter} {status}");
        }
        let by_category: i64 = stats["by_category"]
            .as_array()
            .expect("categories")
            .iter()
            .map(|c| c["total"].as_i64().expect("total"))
            .sum();
        assert_eq!(by_category, items.len() as i64, "{filter}");
    }
    // Without filters, the fast path and the filtered path agree.
    let plain = app.get("/api/v1/stats").await.json();
    let as_of_today = app
        .get(&format!("/api/v1/stats?as_of={today}"))
        .await
        .json();
    assert_eq!(plain["by_status"], as_of_today["by_status"]);
    assert_eq!(plain["by_category"], as_of_today["by_category"]);
    assert_eq!(plain["by_lead_agency"], as_of_today["by_lead_agency"]);
    assert_eq!(plain["progress"], as_of_today["progress"]);
    app.get("/api/v1/stats?as_of=yesterday")
        .await
        .assert_problem(422);
    app.get("/api/v1/stats?status=finished")
        .await
        .assert_problem(422);
}

#[actix_web::test]
async fn as_of_and_the_series_rebuild_the_past_from_the_history() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let today = Utc::now().date_naive();
    let long_ago = today - Duration::days(70);
    let later = today - Duration::days(20);
    change(&app, &admin, "POL-1", "in_progress", long_ago).await;
    change(&app, &admin, "POL-1", "implemented", later).await;
    change(&app, &admin, "TECH-1", "stalled", later).await;

    let before = app
        .get(&format!(
            "/api/v1/stats?as_of={}",
            long_ago - Duration::days(1)
        ))
        .await
        .json();
    assert_eq!(
        before["recommendations"], 0,
        "nothing existed or was assessed yet"
    );
    let then = app
        .get(&format!("/api/v1/stats?as_of={long_ago}"))
        .await
        .json();
    assert_eq!(then["recommendations"], 1, "POL-1's history reaches back");
    assert_eq!(count_of(&then, "in_progress"), 1);
    let between = app
        .get(&format!(
            "/api/v1/stats?as_of={}&category=political",
            later - Duration::days(1)
        ))
        .await
        .json();
    assert_eq!(count_of(&between, "in_progress"), 1);
    assert_eq!(count_of(&between, "implemented"), 0);
    let now = app
        .get(&format!(
            "/api/v1/stats?as_of={}",
            today + Duration::days(30)
        ))
        .await
        .json();
    assert_eq!(now["recommendations"], 15, "a future day means today");
    assert_eq!(count_of(&now, "implemented"), 1);
    assert_eq!(count_of(&now, "stalled"), 1);

    let from = NaiveDate::from_ymd_opt(long_ago.year(), long_ago.month(), 1).expect("first");
    let series = app
        .get(&format!(
            "/api/v1/stats/series?from={from}&to={today}&interval=month"
        ))
        .await;
    assert_eq!(
        series.status,
        200,
        "{}",
        String::from_utf8_lossy(&series.body)
    );
    let series = series.json();
    let points = series["points"].as_array().expect("points");
    assert_eq!(
        points.last().expect("last")["period_end"],
        today.to_string()
    );
    assert_eq!(points.last().expect("last")["total"], 15);
    for point in points {
        let end: NaiveDate = point["period_end"]
            .as_str()
            .expect("end")
            .parse()
            .expect("date");
        let stats = app.get(&format!("/api/v1/stats?as_of={end}")).await.json();
        assert_eq!(
            point["by_status"], stats["by_status"],
            "{end}: series equals as_of"
        );
        assert_eq!(point["total"], stats["recommendations"], "{end}");
        if end != today {
            assert_eq!(
                end.succ_opt().expect("next").day(),
                1,
                "{end} ends its month"
            );
        }
    }
    let weeks = app
        .get(&format!(
            "/api/v1/stats/series?from={long_ago}&to={today}&interval=week"
        ))
        .await
        .json();
    let ends: Vec<NaiveDate> = weeks["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| {
            p["period_end"]
                .as_str()
                .expect("end")
                .parse()
                .expect("date")
        })
        .collect();
    assert!(ends.len() >= 10);
    for end in &ends[..ends.len() - 1] {
        assert_eq!(end.weekday(), chrono::Weekday::Sun, "{end}");
    }
    let one_report = app
        .get("/api/v1/stats/series?report=charting-a-path-in-the-uncharted-domain&interval=month")
        .await
        .json();
    assert_eq!(one_report["points"].as_array().expect("points").len(), 13);
    app.get(&format!("/api/v1/stats/series?from={today}&to={long_ago}"))
        .await
        .assert_problem(422);
    app.get("/api/v1/stats/series?from=1900-01-01&interval=week")
        .await
        .assert_problem(422);
    app.get("/api/v1/stats/series?interval=day")
        .await
        .assert_problem(422);
}
