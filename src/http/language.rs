//! Which language a read answers in: `lang=` or `Accept-Language`, and the headers that say
//! what was chosen (`Content-Language`, `Vary: Accept-Language`).

use crate::domain::Language;
use crate::domain::language::Preference;
use crate::error::ApiError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

/// The reader's languages: `lang=` alone when given (422 when we keep no such language),
/// else `Accept-Language` (languages we do not keep are skipped).
pub fn preference(req: &HttpRequest, lang: Option<&str>) -> Result<Preference, ApiError> {
    if let Some(lang) = lang {
        let language = lang
            .trim()
            .to_ascii_lowercase()
            .parse::<Language>()
            .map_err(|message| ApiError::invalid("lang", message))?;
        return Ok(Preference::only(language));
    }
    Ok(accepted(req))
}

/// `Accept-Language` as a preference; none when absent or unreadable.
pub fn accepted(req: &HttpRequest) -> Preference {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Preference::from_accept_language)
        .unwrap_or_default()
}

/// Says which languages `response` is in (each once, the reader's preferred first) and
/// that it varies by `Accept-Language`.
pub fn mark(
    response: &mut HttpResponse,
    shown: impl IntoIterator<Item = Language>,
    preference: &Preference,
) {
    let mut languages: Vec<Language> = Vec::new();
    for language in shown {
        if !languages.contains(&language) {
            languages.push(language);
        }
    }
    let wanted = preference.languages();
    let rank = |l: &Language| wanted.iter().position(|w| w == l).unwrap_or(wanted.len());
    languages.sort_by_key(rank);
    let languages: Vec<&str> = languages.iter().map(|l| l.as_str()).collect();
    let headers = response.headers_mut();
    if !languages.is_empty()
        && let Ok(value) = HeaderValue::from_str(&languages.join(", "))
    {
        headers.insert(header::CONTENT_LANGUAGE, value);
    }
    headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
}
