//! Test harness: one private PostgreSQL cluster per test run (the service's own embedded-cluster
//! code), a migrated and seeded template database, and one cloned database per test.

use awc::http::header::HeaderMap;
use policytrack::config::Config;
use policytrack::db::{self, DbPool, PoolSettings};
use policytrack::embedded_pg::{ClusterOptions, EmbeddedCluster};
use policytrack::startup::Application;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// Where tests reach PostgreSQL.
struct Server {
    /// A URL whose database part can be swapped (see `with_database`).
    base_url: String,
    template: String,
}

static SERVER: OnceLock<Server> = OnceLock::new();

/// The shared server: `TEST_DATABASE_URL` when set, else a private cluster started once.
fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        // The cluster is tied to the thread that spawns it (it quits when that thread exits),
        // so it gets a thread of its own that never ends.
        std::thread::spawn(move || {
            let template = format!("policytrack_template_{}", std::process::id());
            let (base_url, cluster) = match std::env::var("TEST_DATABASE_URL") {
                Ok(url) if !url.is_empty() => (url, None),
                _ => {
                    let cluster = start_cluster(&scratch_dir("cluster"));
                    (cluster.url("postgres"), Some(cluster))
                }
            };
            prepare_template(&base_url, &template);
            tx.send(Server { base_url, template }).expect("send server");
            let _keep_alive = cluster;
            loop {
                std::thread::park();
            }
        });
        rx.recv().expect("test cluster started")
    })
}

/// Starts a throwaway (non-durable) cluster in `dir`.
pub fn start_cluster(dir: &std::path::Path) -> EmbeddedCluster {
    EmbeddedCluster::start(ClusterOptions {
        data_dir: dir.to_path_buf(),
        bin_dir: None,
        durable: false,
    })
    .expect("start test PostgreSQL cluster")
}

/// A fresh directory under the system temp dir, removed by the next run if left behind.
pub fn scratch_dir(label: &str) -> PathBuf {
    let root = std::env::temp_dir().join("policytrack-tests");
    std::fs::create_dir_all(&root).expect("scratch root");
    remove_stale(&root);
    let dir = root.join(format!(
        "{}-{label}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Deletes scratch dirs of test processes that no longer run.
fn remove_stale(root: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && !PathBuf::from(format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn prepare_template(base_url: &str, template: &str) {
    let admin = base_url.to_owned();
    db::create_database_if_missing(&admin, template).expect("create template");
    let url = with_database(base_url, template);
    db::run_migrations_blocking(&url).expect("migrate template");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut conn = db::connect(&url).await.expect("connect template");
        policytrack::seed::seed_if_empty(&mut conn)
            .await
            .expect("seed template");
    });
}

/// Replaces the database name in a connection URL.
pub fn with_database(url: &str, database: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let prefix = match head.rsplit_once('/') {
        Some((p, _)) if p.contains("://") && p.len() > p.find("://").unwrap_or(0) + 3 => p,
        _ => head,
    };
    match query {
        Some(q) => format!("{prefix}/{database}?{q}"),
        None => format!("{prefix}/{database}"),
    }
}

/// Runs SQL on the server's maintenance database.
async fn admin_execute(sql: &str) {
    use diesel_async::SimpleAsyncConnection;
    let mut conn = db::connect(&server().base_url)
        .await
        .expect("admin connection");
    conn.batch_execute(sql).await.expect("admin statement");
}

/// A new database cloned from the migrated, seeded template.
pub async fn clone_template() -> String {
    let server = server();
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    use diesel_async::SimpleAsyncConnection;
    let mut conn = db::connect(&server.base_url)
        .await
        .expect("admin connection");
    let mut attempts = 0;
    // CREATE DATABASE ... TEMPLATE fails while another clone holds the template briefly.
    while let Err(e) = conn
        .batch_execute(&format!(
            "CREATE DATABASE \"{name}\" TEMPLATE \"{}\"",
            server.template
        ))
        .await
    {
        attempts += 1;
        assert!(attempts < 50, "cloning the template failed: {e}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    with_database(&server.base_url, &name)
}

/// A new, empty database (no migrations, no seed).
pub async fn empty_database() -> String {
    let name = format!("e_{}", uuid::Uuid::new_v4().simple());
    admin_execute(&format!("CREATE DATABASE \"{name}\"")).await;
    with_database(&server().base_url, &name)
}

pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// Settings for a test server: an ephemeral port, one worker.
pub fn test_config() -> Config {
    let mut config = Config::from_lookup(|_| None).expect("default config");
    config.addr = "127.0.0.1:0".parse().expect("addr");
    config.workers = 1;
    config.db_pool_size = 4;
    config.db_timeout = Duration::from_secs(2);
    config.jwt_secret = Some(policytrack::config::Secret::new(TEST_JWT_SECRET));
    // Deliveries and deadlines run only where a test asks for them (`webhooks`, `deadlines`).
    config.jobs = false;
    config
}

pub struct TestApp {
    pub address: String,
    pub db_url: String,
    pub pool: DbPool,
    pub client: awc::Client,
}

/// A server on its own copy of the seeded database.
pub async fn spawn_app() -> TestApp {
    spawn_app_on(clone_template().await, test_config()).await
}

/// A server on `db_url` (migrated and seeded on start as in production).
pub async fn spawn_app_on(db_url: String, config: Config) -> TestApp {
    let app = Application::build(config, &db_url)
        .await
        .expect("build application");
    let address = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    let pool = db::build_pool(
        &db_url,
        PoolSettings {
            max_size: 2,
            timeout: Duration::from_secs(5),
            statement_counter: None,
        },
    )
    .expect("test pool");
    TestApp {
        address,
        db_url,
        pool,
        client: awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish(),
    }
}

/// A response read to the end.
#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }

    /// Asserts an RFC 9457 problem with `status` and returns its body.
    pub fn assert_problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.content_type(), "application/problem+json");
        let body = self.json();
        assert_eq!(body["status"], status);
        assert!(
            body["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("urn:policytrack:problem:"))
        );
        assert!(body["title"].is_string());
        assert!(body["detail"].is_string());
        body
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        let mut req = self.client.get(self.url(path));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        read(req.send().await.expect("request sent")).await
    }

    /// One string field of every item of a list, in order, following `next_cursor` with `limit`.
    pub async fn collect_field(&self, path: &str, limit: u32, field: &str) -> Vec<String> {
        self.collect_pages(path, limit)
            .await
            .iter()
            .map(|item| item[field].as_str().expect(field).to_owned())
            .collect()
    }

    /// Every item of a list, following `next_cursor` with `limit`.
    pub async fn collect_pages(&self, path: &str, limit: u32) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..1000 {
            let mut url = format!("{path}{sep}limit={limit}");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let page = self.get(&url).await;
            assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
            let body = page.json();
            items.extend(body["items"].as_array().expect("items").iter().cloned());
            match body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return items,
            }
        }
        panic!("more than 1000 pages");
    }
}

pub async fn read<S>(mut response: awc::ClientResponse<S>) -> TestResponse
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    let body = response.body().limit(64 * 1024 * 1024).await.expect("body");
    TestResponse {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: body.to_vec(),
    }
}

