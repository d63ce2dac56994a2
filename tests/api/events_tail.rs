//! `policytrack events tail` as a child process against a test database: it prints what the
//! feed shows, as JSON lines, starting after the events that were there when it started.

use crate::helpers::{TestApp, TestUser, clone_template, spawn_app_on, test_config};
use policytrack::domain::Role;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// The child and its output, a line at a time.
struct Tail {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

impl Tail {
    fn start(db: &str, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_policytrack"))
            .args(["events", "tail"])
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", db)
            .env("POLICYTRACK_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start policytrack events tail");
        let stdout = lines(child.stdout.take().expect("stdout"));
        let stderr = lines(child.stderr.take().expect("stderr"));
        Self {
            child,
            stdout,
            stderr,
        }
    }

    /// Waits for the line saying it follows the feed.
    fn wait_until_following(&self) {
        loop {
            let line = self.stderr.recv_timeout(WAIT).expect("a start message");
            if line.contains("following events") {
                return;
            }
        }
    }

    fn next_event(&self) -> Value {
        let line = self.stdout.recv_timeout(WAIT).expect("an event line");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    fn nothing_more(&self) {
        if let Ok(line) = self.stdout.recv_timeout(Duration::from_millis(700)) {
            panic!("an unexpected line: {line}");
        }
    }
}

impl Drop for Tail {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(stream: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (send, receive) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                return;
            }
        }
    });
    receive
}

async fn check_in(app: &TestApp, user: &TestUser, code: &str, note: &str) {
    let (id, etag) = app.recommendation(code).await;
    let response = app
        .send_json(
            "POST",
            &format!("/api/v1/recommendations/{id}/check-ins"),
            &[("Authorization", &user.bearer()), ("If-Match", &etag)],
            &json!({ "note": note }),
        )
        .await;
    assert_eq!(
        response.status,
        201,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
}

/// Waits until the feed lists `count` check-ins, and returns them.
async fn feed_shows(app: &TestApp, count: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let feed = app
            .get("/api/v1/events?type=recommendation.checked_in&limit=10")
            .await
            .json();
        let items = feed["items"].as_array().cloned().unwrap_or_default();
        if items.len() >= count {
            return items;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the feed showed {} check-ins, not {count}",
            items.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn tail_prints_new_events_as_the_feed_shows_them() {
    let db = clone_template().await;
    let app = spawn_app_on(db.clone(), test_config()).await;
    let analyst = app.create_user(Role::Analyst).await;
    check_in(&app, &analyst, "POL-1", "Before the tail started.").await;
    // The feed shows an event once every older transaction in the cluster has ended; other
    // tests keep transactions open, so wait until it shows this one before starting.
    feed_shows(&app, 1).await;

    let tail = Tail::start(&db, &[]);
    tail.wait_until_following();
    check_in(&app, &analyst, "POL-2", "First after the start.").await;
    check_in(&app, &analyst, "POL-3", "Second after the start.").await;
    let first = tail.next_event();
    let second = tail.next_event();
    assert_eq!(first["data"]["check_in"]["note"], "First after the start.");
    assert_eq!(
        second["data"]["check_in"]["note"],
        "Second after the start."
    );
    let items = feed_shows(&app, 3).await;
    assert_eq!(items.len(), 3);
    assert_eq!(&first, &items[1], "the line is the feed's event");
    assert_eq!(&second, &items[2]);
    tail.nothing_more();

    let checked_in = Tail::start(
        &db,
        &["--from-start", "--type", "recommendation.checked_in"],
    );
    let all: Vec<Value> = (0..3).map(|_| checked_in.next_event()).collect();
    assert_eq!(
        all.as_slice(),
        items.as_slice(),
        "every event, oldest first"
    );
    checked_in.nothing_more();
}
