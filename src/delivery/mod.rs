//! The webhook delivery worker: one per instance, on the jobs thread, so a slow receiver
//! never holds up a request.
//!
//! It sleeps until a committed delivery wakes it (LISTEN/NOTIFY, sent by the outbox trigger
//! at commit), a retry falls due, or a slow poll comes round. Then it claims subscriptions
//! with due deliveries (`outbox::try_claim`: one sender per subscription across instances)
//! and serves each in the feed's order, one attempt at a time, recording every attempt.
//! A delivery is marked delivered only after its receiver answered 2xx: a crash in between
//! sends it again (at least once; the `webhook-id` lets receivers drop the repeat).

pub mod attempts;
pub mod outbox;
pub mod payload;
pub mod sender;
pub mod signature;

use crate::config::WebhookSettings;
use crate::db::{self, DbPool, PoolSettings};
use crate::domain::webhook_target::TargetPolicy;
use crate::webhooks::commands::WAKE_CHANNEL;
use attempts::{Attempt, Retry};
use chrono::{DateTime, Utc};
use diesel_async::RunQueryDsl;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use outbox::Due;
use sender::{Outgoing, Sender};
use std::collections::HashSet;
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::watch;
use uuid::Uuid;

/// Subscriptions served at once by one instance.
const PARALLEL: usize = 16;
/// Deliveries read per subscription at a time.
const BATCH: i64 = 100;
/// The slowest the worker looks for work when nothing wakes it.
const FALLBACK_POLL: Duration = Duration::from_secs(5);
/// The quickest: for deliveries committed but not yet past the horizon, or held elsewhere.
const HORIZON_POLL: Duration = Duration::from_millis(20);
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// How deliveries are made and retried.
#[derive(Debug, Clone)]
pub struct Settings {
    pub policy: TargetPolicy,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub give_up_after: Duration,
    pub disable_after: Duration,
}

impl From<&WebhookSettings> for Settings {
    fn from(s: &WebhookSettings) -> Self {
        Self {
            policy: TargetPolicy {
                allow_http: s.allow_http,
                allow_private: s.allow_private,
            },
            retry_base: s.retry_base,
            retry_max: s.retry_max,
            give_up_after: s.give_up_after,
            disable_after: s.disable_after,
        }
    }
}

impl Settings {
    /// When the `attempt`-th attempt (from 1) having failed, the next one goes: the base
    /// delay doubled per attempt up to the maximum, then jittered down by up to half, so
    /// receivers coming back are not hit by every sender at once.
    fn retry(&self, attempt: i32, now: DateTime<Utc>) -> Retry {
        let doublings = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        let delay = self
            .retry_base
            .saturating_mul(1 << doublings)
            .min(self.retry_max);
        let jittered = delay.mul_f64(0.5 + 0.5 * unit_random());
        Retry {
            at: now + chrono::Duration::from_std(jittered).unwrap_or(chrono::Duration::MAX),
            give_up_after: self.give_up_after,
            disable_after: self.disable_after,
        }
    }
}

