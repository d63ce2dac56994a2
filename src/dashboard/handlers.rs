//! `GET /` and the other page routes (one HTML shell), and `GET /assets/{name}`.

use super::assets::{self, Asset};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

/// Only this origin's scripts, styles, images and API: no inline code, no other host.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The pages. Each answers the same shell; the script renders the view its path names.
const PAGES: [&str; 8] = [
    "/",
    "/sign-in",
    "/agencies",
    "/agencies/{code}",
    "/reports/{report}",
    "/reports/{report}/timeline",
    "/reports/{report}/trend",
    "/recommendations/{id}",
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    for page in PAGES {
        cfg.route(page, web::get().to(shell));
    }
    cfg.route("/assets/{name}", web::get().to(asset));
}

async fn shell(req: HttpRequest) -> HttpResponse {
    serve(&req, assets::shell())
}

async fn asset(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    match assets::find(&name) {
        Some(asset) if asset.name != "index.html" => serve(&req, asset),
        _ => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("no such dashboard file"),
    }
}

/// The file with its tag; 304 while the client's copy is current. `no-cache` makes the
/// browser revalidate, so a new binary's files are picked up on the next load.
fn serve(req: &HttpRequest, asset: &Asset) -> HttpResponse {
    let current = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == asset.etag));
    let mut response = if current {
        HttpResponse::NotModified().finish()
    } else {
        HttpResponse::Ok()
            .content_type(asset.content_type)
            .body(asset.body)
    };
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&asset.etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    response
}
