//! Webhook endpoints (admins only): subscriptions, pings, and their deliveries.

use super::commands;
use super::dto::{
    CreateWebhookRequest, CreatedWebhook, DeliveryDto, UpdateWebhookRequest, WebhookDto,
    WebhookListParams,
};
use super::model::{DeliveryPosition, DeliveryView};
use super::queries;
use crate::auth::AuthUser;
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::conditional::{self, json_with_etag, version_tag};
use crate::http::json::Json;
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(ping_webhook)
        .service(list_deliveries)
        .service(get_delivery)
        .service(redeliver_delivery);
}

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

/// Ping a webhook
///
/// Queues a `webhook.ping` delivery, signed like any other, to check the receiver (admins
/// only). Watch it in the deliveries list.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "The queued delivery", body = DeliveryDto,
            headers(("Location" = String, description = "URL of the delivery")),
            links(("GetDelivery" = (operation_id = "get_delivery", parameters(("id" = "$response.body#/webhook_id"), ("delivery_id" = "$response.body#/id")))))),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/webhooks/{id}/ping")]
#[tracing::instrument(skip_all)]
pub async fn ping_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let mut conn = state.db.conn().await?;
    let queued = commands::ping(&mut conn, user.actor(), id.into_inner()).await?;
    Ok(accepted(DeliveryView {
        delivery: queued,
        event_type: None,
    }))
}

/// List a webhook's deliveries
///
/// Every delivery of the subscription, newest first: state, attempts, the receiver's last
/// status and error, how long it took, and when the next attempt is due (admins only).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id"), WebhookListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of deliveries, newest first", body = Page<DeliveryDto>),
        r::NotModified,
        r::ItemErrors,
        (status = 403, response = r::Forbidden),
        (status = 422, response = r::Unprocessable),
    )
)]
#[get("/webhooks/{id}/deliveries")]
#[tracing::instrument(skip_all)]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    params: web::Query<WebhookListParams>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = id.into_inner();
    let (limit, before) = params.page::<DeliveryPosition>()?;
    let mut conn = state.db.conn().await?;
    if queries::find(&mut conn, id).await?.is_none() {
        return Err(ApiError::not_found("webhook", id));
    }
    let rows = queries::deliveries(&mut conn, id, before, limit).await?;
    drop(conn);
    let page = pagination::into_page(rows, limit, DeliveryView::position, DeliveryDto::from);
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

/// Get a delivery
///
/// One delivery of the subscription and how it went (admins only).
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "Webhook id"),
        ("delivery_id" = Uuid, Path, description = "Delivery id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The delivery", body = DeliveryDto),
        r::NotModified,
        r::ItemErrors,
        (status = 403, response = r::Forbidden),
    )
)]
#[get("/webhooks/{id}/deliveries/{delivery_id}")]
#[tracing::instrument(skip_all)]
pub async fn get_delivery(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let (id, delivery_id) = path.into_inner();
    let mut conn = state.db.conn().await?;
    let view = queries::delivery(&mut conn, id, delivery_id)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery", delivery_id))?;
    json_with_etag(&req, &DeliveryDto::from(view), None)
}

/// Redeliver
///
/// Queues the delivery's event again as a new delivery (admins only). It carries the same
/// `webhook-id`, so a receiver that already processed it can tell.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "Webhook id"),
        ("delivery_id" = Uuid, Path, description = "The delivery to repeat"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "The new delivery", body = DeliveryDto,
            headers(("Location" = String, description = "URL of the delivery"))),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
#[tracing::instrument(skip_all)]
pub async fn redeliver_delivery(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let (id, delivery_id) = path.into_inner();
    let mut conn = state.db.conn().await?;
    let queued = commands::redeliver(&mut conn, user.actor(), id, delivery_id).await?;
    let view = queries::delivery(&mut conn, id, queued.id)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery", queued.id))?;
    Ok(accepted(view))
}

fn accepted(view: DeliveryView) -> HttpResponse {
    let location = format!(
        "/api/v1/webhooks/{}/deliveries/{}",
        view.delivery.webhook_id, view.delivery.id
    );
    HttpResponse::Accepted()
        .insert_header((header::LOCATION, location))
        .json(DeliveryDto::from(view))
}