pub const TEST_PASSWORD: &str = "correct horse battery staple";

/// One argon2 hash of `TEST_PASSWORD`, shared by every test user (hashing is slow on purpose).
fn test_password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| policytrack::auth::password::hash(TEST_PASSWORD).expect("hash"))
}

/// A user created directly in the database, with a token from the real login endpoint.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: uuid::Uuid,
    pub email: String,
    pub token: String,
}

impl TestUser {
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }
}

impl TestApp {
    /// Inserts a user with `TEST_PASSWORD` and logs in.
    pub async fn create_user(&self, role: policytrack::domain::Role) -> TestUser {
        let email = format!("{role}-{}@example.org", uuid::Uuid::new_v4().simple());
        let mut conn = self.pool.get().await.expect("conn");
        let user = policytrack::users::commands::create(
            &mut conn,
            None,
            policytrack::users::model::NewUser {
                email: &email,
                password_hash: test_password_hash(),
                role,
            },
            &[],
        )
        .await
        .expect("insert user")
        .user;
        let token = self.login(&email, TEST_PASSWORD).await;
        assert_eq!(
            token.status,
            200,
            "{}",
            String::from_utf8_lossy(&token.body)
        );
        TestUser {
            id: user.id,
            email,
            token: token.json()["access_token"]
                .as_str()
                .expect("token")
                .to_owned(),
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.send_json(
            "POST",
            "/api/v1/auth/token",
            &[],
            &serde_json::json!({"email": email, "password": password}),
        )
        .await
    }

    /// Sends `body` as JSON with `method` and extra headers.
    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> TestResponse {
        self.send_raw(
            method,
            path,
            headers,
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await
    }

    /// Sends any bytes with any content type (or no body at all).
    pub async fn send_raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> TestResponse {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, self.url(path));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let response = match body {
            Some((content_type, bytes)) => {
                req.insert_header(("content-type", content_type))
                    .send_body(bytes)
                    .await
            }
            None => req.send().await,
        };
        read(response.expect("request sent")).await
    }

    /// The id and ETag of a seeded recommendation by code.
    pub async fn recommendation(&self, code: &str) -> (String, String) {
        let list = self.get("/api/v1/recommendations?limit=200").await.json();
        let id = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|r| r["code"] == code)
            .and_then(|r| r["id"].as_str())
            .expect("seeded code")
            .to_owned();
        let etag = self
            .get(&format!("/api/v1/recommendations/{id}"))
            .await
            .header("etag")
            .expect("etag");
        (id, etag)
    }

