//! The benchmark's ceilings for HTTP overhead, with nothing of the service in them (no
//! middleware, no row decoding, no JSON).
//!
//! Usage: `bare <addr> <workers> [<socket dir> <sql file>]`.
//! - `GET /bytes/{n}` answers n bytes: HTTP alone.
//! - `POST /hook` reads the body and answers 204: a webhook receiver that costs next to nothing.
//! - With a database: `GET /sql/{n}` also runs the SQL file's statements first, in order, as
//!   prepared statements on one of sixteen connections: pgbench's work and the HTTP work in one
//!   process, the least any service that runs those statements per request has to do. n = 0
//!   answers 304, like a conditional read.

use actix_web::{App, HttpResponse, HttpServer, get, post, web};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls, Statement};

const CONNECTIONS: usize = 16;

/// The service's allocator, so that the ceiling differs from it only in the service's own work.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[get("/bytes/{n}")]
async fn bytes(n: web::Path<usize>, body: web::Data<Vec<u8>>) -> HttpResponse {
    let n = n.into_inner().min(body.len());
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body[..n].to_vec())
}

#[post("/hook")]
async fn hook(_delivery: web::Bytes) -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// Where the statements come from; each worker opens its own connections from it.
#[derive(Clone)]
struct Database {
    conninfo: String,
    statements: Vec<String>,
}

/// An open connection with the statements prepared on it.
type Prepared = (Client, Vec<Statement>);

/// One worker's connections, opened on first use so their I/O runs on that worker, as a
/// service's pool does.
struct WorkerConnections {
    database: Database,
    slots: Vec<Mutex<Option<Prepared>>>,
    next: AtomicUsize,
}

impl WorkerConnections {
    fn new(database: Database, count: usize) -> Self {
        Self {
            database,
            slots: (0..count).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        }
    }

    async fn run(&self) -> Result<(), tokio_postgres::Error> {
        let slot = &self.slots[self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len()];
        let mut slot = slot.lock().await;
        if slot.is_none() {
            let (client, connection) =
                tokio_postgres::connect(&self.database.conninfo, NoTls).await?;
            actix_web::rt::spawn(connection);
            let mut prepared = Vec::new();
            for text in &self.database.statements {
                prepared.push(client.prepare(text).await?);
            }
            *slot = Some((client, prepared));
        }
        if let Some((client, prepared)) = slot.as_ref() {
            for statement in prepared {
                client.query(statement, &[]).await?;
            }
        }
        Ok(())
    }
}

#[get("/sql/{n}")]
async fn bytes_after_sql(
    n: web::Path<usize>,
    body: web::Data<Vec<u8>>,
    connections: web::Data<WorkerConnections>,
) -> HttpResponse {
    if let Err(e) = connections.run().await {
        return HttpResponse::InternalServerError().body(e.to_string());
    }
    match n.into_inner().min(body.len()) {
        0 => HttpResponse::NotModified().finish(),
        n => HttpResponse::Ok()
            .content_type("application/json")
            .body(body[..n].to_vec()),
    }
}

/// A pgbench script's statements: one per line, ending in `;`; meta-commands are skipped.
fn statements(script: &str) -> Vec<String> {
    script
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('\\'))
        .map(|line| line.trim_end_matches(';').to_owned())
        .collect()
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8090".into());
    let workers: usize = args.next().and_then(|w| w.parse().ok()).unwrap_or(2);
    let database = match (args.next(), args.next()) {
        (Some(socket_dir), Some(sql_file)) => Some(Database {
            conninfo: format!("host={socket_dir} user=policytrack dbname=policytrack"),
            statements: statements(&std::fs::read_to_string(sql_file)?),
        }),
        _ => None,
    };
    let body = web::Data::new(vec![b'x'; 4 * 1024 * 1024]);
    HttpServer::new(move || {
        let app = App::new()
            .app_data(body.clone())
            .service(bytes)
            .service(hook);
        match &database {
            Some(database) => app
                .app_data(web::Data::new(WorkerConnections::new(
                    database.clone(),
                    (CONNECTIONS / workers.max(1)).max(1),
                )))
                .service(bytes_after_sql),
            None => app,
        }
    })
    .workers(workers)
    .bind(addr)?
    .run()
    .await
}
