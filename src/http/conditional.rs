//! ETags: `If-None-Match` on reads (304) and `If-Match` on writes (428/412).
//!
//! Single resources carry a strong tag built from their `version`, so `If-Match` compares
//! versions. Derived fields (`stale`, `overdue`) change with the calendar, so the tag also
//! names the day; `If-Match` ignores that part, `If-None-Match` does not. Lists carry a weak
//! tag hashed from the body.

use crate::error::ApiError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

/// The strong ETag of a versioned resource's representation, e.g. `"v3.20417"`.
pub fn version_tag(version: i32, variant: &str) -> String {
    let day = chrono::Utc::now().date_naive().to_epoch_days();
    if variant.is_empty() {
        format!("\"v{version}.{day}\"")
    } else {
        format!("\"v{version}.{day}.{variant}\"")
    }
}

/// A strong ETag that If-Match accepts (it names `version`) and that still moves when the
/// body changes without a new version (counts of other rows, derived fields).
fn version_and_body_tag(version: i32, body: &[u8]) -> String {
    let weak = body_tag(body);
    version_tag(version, weak.trim_start_matches("W/").trim_matches('"'))
}

/// As [`json_with_etag`], tagged with [`version_and_body_tag`]: serialized once.
pub fn json_with_version_and_body_tag(
    req: &HttpRequest,
    value: &impl Serialize,
    version: i32,
) -> Result<HttpResponse, ApiError> {
    let body = serde_json::to_vec(value).map_err(anyhow::Error::from)?;
    let etag = version_and_body_tag(version, &body);
    Ok(json_body_with_etag(req, body, etag))
}

/// A weak ETag over a serialized body. foldhash with a fixed seed: the same in every instance
/// of one build, and far cheaper than SipHash. A different build may tag the same body
/// differently; a weak tag only costs a client one full answer then.
pub fn body_tag(body: &[u8]) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = foldhash::quality::FixedState::with_seed(0).build_hasher();
    hasher.write(body);
    format!("W/\"{:016x}{:08x}\"", hasher.finish(), body.len())
}

/// Serializes `value` and answers 304 when the client already holds `etag`.
pub fn json_with_etag(
    req: &HttpRequest,
    value: &impl Serialize,
    etag: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let body = serde_json::to_vec(value).map_err(anyhow::Error::from)?;
    let etag = etag.unwrap_or_else(|| body_tag(&body));
    Ok(json_body_with_etag(req, body, etag))
}

fn json_body_with_etag(req: &HttpRequest, body: Vec<u8>, etag: String) -> HttpResponse {
    if none_match(req, &etag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .finish();
    }
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// A 304 when the client already holds `etag`; lets a handler skip building the body.
pub fn not_modified(req: &HttpRequest, etag: &str) -> Option<HttpResponse> {
    none_match(req, etag).then(|| {
        HttpResponse::NotModified()
            .insert_header((header::ETAG, etag.to_owned()))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .finish()
    })
}

/// Whether the request carries `If-None-Match` at all.
pub fn has_if_none_match(req: &HttpRequest) -> bool {
    req.headers().contains_key(header::IF_NONE_MATCH)
}

/// True when `If-None-Match` lists `etag` (weak comparison) or is `*`.
fn none_match(req: &HttpRequest, etag: &str) -> bool {
    let ours = opaque(etag);
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || opaque(t) == ours)
}

fn opaque(tag: &str) -> &str {
    tag.trim_start_matches("W/")
}

/// The version an `If-Match` header names; 428 when absent, 412 when it names no version.
pub fn required_version(req: &HttpRequest) -> Result<i32, ApiError> {
    let value = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(ApiError::PreconditionRequired)?;
    parse_version(value).ok_or(ApiError::PreconditionFailed)
}

fn parse_version(value: &HeaderValue) -> Option<i32> {
    let text = value.to_str().ok()?.trim();
    // Weak tags never match under If-Match (RFC 9110 §13.1.1).
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let digits = inner.strip_prefix('v')?.split('.').next()?;
    digits.parse().ok()
}

/// A file answer (CSV, a workbook) with a weak tag of its bytes: 304 when the client has it.
pub fn download(
    req: &HttpRequest,
    body: Vec<u8>,
    content_type: &str,
    disposition: &str,
) -> HttpResponse {
    let etag = body_tag(&body);
    let cached = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag.trim_start_matches("W/"))
        });
    let mut builder = if cached {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    builder
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_DISPOSITION, disposition.to_owned()));
    if cached {
        builder.finish()
    } else {
        builder.content_type(content_type.to_owned()).body(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_reads_the_version_and_ignores_the_day() {
        let tag = version_tag(7, "");
        assert_eq!(
            parse_version(&HeaderValue::from_str(&tag).expect("ascii")),
            Some(7)
        );
        assert_eq!(
            parse_version(&HeaderValue::from_static("\"v12.1.x\"")),
            Some(12)
        );
    }

    #[test]
    fn body_tags_follow_the_content_and_are_repeatable() {
        let body = br#"{"items":[{"title":"A recommendation"}]}"#;
        assert_eq!(body_tag(body), body_tag(body));
        let mut changed = body.to_vec();
        changed[20] ^= 1;
        assert_ne!(body_tag(body), body_tag(&changed));
        assert!(body_tag(body).starts_with("W/\""));
    }

    #[test]
    fn weak_or_foreign_tags_name_no_version() {
        assert_eq!(parse_version(&HeaderValue::from_static("W/\"v3.1\"")), None);
        assert_eq!(parse_version(&HeaderValue::from_static("\"abc\"")), None);
        assert_eq!(parse_version(&HeaderValue::from_static("*")), None);
    }
}
