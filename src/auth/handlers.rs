//! Token issuance and the caller's own identity.

use super::{AuthUser, password, throttle};
use crate::db::schema::users;
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::json::Json;
use crate::http::responses as r;
use crate::state::AppState;
use crate::users::dto::UserDto;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_token).service(get_me);
}

/// Credentials to trade for an access token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "analyst@example.org", "password": "a long passphrase"}))]
pub struct TokenRequest {
    /// The account's email address.
    #[schema(max_length = 254)]
    pub email: String,
    /// The account's password.
    #[schema(max_length = 1024)]
    pub password: String,
}

/// A bearer token for the `Authorization` header.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// The JWT; send it as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

/// Get an access token
///
/// Trades email and password for a short-lived bearer token. Repeated failures for one
/// account or from one client address are throttled (429 with Retry-After).
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    security(),
    responses(
        (status = 200, description = "A new access token", body = TokenResponse),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 429, response = r::TooManyRequests),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/auth/token")]
#[tracing::instrument(skip_all)]
pub async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let TokenRequest { email, password } = body.into_inner();
    let email = email.trim().to_lowercase();
    if email.is_empty()
        || email.len() > 254
        || email.contains('\0')
        || password.len() > password::MAX_LENGTH
        || password.contains('\0')
    {
        return Err(ApiError::Unauthorized);
    }
    let client = req.peer_addr().map(|a| a.ip().to_string());
    let keys = throttle::keys(&email, client.as_deref());
    let mut conn = state.db.conn().await?;
    if let Some(retry_after_secs) = throttle::blocked_for(&mut conn, &keys).await? {
        return Err(ApiError::TooManyRequests { retry_after_secs });
    }
    let account: Option<(Uuid, String, Role, bool, i32)> = users::table
        .filter(users::email.eq(&email))
        .select((
            users::id,
            users::password_hash,
            users::role,
            users::disabled,
            users::token_generation,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    let stored = account.as_ref().map(|a| a.1.clone());
    // Verification (and the decoy's first computation) is CPU-heavy: off the async workers.
    let matches = web::block(move || {
        password::verify(
            stored.as_deref().unwrap_or(password::decoy_hash()),
            &password,
        )
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?;
    match account {
        Some((id, _, role, false, generation)) if matches => {
            throttle::clear_account(&mut conn, &email).await?;
            let token = state.jwt.issue(id, role, generation)?;
            Ok(HttpResponse::Ok().json(TokenResponse {
                access_token: token,
                token_type: "Bearer".into(),
                expires_in: state.jwt.ttl.as_secs(),
            }))
        }
        _ => {
            throttle::record_failure(&mut conn, &keys).await?;
            Err(ApiError::Unauthorized)
        }
    }
}

/// Who am I
///
/// The account the bearer token belongs to.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = UserDto),
        (status = 401, response = r::Unauthorized),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/auth/me")]
#[tracing::instrument(skip_all)]
pub async fn get_me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let account = crate::users::queries::find_account(&mut conn, user.id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    Ok(HttpResponse::Ok().json(UserDto::from(account)))
}
