//! `GET /api/v1/reports/{id}/export` and `POST /api/v1/imports`, and the same two for the
//! command line (`export_file`, `import_file`).

use super::commands::{self, ImportFailure};
use super::dto::{
    self, ExportParams, ImportFormat, ImportParams, ImportProblem, ImportResult, ReportDocument,
    csv_import, gao_import, tables,
};
use super::model::{ImportBatch, ImportOutcome, RowError};
use super::queries;
use crate::audit::model::Actor;
use crate::auth::{AuthUser, ReadAccess};
use crate::domain::language::Preference;
use crate::domain::{Derivation, Role, Status};
use crate::error::{ApiError, PROBLEM_JSON, Problem};
use crate::events::dto::Representation;
use crate::http::conditional::json_with_etag;
use crate::http::table::{Table, workbook, xlsx_response};
use crate::http::{csv, params, responses as r};
use crate::recommendations::dto::recommendation_dto;
use crate::recommendations::dto::table::table as recommendation_table;
use crate::recommendations::model::listing::{Embeds, Filters, ListQuery, Sort};
use crate::recommendations::queries as recommendation_queries;
use crate::reports::handlers::report_id;
use crate::reports::model::ReportRef;
use crate::state::AppState;
use crate::translations::queries::localize_recommendations;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use diesel_async::AsyncPgConnection;
use futures_util::StreamExt;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_report).service(import_report);
}

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportAs {
    Json { history: bool },
    Csv,
    Xlsx,
}

/// The report document of report `id`.
pub async fn document(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    history: bool,
) -> Result<ReportDocument, ApiError> {
    let export = queries::export(conn, id, history)
        .await?
        .ok_or_else(|| ApiError::not_found("report", id))?;
    Ok(dto::report_document(export))
}

