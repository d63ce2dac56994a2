//! Who is calling: bearer-token extractors and role checks. A handler that takes `AuthUser`
//! is protected; one that takes `ReadAccess` is readable anonymously only with public reads on.

pub mod handlers;
pub mod jwt;
pub mod password;
pub mod throttle;

pub use handlers::configure;

use crate::audit::model::Actor;
use crate::db::schema::users;
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::middleware::RequestId;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

/// A caller holding a valid token for an enabled user.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: Uuid,
    pub email: String,
    /// The current role (read from the database, so changes apply at once).
    pub role: Role,
    pub request_id: Option<String>,
}

impl AuthUser {
    /// 403 unless the user has at least `role` (viewer < analyst < admin).
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this operation needs the {role} role"
            )))
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The caller as the audit log records it.
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            id: self.id,
            email: &self.email,
            request_id: self.request_id.as_deref(),
        }
    }
}

/// Permission to read: a valid token, or none at all when public reads are on.
#[derive(Debug, Clone)]
pub struct ReadAccess(pub Option<AuthUser>);

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await?.ok_or(ApiError::Unauthorized) })
    }
}

impl FromRequest for ReadAccess {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Decided already for this request (by the read cache, before the handler).
        if let Some(access) = req.extensions().get::<ReadAccess>().cloned() {
            return Box::pin(async move { Ok(access) });
        }
        let req = req.clone();
        Box::pin(async move {
            match authenticate(&req).await? {
                Some(user) => Ok(ReadAccess(Some(user))),
                None if state(&req)?.public_read() => Ok(ReadAccess(None)),
                None => Err(ApiError::Unauthorized),
            }
        })
    }
}

fn state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState missing")))
}

/// `Ok(None)` without an Authorization header; 401 for any header that is not a valid token
/// of an enabled user whose token generation still matches.
async fn authenticate(req: &HttpRequest) -> Result<Option<AuthUser>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthorized)?;
    let state = state(req)?;
    let claims = state.jwt.verify(token).ok_or(ApiError::Unauthorized)?;
    let mut conn = state.db.conn().await?;
    let user: Option<(String, Role, bool, i32)> = users::table
        .find(claims.sub)
        .select((
            users::email,
            users::role,
            users::disabled,
            users::token_generation,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    match user {
        Some((email, role, false, generation)) if generation == claims.generation => {
            Ok(Some(AuthUser {
                id: claims.sub,
                email,
                role,
                request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
            }))
        }
        _ => Err(ApiError::Unauthorized),
    }
}
