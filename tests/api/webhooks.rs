//! Webhooks end to end: real servers with their delivery workers, a real receiver on
//! 127.0.0.1, signatures checked, retries, outages, kill -9, two instances, and the address
//! rules.

use crate::helpers::{TestApp, TestUser, clone_template, spawn_app_on, test_config};
use crate::jobs_process::JobsProcess;
use crate::webhook_receiver::{Received, Receiver};
use base64::Engine;
use hmac::{Hmac, Mac};
use policytrack::config::Config;
use policytrack::domain::Role;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashSet;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// A server that delivers to 127.0.0.1 over plain http, retrying quickly, and whose
/// scheduler has nothing to announce (its day is long before any due date).
fn delivering_config() -> Config {
    let mut config = test_config();
    config.jobs = true;
    config.webhooks.allow_http = true;
    config.webhooks.allow_private = true;
    config.webhooks.retry_base = Duration::from_millis(100);
    config.webhooks.retry_max = Duration::from_millis(400);
    config.scheduler_today = chrono::NaiveDate::from_ymd_opt(1990, 1, 1);
    config
}

/// `delivering_config` for a child process.
const DELIVERING: [(&str, &str); 5] = [
    ("POLICYTRACK_WEBHOOK_ALLOW_HTTP", "true"),
    ("POLICYTRACK_WEBHOOK_ALLOW_PRIVATE", "true"),
    ("POLICYTRACK_WEBHOOK_RETRY_BASE_MS", "100"),
    ("POLICYTRACK_WEBHOOK_RETRY_MAX_MS", "400"),
    ("POLICYTRACK_SCHEDULER_TODAY", "1990-01-01"),
];

async fn delivering_app() -> TestApp {
    spawn_app_on(clone_template().await, delivering_config()).await
}

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

async fn get_as(app: &TestApp, user: &TestUser, path: &str) -> crate::helpers::TestResponse {
    app.get_with(path, &[("Authorization", &user.bearer())])
        .await
}

/// Subscribes `url` to `types`; the subscription and its secret.
async fn subscribe(app: &TestApp, admin: &TestUser, url: &str, types: &[&str]) -> (Value, String) {
    let created = send(
        app,
        admin,
        "POST",
        "/api/v1/webhooks",
        None,
        json!({"url": url, "event_types": types, "description": "test receiver"}),
    )
    .await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let body = created.json();
    let secret = body["secret"].as_str().expect("secret").to_owned();
    (body, secret)
}

/// Moves the recommendation `code` to `status` (through whichever path the lifecycle needs).
async fn change_status(app: &TestApp, user: &TestUser, code: &str, status: &str) -> String {
    let (id, etag) = app.recommendation(code).await;
    let response = send(
        app,
        user,
        "POST",
        &format!("/api/v1/recommendations/{id}/status"),
        Some(&etag),
        json!({"status": status, "note": "Moved by the webhook tests."}),
    )
    .await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    id
}