/// The recommendation list's table of report `id`, every row.
pub async fn recommendation_rows(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    derivation: Derivation,
) -> Result<Table, ApiError> {
    let mut query = ListQuery {
        filters: Filters {
            report: Some(ReportRef::Id(id)),
            ..Filters::default()
        },
        sort: Sort::REPORT_ORDER,
        embeds: Embeds::LIST_DEFAULT,
        after: None,
        limit: csv::MAX_CSV_LIMIT,
    };
    let mut items = Vec::new();
    loop {
        let mut page = recommendation_queries::list(conn, &query, derivation.today()).await?;
        // The originals, and each translation in its own columns.
        localize_recommendations(conn, &mut page.views, &Preference::default(), true).await?;
        items.extend(
            page.views
                .into_iter()
                .map(|v| recommendation_dto(v, derivation)),
        );
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    Ok(recommendation_table(&items))
}

/// Export report `id` as `format`: the bytes and their media type.
pub async fn export_file(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    format: ExportAs,
    derivation: Derivation,
) -> Result<(Vec<u8>, &'static str), ApiError> {
    match format {
        ExportAs::Json { history } => {
            let doc = document(conn, id, history).await?;
            let body = serde_json::to_vec_pretty(&doc)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing the document: {e}")))?;
            Ok((body, "application/json"))
        }
        ExportAs::Csv => {
            document(conn, id, false).await?;
            let rows = recommendation_rows(conn, id, derivation).await?;
            Ok((rows.to_csv().into_bytes(), "text/csv; charset=utf-8"))
        }
        ExportAs::Xlsx => {
            let doc = document(conn, id, true).await?;
            let rows = recommendation_rows(conn, id, derivation).await?;
            let book = workbook(vec![
                ("recommendations", rows),
                ("milestones", tables::milestones(&doc)),
                ("history", tables::history(&doc)),
            ])
            .await?;
            Ok((book, crate::http::table::XLSX))
        }
    }
}

/// Reads an import file of `format`.
pub fn read_file(
    body: &[u8],
    format: ImportFormat,
    report: Option<&str>,
    open_status: Status,
) -> Result<ImportBatch, ApiError> {
    Ok(match format {
        ImportFormat::Json => dto::parse_document(body),
        ImportFormat::Csv => {
            let report = report.ok_or_else(|| {
                ApiError::invalid("query.report", "a CSV import names its report (id or slug)")
            })?;
            csv_import::parse(body, ReportRef::parse(report))
        }
        ImportFormat::Gao => gao_import::parse(body, open_status),
    })
}

/// Imports a file, as `actor` (`None`: the command line).
pub async fn import_file(
    conn: &mut AsyncPgConnection,
    actor: Option<Actor<'_>>,
    batch: ImportBatch,
    dry_run: bool,
    derivation: Derivation,
) -> Result<ImportOutcome, ImportFailure> {
    let represent = Representation::new(derivation);
    commands::import(conn, actor, batch, dry_run, &represent).await
}

/// Export a report
///
/// The whole report: by default its document (JSON: report, categories, agencies,
/// recommendations with owners, milestones and status history) that `POST /api/v1/imports`
/// reads back; `format=csv` one row per recommendation in the recommendation list's columns;
/// `format=xlsx` a workbook with recommendations, milestones and history sheets.
#[utoipa::path(
    tag = "imports",
    params(("id" = String, Path, description = "Report id or slug"), ExportParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The report", content(
            (ReportDocument = "application/json"),
            (String = "text/csv", example = "id,report_id,code,..."),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("ETag" = String, description = "Weak tag of the content"))),
        r::NotModified,
        r::ItemErrors,
        (status = 422, response = r::Unprocessable),
    )
)]
#[get("/reports/{id}/export")]
#[tracing::instrument(skip_all)]
pub async fn export_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    _access: ReadAccess,
    id: web::Path<String>,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse, ApiError> {
    let history = params::param("history", params.history.as_deref(), "true or false")?;
    let bom = params::param("bom", params.bom.as_deref(), "true or false")?.unwrap_or(false);
    let format = match params.format.as_deref() {
        None | Some("json") => ExportAs::Json {
            history: history.unwrap_or(true),
        },
        Some("csv") => ExportAs::Csv,
        Some("xlsx") => ExportAs::Xlsx,
        Some(_) => {
            return Err(ApiError::invalid(
                "query.format",
                "must be json, csv or xlsx",
            ));
        }
    };
    let mut conn = state.db.conn().await?;
    let id = report_id(&mut conn, &id).await?;
    let derivation = state.derivation();
    match format {
        ExportAs::Json { history } => {
            let doc = document(&mut conn, id, history).await?;
            json_with_etag(&req, &doc, None)
        }
        ExportAs::Csv => {
            let rows = recommendation_rows(&mut conn, id, derivation).await?;
            Ok(csv::response(&req, rows.to_csv(), "report.csv", bom))
        }
        ExportAs::Xlsx => {
            let (book, _) = export_file(&mut conn, id, format, derivation).await?;
            Ok(xlsx_response(&req, book, "report.xlsx"))
        }
    }
}

