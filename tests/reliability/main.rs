//! The reliability suite: races, crashes, database outages, two instances, hostile input,
//! secrets and slow clients, each against release servers on 127.0.0.1. Every load loop is
//! bounded in time. Ends with a table; exits non-zero if any scenario failed.
//!
//! Run with `scripts/reliability` (`cargo test --release --test reliability`).

mod crash;
mod harness;
mod hostile;
mod http;
mod outage;
mod race;
mod receiver;
mod scaleout;
mod secrets;
mod slow;

use harness::Outcome;
use std::time::{Duration, Instant};

fn main() {
    let seconds: u64 = std::env::var("RELIABILITY_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let only = std::env::var("RELIABILITY_ONLY").unwrap_or_default();
    let started = Instant::now();
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut run = |name: &str, scenario: &dyn Fn() -> Outcome| {
        if !only.is_empty() && !only.split(',').any(|o| o == name) {
            return;
        }
        eprintln!("reliability: running {name}");
        let outcome = scenario();
        eprintln!(
            "reliability: {name} {}",
            if outcome.passed() { "passed" } else { "FAILED" }
        );
        outcomes.push(outcome);
    };
    run("race", &|| race::run(Duration::from_secs(seconds)));
    run("crash", &|| {
        crash::run(Duration::from_secs(seconds.clamp(2, 5)))
    });
    run("outage", &outage::run);
    run("scaleout", &|| {
        scaleout::run(Duration::from_secs(seconds.clamp(2, 6)))
    });
    run("hostile", &hostile::run);
    run("secrets", &|| secrets::run(&[]));
    run("slow", &slow::run);
    print_table(&outcomes);
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    println!("\nsuite time: {} s", started.elapsed().as_secs());
    println!(
        "reliability: {} passed, {failed} failed",
        outcomes.len() - failed
    );
    if failed > 0 {
        std::process::exit(1);
    }
}

fn print_table(outcomes: &[Outcome]) {
    println!(
        "\n{:<40} {:>9} {:>9} {:>13} {:>11}  result",
        "scenario", "requests", "failures", "writes acked", "writes lost"
    );
    println!("{}", "-".repeat(94));
    for o in outcomes {
        println!(
            "{:<40} {:>9} {:>9} {:>13} {:>11}  {}",
            o.scenario,
            o.requests,
            o.failures,
            o.acknowledged,
            o.lost,
            if o.passed() { "pass" } else { "FAIL" }
        );
        for note in &o.notes {
            println!("    {note}");
        }
        for problem in o.problems.iter().take(8) {
            println!("    problem: {problem}");
        }
    }
}
