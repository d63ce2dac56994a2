//! Query parameters: each parsed into its type, a problem naming `query.<name>` otherwise.

use crate::error::ApiError;
use std::str::FromStr;

/// Parses an optional query parameter, naming it (`query.<name>`) when it does not parse.
pub fn param<T: FromStr>(
    name: &str,
    raw: Option<&str>,
    expected: &str,
) -> Result<Option<T>, ApiError> {
    raw.map(|v| {
        v.trim()
            .parse::<T>()
            .map_err(|_| ApiError::invalid(format!("query.{name}"), format!("must be {expected}")))
    })
    .transpose()
}

/// Parses a comma-separated list of closed-set values, naming the parameter on error.
pub fn list<T: FromStr<Err = String>>(name: &str, raw: Option<&str>) -> Result<Vec<T>, ApiError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<T>()
                .map_err(|e| ApiError::invalid(format!("query.{name}"), format!("{s:?} {e}")))
        })
        .collect()
}

/// A free-text parameter naming a report, category or agency: bounded, without NUL.
pub fn reference<'a>(name: &str, raw: Option<&'a str>) -> Result<Option<&'a str>, ApiError> {
    match raw {
        Some(value) if value.chars().count() > 100 || value.contains('\0') => Err(
            ApiError::invalid(format!("query.{name}"), "is too long or contains NUL"),
        ),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Status;

    #[test]
    fn lists_parse_each_value_and_name_the_parameter_on_error() {
        let statuses: Vec<Status> = list("status", Some("in_progress, stalled,")).expect("valid");
        assert_eq!(statuses, [Status::InProgress, Status::Stalled]);
        match list::<Status>("status", Some("done")) {
            Err(ApiError::Validation(errors)) => assert_eq!(errors[0].field, "query.status"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
}
