//! 6. Secrets: no password, hash, token (session or machine), signing key or webhook secret in
//!    any response (but the one that creates it) or log line; security headers on every
//!    response; argon2id at or above OWASP's minimum (m=19456 KiB, t=2, p=1).

use crate::harness::{ADMIN_PASSWORD, JWT_SECRET, Outcome, Server, bearer, get, login, scratch};
use crate::http;
use serde_json::json;
use std::path::Path;

pub fn run(other_logs: &[&Path]) -> Outcome {
    let mut outcome = Outcome::new("secrets and headers");
    let dir = scratch("secrets");
    let data = dir.join("data");
    let log = dir.join("server.log");
    let server = Server::start(
        &[
            ("POLICYTRACK_DATA_DIR", data.to_str().unwrap_or_default()),
            ("POLICYTRACK_LOG", "debug"),
        ],
        &log,
    );
    let port = server.port;
    let token = login(port);
    let auth = bearer(&token);
    let password = "a second secret passphrase";
    let created = http::json(
        port,
        "POST",
        "/api/v1/users",
        &[("Authorization", &auth)],
        &json!({"email": "viewer@reliability.example", "role": "viewer", "password": password}),
    )
    .expect("create user");
    let viewer_token = login_as(port, "viewer@reliability.example", password);
    let _ = http::json(
        port,
        "POST",
        "/api/v1/auth/token",
        &[],
        &json!({"email": "viewer@reliability.example", "password": "wrong password here"}),
    );
    let subscribed = http::json(
        port,
        "POST",
        "/api/v1/webhooks",
        &[("Authorization", &auth)],
        &json!({"url": "https://hooks.reliability.example/in", "description": "secrets check"}),
    )
    .expect("create webhook");
    outcome.expect(subscribed.status == 201, "could not create a webhook");
    let webhook = subscribed.json();
    let webhook_secret = webhook["secret"].as_str().unwrap_or_default().to_owned();
    let webhook_id = webhook["id"].as_str().unwrap_or_default().to_owned();
    let pinged = http::json(
        port,
        "POST",
        &format!("/api/v1/webhooks/{webhook_id}/ping"),
        &[("Authorization", &auth)],
        &json!({}),
    );
    outcome.expect(
        pinged.is_ok_and(|r| r.status == 202),
        "could not ping the webhook",
    );
    let machine = http::json(
        port,
        "POST",
        "/api/v1/tokens",
        &[("Authorization", &auth)],
        &json!({"name": "secrets check", "access": "read"}),
    )
    .expect("create machine token");
    outcome.expect(machine.status == 201, "could not create a machine token");
    let machine_token = machine.json()["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let machine_id = machine.json()["id"].as_str().unwrap_or_default().to_owned();
    // Used, refused for a write, revoked, and refused: every path a token takes, logged at debug.
    let _ = get(port, &machine_token, "/api/v1/recommendations");
    let _ = http::json(
        port,
        "POST",
        "/api/v1/agencies",
        &[("Authorization", &bearer(&machine_token))],
        &json!({"code": "XX-TEST", "name": "Refused", "country": "US"}),
    );
    let _ = http::send(
        port,
        "DELETE",
        &format!("/api/v1/tokens/{machine_id}"),
        &[("Authorization", &auth)],
        None,
    );
    let refused = get(port, &machine_token, "/api/v1/recommendations");
    outcome.expect(refused.status == 401, "a revoked machine token still reads");
    let mut bodies: Vec<Vec<u8>> = vec![created.body.clone(), refused.body.clone()];
    let webhook_paths = [
        format!("/api/v1/webhooks/{webhook_id}"),
        format!("/api/v1/webhooks/{webhook_id}/deliveries"),
    ];
    for path in [
        "/api/v1/users",
        "/api/v1/audit?limit=200",
        "/api/v1/auth/me",
        "/api/v1/recommendations",
        "/api/v1/webhooks",
        "/api/v1/tokens",
        "/api/v1/events",
        webhook_paths[0].as_str(),
        webhook_paths[1].as_str(),
        "/api-docs/openapi.json",
        "/metrics",
    ] {
        let r = get(port, &token, path);
        outcome.requests += 1;
        outcome.expect(
            r.header("x-content-type-options") == Some("nosniff"),
            format!("{path}: no nosniff"),
        );
        outcome.expect(
            r.header("server").is_none(),
            format!("{path}: a Server header"),
        );
        bodies.push(r.body);
    }
    let not_found = http::send(port, "GET", "/nope", &[], None).expect("404");
    outcome.expect(
        not_found.header("x-content-type-options") == Some("nosniff"),
        "404 without nosniff",
    );
    bodies.push(not_found.body);
    let jwt_file = std::fs::read_to_string(data.join("jwt-secret")).unwrap_or_default();
    let secrets: Vec<(&str, String)> = vec![
        ("admin password", ADMIN_PASSWORD.to_owned()),
        ("user password", password.to_owned()),
        ("argon2 hash", "$argon2".to_owned()),
        ("admin token", token.clone()),
        ("viewer token", viewer_token),
        ("machine token", machine_token.clone()),
        ("signing key", JWT_SECRET.to_owned()),
        ("generated signing key file", jwt_file.trim().to_owned()),
        ("webhook secret", webhook_secret.clone()),
        (
            "webhook secret's key",
            webhook_secret
                .strip_prefix("whsec_")
                .unwrap_or_default()
                .to_owned(),
        ),
    ];
    outcome.expect(
        machine_token.starts_with("ptk_") && machine_token.len() == 47,
        "the machine token was not shown when it was created",
    );
    outcome.expect(
        webhook_secret.starts_with("whsec_") && webhook_secret.len() > 20,
        "the webhook's secret was not shown when it was created",
    );
    for body in &bodies {
        let text = String::from_utf8_lossy(body);
        for (name, secret) in &secrets {
            outcome.expect(
                secret.is_empty() || !text.contains(secret.as_str()),
                format!("a response shows the {name}"),
            );
        }
    }
    drop(server);
    let mut logs: Vec<&Path> = vec![log.as_path()];
    logs.extend_from_slice(other_logs);
    for path in logs {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for (name, secret) in &secrets {
            if !secret.is_empty() && text.contains(secret.as_str()) {
                outcome
                    .problems
                    .push(format!("{} logs the {name}", path.display()));
            }
        }
    }
    let hash = stored_hash(&data);
    let params = hash.split('$').nth(3).unwrap_or_default().to_owned();
    let value = |key: &str| -> u64 {
        params
            .split(',')
            .find_map(|kv| kv.strip_prefix(key))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    outcome.expect(
        hash.starts_with("$argon2id$"),
        format!("hash is not argon2id: {}", &hash[..hash.len().min(10)]),
    );
    outcome.expect(
        value("m=") >= 19_456 && value("t=") >= 2 && value("p=") >= 1,
        format!("argon2 parameters below OWASP: {params}"),
    );
    outcome.notes.push(format!(
        "argon2id {params}; {} responses and the logs scanned for {} secrets",
        bodies.len(),
        secrets.len()
    ));
    crate::harness::cleanup(&dir, &mut outcome);
    outcome
}

fn login_as(port: u16, email: &str, password: &str) -> String {
    http::json(
        port,
        "POST",
        "/api/v1/auth/token",
        &[],
        &json!({"email": email, "password": password}),
    )
    .map(|r| {
        r.json()["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    })
    .unwrap_or_default()
}

/// The admin's stored hash, read through the embedded cluster (the server is stopped).
fn stored_hash(data: &Path) -> String {
    use diesel::{Connection, RunQueryDsl};
    let cluster = policytrack::embedded_pg::EmbeddedCluster::start(
        policytrack::embedded_pg::ClusterOptions {
            data_dir: data.to_path_buf(),
            bin_dir: None,
            durable: true,
        },
    )
    .expect("cluster");
    let mut conn = <diesel_async::async_connection_wrapper::AsyncConnectionWrapper<
        diesel_async::AsyncPgConnection,
    > as Connection>::establish(&cluster.url("policytrack"))
    .expect("connect");
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
        "(SELECT password_hash FROM users ORDER BY created_at LIMIT 1)",
    ))
    .get_result(&mut conn)
    .unwrap_or_default()
}
