//! Who is calling: bearer-token extractors and role checks. A handler that takes `AuthUser`
//! is protected; one that takes `ReadAccess` is readable anonymously only with public reads on.

pub mod handlers;
pub mod jwt;
pub mod machine_token;
pub mod password;
pub mod principals;
pub mod throttle;

pub use handlers::configure;

use crate::audit::model::Actor;
use crate::domain::{Role, TokenAccess, WriteScope};
use crate::error::ApiError;
use crate::http::middleware::RequestId;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use principals::{Credential, TokenGrant};
use std::sync::Arc;
use uuid::Uuid;

/// A caller holding a valid session token of an enabled user, or a machine token of one.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: Uuid,
    pub email: Arc<str>,
    /// The current role (changes apply within the read cache's window, on this instance at
    /// once).
    pub role: Role,
    /// The agencies the user belongs to; an analyst with any is limited to their work.
    pub agencies: Arc<[Uuid]>,
    /// Set when the caller presented a machine token: its limits apply on top.
    pub token: Option<TokenGrant>,
    pub request_id: Option<String>,
}

impl AuthUser {
    /// 403 unless the user has at least `role` (viewer < analyst < reviewer < admin) and the
    /// credential may write: every caller of `require` is about to change something.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if let Some(token) = &self.token {
            if token.access == TokenAccess::Read {
                return Err(ApiError::Forbidden(
                    "this token has read access only: it cannot make changes".into(),
                ));
            }
            if token.report.is_some() && role == Role::Admin {
                return Err(ApiError::Forbidden(
                    "this token is limited to one report: administration needs another \
                     credential"
                        .into(),
                ));
            }
        }
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this operation needs the {role} role"
            )))
        }
    }

    /// 403 for a machine token: some acts (managing tokens) need the person signed in.
    pub fn require_signed_in_person(&self) -> Result<(), ApiError> {
        match self.token {
            Some(_) => Err(ApiError::Forbidden(
                "a machine token cannot do this: sign in with email and password".into(),
            )),
            None => Ok(()),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The agencies whose work an analyst is limited to; `None` for unscoped callers
    /// (analysts without agencies, reviewers, admins).
    pub fn agency_scope(&self) -> Option<&[Uuid]> {
        (self.role <= Role::Analyst && !self.agencies.is_empty()).then_some(&*self.agencies)
    }

    /// The caller as the audit log records it, with how far its writes reach.
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            id: self.id,
            email: &self.email,
            request_id: self.request_id.as_deref(),
            scope: WriteScope {
                agencies: self.agency_scope(),
                report: self.token.and_then(|t| t.report),
            },
            via_token: self.token.is_some(),
        }
    }
}

/// Permission to read: a valid token, or none at all when public reads are on.
#[derive(Debug, Clone)]
pub struct ReadAccess(pub Option<AuthUser>);

impl ReadAccess {
    /// The agencies a `mine=true` list narrows to: the caller's (none for a user without
    /// agencies); `None` without `mine=true`; 422 for an anonymous caller.
    pub fn mine(&self, mine: bool) -> Result<Option<Vec<Uuid>>, ApiError> {
        match (&self.0, mine) {
            (_, false) => Ok(None),
            (Some(user), true) => Ok(Some(user.agencies.to_vec())),
            (None, true) => Err(ApiError::invalid(
                "query.mine",
                "needs a signed-in caller: whose agencies would it be?",
            )),
        }
    }
}

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

/// `Ok(None)` without an Authorization header; 401 for any header that is not a valid
/// session token of an enabled user whose token generation still matches, or a machine token
/// that exists, has not expired, and whose owner is enabled.
async fn authenticate(req: &HttpRequest) -> Result<Option<AuthUser>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let presented = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthorized)?;
    let state = state(req)?;
    let credential = if machine_token::looks_like(presented) {
        Credential::Machine(machine_token::hash(presented))
    } else {
        state
            .principals
            .session(presented, |token| state.jwt.verify(token))
            .ok_or(ApiError::Unauthorized)?
    };
    let principal = state
        .principals
        .resolve(&state.db, credential)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if let Some(token) = principal.token {
        if token.expires_on < chrono::Utc::now().date_naive() {
            return Err(ApiError::Unauthorized);
        }
        if state.principals.note_use(token.id) {
            record_use(state, token.id);
        }
    }
    Ok(Some(AuthUser {
        id: principal.user_id,
        email: principal.email,
        role: principal.role,
        agencies: principal.agencies,
        token: principal.token,
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
    }))
}

/// Writes a machine token's `last_used_at` after the request, without holding it up.
fn record_use(state: &web::Data<AppState>, id: Uuid) {
    let state = state.clone();
    actix_web::rt::spawn(async move {
        let written = match state.db.conn().await {
            Ok(mut conn) => principals::record_use(&mut conn, id)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(error) = written {
            tracing::debug!(%error, "a token's last use was not recorded");
        }
    });
}
