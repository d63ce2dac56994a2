//! `policytrack events tail`: follows the feed in the database and hands each new event, as
//! the API shows it, to the caller as one line of JSON, in the feed's commit-safe order.

use super::dto::EventOut;
use super::model::{EventType, FeedQuery, Position};
use super::queries;
use crate::db;
use std::time::Duration;

/// Events read at a time.
const PAGE: i64 = 200;
/// How often the feed is read when the last read found nothing new.
const POLL: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TailOptions {
    /// From the first event, rather than from the ones that come after the start.
    pub from_start: bool,
    /// Only these types (empty: every type).
    pub types: Vec<EventType>,
}

/// Follows the feed until `emit` fails (a closed pipe ends it) or the database goes away.
/// `started` is called once, with the position following begins after.
pub async fn follow(
    url: &str,
    options: &TailOptions,
    started: impl FnOnce(Position),
    mut emit: impl FnMut(&str) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut conn = db::connect(url).await?;
    let mut after = if options.from_start {
        Position::default()
    } else {
        queries::latest(&mut conn).await?
    };
    started(after);
    loop {
        let query = FeedQuery {
            after: Some(after),
            types: options.types.clone(),
            report: None,
            recommendation: None,
            limit: PAGE,
        };
        let mut events = queries::feed(&mut conn, &query).await?;
        let more = events.len() as i64 > PAGE;
        events.truncate(PAGE as usize);
        for event in events {
            after = event.position();
            emit(&serde_json::to_string(&EventOut::from(event))?)?;
        }
        if !more {
            tokio::time::sleep(POLL).await;
        }
    }
}
