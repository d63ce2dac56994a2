//! Process metrics in the Prometheus text format: requests by status class and latency,
//! database statements issued, and the connection pool's state.

use crate::db::DbPool;
use diesel::connection::InstrumentationEvent;
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters shared by every worker of one instance.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Responses by status class: index 1 = 1xx ... 5 = 5xx.
    responses: [AtomicU64; 6],
    request_micros: AtomicU64,
    /// SQL statements started on pooled connections.
    pub db_statements: Arc<AtomicU64>,
}

impl Metrics {
    pub fn record_response(&self, status: u16, micros: u64) {
        let class = usize::from(status / 100).min(5);
        self.responses[class].fetch_add(1, Ordering::Relaxed);
        self.request_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub fn statements(&self) -> u64 {
        self.db_statements.load(Ordering::Relaxed)
    }

    /// The exposition text.
    pub fn render(&self, pool: &DbPool) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP policytrack_http_responses_total HTTP responses by status class."
        );
        let _ = writeln!(out, "# TYPE policytrack_http_responses_total counter");
        let mut total = 0;
        for (class, count) in self.responses.iter().enumerate().skip(1) {
            let n = count.load(Ordering::Relaxed);
            total += n;
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
            "# TYPE policytrack_http_request_duration_seconds summary"
        );
        let secs = self.request_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "policytrack_http_request_duration_seconds_sum {secs}");
        let _ = writeln!(
            out,
            "policytrack_http_request_duration_seconds_count {total}"
        );
        let _ = writeln!(
            out,
            "# HELP policytrack_db_statements_total SQL statements sent to PostgreSQL."
        );
        let _ = writeln!(out, "# TYPE policytrack_db_statements_total counter");
        let _ = writeln!(out, "policytrack_db_statements_total {}", self.statements());
        let status = pool.status();
        let _ = writeln!(
            out,
            "# HELP policytrack_db_pool_connections Pooled database connections."
        );
        let _ = writeln!(out, "# TYPE policytrack_db_pool_connections gauge");
        let _ = writeln!(
            out,
            "policytrack_db_pool_connections{{state=\"open\"}} {}",
            status.size
        );
        let _ = writeln!(
            out,
            "policytrack_db_pool_connections{{state=\"idle\"}} {}",
            status.available
        );
        let _ = writeln!(
            out,
            "policytrack_db_pool_connections{{state=\"max\"}} {}",
            status.max_size
        );
        let _ = writeln!(
            out,
            "# HELP policytrack_db_pool_waiting Requests waiting for a connection."
        );
        let _ = writeln!(out, "# TYPE policytrack_db_pool_waiting gauge");
        let _ = writeln!(out, "policytrack_db_pool_waiting {}", status.waiting);
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