/// Delivers until `stop` turns true, reconnecting after database failures.
pub async fn run(url: String, settings: Settings, mut stop: watch::Receiver<bool>) {
    let sender = Rc::new(Sender::new(settings.policy));
    let settings = Rc::new(settings);
    while !*stop.borrow() {
        if let Err(error) = serve(&url, &settings, &sender, &mut stop).await {
            tracing::warn!(%error, "webhook deliveries paused: the database went away; retrying");
            tokio::select! {
                _ = actix_web::rt::time::sleep(RECONNECT_PAUSE) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

async fn serve(
    url: &str,
    settings: &Rc<Settings>,
    sender: &Rc<Sender>,
    stop: &mut watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut listener = db::connect(url).await?;
    diesel::sql_query(format!("LISTEN {WAKE_CHANNEL}"))
        .execute(&mut listener)
        .await?;
    // The claims live in this session: if it dies, PostgreSQL releases them, so this
    // instance must stop sending (returning drops every task) and start over.
    let mut claims = db::connect(url).await?;
    let pool = db::build_pool(
        url,
        PoolSettings {
            max_size: PARALLEL + 1,
            timeout: Duration::from_secs(10),
            statement_counter: None,
        },
    )?;
    let mut notifications = std::pin::pin!(listener.notifications_stream());
    let mut serving: HashSet<Uuid> = HashSet::new();
    let mut tasks = FuturesUnordered::new();
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        let wait = {
            let mut conn = pool.get().await?;
            for id in outbox::due_webhooks(&mut conn, 2 * PARALLEL as i64).await? {
                if serving.len() >= PARALLEL {
                    break;
                }
                if !serving.contains(&id) && outbox::try_claim(&mut claims, id).await? {
                    serving.insert(id);
                    tasks.push(serve_webhook(
                        id,
                        pool.clone(),
                        Rc::clone(sender),
                        Rc::clone(settings),
                        stop.clone(),
                    ));
                }
            }
            let busy: Vec<Uuid> = serving.iter().copied().collect();
            match outbox::next_due(&mut conn, &busy).await? {
                None => FALLBACK_POLL,
                Some(at) => (at - Utc::now())
                    .to_std()
                    .unwrap_or_default()
                    .clamp(HORIZON_POLL, FALLBACK_POLL),
            }
        };
        tokio::select! {
            woken = notifications.next() => match woken {
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error.into()),
                None => anyhow::bail!("the LISTEN connection closed"),
            },
            Some((id, served)) = tasks.next(), if !tasks.is_empty() => {
                serving.remove(&id);
                outbox::release(&mut claims, id).await?;
                if let Err(error) = served {
                    tracing::warn!(webhook = %id, %error, "webhook deliveries interrupted");
                }
            }
            _ = actix_web::rt::time::sleep(wait) => {
                // The claims' session must still be there for the claims to mean anything.
                db::ping(&mut claims).await?;
            }
            _ = stop.changed() => {}
        }
    }
}

/// Sends the subscription's due deliveries in order until none is left, it becomes
/// unreachable, or it is turned off.
async fn serve_webhook(
    id: Uuid,
    pool: DbPool,
    sender: Rc<Sender>,
    settings: Rc<Settings>,
    stop: watch::Receiver<bool>,
) -> (Uuid, anyhow::Result<()>) {
    let served = async {
        loop {
            let mut conn = pool.get().await?;
            let Some((mut webhook, due)) = outbox::due_deliveries(&mut conn, id, BATCH).await?
            else {
                return Ok(());
            };
            if due.is_empty() {
                return Ok(());
            }
            for delivery in &due {
                if *stop.borrow() {
                    return Ok(());
                }
                let attempt = attempt(&sender, &webhook.url, &webhook.secret, delivery, id).await;
                let retry = settings.retry(delivery.attempts + 1, Utc::now());
                let after =
                    attempts::record(&mut conn, &webhook, delivery, &attempt, retry).await?;
                if after.disabled || (attempt.unreachable && !attempt.succeeded()) {
                    return Ok(());
                }
                webhook.failing_since = after.failing_since;
                webhook.blocked_until = None;
            }
        }
    };
    (id, served.await)
}

async fn attempt(sender: &Sender, url: &str, secret: &str, due: &Due, webhook: Uuid) -> Attempt {
    let payload = payload::build(due, webhook);
    let timestamp = Utc::now().timestamp();
    match signature::sign(secret, &payload.id, timestamp, &payload.body) {
        Ok(signature) => {
            sender
                .send(Outgoing {
                    url,
                    id: &payload.id,
                    timestamp,
                    signature: &signature,
                    body: payload.body.clone(),
                })
                .await
        }
        Err(problem) => Attempt {
            started_at: Utc::now(),
            duration: Duration::ZERO,
            status: None,
            error: Some(problem),
            unreachable: true,
        },
    }
}

/// A number in [0, 1) from the operating system's generator (no seeding to get wrong).
fn unit_random() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            policy: TargetPolicy::default(),
            retry_base: Duration::from_secs(5),
            retry_max: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(86_400),
            disable_after: Duration::from_secs(3 * 86_400),
        }
    }

    #[test]
    fn retries_back_off_exponentially_with_jitter_up_to_the_maximum() {
        let now = Utc::now();
        for (attempt, full) in [(1, 5), (2, 10), (3, 20), (5, 80), (12, 3600), (40, 3600)] {
            for _ in 0..20 {
                let delay = (settings().retry(attempt, now).at - now).num_milliseconds();
                assert!(
                    delay >= full * 500 && delay <= full * 1000,
                    "attempt {attempt}: {delay} ms, not within [{}, {}]",
                    full * 500,
                    full * 1000
                );
            }
        }
    }

    #[test]
    fn a_day_of_retries_takes_dozens_of_attempts_not_thousands() {
        let settings = settings();
        let (mut at, mut attempts) = (Utc::now(), 0);
        let end = at + chrono::Duration::days(1);
        while at < end {
            attempts += 1;
            at = settings.retry(attempts, at).at;
        }
        assert!((24..80).contains(&attempts), "{attempts} attempts");
    }
}
