//! 7. Slow clients: 200 idle connections and slowloris-style partial requests must not stop
//!    the service from answering others; the server times the stragglers out.

use crate::harness::{Outcome, Server, bearer, login, scratch};
use crate::http;
use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

pub fn run() -> Outcome {
    let mut outcome = Outcome::new("slow clients: 200 idle + slowloris");
    let dir = scratch("slow");
    let data = dir.join("data");
    let server = Server::start(
        &[("POLICYTRACK_DATA_DIR", data.to_str().unwrap_or_default())],
        &dir.join("server.log"),
    );
    let port = server.port;
    let auth = bearer(&login(port));
    let idle: Vec<TcpStream> = (0..200)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", port)).ok())
        .collect();
    outcome.expect(
        idle.len() == 200,
        format!("only {} idle connections opened", idle.len()),
    );
    let mut loris: Vec<TcpStream> = (0..50)
        .filter_map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
            s.write_all(b"GET /api/v1/recommendations HTTP/1.1\r\nHost: x\r\n")
                .ok()?;
            Some(s)
        })
        .collect();
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut answered = 0;
    while started.elapsed() < Duration::from_secs(12) {
        // Dribble one header byte per round on every slowloris connection.
        for s in &mut loris {
            let _ = s.write_all(b"X");
        }
        let r = http::send(
            port,
            "GET",
            "/api/v1/recommendations?limit=5",
            &[("Authorization", &auth)],
            None,
        );
        outcome.requests += 1;
        match r {
            Ok(r) if r.status == 200 => {
                answered += 1;
                slowest = slowest.max(r.elapsed);
            }
            Ok(r) => {
                outcome.failures += 1;
                outcome.problems.push(format!("answered {}", r.status));
            }
            Err(e) => {
                outcome.failures += 1;
                outcome.problems.push(format!("request failed: {e}"));
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    outcome.expect(
        slowest < Duration::from_secs(2),
        format!("slowest answer {slowest:?} while under slow clients"),
    );
    // After the request-head timeout (10 s), partial requests are cut off (408 or closed).
    let mut closed = 0;
    for s in &mut loris {
        let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
        let mut buf = [0u8; 64];
        let cut_off = match std::io::Read::read(s, &mut buf) {
            Ok(0) => true,
            Ok(_) => buf.starts_with(b"HTTP/1.1 408"),
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
        };
        closed += usize::from(cut_off);
    }
    outcome.expect(
        closed == loris.len(),
        format!("{closed} of {} partial requests were cut off", loris.len()),
    );
    outcome.notes.push(format!(
        "{answered} normal requests answered (slowest {} ms) beside 200 idle and 50 slowloris connections; {closed}/50 partial requests cut off",
        slowest.as_millis()
    ));
    drop(idle);
    drop(loris);
    drop(server);
    crate::harness::cleanup(&dir, &mut outcome);
    outcome
}
