//! PATCH /recommendations/{id}: owners, priority and target date (analysts), and the report's
//! own wording and category (admins).

use crate::auth::AuthUser;
use crate::domain::Role;
use crate::error::ApiError;
use crate::events::dto::Representation;
use crate::http::conditional::{self, version_tag};
use crate::http::json::Json;
use crate::http::responses as r;
use crate::recommendations::commands;
use crate::recommendations::dto::requests::UpdateRecommendationRequest;
use crate::recommendations::dto::{RecommendationDto, recommendation_dto};
use crate::recommendations::model::RecommendationChanges;
use crate::recommendations::model::listing::Embeds;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, patch, web};
use uuid::Uuid;

/// Update a recommendation
///
/// Analysts set the lead agency, supporting agencies, priority and target date; admins also
/// the title, text and category. Needs If-Match with the recommendation's ETag. An analyst
/// with agencies may change only recommendations one of them leads (403 names the agency
/// needed); read tokens never write.
#[utoipa::path(
    tag = "recommendations",
    params(
        ("id" = Uuid, Path, description = "Recommendation id"),
        ("If-Match" = String, Header, description = "The recommendation's ETag as last read"),
    ),
    request_body = UpdateRecommendationRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated recommendation", body = RecommendationDto,
            headers(("ETag" = String, description = "The new version tag"))),
        r::VersionedWriteErrors,
    )
)]
#[patch("/recommendations/{id}")]
#[tracing::instrument(skip_all, fields(recommendation = %id))]
pub async fn update_recommendation(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateRecommendationRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Analyst)?;
    let body = body.into_inner();
    if !user.is_admin() && body.rewords() {
        return Err(ApiError::Forbidden(
            "title, text and category need the admin role".into(),
        ));
    }
    let expected = conditional::required_version(&req)?;
    let changes = RecommendationChanges::try_from(body)?;
    let derivation = state.derivation();
    let embeds = Embeds::DETAIL_DEFAULT;
    let mut conn = state.db.conn().await?;
    let view = commands::update(
        &mut conn,
        user.actor(),
        id.into_inner(),
        expected,
        &changes,
        embeds,
        &Representation::new(derivation),
    )
    .await?;
    let etag = version_tag(view.recommendation.version, &embeds.tag());
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(recommendation_dto(view, derivation)))
}