/// The Standard Webhooks check, written here from the specification (the independent
/// libraries check the same deliveries in scripts/api-check).
fn verify(secret: &str, request: &Received) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .expect("base64 secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
    mac.update(
        format!(
            "{}.{}.",
            request.header("webhook-id"),
            request.header("webhook-timestamp")
        )
        .as_bytes(),
    );
    mac.update(&request.body);
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    request
        .header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

async fn deliveries(app: &TestApp, admin: &TestUser, webhook: &str) -> Vec<Value> {
    let page = get_as(
        app,
        admin,
        &format!("/api/v1/webhooks/{webhook}/deliveries?limit=200"),
    )
    .await;
    assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
    page.json()["items"].as_array().expect("items").clone()
}

async fn wait_for_deliveries(
    app: &TestApp,
    admin: &TestUser,
    webhook: &str,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let list = deliveries(app, admin, webhook).await;
        if done(&list) {
            return list;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "waited for {what}: {list:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn a_status_change_arrives_signed_with_the_event_as_the_feed_shows_it() {
    let receiver = Receiver::start();
    let app = delivering_app().await;
    let admin = app.create_user(Role::Admin).await;
    let (webhook, secret) = subscribe(
        &app,
        &admin,
        &receiver.url("/hooks"),
        &["recommendation.status_changed"],
    )
    .await;
    assert!(
        secret.starts_with("whsec_") && secret.len() > 30,
        "{secret}"
    );
    let webhook_id = webhook["id"].as_str().expect("id").to_owned();
    let read = get_as(&app, &admin, &format!("/api/v1/webhooks/{webhook_id}")).await;
    assert_eq!(read.status, 200);
    assert!(
        read.json().get("secret").is_none(),
        "the secret is shown once only"
    );
    assert!(!String::from_utf8_lossy(&read.body).contains(&secret));

    let recommendation = change_status(&app, &admin, "POL-1", "in_progress").await;
    let received = receiver
        .wait_for(WAIT, "the status change", |r| !r.is_empty())
        .await;
    let request = &received[0];
    assert!(verify(&secret, request), "signature: {:?}", request.headers);
    let sent_at: i64 = request
        .header("webhook-timestamp")
        .parse()
        .expect("seconds");
    assert!((chrono::Utc::now().timestamp() - sent_at).abs() < 60);
    assert_eq!(request.header("content-type"), "application/json");
    let body = request.json();
    assert_eq!(body["type"], "recommendation.status_changed");
    assert_eq!(body["data"]["type"], "recommendation.status_changed");
    assert_eq!(body["data"]["recommendation_id"], recommendation.as_str());
    assert_eq!(
        body["data"]["data"]["status_change"]["to_status"],
        "in_progress"
    );
    assert_eq!(
        request.header("webhook-id"),
        body["data"]["id"].as_str().expect("id")
    );
    let events = app
        .get(&format!(
            "/api/v1/recommendations/{recommendation}/events?limit=1"
        ))
        .await
        .json();
    assert_eq!(
        events["items"][0], body["data"],
        "the delivery carries the feed's event"
    );

    let list = wait_for_deliveries(&app, &admin, &webhook_id, "delivered", |d| {
        d.len() == 1 && d[0]["state"] == "delivered"
    })
    .await;
    assert_eq!(list[0]["attempts"], 1);
    assert_eq!(list[0]["last_status"], 200);
    assert_eq!(list[0]["event_type"], "recommendation.status_changed");
    assert!(list[0]["last_duration_ms"].as_i64().is_some());
    assert!(list[0]["next_attempt_at"].is_null());

    // Only the subscribed type: a check-in goes nowhere.
    let (id, etag) = app.recommendation("POL-1").await;
    let check_in = send(
        &app,
        &admin,
        "POST",
        &format!("/api/v1/recommendations/{id}/check-ins"),
        Some(&etag),
        json!({"note": "Still in progress."}),
    )
    .await;
    assert_eq!(check_in.status, 201);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 1, "a check-in was delivered");
}

#[actix_web::test]
async fn failures_are_retried_and_an_outage_is_caught_up_in_order() {
    let mut receiver = Receiver::start();
    let app = delivering_app().await;
    let admin = app.create_user(Role::Admin).await;
    let (webhook, secret) = subscribe(
        &app,
        &admin,
        &receiver.url("/"),
        &["recommendation.status_changed"],
    )
    .await;
    let webhook_id = webhook["id"].as_str().expect("id").to_owned();

    receiver.fail_next(2);
    change_status(&app, &admin, "POL-1", "in_progress").await;
    let received = receiver
        .wait_for(WAIT, "three attempts", |r| r.len() >= 3)
        .await;
    let ids: HashSet<&str> = received.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids.len(), 1, "a retry keeps its webhook-id");
    assert!(received.iter().all(|r| verify(&secret, r)));
    let list = wait_for_deliveries(
        &app,
        &admin,
        &webhook_id,
        "delivered on the third try",
        |d| d.first().is_some_and(|d| d["state"] == "delivered"),
    )
    .await;
    assert_eq!(list[0]["attempts"], 3);

    // Down: every attempt is refused; the changes queue up.
    receiver.go_down();
    let mut expected = Vec::new();
    for code in ["POL-2", "POL-3", "POL-4"] {
        expected.push(change_status(&app, &admin, code, "in_progress").await);
    }
    wait_for_deliveries(
        &app,
        &admin,
        &webhook_id,
        "a failed attempt while down",
        |d| {
            d.iter().any(|d| {
                d["attempts"].as_i64() >= Some(1)
                    && d["last_status"].is_null()
                    && d["state"] == "pending"
            })
        },
    )
    .await;
    let before = receiver.received().len();
    receiver.come_back();
    let received = receiver
        .wait_for(WAIT, "the queued three", |r| r.len() >= before + 3)
        .await;
    let order: Vec<String> = received[before..]
        .iter()
        .map(|r| {
            r.json()["data"]["recommendation_id"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect();
    assert_eq!(order, expected, "first attempts keep the events' order");
    wait_for_deliveries(&app, &admin, &webhook_id, "all delivered", |d| {
        d.len() == 4 && d.iter().all(|d| d["state"] == "delivered")
    })
    .await;
}

#[actix_web::test]
async fn a_subscription_failing_for_its_whole_allowance_is_disabled_with_an_event() {
    let receiver = Receiver::start();
    receiver.answer_with(500);
    let mut config = delivering_config();
    config.webhooks.give_up_after = Duration::from_millis(1500);
    config.webhooks.disable_after = Duration::from_secs(1);
    let app = spawn_app_on(clone_template().await, config).await;
    let admin = app.create_user(Role::Admin).await;
    let (failing, _) = subscribe(
        &app,
        &admin,
        &receiver.url("/failing"),
        &["recommendation.status_changed"],
    )
    .await;
    let failing_id = failing["id"].as_str().expect("id").to_owned();
    let watcher = Receiver::start();
    let (_, _) = subscribe(&app, &admin, &watcher.url("/watch"), &["webhook.disabled"]).await;

    change_status(&app, &admin, "POL-1", "in_progress").await;
    let announced = watcher
        .wait_for(WAIT, "the webhook.disabled event", |r| !r.is_empty())
        .await;
    let body = announced[0].json();
    assert_eq!(body["type"], "webhook.disabled");
    assert_eq!(body["data"]["actor"]["kind"], "system");
    assert_eq!(body["data"]["data"]["webhook_id"], failing_id.as_str());
    assert!(body["data"]["data"]["failing_since"].is_string());

    let read = get_as(&app, &admin, &format!("/api/v1/webhooks/{failing_id}"))
        .await
        .json();
    assert_eq!(read["enabled"], false);
    assert!(read["disabled_at"].is_string() && read["failing_since"].is_string());
    let attempts_then = receiver.received().len();
    assert!(attempts_then >= 2, "it was retried before it was disabled");
    let list = deliveries(&app, &admin, &failing_id).await;
    assert!(
        list[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.starts_with("HTTP 500")),
        "{list:?}"
    );

    // Disabled: nothing more goes out, and a ping is refused until it is turned on again.
    change_status(&app, &admin, "POL-2", "in_progress").await;
    let untouched = app.write_fingerprint().await;
    let ping = send(
        &app,
        &admin,
        "POST",
        &format!("/api/v1/webhooks/{failing_id}/ping"),
        None,
        json!({}),
    )
    .await;
    ping.assert_problem(409);
    assert_eq!(
        app.write_fingerprint().await,
        untouched,
        "a refused ping queued something"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(receiver.received().len(), attempts_then);

    receiver.answer_with(200);
    let etag = get_as(&app, &admin, &format!("/api/v1/webhooks/{failing_id}"))
        .await
        .header("etag")
        .expect("etag");
    let enabled = send(
        &app,
        &admin,
        "PATCH",
        &format!("/api/v1/webhooks/{failing_id}"),
        Some(&etag),
        json!({"enabled": true}),
    )
    .await;
    assert_eq!(
        enabled.status,
        200,
        "{}",
        String::from_utf8_lossy(&enabled.body)
    );
    assert!(enabled.json()["failing_since"].is_null());
    let ping = send(
        &app,
        &admin,
        "POST",
        &format!("/api/v1/webhooks/{failing_id}/ping"),
        None,
        json!({}),
    )
    .await;
    assert_eq!(ping.status, 202);
    receiver
        .wait_for(WAIT, "the ping", |r| {
            r.iter().any(|r| r.json()["type"] == "webhook.ping")
        })
        .await;
}

#[actix_web::test]
async fn pings_redeliveries_and_the_subscription_lifecycle_are_admin_only() {
    let receiver = Receiver::start();
    let app = delivering_app().await;
    let admin = app.create_user(Role::Admin).await;
    let analyst = app.create_user(Role::Analyst).await;
    let untouched = app.write_fingerprint().await;

    let refused = send(
        &app,
        &analyst,
        "POST",
        "/api/v1/webhooks",
        None,
        json!({"url": receiver.url("/")}),
    )
    .await;
    refused.assert_problem(403);
    get_as(&app, &analyst, "/api/v1/webhooks")
        .await
        .assert_problem(403);
    assert_eq!(
        app.write_fingerprint().await,
        untouched,
        "a refusal changes nothing"
    );

    let (webhook, secret) = subscribe(&app, &admin, &receiver.url("/in"), &[]).await;
    let id = webhook["id"].as_str().expect("id").to_owned();
    let untouched = app.write_fingerprint().await;
    for (method, path) in [
        ("POST", format!("/api/v1/webhooks/{id}/ping")),
        ("PATCH", format!("/api/v1/webhooks/{id}")),
        ("DELETE", format!("/api/v1/webhooks/{id}")),
    ] {
        send(
            &app,
            &analyst,
            method,
            &path,
            Some("*"),
            json!({"description": "x"}),
        )
        .await
        .assert_problem(403);
    }
    assert_eq!(
        app.write_fingerprint().await,
        untouched,
        "an analyst's refused ping, change or removal changed something"
    );
    assert!(receiver.received().is_empty(), "a refused ping was sent");
    let ping = send(
        &app,
        &admin,
        "POST",
        &format!("/api/v1/webhooks/{id}/ping"),
        None,
        json!({}),
    )
    .await;
    assert_eq!(ping.status, 202, "{}", String::from_utf8_lossy(&ping.body));
    let location = ping.header("location").expect("location");
    let received = receiver.wait_for(WAIT, "the ping", |r| !r.is_empty()).await;
    assert!(verify(&secret, &received[0]));
    let body = received[0].json();
    assert_eq!(body["type"], "webhook.ping");
    assert_eq!(body["data"]["webhook_id"], id.as_str());
    assert_eq!(
        received[0].header("webhook-id"),
        ping.json()["id"].as_str().expect("id")
    );
    let delivery = get_as(&app, &admin, &location).await;
    assert_eq!(delivery.status, 200);
    assert!(delivery.json()["event_type"].is_null());

    // Every type: an agency created by the admin arrives, and can be delivered again.
    let agency = send(
        &app,
        &admin,
        "POST",
        "/api/v1/agencies",
        None,
        json!({"code": "KR-WH", "name": "Webhook Test Agency", "country": "KR"}),
    )
    .await;
    assert_eq!(agency.status, 201);
    let received = receiver
        .wait_for(WAIT, "agency.created", |r| r.len() >= 2)
        .await;
    let first = received[1].clone();
    assert_eq!(first.json()["type"], "agency.created");
    let list = wait_for_deliveries(&app, &admin, &id, "delivered", |d| {
        d.len() == 2 && d.iter().all(|d| d["state"] == "delivered")
    })
    .await;
    let original = list
        .iter()
        .find(|d| d["event_type"] == "agency.created")
        .expect("delivery");
    let again = send(
        &app,
        &admin,
        "POST",
        &format!(
            "/api/v1/webhooks/{id}/deliveries/{}/redeliver",
            original["id"].as_str().expect("id")
        ),
        None,
        json!({}),
    )
    .await;
    assert_eq!(
        again.status,
        202,
        "{}",
        String::from_utf8_lossy(&again.body)
    );
    assert_eq!(again.json()["redelivery_of"], original["id"]);
    let received = receiver
        .wait_for(WAIT, "the redelivery", |r| r.len() >= 3)
        .await;
    assert_eq!(received[2].header("webhook-id"), first.header("webhook-id"));
    assert_eq!(received[2].body, first.body);

    // Edits need If-Match; a stale tag changes nothing.
    let etag = get_as(&app, &admin, &format!("/api/v1/webhooks/{id}"))
        .await
        .header("etag")
        .expect("etag");
    let untouched = app.write_fingerprint().await;
    let missing = send(
        &app,
        &admin,
        "PATCH",
        &format!("/api/v1/webhooks/{id}"),
        None,
        json!({"description": "x"}),
    )
    .await;
    missing.assert_problem(428);
    assert_eq!(
        app.write_fingerprint().await,
        untouched,
        "a 428 changed something"
    );
    let updated = send(
        &app,
        &admin,
        "PATCH",
        &format!("/api/v1/webhooks/{id}"),
        Some(&etag),
        json!({"event_types": ["milestone.overdue"], "description": "overdue only"}),
    )
    .await;
    assert_eq!(
        updated.status,
        200,
        "{}",
        String::from_utf8_lossy(&updated.body)
    );
    assert_eq!(updated.json()["event_types"], json!(["milestone.overdue"]));
    let untouched = app.write_fingerprint().await;
    let stale = send(
        &app,
        &admin,
        "PATCH",
        &format!("/api/v1/webhooks/{id}"),
        Some(&etag),
        json!({"description": "lost"}),
    )
    .await;
    stale.assert_problem(412);
    let unmatched = app
        .send_raw(
            "DELETE",
            &format!("/api/v1/webhooks/{id}"),
            &[("Authorization", &admin.bearer())],
            None,
        )
        .await;
    unmatched.assert_problem(428);
    assert_eq!(
        app.write_fingerprint().await,
        untouched,
        "a stale change or an unconditional removal changed something"
    );
    let read = get_as(&app, &admin, &format!("/api/v1/webhooks/{id}"))
        .await
        .json();
    assert_eq!(read["description"], "overdue only");

    // The audit log records the writes without the secret.
    let audit = get_as(&app, &admin, "/api/v1/audit?entity_type=webhook&limit=50").await;
    assert_eq!(audit.status, 200);
    assert!(String::from_utf8_lossy(&audit.body).contains("create_webhook"));
    assert!(
        !String::from_utf8_lossy(&audit.body).contains(&secret),
        "the secret is in the audit log"
    );

    let etag = get_as(&app, &admin, &format!("/api/v1/webhooks/{id}"))
        .await
        .header("etag")
        .expect("etag");
    let deleted = app
        .send_raw(
            "DELETE",
            &format!("/api/v1/webhooks/{id}"),
            &[("Authorization", &admin.bearer()), ("If-Match", &etag)],
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    get_as(&app, &admin, &format!("/api/v1/webhooks/{id}"))
        .await
        .assert_problem(404);
    assert_eq!(
        app.count("deliveries").await,
        0,
        "its deliveries went with it"
    );
}

#[actix_web::test]
async fn only_public_https_addresses_unless_the_operator_allows_more() {
    let receiver = Receiver::start();
    let mut config = test_config();
    config.jobs = true;
    config.webhooks.retry_base = Duration::from_millis(100);
    config.scheduler_today = chrono::NaiveDate::from_ymd_opt(1990, 1, 1);
    let app = spawn_app_on(clone_template().await, config).await;
    let admin = app.create_user(Role::Admin).await;
    let untouched = app.write_fingerprint().await;
    for (url, says) in [
        (receiver.url("/"), "https"),
        ("https://127.0.0.1/hook".to_owned(), "loopback"),
        ("https://10.0.0.8/hook".to_owned(), "private"),
        (
            "https://169.254.169.254/latest/meta-data/".to_owned(),
            "metadata",
        ),
        ("https://[::1]:8443/".to_owned(), "loopback"),
        ("https://[fe80::1]/".to_owned(), "link-local"),
        ("https://[::ffff:192.168.0.1]/".to_owned(), "private"),
        ("https://user:pw@example.org/".to_owned(), "user name"),
    ] {
        let refused = send(
            &app,
            &admin,
            "POST",
            "/api/v1/webhooks",
            None,
            json!({"url": url}),
        )
        .await;
        let problem = refused.assert_problem(422);
        assert_eq!(problem["errors"][0]["field"], "/url", "{url}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains(says)),
            "{url}: {problem}"
        );
    }
    assert_eq!(app.count("webhooks").await, 0, "a refusal changes nothing");
    assert_eq!(
        app.write_fingerprint().await,
        untouched,
        "a refused subscription left a trace"
    );

    // A name is checked where it resolves, at every delivery: localhost is loopback.
    let (webhook, _) = subscribe(
        &app,
        &admin,
        &format!("https://localhost:{}/hook", receiver.port),
        &[],
    )
    .await;
    let id = webhook["id"].as_str().expect("id").to_owned();
    let ping = send(
        &app,
        &admin,
        "POST",
        &format!("/api/v1/webhooks/{id}/ping"),
        None,
        json!({}),
    )
    .await;
    assert_eq!(ping.status, 202);
    let list = wait_for_deliveries(&app, &admin, &id, "a refused attempt", |d| {
        d.first().is_some_and(|d| d["attempts"].as_i64() >= Some(1))
    })
    .await;
    let error = list[0]["last_error"].as_str().expect("an error");
    assert!(
        error.contains("refused") && error.contains("loopback"),
        "{error}"
    );
    assert!(list[0]["last_status"].is_null());
    assert!(
        receiver.received().is_empty(),
        "nothing reached the loopback receiver"
    );
}

#[actix_web::test]
async fn two_instances_send_each_delivery_once() {
    let receiver = Receiver::start();
    let db = clone_template().await;
    let first = spawn_app_on(db.clone(), delivering_config()).await;
    let second = spawn_app_on(db, delivering_config()).await;
    let admin = first.create_user(Role::Admin).await;
    subscribe(
        &first,
        &admin,
        &receiver.url("/"),
        &["recommendation.checked_in"],
    )
    .await;
    let (id, _) = first.recommendation("POL-1").await;
    let total = 40;
    for n in 0..total {
        let app = if n % 2 == 0 { &first } else { &second };
        let etag = app
            .get(&format!("/api/v1/recommendations/{id}"))
            .await
            .header("etag")
            .expect("etag");
        let posted = send(
            app,
            &admin,
            "POST",
            &format!("/api/v1/recommendations/{id}/check-ins"),
            Some(&etag),
            json!({"note": format!("Check-in {n}.")}),
        )
        .await;
        assert_eq!(
            posted.status,
            201,
            "{}",
            String::from_utf8_lossy(&posted.body)
        );
    }
    let received = receiver
        .wait_for(WAIT, "every check-in", |r| r.len() >= total)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received_now = receiver.received();
    assert_eq!(received_now.len(), total, "a delivery was sent twice");
    let notes: Vec<String> = received
        .iter()
        .map(|r| {
            r.json()["data"]["data"]["check_in"]["note"]
                .as_str()
                .expect("note")
                .to_owned()
        })
        .collect();
    let expected: Vec<String> = (0..total).map(|n| format!("Check-in {n}.")).collect();
    assert_eq!(notes, expected, "in the order they were made");
}

#[test]
fn deliveries_pending_at_kill_9_all_arrive_after_the_restart() {
    actix_web::rt::System::new().block_on(async {
        let mut receiver = Receiver::down();
        let db = clone_template().await;
        // This one only serves the API; the child process below does the delivering.
        let mut config = delivering_config();
        config.jobs = false;
        let app = spawn_app_on(db.clone(), config).await;
        let admin = app.create_user(Role::Admin).await;
        let (webhook, _) = subscribe(
            &app,
            &admin,
            &receiver.url("/"),
            &["recommendation.status_changed"],
        )
        .await;
        let webhook_id = webhook["id"].as_str().expect("id").to_owned();
        let mut child = JobsProcess::start(&db, &DELIVERING);
        for code in ["POL-1", "POL-2", "POL-3", "POL-4", "POL-5"] {
            change_status(&app, &admin, code, "in_progress").await;
        }
        let queued =
            wait_for_deliveries(&app, &admin, &webhook_id, "an attempt by the child", |d| {
                d.len() == 5 && d.iter().any(|d| d["attempts"].as_i64() >= Some(1))
            })
            .await;
        let expected: HashSet<String> = queued
            .iter()
            .map(|d| d["event_id"].as_str().expect("event").to_owned())
            .collect();
        child.kill9();
        receiver.come_back();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            receiver.received().is_empty(),
            "something delivered with no deliverer"
        );
        let mut child = JobsProcess::start(&db, &DELIVERING);
        let received = receiver
            .wait_for(WAIT, "all five after the restart", |r| {
                let ids: HashSet<String> = r
                    .iter()
                    .map(|r| r.header("webhook-id").to_owned())
                    .collect();
                expected.iter().all(|id| ids.contains(id))
            })
            .await;
        assert!(received.len() >= expected.len());
        wait_for_deliveries(&app, &admin, &webhook_id, "all marked delivered", |d| {
            d.len() == 5 && d.iter().all(|d| d["state"] == "delivered")
        })
        .await;
        child.stop();
    });
}

#[actix_web::test]
async fn a_hung_receiver_is_cut_off_at_ten_seconds_and_slows_no_request() {
    let receiver = Receiver::start();
    receiver.answer_after(Duration::from_secs(12));
    let app = delivering_app().await;
    let admin = app.create_user(Role::Admin).await;
    let (webhook, _) = subscribe(
        &app,
        &admin,
        &receiver.url("/"),
        &["recommendation.checked_in"],
    )
    .await;
    let webhook_id = webhook["id"].as_str().expect("id").to_owned();
    let (rec, _) = app.recommendation("POL-1").await;
    let total = 8;
    let mut slowest = Duration::ZERO;
    for n in 0..total {
        let etag = app
            .get(&format!("/api/v1/recommendations/{rec}"))
            .await
            .header("etag")
            .expect("etag");
        let started = std::time::Instant::now();
        let posted = send(
            &app,
            &admin,
            "POST",
            &format!("/api/v1/recommendations/{rec}/check-ins"),
            Some(&etag),
            json!({"note": format!("While the receiver hangs, {n}.")}),
        )
        .await;
        slowest = slowest.max(started.elapsed());
        assert_eq!(posted.status, 201);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        slowest < Duration::from_secs(2),
        "a check-in took {slowest:?} while a delivery hung"
    );
    let cut_off = wait_for_deliveries(&app, &admin, &webhook_id, "the attempt cut off", |d| {
        d.iter().any(|d| {
            d["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("timed out"))
        })
    })
    .await;
    let hung = cut_off
        .iter()
        .find(|d| {
            d["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("timed out"))
        })
        .expect("the cut-off attempt");
    let took = hung["last_duration_ms"].as_i64().expect("duration");
    assert!(
        (9_500..=11_500).contains(&took),
        "cut off after {took} ms, not 10 s"
    );
    assert_eq!(hung["state"], "pending", "a timed-out delivery is retried");
    receiver.answer_after(Duration::ZERO);
    wait_for_deliveries(&app, &admin, &webhook_id, "everything delivered", |d| {
        d.len() == total && d.iter().all(|d| d["state"] == "delivered")
    })
    .await;
}
