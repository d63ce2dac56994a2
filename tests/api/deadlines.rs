//! The deadline scheduler: two real server processes sharing one database, their "today"
//! fixed by POLICYTRACK_SCHEDULER_TODAY, fire each due-soon, overdue and stale occurrence
//! exactly once, and catch up across a day boundary.

use crate::helpers::{TestApp, TestUser, clone_template, spawn_app_on, test_config};
use crate::jobs_process::JobsProcess;
use chrono::{Duration as Days, NaiveDate};
use diesel_async::RunQueryDsl;
use policytrack::domain::Role;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);
/// Passes a scheduler makes while a test waits to see nothing more fire.
const SETTLE: Duration = Duration::from_millis(800);

#[derive(diesel::QueryableByName, Debug)]
struct Fired {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    subject: String,
}

/// Every deadline event in the log: (type, subject) -> how many times.
async fn deadline_events(app: &TestApp) -> BTreeMap<(String, String), usize> {
    let mut conn = app.pool.get().await.expect("conn");
    let rows: Vec<Fired> = diesel::sql_query(
        "SELECT type AS kind, \
           CASE WHEN type LIKE 'milestone.%' THEN data->>'title' ELSE data->>'code' END AS subject \
         FROM events WHERE type IN ('milestone.due_soon', 'milestone.overdue', 'recommendation.stale')",
    )
    .load(&mut conn)
    .await
    .expect("deadline events");
    let mut counted = BTreeMap::new();
    for row in rows {
        *counted.entry((row.kind, row.subject)).or_insert(0) += 1;
    }
    counted
}

fn count_of(events: &BTreeMap<(String, String), usize>, kind: &str) -> usize {
    events
        .iter()
        .filter(|((k, _), _)| k == kind)
        .map(|(_, n)| n)
        .sum()
}

