//! The benchmark's ceiling for HTTP overhead: a bare actix-web handler returning a JSON body of
//! a requested size, with nothing else (no database, no middleware).
//! Usage: bare <addr> <workers>; GET /bytes/{n} answers n bytes.

use actix_web::{App, HttpResponse, HttpServer, get, web};

#[get("/bytes/{n}")]
async fn bytes(n: web::Path<usize>, body: web::Data<Vec<u8>>) -> HttpResponse {
    let n = n.into_inner().min(body.len());
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body[..n].to_vec())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8090".into());
    let workers: usize = args.next().and_then(|w| w.parse().ok()).unwrap_or(2);
    let body = web::Data::new(vec![b'x'; 4 * 1024 * 1024]);
    HttpServer::new(move || App::new().app_data(body.clone()).service(bytes))
        .workers(workers)
        .bind(addr)?
        .run()
        .await
}