/// Import a report
///
/// Creates or updates whole reports from a file (admins only): a report document
/// (`application/json`, as the export writes it), the recommendation list's CSV (`text/csv`
/// with `report`), or GAO's recommendations CSV (`format=gao`). Recommendations match by
/// `external_id`, then by code; unchanged rows are left alone. Any problem answers 422 with
/// every problem of the file (row and column) and writes nothing; `dry_run=true` checks and
/// counts without writing. A real run is one transaction.
#[utoipa::path(
    tag = "imports",
    params(ImportParams),
    request_body(content(
        (ReportDocument = "application/json"),
        (String = "text/csv", example = "code,category,title,status\nPOL-1,political,Signal ...,in_progress")),
        description = "The file"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What the import did (or would do)", body = ImportResult),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 409, response = r::Conflict),
        (status = 413, description = "The file is larger than POLICYTRACK_IMPORT_MAX_BYTES (20 MiB unless set)",
            content((Problem = "application/problem+json"))),
        (status = 415, description = "The body is neither application/json nor text/csv",
            content((Problem = "application/problem+json"))),
        (status = 422, description = "The file's problems; nothing was written",
            content((ImportProblem = "application/problem+json"))),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/imports")]
#[tracing::instrument(skip_all)]
pub async fn import_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    // Every 422 of an import has one shape, its parameters' problems included.
    let as_import_problem = |error: ApiError| match error {
        ApiError::Validation(fields) => Ok(rejected(
            false,
            fields
                .into_iter()
                .map(|f| RowError::new(None, Some(&f.field), f.message))
                .collect(),
        )),
        other => Err(other),
    };
    // Read here rather than by an extractor, so an unknown parameter is this 422 too.
    let params = match serde_urlencoded::from_str::<ImportParams>(req.query_string()) {
        Ok(params) => params,
        Err(e) => return as_import_problem(ApiError::invalid("query", e.to_string())),
    };
    let (dry_run, open_status, format) = match import_settings(&req, &params) {
        Ok(settings) => settings,
        Err(error) => return as_import_problem(error),
    };
    let limit = state.config.import_max_bytes;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("reading the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    let batch = match read_file(&body, format, params.report.as_deref(), open_status) {
        Ok(batch) => batch,
        Err(error) => return as_import_problem(error),
    };
    drop(body);
    let mut conn = state.db.conn().await?;
    match import_file(
        &mut conn,
        Some(user.actor()),
        batch,
        dry_run,
        state.derivation(),
    )
    .await
    {
        Ok(outcome) => Ok(HttpResponse::Ok().json(ImportResult::from(outcome))),
        Err(ImportFailure::Rejected(errors)) => Ok(rejected(dry_run, errors)),
        Err(ImportFailure::Api(e)) => Err(e),
    }
}

fn rejected(dry_run: bool, errors: Vec<RowError>) -> HttpResponse {
    HttpResponse::UnprocessableEntity()
        .content_type(PROBLEM_JSON)
        .json(ImportProblem::new(dry_run, errors))
}

/// `dry_run`, `open_status` and the file's format, from the query and the Content-Type.
fn import_settings(
    req: &HttpRequest,
    params: &ImportParams,
) -> Result<(bool, Status, ImportFormat), ApiError> {
    let dry_run =
        params::param("dry_run", params.dry_run.as_deref(), "true or false")?.unwrap_or(false);
    let open_status = params::param(
        "open_status",
        params.open_status.as_deref(),
        "a status, e.g. in_progress",
    )?
    .unwrap_or(Status::InProgress);
    if open_status == Status::NotAssessed || open_status.is_closed() {
        return Err(ApiError::invalid(
            "query.open_status",
            "must be an open status: not_started, in_progress or stalled",
        ));
    }
    Ok((
        dry_run,
        open_status,
        format_of(req, params.format.as_deref())?,
    ))
}

/// The format a request's file is in: `format=`, else its Content-Type.
fn format_of(req: &HttpRequest, format: Option<&str>) -> Result<ImportFormat, ApiError> {
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let is_csv = matches!(media.as_deref(), Some("text/csv"));
    let is_json = matches!(media.as_deref(), Some("application/json"));
    match format {
        Some("json") if is_json => Ok(ImportFormat::Json),
        Some("csv") if is_csv => Ok(ImportFormat::Csv),
        Some("gao") if is_csv => Ok(ImportFormat::Gao),
        None if is_json => Ok(ImportFormat::Json),
        None if is_csv => Ok(ImportFormat::Csv),
        Some("json" | "csv" | "gao") | None => Err(ApiError::UnsupportedMediaType),
        Some(_) => Err(ApiError::invalid(
            "query.format",
            "must be json, csv or gao",
        )),
    }
}
