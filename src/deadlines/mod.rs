//! The deadline scheduler: announces `milestone.due_soon`, `milestone.overdue` and
//! `recommendation.stale` as events. Every instance runs it; one at a time works (a session
//! advisory lock, released by PostgreSQL if that instance dies), and `firings` makes each
//! occurrence fire once even so. A pass fires everything due by today that has not fired,
//! so downtime is caught up on the next pass.

pub mod firings;

use crate::config::Config;
use crate::db;
use crate::db::cached_sql::{BindDsl, sql};
use crate::domain::Derivation;
use crate::events::dto::Representation;
use chrono::{NaiveDate, Utc};
use diesel::sql_types::{Bool, Integer};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::time::Duration;
use tokio::sync::watch;

/// The advisory lock only one scheduler holds: namespace "PTDL", key 1.
const LOCK: (i32, i32) = (0x5054_444c, 1);
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct Settings {
    pub interval: Duration,
    pub due_soon_days: u32,
    pub stale_after_days: u32,
    /// A fixed day (tests); `None`: the UTC date of each pass.
    pub today: Option<NaiveDate>,
}

impl From<&Config> for Settings {
    fn from(config: &Config) -> Self {
        Self {
            interval: config.scheduler_interval,
            due_soon_days: config.due_soon_days,
            stale_after_days: config.stale_after_days,
            today: config.scheduler_today,
        }
    }
}

/// The scheduler's session, and whether it holds the lock (taken once, kept for its life).
struct Session {
    conn: AsyncPgConnection,
    holds_lock: bool,
}

/// Runs passes every `interval` until `stop` turns true.
pub async fn run(url: String, settings: Settings, mut stop: watch::Receiver<bool>) {
    let mut session: Option<Session> = None;
    while !*stop.borrow() {
        let pause = match pass(&url, &settings, &mut session).await {
            Ok(()) => settings.interval,
            Err(error) => {
                tracing::warn!(%error, "deadline scheduler: the database went away; retrying");
                session = None;
                RECONNECT_PAUSE
            }
        };
        tokio::select! {
            _ = actix_web::rt::time::sleep(pause) => {}
            _ = stop.changed() => {}
        }
    }
}

/// One pass, if this instance holds (or can take) the scheduler's lock. The lock lives in
/// the session and stays held between passes.
async fn pass(url: &str, settings: &Settings, session: &mut Option<Session>) -> anyhow::Result<()> {
    let session = match session {
        Some(session) => session,
        None => session.insert(Session {
            conn: db::connect(url).await?,
            holds_lock: false,
        }),
    };
    if !session.holds_lock {
        session.holds_lock = diesel::select(
            sql::<Bool>("pg_try_advisory_lock(")
                .bind::<Integer, _>(LOCK.0)
                .sql(", ")
                .bind::<Integer, _>(LOCK.1)
                .sql(")"),
        )
        .get_result(&mut session.conn)
        .await?;
        if !session.holds_lock {
            return Ok(());
        }
    }
    let now = Utc::now();
    let (today, now) = match settings.today {
        Some(day) => (
            day,
            day.and_hms_opt(12, 0, 0).map_or(now, |noon| noon.and_utc()),
        ),
        None => (now.date_naive(), now),
    };
    let derivation = Derivation {
        now,
        stale_after_days: settings.stale_after_days,
    };
    let fired = firings::fire_due(
        &mut session.conn,
        today,
        settings.due_soon_days,
        settings.stale_after_days,
        &Representation::new(derivation),
    )
    .await?;
    if fired != firings::Fired::default() {
        tracing::info!(%today, ?fired, "deadline events fired");
    }
    Ok(())
}
