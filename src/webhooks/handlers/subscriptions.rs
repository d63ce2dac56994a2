//! Subscriptions: create, list, read, change and remove them.

use crate::auth::AuthUser;
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::conditional::{self, json_with_etag, version_tag};
use crate::http::json::Json;
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::state::AppState;
use crate::webhooks::commands;
use crate::webhooks::dto::{
    CreateWebhookRequest, CreatedWebhook, UpdateWebhookRequest, WebhookDto, WebhookListParams,
};
use crate::webhooks::queries;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Create a webhook
///
/// Subscribes a URL to events (admins only). Deliveries follow the Standard Webhooks
/// specification and are signed with the `secret` in this answer, which is never shown again.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhookRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new subscription, with its secret", body = CreatedWebhook,
            headers(("Location" = String, description = "URL of the webhook"), ("ETag" = String, description = "Version tag")),
            links(("GetWebhook" = (operation_id = "get_webhook", parameters(("id" = "$response.body#/id")))), ("UpdateWebhook" = (operation_id = "update_webhook", parameters(("id" = "$response.body#/id"), ("If-Match" = "$response.header.ETag")))), ("PingWebhook" = (operation_id = "ping_webhook", parameters(("id" = "$response.body#/id")))))),
        r::CreateErrors,
    )
)]
#[post("/webhooks")]
#[tracing::instrument(skip_all)]
pub async fn create_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let new = body.into_inner().validate(state.config.webhook_targets())?;
    let mut conn = state.db.conn().await?;
    let created = commands::create(&mut conn, user.actor(), new).await?;
    let secret = created.secret.clone();
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/webhooks/{}", created.id)))
        .insert_header((header::ETAG, version_tag(created.version, "")))
        .json(CreatedWebhook {
            webhook: created.into(),
            secret,
        }))
}

/// List webhooks
///
/// Every subscription, oldest first (admins only).
#[utoipa::path(
    tag = "webhooks",
    params(WebhookListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of subscriptions", body = Page<WebhookDto>),
        r::NotModified,
        r::ListErrors,
        (status = 403, response = r::Forbidden),
    )
)]
#[get("/webhooks")]
#[tracing::instrument(skip_all)]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    params: web::Query<WebhookListParams>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let (limit, after) = params.page::<(DateTime<Utc>, Uuid)>()?;
    let mut conn = state.db.conn().await?;
    let rows = queries::list(&mut conn, after, limit).await?;
    drop(conn);
    let page = pagination::into_page(rows, limit, |w| (w.created_at, w.id), WebhookDto::from);
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

/// Get a webhook
///
/// One subscription, with its failure record (admins only). The secret is not shown.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The subscription", body = WebhookDto),
        r::NotModified,
        r::ItemErrors,
        (status = 403, response = r::Forbidden),
    )
)]
#[get("/webhooks/{id}")]
#[tracing::instrument(skip_all)]
pub async fn get_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    let webhook = queries::find(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook", id))?;
    let tag = version_tag(webhook.version, "");
    json_with_etag(&req, &WebhookDto::from(webhook), Some(tag))
}

/// Update a webhook
///
/// Changes the URL, event types, report or description, or turns deliveries off and on
/// (admins only); turning a disabled subscription on clears its failure record. Needs
/// If-Match with the webhook's ETag.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "Webhook id"),
        ("If-Match" = String, Header, description = "The webhook's ETag as last read"),
    ),
    request_body = UpdateWebhookRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated subscription", body = WebhookDto),
        r::VersionedWriteErrors,
    )
)]
#[patch("/webhooks/{id}")]
#[tracing::instrument(skip_all)]
pub async fn update_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let expected = conditional::required_version(&req)?;
    let changes = body.into_inner().validate(state.config.webhook_targets())?;
    let mut conn = state.db.conn().await?;
    let updated =
        commands::update(&mut conn, user.actor(), id.into_inner(), expected, changes).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, version_tag(updated.version, "")))
        .json(WebhookDto::from(updated)))
}

/// Delete a webhook
///
/// Ends the subscription and drops its deliveries, sent or not (admins only). Needs If-Match
/// with the webhook's ETag.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "Webhook id"),
        ("If-Match" = String, Header, description = "The webhook's ETag as last read"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        r::DeleteErrors,
    )
)]
#[delete("/webhooks/{id}")]
#[tracing::instrument(skip_all)]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let expected = conditional::required_version(&req)?;
    let mut conn = state.db.conn().await?;
    commands::delete(&mut conn, user.actor(), id.into_inner(), expected).await?;
    Ok(HttpResponse::NoContent().finish())
}
