//! `Memo`: values derived from the data (serialized aggregates), kept by a key that names
//! everything they depend on, so a key that still matches is still right. Per instance; a
//! miss recomputes.

use actix_web::web::Bytes;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// Cheap to clone: clones share the same entries.
#[derive(Clone, Default)]
pub struct Memo {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    entries: Mutex<HashMap<String, Bytes>>,
    /// Held while a value is computed: concurrent first requests wait for one computation
    /// instead of each running it on the same cores.
    computing: tokio::sync::Mutex<()>,
}

impl Memo {
    const MAX_ENTRIES: usize = 64;

    /// The value kept for `key`, if any.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        self.shared.entries.lock().ok()?.get(key).cloned()
    }

    /// The value for `key`, computed by `compute` (one computation at a time) when not kept.
    pub async fn get_or_compute<E, F>(
        &self,
        key: String,
        compute: impl FnOnce() -> F,
    ) -> Result<Bytes, E>
    where
        F: Future<Output = Result<Bytes, E>>,
    {
        if let Some(value) = self.get(&key) {
            return Ok(value);
        }
        let _computing = self.shared.computing.lock().await;
        if let Some(value) = self.get(&key) {
            return Ok(value);
        }
        let value = compute().await?;
        if let Ok(mut entries) = self.shared.entries.lock() {
            if entries.len() >= Self::MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, value.clone());
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_kept_value_is_not_computed_again() {
        let memo = Memo::default();
        let first: Result<Bytes, ()> = memo
            .get_or_compute("k".into(), || async { Ok(Bytes::from_static(b"one")) })
            .await;
        let second: Result<Bytes, ()> = memo
            .get_or_compute("k".into(), || async { Ok(Bytes::from_static(b"two")) })
            .await;
        assert_eq!(first, Ok(Bytes::from_static(b"one")));
        assert_eq!(second, Ok(Bytes::from_static(b"one")));
        let failed: Result<Bytes, &str> = memo
            .get_or_compute("e".into(), || async { Err("no") })
            .await;
        assert_eq!(failed, Err("no"));
        assert_eq!(memo.get("e"), None, "a failure is not kept");
    }
}
