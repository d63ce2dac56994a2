//! What the read cache holds: whole responses (or only their ETags), and the ticket a miss
//! keeps its response with.

use super::Shared;
use crate::http::conditional;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Bodies held at most, in bytes: keeps the service well inside its memory budget.
const BUDGET_BYTES: usize = 8 << 20;
/// Larger bodies (very long CSV exports) are not worth holding.
const MAX_ENTRY_BYTES: usize = 1 << 20;

#[derive(Default)]
pub(super) struct Entries {
    pub(super) map: HashMap<String, Entry>,
    bytes: usize,
}

pub(super) struct Entry {
    pub(super) generation: u64,
    pub(super) day: NaiveDate,
    pub(super) headers: HeaderMap,
    /// `None`: only the current ETag is known (the read was answered 304), which is enough
    /// to answer clients polling with `If-None-Match`.
    pub(super) body: Option<Bytes>,
}

/// A miss, remembering the generation the read began in.
pub(super) struct Ticket {
    pub(super) slot: Option<(Arc<Shared>, String, u64, NaiveDate)>,
    /// Set when this read is the one others wait for: dropping the ticket releases them.
    pub(super) building: Option<(Arc<Shared>, String)>,
}

impl Ticket {
    pub(super) fn idle(slot: Option<(Arc<Shared>, String, u64, NaiveDate)>) -> Self {
        Ticket {
            slot,
            building: None,
        }
    }

    /// Keeps a 200 response (or, from a 304, the current ETag) for the generation the read
    /// began in, and returns it.
    pub(super) fn keep(mut self, response: HttpResponse) -> HttpResponse {
        let Some((shared, key, generation, day)) = self.slot.take() else {
            return response;
        };
        let remember = |body: Option<Bytes>, headers: &HeaderMap| {
            if let Ok(mut entries) = shared.entries.lock() {
                let entry = Entry {
                    generation,
                    day,
                    headers: headers.clone(),
                    body,
                };
                entries.insert(key, entry, shared.generation.load(Ordering::SeqCst));
            }
        };
        match response.status() {
            StatusCode::NOT_MODIFIED => {
                remember(None, response.headers());
                response
            }
            StatusCode::OK => {
                let (head, body) = response.into_parts();
                match body.try_into_bytes() {
                    Ok(bytes) => {
                        if bytes.len() <= MAX_ENTRY_BYTES {
                            remember(Some(bytes.clone()), head.headers());
                        }
                        head.set_body(BoxBody::new(bytes))
                    }
                    Err(body) => head.set_body(body),
                }
            }
            _ => response,
        }
    }
}

impl Drop for Ticket {
    /// Releases the reads waiting for this one, whether it was kept, failed or was cancelled.
    fn drop(&mut self) {
        if let Some((shared, key)) = self.building.take()
            && let Ok(mut building) = shared.building.lock()
            && let Some(waiting) = building.remove(&key)
        {
            waiting.notify_waiters();
        }
    }
}

impl Entries {
    pub(super) fn insert(&mut self, key: String, entry: Entry, current: u64) {
        if entry.body.is_none()
            && self
                .map
                .get(&key)
                .is_some_and(|held| held.generation == entry.generation && held.body.is_some())
        {
            return; // The full entry answers conditional reads too.
        }
        let size = entry.size(&key);
        if self.bytes + size > BUDGET_BYTES {
            self.map.retain(|_, e| e.generation == current);
            self.bytes = self.map.iter().map(|(k, e)| e.size(k)).sum();
            if self.bytes + size > BUDGET_BYTES {
                self.map.clear();
                self.bytes = 0;
            }
        }
        if let Some(old) = self.map.insert(key.clone(), entry) {
            self.bytes -= old.size(&key);
        }
        self.bytes += size;
    }
}

impl Entry {
    pub(super) fn size(&self, key: &str) -> usize {
        key.len() + self.body.as_ref().map_or(0, Bytes::len)
    }

    /// The answer this entry gives `req`: 304 when `If-None-Match` holds its ETag, else the
    /// body; `None` when it holds no body and the client's tag is not current.
    pub(super) fn respond(&self, req: &HttpRequest) -> Option<HttpResponse> {
        let etag = self
            .headers
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !etag.is_empty()
            && let Some(mut not_modified) = conditional::not_modified(req, etag)
        {
            // A 304 describes the representation it stands for: its language and variance.
            for name in [header::CONTENT_LANGUAGE, header::VARY] {
                for value in self.headers.get_all(&name) {
                    not_modified
                        .headers_mut()
                        .append(name.clone(), value.clone());
                }
            }
            return Some(not_modified);
        }
        let mut response = HttpResponse::Ok().body(self.body.clone()?);
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
        Some(response)
    }
}
