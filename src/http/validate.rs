//! Field checks that collect every problem of a body into one 422.

use crate::error::{ApiError, FieldError};

pub const CODE_MAX: usize = 32;
pub const TITLE_MAX: usize = 300;
pub const NOTE_MAX: usize = 10_000;
pub const TEXT_MAX: usize = 20_000;
pub const EXTERNAL_ID_MAX: usize = 100;
pub const URL_MAX: usize = 2_000;

#[derive(Debug, Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    pub fn new() -> Self {
        Self::default()
    }

    /// A problem with `field` when `bad` holds.
    pub fn fail_if(&mut self, bad: bool, field: &str, message: impl Into<String>) -> &mut Self {
        if bad {
            self.0.push(FieldError::new(field, message));
        }
        self
    }

    /// Text of `min..=max` characters without NUL characters.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> &mut Self {
        let chars = value.chars().count();
        if value.contains('\0') {
            self.0
                .push(FieldError::new(field, "must not contain NUL characters"));
        } else if chars < min {
            let message = if min == 1 {
                "must not be empty".to_owned()
            } else {
                format!("must be at least {min} characters")
            };
            self.0.push(FieldError::new(field, message));
        } else if chars > max {
            self.0.push(FieldError::new(
                field,
                format!("must be at most {max} characters"),
            ));
        }
        self
    }

    pub fn opt_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        min: usize,
        max: usize,
    ) -> &mut Self {
        if let Some(value) = value {
            self.text(field, value, min, max);
        }
        self
    }

    /// An absolute http(s) URL: the scheme, then at least one character that is neither
    /// white space nor a control character (the `HttpUrl` schema's pattern).
    pub fn url(&mut self, field: &str, value: &str) -> &mut Self {
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"));
        let ok = rest.is_some_and(|rest| {
            !rest.is_empty() && !rest.chars().any(|c| c.is_whitespace() || c.is_control())
        }) && value.chars().count() <= URL_MAX;
        self.fail_if(
            !ok,
            field,
            "must be an absolute http or https URL of at most 2000 characters",
        )
    }

    /// A plausible email address in printable ASCII: one `@`, something before it, and a
    /// domain with a dot inside it (the `CreateUserRequest.email` schema's pattern).
    pub fn email(&mut self, field: &str, value: &str) -> &mut Self {
        let inner_dot = |domain: &str| {
            domain
                .char_indices()
                .any(|(i, c)| c == '.' && i > 0 && i + 1 < domain.len())
        };
        let ok = value.chars().count() <= 254
            && value.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && !domain.contains('@') && inner_dot(domain)
            })
            && value.bytes().all(|b| b.is_ascii_graphic());
        self.fail_if(!ok, field, "must be an email address")
    }

    /// A recommendation code: upper-case letters, digits, `-`, `_`, `.`; 1 to 32 characters.
    pub fn code(&mut self, field: &str, value: &str) -> &mut Self {
        let ok = code_like(value, b"-_.");
        self.fail_if(
            !ok,
            field,
            "must be 1 to 32 upper-case letters, digits, '-', '_' or '.'",
        )
    }

    /// An agency code: upper-case letters, digits, `-`, `_`; 1 to 32 characters.
    pub fn agency_code(&mut self, field: &str, value: &str) -> &mut Self {
        let ok = code_like(value, b"-_");
        self.fail_if(
            !ok,
            field,
            "must be 1 to 32 upper-case letters, digits, '-' or '_'",
        )
    }

    /// A slug: lower-case letters, digits and `-`, starting with a letter or digit.
    pub fn slug(&mut self, field: &str, value: &str, max: usize) -> &mut Self {
        let ok = !value.is_empty()
            && value.len() <= max
            && value
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        self.fail_if(
            !ok,
            field,
            format!("must be 1 to {max} lower-case letters, digits or '-'"),
        )
    }

    /// Every problem found, for callers that report them in their own shape (imports).
    pub fn into_errors(self) -> Vec<FieldError> {
        self.0
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

/// Starts with an upper-case letter or digit, then those or `punctuation`; 1 to 32 bytes.
fn code_like(value: &str, punctuation: &[u8]) -> bool {
    !value.is_empty()
        && value.len() <= CODE_MAX
        && value
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || punctuation.contains(&b))
}

/// An absolute http or https URL (at most 2,000 characters), as the API documents it.
#[derive(utoipa::ToSchema)]
#[schema(
    value_type = String,
    max_length = 2000,
    pattern = "^https?://[^\\s\\x00-\\x1f\\x7f-\\x9f]+$",
    example = "https://www.state.gov/example-joint-statement"
)]
#[allow(dead_code, reason = "exists only for its OpenAPI description")]
pub struct HttpUrl(String);

/// For PATCH bodies: tells an absent field (`None`) from an explicit null (`Some(None)`).
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_problem() {
        let mut checks = Checks::new();
        checks
            .text("/title", "", 1, 300)
            .text("/note", "a\0b", 1, 10)
            .url("/evidence_urls/0", "ftp://x")
            .url("/evidence_urls/1", "http://")
            .code("/code", "pol-1");
        match checks.finish() {
            Err(ApiError::Validation(errors)) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(
                    fields,
                    [
                        "/title",
                        "/note",
                        "/evidence_urls/0",
                        "/evidence_urls/1",
                        "/code"
                    ]
                );
            }
            other => panic!("expected validation errors, got {other:?}"),
        }
    }

    #[test]
    fn emails_and_urls_follow_their_documented_patterns() {
        let mut good = Checks::new();
        good.email("/e", "a@b.c")
            .email("/e", "x.y@mail.example.org")
            .url("/u", "http://x")
            .agency_code("/c", "KR-MSIT");
        assert!(good.finish().is_ok());
        for email in [
            "a@.b", "a@b.", "a@b@c.d", "@b.c", "a b@c.d", "ab.cd", "é@b.c",
        ] {
            let mut bad = Checks::new();
            bad.email("/e", email);
            assert!(bad.finish().is_err(), "{email}");
        }
        let mut bad = Checks::new();
        bad.agency_code("/c", "KR.MSIT");
        assert!(bad.finish().is_err());
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let mut checks = Checks::new();
        checks.text("/t", "한국어", 1, 3);
        assert!(checks.finish().is_ok());
    }
}