/// Waits until `done` holds for the deadline events, then a little longer so that more
/// passes of both schedulers run, and returns what is there then.
async fn settle(
    app: &TestApp,
    what: &str,
    done: impl Fn(&BTreeMap<(String, String), usize>) -> bool,
) -> BTreeMap<(String, String), usize> {
    let start = Instant::now();
    loop {
        let events = deadline_events(app).await;
        if done(&events) {
            break;
        }
        assert!(
            start.elapsed() < WAIT,
            "timed out waiting for {what}: {events:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(SETTLE).await;
    deadline_events(app).await
}

fn schedulers(db: &str, today: NaiveDate) -> [JobsProcess; 2] {
    let today = today.to_string();
    let settings = [
        ("POLICYTRACK_SCHEDULER_TODAY", today.as_str()),
        ("POLICYTRACK_SCHEDULER_INTERVAL_MS", "100"),
    ];
    [
        JobsProcess::start(db, &settings),
        JobsProcess::start(db, &settings),
    ]
}

async fn milestone(app: &TestApp, analyst: &TestUser, rec: &str, title: &str, body: Value) {
    let mut body = body;
    body["title"] = json!(title);
    let created = app
        .send_json(
            "POST",
            &format!("/api/v1/recommendations/{rec}/milestones"),
            &[("Authorization", &analyst.bearer())],
            &body,
        )
        .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
}

async fn backdate_recommendations(app: &TestApp) {
    let mut conn = app.pool.get().await.expect("conn");
    diesel::sql_query("UPDATE recommendations SET created_at = created_at - interval '1 year'")
        .execute(&mut conn)
        .await
        .expect("backdated");
}

fn key(kind: &str, subject: &str) -> (String, String) {
    (kind.to_owned(), subject.to_owned())
}

#[test]
fn each_deadline_fires_once_with_two_instances_and_catches_up_the_next_day() {
    actix_web::rt::System::new().block_on(async {
        let db = clone_template().await;
        // This server only takes the writes; the two child processes run the schedulers.
        let app = spawn_app_on(db.clone(), test_config()).await;
        let analyst = app.create_user(Role::Analyst).await;
        let (rec, _) = app.recommendation("POL-1").await;
        let today = NaiveDate::from_ymd_opt(2031, 6, 10).expect("date");
        let day = |offset: i64| (today + Days::days(offset)).to_string();
        milestone(
            &app,
            &analyst,
            &rec,
            "Due in ten days",
            json!({"due_on": day(10)}),
        )
        .await;
        milestone(
            &app,
            &analyst,
            &rec,
            "Due yesterday",
            json!({"due_on": day(-1)}),
        )
        .await;
        milestone(
            &app,
            &analyst,
            &rec,
            "Due in a month",
            json!({"due_on": day(30)}),
        )
        .await;
        milestone(
            &app,
            &analyst,
            &rec,
            "Cancelled and past due",
            json!({"due_on": day(-5), "status": "cancelled"}),
        )
        .await;
        milestone(
            &app,
            &analyst,
            &rec,
            "Done and past due",
            json!({"due_on": day(-3), "status": "done", "completed_on": day(-4)}),
        )
        .await;
        let codes = app
            .collect_field("/api/v1/recommendations", 100, "code")
            .await;
        assert_eq!(
            codes.len(),
            15,
            "the seeded report, every recommendation open"
        );
        let open = codes.len();
        // The schedulers' day is years ahead of the clock, but occurrences are days: the seed
        // must be older than the day of the check-in below for that to start a new one.
        backdate_recommendations(&app).await;

        let mut first_day = schedulers(&db, today);
        let fired = settle(&app, "the first day's events", |e| {
            count_of(e, "recommendation.stale") >= open
                && count_of(e, "milestone.overdue") >= 1
                && count_of(e, "milestone.due_soon") >= 1
        })
        .await;
        let mut expected: BTreeMap<(String, String), usize> = codes
            .iter()
            .map(|code| (key("recommendation.stale", code), 1))
            .collect();
        expected.insert(key("milestone.due_soon", "Due in ten days"), 1);
        expected.insert(key("milestone.overdue", "Due yesterday"), 1);
        assert_eq!(
            fired, expected,
            "each occurrence exactly once, by one of the two"
        );

        // Both instances go away (one killed, one stopped); an analyst checks in meanwhile.
        first_day[0].kill9();
        first_day[1].stop();
        let (pol2, etag) = app.recommendation("POL-2").await;
        let checked_in = app
            .send_json(
                "POST",
                &format!("/api/v1/recommendations/{pol2}/check-ins"),
                &[("Authorization", &analyst.bearer()), ("If-Match", &etag)],
                &json!({"note": "Working group met; minutes to follow."}),
            )
            .await;
        assert_eq!(
            checked_in.status,
            201,
            "{}",
            String::from_utf8_lossy(&checked_in.body)
        );

        // Eleven days on: the first milestone is now overdue (its due-soon does not repeat),
        // and POL-2's check-in started a new stale occurrence, long past by then.
        let mut later = schedulers(&db, today + Days::days(11));
        let fired = settle(&app, "the catch-up", |e| {
            count_of(e, "milestone.overdue") >= 2 && count_of(e, "recommendation.stale") > open
        })
        .await;
        expected.insert(key("milestone.overdue", "Due in ten days"), 1);
        expected.insert(key("recommendation.stale", "POL-2"), 2);
        assert_eq!(fired, expected, "caught up once, nothing repeated");

        // The feed shows events once every older transaction in the cluster has ended (other
        // tests hold some open for a while), so it may take a moment to show both.
        let start = Instant::now();
        let items = loop {
            let overdue = app
                .get("/api/v1/events?type=milestone.overdue&limit=10")
                .await
                .json();
            let items = overdue["items"].as_array().cloned().unwrap_or_default();
            if items.len() >= 2 || start.elapsed() > WAIT {
                break items;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(items.len(), 2, "{items:?}");
        for item in &items {
            assert_eq!(item["actor"]["kind"], "system", "{item}");
            assert_eq!(item["recommendation_id"], json!(rec));
            assert!(item["data"]["due_on"].as_str().is_some(), "{item}");
        }
        for process in &mut later {
            process.stop();
        }
    });
}
