use crate::helpers::{scratch_dir, spawn_app, spawn_app_on, start_cluster, test_config};
use policytrack::db;

#[actix_web::test]
async fn live_answers_ok() {
    let app = spawn_app().await;
    let response = app.get("/health/live").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["status"], "ok");
}

#[actix_web::test]
async fn ready_answers_ok_while_the_database_is_up() {
    let app = spawn_app().await;
    let response = app.get("/health/ready").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["status"], "ok");
}

#[actix_web::test]
async fn ready_goes_503_when_the_database_stops_and_recovers_when_it_returns() {
    // Arrange: a cluster of this test's own, so stopping it disturbs nobody else.
    let dir = scratch_dir("ready");
    let mut cluster = start_cluster(&dir);
    let admin_url = cluster.url("postgres");
    // The migration-style sync connection must not run on the test's async runtime.
    std::thread::spawn(move || db::create_database_if_missing(&admin_url, "policytrack"))
        .join()
        .expect("thread")
        .expect("create database");
    let app = spawn_app_on(cluster.url("policytrack"), test_config()).await;
    assert_eq!(app.get("/health/ready").await.status, 200);

    // Act: stop PostgreSQL.
    cluster.stop().expect("stop cluster");

    // Assert: readiness and reads fail fast with problem+json.
    let ready = app.get("/health/ready").await;
    ready.assert_problem(503);
    let list = app.get("/api/v1/recommendations").await;
    list.assert_problem(503);

    // And the service recovers by itself once the database is back.
    cluster.restart().expect("restart cluster");
    let mut recovered = false;
    for _ in 0..50 {
        if app.get("/health/ready").await.status == 200
            && app.get("/api/v1/recommendations").await.status == 200
        {
            recovered = true;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        recovered,
        "service did not recover after the database restarted"
    );
}

#[actix_web::test]
async fn unknown_routes_are_problem_json_404() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/nope").await;
    response.assert_problem(404);
}

#[actix_web::test]
async fn responses_carry_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    let response = app.get("/health/live").await;
    assert_eq!(
        response.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert!(response.header("x-request-id").is_some());
    assert!(response.header("server").is_none(), "no server banner");
}

/// The pool figures in `/metrics`, by state.
async fn pool_figures(app: &crate::helpers::TestApp) -> (u64, u64) {
    let text = String::from_utf8(app.get("/metrics").await.body).expect("utf-8");
    let figure = |state: &str| {
        text.lines()
            .find_map(|l| {
                l.strip_prefix(&format!(
                    "policytrack_db_pool_connections{{state=\"{state}\"}} "
                ))
            })
            .and_then(|n| n.parse::<u64>().ok())
            .expect("pool figure")
    };
    (figure("open"), figure("max"))
}

/// Starts a server with `workers` workers and `pool_size` connections, sends `reads`
/// concurrent list reads, and gives their statuses and the pool figures (open, max) after.
async fn concurrent_reads(workers: usize, pool_size: usize, reads: usize) -> (Vec<u16>, u64, u64) {
    let mut config = test_config();
    config.workers = workers;
    config.db_pool_size = pool_size;
    let app = spawn_app_on(crate::helpers::clone_template().await, config).await;
    let reads = (0..reads).map(|_| app.get("/api/v1/recommendations?limit=50"));
    let statuses = futures_util::future::join_all(reads)
        .await
        .iter()
        .map(|r| r.status)
        .collect();
    let (open, max) = pool_figures(&app).await;
    (statuses, open, max)
}

#[actix_web::test]
async fn workers_share_the_configured_pool_size_between_their_pools() {
    // Three workers, five connections in all; enough reads that every worker opens some.
    let (statuses, open, max) = concurrent_reads(3, 5, 24).await;

    // Every read answered, and the instance never holds more than it was given.
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    assert_eq!(max, 5, "the pools' sizes sum to the configured size");
    assert!((1..=5).contains(&open), "{open} connections open");
}

#[actix_web::test]
async fn more_workers_than_connections_are_not_started() {
    // Four workers asked for, two connections in all.
    let (statuses, open, max) = concurrent_reads(4, 2, 12).await;

    // Every read answered within the two connections.
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    assert_eq!(max, 2);
    assert!((1..=2).contains(&open), "{open} connections open");
}
