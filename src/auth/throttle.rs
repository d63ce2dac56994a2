//! Failed-login throttling per account and per client address, kept in the database so every
//! instance sees the same counts. After `FREE_FAILURES` failures within `WINDOW`, each further
//! failure blocks the key for twice as long as the last (capped at `MAX_BLOCK`).

use crate::db::schema::login_throttles;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

const FREE_FAILURES: i32 = 5;
const WINDOW_MINUTES: i64 = 15;
const MAX_BLOCK_SECS: i64 = 15 * 60;

/// The throttle keys of one login attempt.
pub fn keys(email: &str, client: Option<&str>) -> Vec<String> {
    let mut keys = vec![format!("account:{email}")];
    if let Some(client) = client {
        keys.push(format!("client:{client}"));
    }
    keys
}

/// Seconds until the most blocked key is free again, if any is blocked.
pub async fn blocked_for(
    conn: &mut AsyncPgConnection,
    keys: &[String],
) -> QueryResult<Option<u64>> {
    let now = Utc::now();
    let until: Option<Option<DateTime<Utc>>> = login_throttles::table
        .filter(login_throttles::key.eq_any(keys))
        .filter(login_throttles::blocked_until.gt(now))
        .select(diesel::dsl::max(login_throttles::blocked_until))
        .first(conn)
        .await
        .optional()?;
    Ok(until
        .flatten()
        .map(|t| (t - now).num_seconds().max(1) as u64))
}

/// Counts a failure against every key (one statement each, atomic under concurrency).
pub async fn record_failure(conn: &mut AsyncPgConnection, keys: &[String]) -> QueryResult<()> {
    for key in keys {
        diesel::sql_query(
            "INSERT INTO login_throttles AS t (key, failures, window_started_at) \
             VALUES ($1, 1, now()) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN t.window_started_at < now() - make_interval(mins => $2) \
                               THEN 1 ELSE t.failures + 1 END, \
               window_started_at = CASE WHEN t.window_started_at < now() - make_interval(mins => $2) \
                               THEN now() ELSE t.window_started_at END, \
               blocked_until = CASE WHEN t.failures + 1 > $3 \
                    AND t.window_started_at >= now() - make_interval(mins => $2) \
                  THEN now() + make_interval(secs => LEAST($4, 2 ^ LEAST(t.failures + 1 - $3, 20))) \
                  ELSE t.blocked_until END",
        )
        .bind::<diesel::sql_types::Text, _>(key)
        .bind::<diesel::sql_types::Integer, _>(WINDOW_MINUTES as i32)
        .bind::<diesel::sql_types::Integer, _>(FREE_FAILURES)
        .bind::<diesel::sql_types::Double, _>(MAX_BLOCK_SECS as f64)
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// A successful login clears its account's count (the client address keeps its own).
pub async fn clear_account(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<()> {
    diesel::delete(
        login_throttles::table.filter(login_throttles::key.eq(format!("account:{email}"))),
    )
    .execute(conn)
    .await
    .map(|_| ())
}
