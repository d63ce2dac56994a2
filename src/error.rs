//! `ApiError`, the service's only error response, rendered as RFC 9457 problem+json.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// One problem with one input field.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// Where the problem is: a JSON pointer into the body (`/note`) or a parameter (`query.limit`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{resource} {id} not found")]
    NotFound { resource: &'static str, id: String },
    #[error("the request is malformed: {0}")]
    BadRequest(String),
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("authentication required")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} is not allowed here; allowed: {1}")]
    MethodNotAllowed(String, String),
    #[error("the resource changed since it was read")]
    PreconditionFailed,
    #[error("this write needs an If-Match header")]
    PreconditionRequired,
    #[error("the body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("unsupported content type")]
    UnsupportedMediaType,
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("the database is unavailable")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// An RFC 9457 problem details document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:policytrack:problem:not-found",
    "title": "Not Found",
    "status": 404,
    "detail": "recommendation 0b7c0c8e-1c8d-4a53-9d0c-0f1d3f0e6f3a not found"
}))]
pub struct Problem {
    /// A stable URI naming the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the problem kind.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// Field-level problems (validation failures only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ApiError {
    fn kind(&self) -> (StatusCode, &'static str) {
        match self {
            Self::NotFound { .. } => (StatusCode::NOT_FOUND, "not-found"),
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request"),
            Self::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::MethodNotAllowed(..) => (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed"),
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::PreconditionFailed => (StatusCode::PRECONDITION_FAILED, "precondition-failed"),
            Self::PreconditionRequired => {
                (StatusCode::PRECONDITION_REQUIRED, "precondition-required")
            }
            Self::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"),
            Self::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type")
            }
            Self::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "too-many-requests"),
            Self::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// 404 for the `resource` with `id` (or whatever named it: a code, a path).
    pub fn not_found(resource: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            resource,
            id: id.to_string(),
        }
    }

    /// Maps a unique-key violation to a 409 saying `message`; any other error as usual.
    /// Use as `.map_err(ApiError::conflict_as("a report with this slug exists"))`.
    pub fn conflict_as(message: impl Into<String>) -> impl FnOnce(diesel::result::Error) -> Self {
        let message = message.into();
        move |error| match error {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => Self::Conflict(message),
            other => Self::from(other),
        }
    }

    /// A validation error about one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn to_problem(&self) -> Problem {
        let (status, slug) = self.kind();
        let detail = match self {
            // Never echo internals to clients; the cause is logged instead.
            Self::Internal(_) => "an unexpected error occurred; it has been logged".to_owned(),
            Self::Validation(errors) if errors.len() == 1 => {
                format!("{}: {}", errors[0].field, errors[0].message)
            }
            other => other.to_string(),
        };
        Problem {
            problem_type: format!("urn:policytrack:problem:{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors: match self {
                Self::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind().0
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        match self {
            Self::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::MethodNotAllowed(_, allowed) => {
                response.insert_header((header::ALLOW, allowed.clone()));
            }
            Self::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            _ => {}
        }
        response.json(self.to_problem())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match &error {
            Error::NotFound => Self::NotFound {
                resource: "resource",
                id: String::new(),
            },
            Error::DatabaseError(Kind::UniqueViolation, _) => {
                Self::Conflict("a resource with the same unique key already exists".into())
            }
            Error::DatabaseError(Kind::ForeignKeyViolation, _) => Self::invalid(
                "",
                "refers to a resource that does not exist or is still referenced",
            ),
            Error::DatabaseError(Kind::CheckViolation, info) => {
                Self::invalid(info.constraint_name().unwrap_or(""), "violates a data rule")
            }
            // A NUL character that reached a statement: every text field refuses it first.
            Error::DatabaseError(Kind::Unknown, info)
                if info
                    .message()
                    .starts_with("invalid byte sequence for encoding") =>
            {
                Self::invalid("", "contains a NUL character")
            }
            // PostgreSQL failed this transaction to break a deadlock with another (or a
            // serialization conflict): nothing was written, and the same request again works.
            Error::DatabaseError(Kind::SerializationFailure, _) => Self::Conflict(RETRY.into()),
            Error::DatabaseError(_, info) if info.message().starts_with("deadlock detected") => {
                Self::Conflict(RETRY.into())
            }
            Error::DatabaseError(Kind::ClosedConnection, _) | Error::BrokenTransactionManager => {
                Self::Unavailable
            }
            Error::DatabaseError(Kind::Unknown, info) if database_unreachable(info.message()) => {
                Self::Unavailable
            }
            // Also failures wrapped by the transaction manager (a COMMIT and its ROLLBACK both
            // failing on a dropped connection).
            other if database_unreachable(&other.to_string()) => Self::Unavailable,
            _ => Self::Internal(anyhow::Error::new(error)),
        }
    }
}

const RETRY: &str = "a concurrent change conflicted with this one; nothing was written, try again";

/// Messages PostgreSQL and the driver give when the server went away or is not (yet) there:
/// the request may succeed later, so they are 503, not 500.
fn database_unreachable(message: &str) -> bool {
    const TRANSIENT: [&str; 11] = [
        "statement timeout",
        "terminating connection",
        "connection closed",
        "error communicating with the server",
        "unexpected EOF",
        "Connection reset",
        "Broken pipe",
        "database system is shutting down",
        "database system is starting up",
        "not yet accepting connections",
        "server closed the connection",
    ];
    TRANSIENT.iter().any(|t| message.contains(t))
}

impl From<crate::db::Unavailable> for ApiError {
    fn from(_: crate::db::Unavailable) -> Self {
        Self::Unavailable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let problem =
            ApiError::Internal(anyhow::anyhow!("relation \"secret\" does not exist")).to_problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("secret"));
    }

    #[test]
    fn validation_problems_list_fields() {
        let problem = ApiError::invalid("/note", "must not be empty").to_problem();
        assert_eq!(problem.status, 422);
        assert_eq!(
            problem.errors,
            vec![FieldError::new("/note", "must not be empty")]
        );
        assert_eq!(problem.problem_type, "urn:policytrack:problem:validation");
    }

    #[test]
    fn a_vanished_database_is_503_not_500() {
        use diesel::result::{DatabaseErrorKind, Error};
        let err: ApiError = Error::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("terminating connection due to administrator command".to_owned()),
        )
        .into();
        assert_eq!(err.status_code(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn a_commit_lost_with_the_connection_is_503() {
        use diesel::result::{DatabaseErrorKind, Error};
        let closed = || {
            Box::new(Error::DatabaseError(
                DatabaseErrorKind::Unknown,
                Box::new("connection closed".to_owned()),
            ))
        };
        let err: ApiError = Error::RollbackErrorOnCommit {
            rollback_error: closed(),
            commit_error: closed(),
        }
        .into();
        assert_eq!(err.status_code(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn a_deadlock_is_a_conflict_to_retry_not_a_500() {
        use diesel::result::{DatabaseErrorKind, Error};
        for (kind, message) in [
            (DatabaseErrorKind::Unknown, "deadlock detected"),
            (
                DatabaseErrorKind::SerializationFailure,
                "could not serialize access",
            ),
        ] {
            let err: ApiError = Error::DatabaseError(kind, Box::new(message.to_owned())).into();
            assert_eq!(err.status_code(), StatusCode::CONFLICT, "{message}");
            assert!(err.to_problem().detail.contains("try again"));
        }
    }

    #[test]
    fn diesel_not_found_maps_to_404() {
        let err: ApiError = diesel::result::Error::NotFound.into();
        assert_eq!(err.status_code(), StatusCode::NOT_FOUND);
    }
}
