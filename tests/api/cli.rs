//! The `policytrack` binary itself: subcommands on the embedded cluster, with and without a
//! running server.

use crate::helpers::scratch_dir;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

fn policytrack(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_policytrack"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("POLICYTRACK_DATA_DIR", data_dir)
        .env(
            "POLICYTRACK_LOG",
            std::env::var("TEST_SERVER_LOG").unwrap_or("warn".into()),
        )
        .current_dir(data_dir);
    command
}

fn run(data_dir: &Path, args: &[&str]) -> Output {
    let output = policytrack(data_dir)
        .args(args)
        .output()
        .expect("run policytrack");
    assert!(
        output.status.success(),
        "policytrack {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

fn wait_for_http(port: u16, server: &mut Child) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        assert!(
            server.try_wait().expect("poll").is_none(),
            "server exited early"
        );
        if let Some(response) = http_get(port, "/api/v1/recommendations")
            && response.starts_with("HTTP/1.1 200")
        {
            return response;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server did not answer within 60 s");
}

fn postmaster_running(data_dir: &Path) -> bool {
    data_dir.join("postgres/pgdata/postmaster.pid").exists()
}

fn send_signal(server: &Child, signal: libc::c_int) {
    // SAFETY: plain kill(2) on our child.
    unsafe {
        libc::kill(server.id() as i32, signal);
    }
}

/// Sends `signal` and waits for the exit. A server still running after `within` is killed
/// and the test fails: a stop must never hang.
fn stop_with(server: &mut Child, signal: libc::c_int, within: Duration) -> ExitStatus {
    send_signal(server, signal);
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = server.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = server.kill();
            let _ = server.wait();
            panic!("the server was still running {within:?} after signal {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn serve(data_dir: &Path, port: u16) -> Child {
    policytrack(data_dir)
        .env("POLICYTRACK_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(data_dir.join("serve.log")).expect("log"))
        .spawn()
        .expect("spawn serve")
}

#[test]
fn subcommands_share_the_embedded_database_with_a_running_server() {
    let dir = scratch_dir("cli");

    // Without a server: each command starts the cluster, works, and stops it again.
    run(&dir, &["migrate"]);
    assert!(!postmaster_running(&dir), "migrate left PostgreSQL running");
    let first = run(&dir, &["seed"]);
    assert!(String::from_utf8_lossy(&first.stdout).contains("15 recommendation(s)"));

    // With a server: the same data, and a seed joins the running cluster.
    let port = free_port();
    let mut server = serve(&dir, port);
    let response = wait_for_http(port, &mut server);
    assert_eq!(response.matches("\"code\":").count(), 15);
    let again = run(&dir, &["seed"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 recommendation(s)"));
    assert!(
        postmaster_running(&dir),
        "seed stopped the server's cluster"
    );

    // SIGTERM: the server stops and takes PostgreSQL down with it.
    let status = stop_with(&mut server, libc::SIGTERM, Duration::from_secs(60));
    assert!(status.success(), "serve exited with {status}");
    assert!(
        !postmaster_running(&dir),
        "PostgreSQL left running after serve stopped"
    );
}

/// Starts a server on `dir` and sends SIGTERM while a client holds a request open: the
/// server, still draining after half a second, or `None` when it had already stopped.
fn draining_server(dir: &Path) -> Option<(Child, std::net::TcpStream)> {
    use std::io::{Read, Write};
    let port = free_port();
    let mut server = serve(dir, port);
    wait_for_http(port, &mut server);
    // A connection the server is serving (one answered request), then a request on it whose
    // headers never end: SIGTERM lets it finish, up to the drain bound.
    let mut held = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    held.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    held.write_all(b"GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .expect("write");
    let mut answer = [0u8; 12];
    held.read_exact(&mut answer).expect("an answer");
    assert_eq!(&answer, b"HTTP/1.1 200");
    held.write_all(b"GET /api/v1/recommendations HTTP/1.1\r\nHost: localhost\r\n")
        .expect("write");
    send_signal(&server, libc::SIGTERM);
    std::thread::sleep(Duration::from_millis(500));
    match server.try_wait().expect("try_wait") {
        None => Some((server, held)),
        Some(status) => {
            assert!(status.success(), "{status}");
            None
        }
    }
}

#[test]
fn a_second_signal_ends_a_draining_server_at_once_and_postgres_with_it() {
    let dir = scratch_dir("cli-stop");
    // In about one start in seven here, actix's drain ended at once although the request
    // was held (why is not known): such a start cannot show the second signal.
    let (mut server, held) = (0..5)
        .find_map(|_| draining_server(&dir))
        .expect("SIGTERM never waited for the request in flight in five starts");

    // A second signal does not wait: the process ends, and its PostgreSQL quits with it.
    let status = stop_with(&mut server, libc::SIGINT, Duration::from_secs(5));
    assert_eq!(status.code(), Some(1), "{status}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while postmaster_running(&dir) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !postmaster_running(&dir),
        "PostgreSQL left running after its server was cut short"
    );
    drop(held);
}

#[test]
fn user_create_reads_the_password_from_stdin_and_the_user_can_log_in() {
    use std::io::Write;
    let dir = scratch_dir("cli-user");
    let mut child = policytrack(&dir)
        .args([
            "user",
            "create",
            "--email",
            "Ops@Example.org",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a sufficiently long password\n")
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("created admin ops@example.org"));

    let port = free_port();
    let mut server = serve(&dir, port);
    wait_for_http(port, &mut server);
    let body = r#"{"email":"ops@example.org","password":"a sufficiently long password"}"#;
    let response = http_post(port, "/api/v1/auth/token", body).unwrap_or_default();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("access_token"));

    // An analyst limited to two agencies of the (now seeded) directory, by code.
    let scoped = create_with_password(
        &dir,
        &[
            "--email",
            "desk@example.org",
            "--role",
            "analyst",
            "--agency",
            "US-DOS",
            "--agency",
            "KR-MSIT",
        ],
    );
    assert!(
        scoped.status.success(),
        "{}",
        String::from_utf8_lossy(&scoped.stderr)
    );
    let body = r#"{"email":"desk@example.org","password":"a sufficiently long password"}"#;
    let login = http_post(port, "/api/v1/auth/token", body).unwrap_or_default();
    let token = login
        .split("\"access_token\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let me = http_get_with(port, "/api/v1/auth/me", &format!("Bearer {token}")).unwrap_or_default();
    let unknown = create_with_password(
        &dir,
        &[
            "--email",
            "nobody@example.org",
            "--role",
            "analyst",
            "--agency",
            "XX-NONE",
        ],
    );
    stop_with(&mut server, libc::SIGTERM, Duration::from_secs(60));
    assert!(me.starts_with("HTTP/1.1 200"), "{me}");
    let agencies = me
        .split("\"agency_ids\":[")
        .nth(1)
        .and_then(|r| r.split(']').next());
    assert_eq!(
        agencies.map(|ids| ids.matches(',').count() + 1),
        Some(2),
        "{me}"
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("XX-NONE"));

    let duplicate = policytrack(&dir)
        .args([
            "user",
            "create",
            "--email",
            "ops@example.org",
            "--role",
            "viewer",
            "--password-stdin",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(
        !duplicate.status.success(),
        "an empty password must be refused"
    );
}

/// `user create` with `args` and the test's password on standard input.
fn create_with_password(dir: &Path, args: &[&str]) -> Output {
    use std::io::Write;
    let mut child = policytrack(dir)
        .args(["user", "create"])
        .args(args)
        .arg("--password-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a sufficiently long password\n")
        .expect("write");
    child.wait_with_output().expect("wait")
}

fn http_get_with(port: u16, path: &str, authorization: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

fn http_post(port: u16, path: &str, body: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[test]
fn openapi_subcommand_prints_the_document() {
    let dir = scratch_dir("cli-openapi");
    let output = run(&dir, &["openapi"]);
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json document");
    assert_eq!(doc["openapi"], "3.1.0");
}

#[test]
fn version_names_the_package_version_and_the_commit() {
    let dir = scratch_dir("cli-version");
    let output = run(&dir, &["--version"]);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        text.trim(),
        format!(
            "policytrack {} (commit {})",
            env!("CARGO_PKG_VERSION"),
            policytrack::build_info::COMMIT
        )
    );
}

#[test]
fn unknown_subcommand_exits_2_with_usage() {
    let dir = scratch_dir("cli-usage");
    let output = policytrack(&dir).arg("frobnicate").output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Usage:"));
}

#[test]
fn missing_postgres_programs_give_an_error_naming_the_fix() {
    let dir = scratch_dir("cli-nopg");
    let output = policytrack(&dir)
        .env("POLICYTRACK_PG_BIN_DIR", dir.join("nowhere"))
        .arg("migrate")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("POLICYTRACK_PG_BIN_DIR"), "{stderr}");
}

#[test]
fn serve_with_database_url_refuses_to_start_without_a_jwt_secret() {
    let dir = scratch_dir("cli-nosecret");
    let output = policytrack(&dir)
        .env(
            "DATABASE_URL",
            "postgres://nobody@localhost/nothing?host=/nonexistent",
        )
        .arg("serve")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("POLICYTRACK_JWT_SECRET"), "{stderr}");
}
