//! Recommendation reads: the filtered list (JSON or CSV), one recommendation, its history.

use super::dto::{
    RecommendationDto, RecommendationGetParams, RecommendationListParams, StatusChangeDto,
    recommendation_dto,
};
use super::listing::{AgencyRef, Cursor, Embeds, Filters, ReportRef, Sort, SortField};
use super::queries;
use crate::auth::ReadAccess;
use crate::error::ApiError;
use crate::http::conditional::{self, json_with_etag, version_tag};
use crate::http::csv::{self, CsvWriter};
use crate::http::pagination::{self, Page};
use crate::http::responses as r;
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::str::FromStr;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_recommendations)
        .service(get_recommendation)
        .service(get_report_recommendation)
        .service(list_recommendation_history);
}

const MAX_QUERY_CHARS: usize = 200;

/// List recommendations
///
/// Recommendations with their category, agencies and progress, filtered and sorted, one
/// keyset page at a time. Answers `text/csv` for `Accept: text/csv` or `format=csv`.
#[utoipa::path(
    tag = "recommendations",
    params(RecommendationListParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of recommendations", content(
            (Page<RecommendationDto> = "application/json"),
            (String = "text/csv", example = "id,report_id,code,...")),
            headers(("ETag" = String, description = "Weak tag of this page"),
                    ("Link" = String, description = "`<...>; rel=\"next\"` when more pages exist"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/recommendations")]
#[tracing::instrument(skip_all)]
pub async fn list_recommendations(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    params: web::Query<RecommendationListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let as_csv = csv::wanted(&req, params.format.as_deref())?;
    let limit = if as_csv {
        csv_limit(pagination::param(
            "limit",
            params.limit.as_deref(),
            "a whole number",
        )?)?
    } else {
        pagination::limit(params.limit.as_deref())?
    };
    let filters = parse_filters(&params)?;
    let sort = Sort::parse(params.sort.as_deref(), filters.q.is_some())?;
    let embeds = Embeds::parse(params.include.as_deref(), Embeds::LIST_DEFAULT, false)?;
    let after = parse_cursor(params.cursor.as_deref(), sort.field)?;
    let derivation = state.derivation();
    let page_response = async {
        let mut conn = state.scans.connection(&state.pool).await?;
        let queries::Page { views, next } = queries::list(
            &mut conn,
            &filters,
            sort,
            after.as_ref(),
            limit,
            embeds,
            derivation.today(),
        )
        .await?;
        drop(conn);
        let page = pagination::Page {
            items: views
                .into_iter()
                .map(|v| recommendation_dto(v, derivation))
                .collect(),
            next_cursor: next.map(|cursor| pagination::encode_cursor(&cursor)),
        };
        let mut response = if as_csv {
            csv::response(&req, to_csv(&page.items), "recommendations.csv")
        } else {
            json_with_etag(&req, &page, None)?
        };
        pagination::link_next(&req, &mut response, page.next_cursor.as_deref());
        Ok::<_, ApiError>(response)
    };
    state
        .read_cache
        .serve(&req, derivation.today(), page_response)
        .await
}

/// Get a recommendation
///
/// One recommendation with its agencies, milestones, progress and latest status change;
/// `include` trims or extends the embeds (`history` adds the whole status history).
#[utoipa::path(
    tag = "recommendations",
    params(("id" = Uuid, Path, description = "Recommendation id"), RecommendationGetParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The recommendation", body = RecommendationDto,
            headers(("ETag" = String, description = "Strong tag; send it as If-Match to change the recommendation"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/recommendations/{id}")]
#[tracing::instrument(skip_all)]
pub async fn get_recommendation(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<Uuid>,
    params: web::Query<RecommendationGetParams>,
) -> Result<HttpResponse, ApiError> {
    let embeds = Embeds::parse(params.include.as_deref(), Embeds::DETAIL_DEFAULT, true)?;
    let today = state.derivation().today();
    let detail = respond_with(&state, &req, id.into_inner(), embeds);
    state.read_cache.serve(&req, today, detail).await
}

/// Report and code of `get_report_recommendation`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReportCodePath {
    /// The report's id or slug.
    pub report: String,
    /// The recommendation's code, e.g. `POL-1`.
    pub code: String,
}

/// Get a recommendation by code
///
/// The same as `get_recommendation`, addressed by report (id or slug) and code.
#[utoipa::path(
    tag = "recommendations",
    params(ReportCodePath, RecommendationGetParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The recommendation", body = RecommendationDto,
            headers(("ETag" = String, description = "Strong tag; send it as If-Match to change the recommendation"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/reports/{report}/recommendations/{code}")]
#[tracing::instrument(skip_all)]
pub async fn get_report_recommendation(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    path: web::Path<ReportCodePath>,
    params: web::Query<RecommendationGetParams>,
) -> Result<HttpResponse, ApiError> {
    let embeds = Embeds::parse(params.include.as_deref(), Embeds::DETAIL_DEFAULT, true)?;
    let path = path.into_inner();
    let detail = async {
        let report = ReportRef::parse(&path.report);
        let id = {
            let mut conn = state.pool.get().await?;
            queries::id_by_code(&mut conn, &report, &path.code)
                .await?
                .ok_or_else(|| ApiError::NotFound {
                    resource: "recommendation",
                    id: format!("{} in report {}", path.code, path.report),
                })?
        };
        respond_with(&state, &req, id, embeds).await
    };
    let today = state.derivation().today();
    state.read_cache.serve(&req, today, detail).await
}

async fn respond_with(
    state: &AppState,
    req: &HttpRequest,
    id: Uuid,
    embeds: Embeds,
) -> Result<HttpResponse, ApiError> {
    let derivation = state.derivation();
    let mut conn = state.pool.get().await?;
    // The tag depends only on the version, the day and the embeds: a conditional GET that
    // still matches costs one indexed lookup instead of the full read.
    if conditional::has_if_none_match(req)
        && let Some(version) = queries::version_of(&mut conn, id).await?
        && let Some(response) = conditional::not_modified(req, &version_tag(version, &embeds.tag()))
    {
        return Ok(response);
    }
    let view = queries::find(&conn, id, embeds)
        .await?
        .ok_or_else(|| super::commands::not_found(id))?;
    drop(conn);
    let etag = version_tag(view.recommendation.version, &embeds.tag());
    json_with_etag(req, &recommendation_dto(view, derivation), Some(etag))
}

/// Query parameters of `list_recommendation_history`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    pub cursor: Option<String>,
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
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
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
    let before = params
        .cursor
        .as_deref()
        .map(pagination::decode_cursor::<(DateTime<Utc>, Uuid)>)
        .transpose()?;
    let mut conn = state.pool.get().await?;
    if queries::status_of(&mut conn, id).await?.is_none() {
        return Err(super::commands::not_found(id));
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

fn csv_limit(requested: Option<i64>) -> Result<i64, ApiError> {
    match requested {
        None => Ok(csv::MAX_CSV_LIMIT),
        Some(n) if (1..=csv::MAX_CSV_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid(
            "query.limit",
            format!("must be between 1 and {} for CSV", csv::MAX_CSV_LIMIT),
        )),
    }
}

fn parse_cursor(raw: Option<&str>, field: SortField) -> Result<Option<Cursor>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let cursor: Cursor = pagination::decode_cursor(raw)?;
    if cursor.field() != field {
        return Err(ApiError::invalid(
            "query.cursor",
            "belongs to another sort order; start again without a cursor",
        ));
    }
    Ok(Some(cursor))
}

/// Parses a comma-separated list of closed-set values, naming the parameter on error.
pub fn parse_list<T: FromStr<Err = String>>(
    name: &str,
    raw: Option<&str>,
) -> Result<Vec<T>, ApiError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<T>()
                .map_err(|e| ApiError::invalid(format!("query.{name}"), format!("{s:?} {e}")))
        })
        .collect()
}

fn parse_filters(p: &RecommendationListParams) -> Result<Filters, ApiError> {
    let q = p.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if let Some(q) = q
        && (q.chars().count() > MAX_QUERY_CHARS || q.contains('\0'))
    {
        return Err(ApiError::invalid(
            "query.q",
            format!("must be at most {MAX_QUERY_CHARS} characters without NUL"),
        ));
    }
    if let Some(country) = &p.country
        && !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        return Err(ApiError::invalid(
            "query.country",
            "must be an ISO 3166-1 alpha-2 code",
        ));
    }
    for (name, value) in [
        ("report", &p.report),
        ("category", &p.category),
        ("lead_agency", &p.lead_agency),
        ("agency", &p.agency),
    ] {
        if value
            .as_ref()
            .is_some_and(|v| v.len() > 100 || v.contains('\0'))
        {
            return Err(ApiError::invalid(
                format!("query.{name}"),
                "is too long or contains NUL",
            ));
        }
    }
    Ok(Filters {
        report: p.report.as_deref().map(ReportRef::parse),
        category_slug: p.category.clone(),
        statuses: parse_list("status", p.status.as_deref())?,
        healths: parse_list("health", p.health.as_deref())?,
        priorities: parse_list("priority", p.priority.as_deref())?,
        lead_agency: p.lead_agency.as_deref().map(AgencyRef::parse),
        agency: p.agency.as_deref().map(AgencyRef::parse),
        country: p.country.as_ref().map(|c| c.to_uppercase()),
        overdue: pagination::param("overdue", p.overdue.as_deref(), "true or false")?,
        target_before: pagination::param(
            "target_before",
            p.target_before.as_deref(),
            "a date YYYY-MM-DD",
        )?,
        target_after: pagination::param(
            "target_after",
            p.target_after.as_deref(),
            "a date YYYY-MM-DD",
        )?,
        updated_since: pagination::param(
            "updated_since",
            p.updated_since.as_deref(),
            "an RFC 3339 timestamp",
        )?,
        q: q.map(str::to_owned),
    })
}

const CSV_HEADER: [&str; 20] = [
    "id",
    "report_id",
    "code",
    "category",
    "title",
    "status",
    "health",
    "priority",
    "target_on",
    "lead_agency_code",
    "lead_agency_name",
    "supporting_agency_codes",
    "progress",
    "milestone_count",
    "overdue_milestone_count",
    "stale",
    "status_changed_at",
    "version",
    "updated_at",
    "text",
];

fn to_csv(items: &[RecommendationDto]) -> String {
    let mut csv = CsvWriter::new(&CSV_HEADER);
    for r in items {
        let supporting = r
            .supporting_agencies
            .as_ref()
            .map(|list| {
                list.iter()
                    .map(|s| s.agency.code.as_str())
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .unwrap_or_default();
        let fields: [String; 20] = [
            r.id.to_string(),
            r.report_id.to_string(),
            r.code.clone(),
            r.category.slug.clone(),
            r.title.clone(),
            r.status.to_string(),
            r.health.map(|h| h.to_string()).unwrap_or_default(),
            r.priority.map(|p| p.to_string()).unwrap_or_default(),
            r.target_on.map(|d| d.to_string()).unwrap_or_default(),
            r.lead_agency
                .as_ref()
                .map(|a| a.code.clone())
                .unwrap_or_default(),
            r.lead_agency
                .as_ref()
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            supporting,
            r.progress.to_string(),
            r.milestone_count.to_string(),
            r.overdue_milestone_count.to_string(),
            r.stale.to_string(),
            r.status_changed_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            r.version.to_string(),
            r.updated_at.to_rfc3339(),
            r.text.clone(),
        ];
        csv.row(fields.iter().map(String::as_str));
    }
    csv.finish()
}
