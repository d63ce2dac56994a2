//! Recommendation reads: the filtered list (JSON or CSV), one recommendation, its history.
//! The list and single reads go through the read cache (`ReadCached`).

use crate::auth::ReadAccess;
use crate::domain::Language;
use crate::domain::language::Preference;
use crate::error::ApiError;
use crate::http::conditional::{self, json_with_etag, version_tag};
use crate::http::csv::ListOutput;
use crate::http::pagination::{self, Page};
use crate::http::table::{workbook, xlsx_response};
use crate::http::{csv, language, params, responses as r};
use crate::read_cache::ReadCached;
use crate::recommendations::dto::params::{
    HistoryParams, RecommendationGetParams, RecommendationListParams, ReportCodePath,
};
use crate::recommendations::dto::table::table;
use crate::recommendations::dto::{RecommendationDto, StatusChangeDto, recommendation_dto};
use crate::recommendations::model::listing::Embeds;
use crate::recommendations::queries;
use crate::reports::model::ReportRef;
use crate::state::AppState;
use crate::translations::queries::localize_recommendations;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use uuid::Uuid;

const RESOURCE: &str = "recommendation";

/// List recommendations
///
/// Recommendations with their category, agencies and progress, filtered and sorted, one
/// keyset page at a time. Answers `text/csv` for `Accept: text/csv` or `format=csv`, an
/// Excel workbook for `format=xlsx`.
#[utoipa::path(
    tag = "recommendations",
    params(RecommendationListParams, ("Accept-Language" = Option<String>, Header, description = "Languages to show texts in, most wanted first, e.g. `ko-KR,ko;q=0.9,en;q=0.8` (`lang=` overrides)")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of recommendations", content(
            (Page<RecommendationDto> = "application/json"),
            (String = "text/csv", example = "id,report_id,code,..."),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("ETag" = String, description = "Weak tag of this page"),
                    ("Link" = String, description = "`<...>; rel=\"next\"` when more pages exist"))),
        r::NotModified,
        r::ListErrors,
    )
)]
#[get("/recommendations", wrap = "ReadCached")]
#[tracing::instrument(skip_all)]
pub async fn list_recommendations(
    state: web::Data<AppState>,
    req: HttpRequest,
    access: ReadAccess,
    params: web::Query<RecommendationListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let preference = language::preference(&req, params.lang.as_deref())?;
    let output = csv::output(&req, params.format.as_deref())?;
    let bom = params::param("bom", params.bom.as_deref(), "true or false")?.unwrap_or(false);
    let mine = params::param("mine", params.mine.as_deref(), "true or false")?;
    let mut query = params.into_query(output.is_table())?;
    query.filters.among_agencies = access.mine(mine.unwrap_or(false))?;
    let derivation = state.derivation();
    let mut conn = state.db.scan().await?;
    let queries::Page { mut views, next } =
        queries::list(&mut conn, &query, derivation.today()).await?;
    // A table carries the originals, and every translation in columns of its own.
    if output.is_table() {
        localize_recommendations(&conn, &mut views, &Preference::default(), true).await?;
    } else {
        let all = query.embeds.translations;
        localize_recommendations(&conn, &mut views, &preference, all).await?;
    }
    drop(conn);
    let page = Page {
        items: views
            .into_iter()
            .map(|v| recommendation_dto(v, derivation))
            .collect(),
        next_cursor: next.map(|cursor| pagination::encode_cursor(&cursor)),
    };
    let mut response = match output {
        ListOutput::Csv => csv::response(
            &req,
            table(&page.items).to_csv(),
            "recommendations.csv",
            bom,
        ),
        ListOutput::Xlsx => {
            let book = workbook(vec![("recommendations", table(&page.items))]).await?;
            xlsx_response(&req, book, "recommendations.xlsx")
        }
        ListOutput::Json => json_with_etag(&req, &page, None)?,
    };
    let mut shown: Vec<Language> = page.items.iter().map(|r| r.language).collect();
    if shown.is_empty() {
        shown.extend(preference.languages().first());
    }
    language::mark(&mut response, shown, &preference);
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}

/// Get a recommendation
///
/// One recommendation with its agencies, milestones, progress and latest status change;
/// `include` trims or extends the embeds (`history` adds the whole status history).
#[utoipa::path(
    tag = "recommendations",
    params(("id" = Uuid, Path, description = "Recommendation id"), RecommendationGetParams, ("Accept-Language" = Option<String>, Header, description = "Languages to show texts in, most wanted first, e.g. `ko-KR,ko;q=0.9,en;q=0.8` (`lang=` overrides)")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The recommendation", body = RecommendationDto,
            headers(("ETag" = String, description = "Strong tag; send it as If-Match to change the recommendation"))),
        r::NotModified,
        r::ItemErrors,
        (status = 422, response = r::Unprocessable),
    )
)]
#[get("/recommendations/{id}", wrap = "ReadCached")]
#[tracing::instrument(skip_all)]
pub async fn get_recommendation(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<Uuid>,
    params: web::Query<RecommendationGetParams>,
) -> Result<HttpResponse, ApiError> {
    let embeds = params.embeds()?;
    let preference = language::preference(&req, params.lang.as_deref())?;
    respond_with(&state, &req, id.into_inner(), embeds, &preference).await
}

