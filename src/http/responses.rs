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
