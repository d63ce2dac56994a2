//! Keyset pages: `limit` + opaque `cursor` in, `{items, next_cursor}` + `Link` out.

use crate::error::ApiError;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// One page of a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The rows of this page, in the requested order.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Validates `limit`: default 50, 1..=200.
pub fn limit(raw: Option<&str>) -> Result<i64, ApiError> {
    let requested: Option<i64> = super::params::param("limit", raw, "a whole number")?;
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid(
            "query.limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        )),
    }
}

/// Encodes a position as an opaque cursor.
pub fn encode_cursor(key: &impl Serialize) -> String {
    // Serializing plain keys (strings, numbers, uuids) cannot fail.
    let json = serde_json::to_vec(key).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// Decodes a cursor made by `encode_cursor`; anything else is a 422 naming the parameter.
pub fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> Result<K, ApiError> {
    let bad = || ApiError::invalid("query.cursor", "is not a cursor this list returned");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    serde_json::from_slice(&bytes).map_err(|_| bad())
}

/// Decodes an optional cursor.
pub fn cursor<K: DeserializeOwned>(raw: Option<&str>) -> Result<Option<K>, ApiError> {
    raw.map(decode_cursor).transpose()
}

/// Trims a `limit + 1` fetch to `limit` rows and builds the next cursor from the last row.
pub fn into_page<R, T, K: Serialize>(
    mut rows: Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> K,
    map: impl FnMut(R) -> T,
) -> Page<T> {
    let has_more = crate::db::trim_to_limit(&mut rows, limit);
    let next_cursor = if has_more {
        rows.last().map(|r| encode_cursor(&key(r)))
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(map).collect(),
        next_cursor,
    }
}

/// Adds `Link: <...>; rel="next"` pointing at the same request with the next cursor.
pub fn link_next(req: &HttpRequest, response: &mut HttpResponse, next_cursor: Option<&str>) {
    let Some(cursor) = next_cursor else { return };
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    pairs.retain(|(k, _)| k != "cursor");
    pairs.push(("cursor".into(), cursor.into()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let link = format!("<{}?{}>; rel=\"next\"", req.path(), query);
    if let Ok(value) = header::HeaderValue::from_str(&link) {
        response.headers_mut().insert(header::LINK, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let key = (3, "POL-1".to_string());
        let back: (i32, String) = decode_cursor(&encode_cursor(&key)).expect("decodes");
        assert_eq!(back, key);
    }

    #[test]
    fn garbage_cursor_is_a_validation_error() {
        assert!(decode_cursor::<(i32, String)>("!!not-base64").is_err());
        assert!(decode_cursor::<(i32, String)>(&encode_cursor(&"x")).is_err());
    }

    #[test]
    fn limit_bounds() {
        assert_eq!(limit(None).ok(), Some(50));
        assert!(limit(Some("0")).is_err());
        assert!(limit(Some("201")).is_err());
        assert!(limit(Some("ten")).is_err());
        assert_eq!(limit(Some("200")).ok(), Some(200));
    }

    #[test]
    fn page_has_next_cursor_only_when_more_rows_exist() {
        let page = into_page(vec![1, 2, 3], 2, |r| *r, |r| r);
        assert_eq!(page.items, [1, 2]);
        assert_eq!(page.next_cursor, Some(encode_cursor(&2)));
        let last = into_page(vec![1, 2], 2, |r| *r, |r| r);
        assert!(last.next_cursor.is_none());
    }
}