    /// The id of a seeded agency by code.
    pub async fn agency_id(&self, code: &str) -> String {
        let list = self.get("/api/v1/agencies?limit=200").await.json();
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|a| a["code"] == code)
            .and_then(|a| a["id"].as_str())
            .expect("seeded agency")
            .to_owned()
    }

    /// Row count of a table, read straight from the database.
    pub async fn count(&self, table: &str) -> i64 {
        use diesel_async::RunQueryDsl;
        let mut conn = self.pool.get().await.expect("conn");
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
            "(SELECT count(*) FROM {table})"
        )))
        .get_result(&mut conn)
        .await
        .expect("count")
    }

    /// Row counts of every table a write leaves a trace in (changes, audit, events, outbox) and
    /// the sum of the versions of versioned rows: equal before and after a refused write.
    pub async fn write_fingerprint(&self) -> Vec<i64> {
        let mut fingerprint = Vec::new();
        for table in [
            "audit_events",
            "events",
            "deliveries",
            "check_ins",
            "status_changes",
            "milestones",
            "webhooks",
            "api_tokens",
            "closure_proposals",
            "user_agencies",
            "reports",
            "categories",
            "recommendations",
            "recommendation_agencies",
            "agencies",
            "recommendation_translations",
            "report_translations",
            "category_translations",
            "agency_translations",
        ] {
            fingerprint.push(self.count(table).await);
        }
        use diesel_async::RunQueryDsl;
        let mut conn = self.pool.get().await.expect("conn");
        let versions: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT COALESCE((SELECT sum(version) FROM recommendations), 0) \
               + COALESCE((SELECT sum(version) FROM webhooks), 0) \
               + COALESCE((SELECT sum(version) FROM reports), 0) \
               + COALESCE((SELECT sum(version) FROM users), 0) \
               + COALESCE((SELECT sum(version) FROM closure_proposals), 0) \
               + COALESCE((SELECT sum(version) FROM categories), 0) \
               + COALESCE((SELECT sum(version) FROM milestones), 0) \
               + COALESCE((SELECT sum(version) FROM agencies), 0))::bigint",
        ))
        .get_result(&mut conn)
        .await
        .expect("versions");
        fingerprint.push(versions);
        fingerprint
    }

    /// Runs `sql` straight on the database (to set up what no endpoint may do).
    pub async fn execute(&self, sql: &str) {
        use diesel_async::RunQueryDsl;
        let mut conn = self.pool.get().await.expect("conn");
        diesel::sql_query(sql).execute(&mut conn).await.expect(sql);
    }

    /// The one text value `sql` selects.
    pub async fn query_text(&self, sql: &str) -> String {
        use diesel_async::RunQueryDsl;
        let mut conn = self.pool.get().await.expect("conn");
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(&format!(
            "({sql})"
        )))
        .get_result(&mut conn)
        .await
        .expect(sql)
    }

    /// SQL statements the server has sent so far (`policytrack_db_statements_total`).
    pub async fn statements(&self) -> u64 {
        let text = String::from_utf8(self.get("/metrics").await.body).expect("utf-8");
        text.lines()
            .find_map(|l| l.strip_prefix("policytrack_db_statements_total "))
            .and_then(|n| n.parse::<u64>().ok())
            .expect("statement counter")
    }
}

impl TestApp {
    /// A user of `role` belonging to `agencies` (codes), signed in.
    pub async fn create_member(
        &self,
        role: policytrack::domain::Role,
        agencies: &[&str],
    ) -> TestUser {
        let user = self.create_user(role).await;
        let mut ids = Vec::new();
        for code in agencies {
            ids.push(self.agency_id(code).await);
        }
        let admin = self.admin().await;
        let path = format!("/api/v1/users/{}", user.id);
        let etag = self
            .get_with(&path, &[("Authorization", &admin)])
            .await
            .header("etag")
            .expect("user etag");
        let set = self
            .send_json(
                "PATCH",
                &path,
                &[("Authorization", &admin), ("If-Match", &etag)],
                &serde_json::json!({"agency_ids": ids}),
            )
            .await;
        assert_eq!(set.status, 200, "{}", String::from_utf8_lossy(&set.body));
        assert_eq!(
            set.json()["agency_ids"].as_array().map(Vec::len),
            Some(ids.len())
        );
        user
    }

    /// A new admin's bearer header value.
    pub async fn admin(&self) -> String {
        self.create_user(policytrack::domain::Role::Admin)
            .await
            .bearer()
    }

    /// A machine token of `owner` (`Bearer ptk_…`) and its id.
    pub async fn machine_token(
        &self,
        owner: &TestUser,
        body: serde_json::Value,
    ) -> (String, String) {
        let created = self
            .send_json(
                "POST",
                "/api/v1/tokens",
                &[("Authorization", &owner.bearer())],
                &body,
            )
            .await;
        assert_eq!(
            created.status,
            201,
            "{}",
            String::from_utf8_lossy(&created.body)
        );
        let body = created.json();
        let token = body["token"].as_str().expect("token").to_owned();
        assert!(token.starts_with("ptk_"));
        (
            format!("Bearer {token}"),
            body["id"].as_str().expect("id").to_owned(),
        )
    }
}
