//! Process metrics in the Prometheus text format: requests by status class and latency,
//! database statements issued, and the connection pool's state.

use diesel::connection::InstrumentationEvent;
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds (µs) of the latency histogram's buckets: what a p99 target is read against.
const LATENCY_BOUNDS_MICROS: [u64; 12] = [
    500, 1_000, 2_500, 5_000, 10_000, 20_000, 50_000, 100_000, 250_000, 1_000_000, 2_500_000,
    10_000_000,
];

/// Counters shared by every worker of one instance.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Responses by status class: index 1 = 1xx ... 5 = 5xx.
    responses: [AtomicU64; 6],
    request_micros: AtomicU64,
    /// Requests per latency bucket (not cumulative); the last counts those above every bound.
    latency_buckets: [AtomicU64; LATENCY_BOUNDS_MICROS.len() + 1],
    /// SQL statements started on pooled connections.
    pub db_statements: Arc<AtomicU64>,
}

impl Metrics {
    pub fn record_response(&self, status: u16, micros: u64) {
        let class = usize::from(status / 100).min(5);
        self.responses[class].fetch_add(1, Ordering::Relaxed);
        self.request_micros.fetch_add(micros, Ordering::Relaxed);
        let bucket = LATENCY_BOUNDS_MICROS.partition_point(|&bound| bound < micros);
        self.latency_buckets[bucket].fetch_add(1, Ordering::Relaxed);
    }

    pub fn statements(&self) -> u64 {
        self.db_statements.load(Ordering::Relaxed)
    }

    /// The exposition text.
    /// `pool`: the instance's connection pools, summed.
    pub fn render(&self, pool: deadpool::Status) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP policytrack_build_info The running build (always 1).\n\
             # TYPE policytrack_build_info gauge\n\
             policytrack_build_info{{version=\"{}\",commit=\"{}\"}} 1",
            crate::build_info::VERSION,
            crate::build_info::COMMIT
        );
        let _ = writeln!(
            out,
            "# HELP policytrack_http_responses_total HTTP responses by status class."
        );
        let _ = writeln!(out, "# TYPE policytrack_http_responses_total counter");
        for (class, count) in self.responses.iter().enumerate().skip(1) {
            let n = count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "policytrack_http_responses_total{{class=\"{class}xx\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP policytrack_http_request_duration_seconds Time spent serving requests."
        );
        let _ = writeln!(
            out,
            "# TYPE policytrack_http_request_duration_seconds histogram"
        );
        let mut cumulative = 0;
        for (bound, count) in LATENCY_BOUNDS_MICROS.iter().zip(&self.latency_buckets) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "policytrack_http_request_duration_seconds_bucket{{le=\"{}\"}} {cumulative}",
                *bound as f64 / 1e6
            );
        }
        // Counted from the buckets, so +Inf always equals _count.
        cumulative += self.latency_buckets[LATENCY_BOUNDS_MICROS.len()].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "policytrack_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        );
        let secs = self.request_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "policytrack_http_request_duration_seconds_sum {secs}");
        let _ = writeln!(
            out,
            "policytrack_http_request_duration_seconds_count {cumulative}"
        );
        let _ = writeln!(
            out,
            "# HELP policytrack_db_statements_total SQL statements sent to PostgreSQL."
        );
        let _ = writeln!(out, "# TYPE policytrack_db_statements_total counter");
        let _ = writeln!(out, "policytrack_db_statements_total {}", self.statements());
        let _ = writeln!(
            out,
            "# HELP policytrack_db_pool_connections Pooled database connections."
        );
        let _ = writeln!(out, "# TYPE policytrack_db_pool_connections gauge");
        let _ = writeln!(
            out,
            "policytrack_db_pool_connections{{state=\"open\"}} {}",
            pool.size
        );
        let _ = writeln!(
            out,
            "policytrack_db_pool_connections{{state=\"idle\"}} {}",
            pool.available
        );
        let _ = writeln!(
            out,
            "policytrack_db_pool_connections{{state=\"max\"}} {}",
            pool.max_size
        );
        let _ = writeln!(
            out,
            "# HELP policytrack_db_pool_waiting Requests waiting for a connection."
        );
        let _ = writeln!(out, "# TYPE policytrack_db_pool_waiting gauge");
        let _ = writeln!(out, "policytrack_db_pool_waiting {}", pool.waiting);
        out
    }
}

/// A diesel instrumentation hook that counts every statement into `counter`.
pub fn statement_counter(
    counter: Arc<AtomicU64>,
) -> impl FnMut(InstrumentationEvent<'_>) + Send + 'static {
    move |event| {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_land_in_cumulative_buckets_ending_at_the_count() {
        let metrics = Metrics::default();
        for micros in [300, 500, 501, 7_000, 30_000_000] {
            metrics.record_response(200, micros);
        }
        let text = metrics.render(deadpool::Status {
            max_size: 16,
            size: 3,
            available: 2,
            waiting: 0,
        });
        let bucket = |le: &str| {
            text.lines()
                .find_map(|l| {
                    l.strip_prefix(&format!(
                        "policytrack_http_request_duration_seconds_bucket{{le=\"{le}\"}} "
                    ))
                })
                .and_then(|n| n.parse::<u64>().ok())
        };
        assert_eq!(bucket("0.0005"), Some(2), "{text}");
        assert_eq!(bucket("0.001"), Some(3));
        assert_eq!(bucket("0.01"), Some(4));
        assert_eq!(bucket("10"), Some(4));
        assert_eq!(bucket("+Inf"), Some(5));
        assert!(text.contains("policytrack_http_request_duration_seconds_count 5"));
    }
}
