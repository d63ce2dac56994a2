//! Deliveries: pings, the deliveries of a subscription, and redelivery.

use crate::auth::AuthUser;
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::conditional::json_with_etag;
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::state::AppState;
use crate::webhooks::commands;
use crate::webhooks::dto::{DeliveryDto, WebhookListParams};
use crate::webhooks::model::{DeliveryPosition, DeliveryView};
use crate::webhooks::queries;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use uuid::Uuid;

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
