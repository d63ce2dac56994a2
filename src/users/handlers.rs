//! Admin-only user management.

use super::commands;
use super::dto::{CreateUserRequest, UpdateUserRequest, UserDto, UserListParams};
use super::model::{NewUser, UserChanges, UserInput, UserUpdate};
use super::queries;
use crate::auth::{AuthUser, password};
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::conditional::{self, json_with_etag, version_tag};
use crate::http::json::Json;
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user);
}

/// Hashing is CPU-heavy on purpose: off the async workers.
async fn hash_password(password: String) -> Result<String, ApiError> {
    web::block(move || password::hash(&password))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(ApiError::Internal)
}

/// List users
///
/// Accounts by email, one keyset page at a time (admins only).
#[utoipa::path(
    tag = "users",
    params(UserListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of users", body = Page<UserDto>),
        r::NotModified,
        r::ListErrors,
        (status = 403, response = r::Forbidden),
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
    let after = pagination::cursor::<String>(params.cursor.as_deref())?;
    let mut conn = state.db.conn().await?;
    let rows = queries::list(&mut conn, after.as_deref(), limit).await?;
    let rows = queries::with_agencies(&mut conn, rows).await?;
    let page = pagination::into_page(rows, limit, |a| a.user.email.clone(), UserDto::from);
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

/// Create a user
///
/// Adds an account with a role and an initial password (admins only).
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new account", body = UserDto,
            headers(("Location" = String, description = "URL of the new user"), ("ETag" = String, description = "Version tag")),
            links(("GetUser" = (operation_id = "get_user", parameters(("id" = "$response.body#/id")))), ("UpdateUser" = (operation_id = "update_user", parameters(("id" = "$response.body#/id"), ("If-Match" = "$response.header.ETag")))))),
        r::CreateErrors,
        (status = 409, response = r::Conflict),
    )
)]
#[post("/users")]
#[tracing::instrument(skip_all)]
pub async fn create_user(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let input = UserInput::try_from(body.into_inner())?;
    let hash = hash_password(input.password).await?;
    let mut conn = state.db.conn().await?;
    let new = NewUser {
        email: &input.email,
        password_hash: &hash,
        role: input.role,
    };
    let created = commands::create(&mut conn, Some(user.actor()), new, &input.agency_ids).await?;
    let created = UserDto::from(created);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", created.id)))
        .insert_header((header::ETAG, version_tag(created.version, "")))
        .json(created))
}

/// Get a user
///
/// One account (admins only); the password hash is never shown.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = UserDto),
        r::NotModified,
        r::ItemErrors,
        (status = 403, response = r::Forbidden),
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
    let mut conn = state.db.conn().await?;
    let found = queries::find_account(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("user", id))?;
    let etag = version_tag(found.user.version, "");
    json_with_etag(&req, &UserDto::from(found), Some(etag))
}

/// Update a user
///
/// Changes role, disabled flag, password or agencies (admins only). Disabling revokes every
/// token of the user (session and machine); a new password revokes earlier session tokens.
/// Setting `agency_ids` limits an analyst to those agencies' work. Needs If-Match with the
/// user's ETag.
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
        r::VersionedWriteErrors,
    )
)]
#[patch("/users/{id}")]
#[tracing::instrument(skip_all)]
pub async fn update_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let expected = conditional::required_version(&req)?;
    let update = UserUpdate::try_from(body.into_inner())?;
    let password_hash = match update.password {
        Some(p) => Some(hash_password(p).await?),
        None => None,
    };
    let changes = UserChanges {
        role: update.role,
        disabled: update.disabled,
        password_hash,
        agency_ids: update.agency_ids,
    };
    let mut conn = state.db.conn().await?;
    let updated = commands::update(&mut conn, user.actor(), id.into_inner(), expected, &changes)
        .await
        .map(UserDto::from)?;
    let etag = version_tag(updated.version, "");
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(updated))
}