/// Get a recommendation by code
///
/// The same as `get_recommendation`, addressed by report (id or slug) and code.
#[utoipa::path(
    tag = "recommendations",
    params(ReportCodePath, RecommendationGetParams, ("Accept-Language" = Option<String>, Header, description = "Languages to show texts in, most wanted first, e.g. `ko-KR,ko;q=0.9,en;q=0.8` (`lang=` overrides)")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The recommendation", body = RecommendationDto,
            headers(("ETag" = String, description = "Strong tag; send it as If-Match to change the recommendation"))),
        r::NotModified,
        r::ItemErrors,
        (status = 422, response = r::Unprocessable),
    )
)]
#[get("/reports/{report}/recommendations/{code}", wrap = "ReadCached")]
#[tracing::instrument(skip_all)]
pub async fn get_report_recommendation(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    path: web::Path<ReportCodePath>,
    params: web::Query<RecommendationGetParams>,
) -> Result<HttpResponse, ApiError> {
    let embeds = params.embeds()?;
    let preference = language::preference(&req, params.lang.as_deref())?;
    let path = path.into_inner();
    let report = ReportRef::parse(&path.report);
    let id = {
        let mut conn = state.db.conn().await?;
        queries::id_by_code(&mut conn, &report, &path.code)
            .await?
            .ok_or_else(|| {
                ApiError::not_found(RESOURCE, format!("{} in report {}", path.code, path.report))
            })?
    };
    respond_with(&state, &req, id, embeds, &preference).await
}

async fn respond_with(
    state: &AppState,
    req: &HttpRequest,
    id: Uuid,
    embeds: Embeds,
    preference: &Preference,
) -> Result<HttpResponse, ApiError> {
    let derivation = state.derivation();
    let mut conn = state.db.conn().await?;
    // The tag depends only on the version, the day, the embeds and the languages asked for
    // (a translation is a new version): a conditional GET that still matches costs one
    // indexed lookup instead of the full read.
    let variant = match preference.key() {
        key if key.is_empty() => embeds.tag(),
        key => format!("{}.{key}", embeds.tag()),
    };
    if conditional::has_if_none_match(req)
        && let Some(version) = queries::version_of(&mut conn, id).await?
        && let Some(mut response) = conditional::not_modified(req, &version_tag(version, &variant))
    {
        language::mark(&mut response, None, preference);
        return Ok(response);
    }
    let mut views = Vec::from_iter(queries::find(&conn, id, embeds).await?);
    localize_recommendations(&conn, &mut views, preference, embeds.translations).await?;
    let view = views
        .pop()
        .ok_or_else(|| ApiError::not_found(RESOURCE, id))?;
    drop(conn);
    let etag = version_tag(view.recommendation.version, &variant);
    let dto = recommendation_dto(view, derivation);
    let mut response = json_with_etag(req, &dto, Some(etag))?;
    language::mark(&mut response, Some(dto.language), preference);
    Ok(response)
}

/// List status history
///
/// A recommendation's status changes, newest first.
#[utoipa::path(
    tag = "recommendations",
    params(("id" = Uuid, Path, description = "Recommendation id"), HistoryParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of status changes", body = Page<StatusChangeDto>),
        r::NotModified,
        r::ItemErrors,
        (status = 422, response = r::Unprocessable),
    )
)]
#[get("/recommendations/{id}/history")]
#[tracing::instrument(skip_all)]
pub async fn list_recommendation_history(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<Uuid>,
    params: web::Query<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let limit = pagination::limit(params.limit.as_deref())?;
    let before = pagination::cursor::<(DateTime<Utc>, Uuid)>(params.cursor.as_deref())?;
    let mut conn = state.db.conn().await?;
    if queries::status_of(&mut conn, id).await?.is_none() {
        return Err(ApiError::not_found(RESOURCE, id));
    }
    let rows = queries::history_page(&mut conn, id, before, limit).await?;
    let page = pagination::into_page(
        rows,
        limit,
        |c| (c.recorded_at, c.id),
        StatusChangeDto::from,
    );
    let mut response = json_with_etag(&req, &page, None)?;
    pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
    Ok(response)
}
