//! Reusable OpenAPI responses for the problem+json errors, so each operation lists its error
//! statuses in one line each and the document defines them once.

use crate::error::Problem;
use utoipa::ToResponse;

macro_rules! problem_responses {
    ($( $(#[$doc:meta])* $name:ident => $description:literal ),+ $(,)?) => {
        $(
            $(#[$doc])*
            #[derive(ToResponse)]
            #[response(description = $description, content_type = "application/problem+json")]
            #[allow(dead_code, reason = "exists only for its OpenAPI description")]
            pub struct $name(Problem);
        )+
    };
}

problem_responses! {
    BadRequest => "The request is malformed (bad JSON, bad UTF-8)",
    Unauthorized => "Missing or invalid bearer token",
    Forbidden => "The token's user lacks the role this operation needs",
    NotFound => "No such resource",
    Conflict => "The change conflicts with the resource's state",
    PreconditionFailed => "The resource changed since the ETag in If-Match was read",
    PayloadTooLarge => "The body is larger than 1 MiB",
    UnsupportedMediaType => "The body is not application/json",
    Unprocessable => "Invalid input; `errors` names each bad field or parameter",
    PreconditionRequired => "The write needs an If-Match header with the resource's ETag",
    TooManyRequests => "Too many failed attempts; wait the seconds in Retry-After",
    Unavailable => "The database is unavailable; retry later",
}

/// Response sets that operations share, each written once. An operation lists its success
/// response, one of these, and any status of its own.
macro_rules! response_sets {
    ($(
        $(#[$doc:meta])*
        $set:ident { $( $status:literal => $variant:ident ),+ $(,)? }
    )+) => {
        $(
            $(#[$doc])*
            #[derive(utoipa::IntoResponses)]
            #[allow(dead_code, reason = "exists only for its OpenAPI description")]
            pub enum $set {
                $(
                    #[response(status = $status)]
                    $variant(#[ref_response] $variant),
                )+
            }
        )+
    };
}

/// 304 for a GET whose ETag still matches `If-None-Match`.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 304,
    description = "Not modified since the ETag in If-None-Match"
)]
pub struct NotModified;

response_sets! {
    /// A list read: 401, 422 (bad parameters), 503.
    ListErrors { 401 => Unauthorized, 422 => Unprocessable, 503 => Unavailable }
    /// A read of one resource: 401, 404, 503.
    ItemErrors { 401 => Unauthorized, 404 => NotFound, 503 => Unavailable }
    /// A create: bad body (400, 413, 415, 422), 401, 403, 503.
    CreateErrors {
        400 => BadRequest, 401 => Unauthorized, 403 => Forbidden, 413 => PayloadTooLarge,
        415 => UnsupportedMediaType, 422 => Unprocessable, 503 => Unavailable,
    }
    /// A write to an existing resource with If-Match: a create's errors, plus 404, 412, 428.
    VersionedWriteErrors {
        400 => BadRequest, 401 => Unauthorized, 403 => Forbidden, 404 => NotFound,
        412 => PreconditionFailed, 413 => PayloadTooLarge, 415 => UnsupportedMediaType,
        422 => Unprocessable, 428 => PreconditionRequired, 503 => Unavailable,
    }
    /// A delete with If-Match: 401, 403, 404, 412, 428, 503.
    DeleteErrors {
        401 => Unauthorized, 403 => Forbidden, 404 => NotFound, 412 => PreconditionFailed,
        428 => PreconditionRequired, 503 => Unavailable,
    }
}
