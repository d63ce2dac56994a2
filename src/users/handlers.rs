//! Admin-only user management.

use super::dto::{CreateUserRequest, UpdateUserRequest, UserDto, UserListParams};
use super::queries::{self, NewUser, UserChanges};
use crate::audit::{self, Change};
use crate::auth::{AuthUser, password};
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::conditional::{self, json_with_etag, version_tag};
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::http::validate::Checks;
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use diesel_async::AsyncConnection;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user);
}

async fn hash_password(password: String) -> Result<String, ApiError> {
    web::block(move || password::hash(&password))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(ApiError::Internal)
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "user",
        id: id.to_string(),
    }
}

/// List users
#[utoipa::path(
    tag = "users",
    params(UserListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of users", body = Page<UserDto>),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 422, response = r::Unprocessable),
    )
)]
#[get("/users")]
#[tracing::instrument(skip_all)]
pub async fn list_users(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    params: web::Query<UserListParams>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let limit = pagination::limit(params.limit.as_deref())?;
    let after = params
        .cursor
        .as_deref()
        .map(pagination::decode_cursor::<String>)
        .transpose()?;
    let mut conn = state.pool.get().await?;
    let rows = queries::list(&mut conn, after.as_deref(), limit).await?;
    let page = pagination::into_page(rows, limit, |u| u.email.clone(), UserDto::from);
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

/// Create a user
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new account", body = UserDto,
            headers(("Location" = String, description = "URL of the new user"), ("ETag" = String, description = "Version tag"))),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 409, response = r::Conflict),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
    )
)]
#[post("/users")]
#[tracing::instrument(skip_all)]
pub async fn create_user(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let body = body.into_inner();
    let email = body.email.trim().to_lowercase();
    let mut checks = Checks::new();
    checks.email("/email", &email);
    if let Some(problem) = password::check_strength(&body.password) {
        checks.fail_if(true, "/password", problem);
    }
    checks.finish()?;
    let hash = hash_password(body.password).await?;
    let mut conn = state.pool.get().await?;
    let created = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let created = queries::insert(
                conn,
                NewUser {
                    email: &email,
                    password_hash: &hash,
                    role: body.role,
                },
            )
            .await
            .map_err(|e| match ApiError::from(e) {
                ApiError::Conflict(_) => {
                    ApiError::Conflict(format!("a user with email {email} exists"))
                }
                other => other,
            })?;
            let dto = UserDto::from(created.clone());
            audit::record(
                conn,
                Some(&user),
                Change {
                    action: "create_user",
                    entity_type: "user",
                    entity_id: created.id,
                    before: None,
                    after: audit::snapshot(&dto),
                },
            )
            .await?;
            Ok(dto)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", created.id)))
        .insert_header((header::ETAG, version_tag(created.version, "")))
        .json(created))
}

/// Get a user
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = UserDto),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
    )
)]
#[get("/users/{id}")]
#[tracing::instrument(skip_all)]
pub async fn get_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let found = queries::find(&mut conn, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let etag = version_tag(found.version, "");
    json_with_etag(&req, &UserDto::from(found), Some(etag))
}

/// Update a user
///
/// Changes role, disabled flag or password. Disabling or a new password revokes every token
/// issued before. Needs If-Match with the user's ETag.
#[utoipa::path(
    tag = "users",
    params(
        ("id" = Uuid, Path, description = "User id"),
        ("If-Match" = String, Header, description = "The ETag of the user as last read"),
    ),
    request_body = UpdateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated account", body = UserDto),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 412, response = r::PreconditionFailed),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 428, response = r::PreconditionRequired),
    )
)]
#[patch("/users/{id}")]
#[tracing::instrument(skip_all)]
pub async fn update_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let expected = conditional::required_version(&req)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut checks = Checks::new();
    if let Some(problem) = body.password.as_deref().and_then(password::check_strength) {
        checks.fail_if(true, "/password", problem);
    }
    checks.finish()?;
    let password_hash = match body.password {
        Some(p) => Some(hash_password(p).await?),
        None => None,
    };
    let revoke = password_hash.is_some() || body.disabled == Some(true);
    let changes = UserChanges {
        role: body.role,
        disabled: body.disabled,
        password_hash,
    };
    let mut conn = state.pool.get().await?;
    let updated = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let before = queries::find(conn, id)
                .await?
                .ok_or_else(|| not_found(id))?;
            let updated = queries::update(conn, id, expected, &changes, revoke)
                .await?
                .ok_or(ApiError::PreconditionFailed)?;
            let dto = UserDto::from(updated);
            audit::record(
                conn,
                Some(&user),
                Change {
                    action: "update_user",
                    entity_type: "user",
                    entity_id: id,
                    before: audit::snapshot(&UserDto::from(before)),
                    after: audit::snapshot(&dto),
                },
            )
            .await?;
            Ok(dto)
        })
        .await?;
    let etag = version_tag(updated.version, "");
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(updated))
}
