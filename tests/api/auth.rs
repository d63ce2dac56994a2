use crate::helpers::{
    TEST_JWT_SECRET, TEST_PASSWORD, TestApp, clone_template, spawn_app, spawn_app_on, test_config,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use policytrack::domain::Role;
use serde_json::{Value, json};

async fn me(app: &TestApp, bearer: &str) -> crate::helpers::TestResponse {
    app.get_with("/api/v1/auth/me", &[("Authorization", bearer)])
        .await
}

fn claims(sub: &str, overrides: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut base = json!({
        "sub": sub, "role": "admin", "gen": 1, "iat": now, "nbf": now, "exp": now + 600,
        "iss": "policytrack", "aud": "policytrack-api"
    });
    for (k, v) in overrides.as_object().expect("object") {
        base[k] = v.clone();
    }
    base
}

fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

#[actix_web::test]
async fn login_returns_a_bearer_token_that_identifies_the_user() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Analyst).await;
    let response = me(&app, &user.bearer()).await;
    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(body["email"], user.email.as_str());
    assert_eq!(body["role"], "analyst");
    assert!(body.get("password_hash").is_none());
    let login = app.login(&user.email, TEST_PASSWORD).await.json();
    assert_eq!(login["token_type"], "Bearer");
    assert_eq!(login["expires_in"], 3600);
}

#[actix_web::test]
async fn wrong_password_or_unknown_email_is_401_with_www_authenticate() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Viewer).await;
    for (email, password) in [
        (user.email.as_str(), "wrong password entirely"),
        ("nobody@example.org", TEST_PASSWORD),
    ] {
        let response = app.login(email, password).await;
        response.assert_problem(401);
        assert_eq!(
            response.header("www-authenticate").as_deref(),
            Some("Bearer")
        );
    }
}

#[actix_web::test]
async fn me_without_token_is_401() {
    let app = spawn_app().await;
    app.get("/api/v1/auth/me").await.assert_problem(401);
    me(&app, "Basic dXNlcjpwYXNz").await.assert_problem(401);
    me(&app, "Bearer not.a.token").await.assert_problem(401);
}

#[actix_web::test]
async fn forged_and_invalid_tokens_are_rejected() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Admin).await;
    let sub = user.id.to_string();
    let now = chrono::Utc::now().timestamp();

    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(&sub, json!({})).to_string());
    let alg_none = format!("{none_header}.{payload}.");

    let mut parts: Vec<String> = user.token.split('.').map(str::to_owned).collect();
    let mut tampered_claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("b64")).expect("json");
    tampered_claims["role"] = json!("admin");
    tampered_claims["sub"] = json!(uuid::Uuid::new_v4());
    parts[1] = URL_SAFE_NO_PAD.encode(tampered_claims.to_string());
    let tampered = parts.join(".");

    let cases = [
        ("alg none", alg_none),
        (
            "another key",
            sign(
                &claims(&sub, json!({})),
                "another-secret-another-secret-another",
            ),
        ),
        (
            "expired",
            sign(
                &claims(
                    &sub,
                    json!({"exp": now - 120, "iat": now - 4000, "nbf": now - 4000}),
                ),
                TEST_JWT_SECRET,
            ),
        ),
        (
            "not yet valid",
            sign(&claims(&sub, json!({"nbf": now + 600})), TEST_JWT_SECRET),
        ),
        (
            "wrong audience",
            sign(
                &claims(&sub, json!({"aud": "someone-else"})),
                TEST_JWT_SECRET,
            ),
        ),
        (
            "wrong issuer",
            sign(&claims(&sub, json!({"iss": "evil"})), TEST_JWT_SECRET),
        ),
        (
            "old generation",
            sign(&claims(&sub, json!({"gen": 0})), TEST_JWT_SECRET),
        ),
        ("tampered payload", tampered),
    ];
    for (name, token) in cases {
        let response = me(&app, &format!("Bearer {token}")).await;
        assert_eq!(response.status, 401, "{name} was accepted");
    }
    // The genuine token still works.
    assert_eq!(me(&app, &user.bearer()).await.status, 200);
}

#[actix_web::test]
async fn disabling_a_user_revokes_its_tokens_at_once() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await;
    let victim = app.create_user(Role::Analyst).await;
    let path = format!("/api/v1/users/{}", victim.id);
    let etag = app
        .get_with(&path, &[("Authorization", &admin.bearer())])
        .await
        .header("etag")
        .expect("etag");
    let response = app
        .send_json(
            "PATCH",
            &path,
            &[("Authorization", &admin.bearer()), ("If-Match", &etag)],
            &json!({"disabled": true}),
        )
        .await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    me(&app, &victim.bearer()).await.assert_problem(401);
    app.login(&victim.email, TEST_PASSWORD)
        .await
        .assert_problem(401);
}

#[actix_web::test]
async fn a_password_change_revokes_earlier_tokens() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await;
    let user = app.create_user(Role::Viewer).await;
    let path = format!("/api/v1/users/{}", user.id);
    let etag = app
        .get_with(&path, &[("Authorization", &admin.bearer())])
        .await
        .header("etag")
        .expect("etag");
    let response = app
        .send_json(
            "PATCH",
            &path,
            &[("Authorization", &admin.bearer()), ("If-Match", &etag)],
            &json!({"password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(response.status, 200);
    me(&app, &user.bearer()).await.assert_problem(401);
    let fresh = app.login(&user.email, "a brand new passphrase").await;
    assert_eq!(fresh.status, 200);
}

#[actix_web::test]
async fn repeated_failed_logins_are_throttled_with_retry_after() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Viewer).await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(
            app.login(&user.email, "wrong password entirely")
                .await
                .status,
        );
    }
    assert!(statuses[..5].iter().all(|&s| s == 401), "{statuses:?}");
    let blocked = app.login(&user.email, TEST_PASSWORD).await;
    blocked.assert_problem(429);
    let retry: u64 = blocked
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After seconds");
    assert!(retry >= 1);
}

#[actix_web::test]
async fn failures_across_accounts_from_one_address_are_throttled() {
    let app = spawn_app().await;
    for i in 0..7 {
        app.login(&format!("guess{i}@example.org"), "wrong password entirely")
            .await;
    }
    app.login("another@example.org", "wrong password entirely")
        .await
        .assert_problem(429);
}

#[actix_web::test]
async fn reads_need_a_token_when_public_read_is_off() {
    let mut config = test_config();
    config.public_read = Some(false);
    let app = spawn_app_on(clone_template().await, config).await;
    app.get("/api/v1/recommendations").await.assert_problem(401);
    app.get("/api/v1/statuses").await.assert_problem(401);
    let viewer = app.create_user(Role::Viewer).await;
    let response = app
        .get_with(
            "/api/v1/recommendations",
            &[("Authorization", &viewer.bearer())],
        )
        .await;
    assert_eq!(response.status, 200);
}

#[actix_web::test]
async fn users_are_created_by_admins_and_never_show_hashes() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await;
    let auth = admin.bearer();
    let created = app
        .send_json(
            "POST",
            "/api/v1/users",
            &[("Authorization", &auth)],
            &json!({"email": "New.Analyst@Example.org", "role": "analyst", "password": "long enough password"}),
        )
        .await;
    assert_eq!(created.status, 201);
    assert!(
        created
            .header("location")
            .is_some_and(|l| l.starts_with("/api/v1/users/"))
    );
    let body = created.json();
    assert_eq!(body["email"], "new.analyst@example.org");
    let duplicate = app
        .send_json(
            "POST",
            "/api/v1/users",
            &[("Authorization", &auth)],
            &json!({"email": "new.analyst@example.org", "role": "viewer", "password": "long enough password"}),
        )
        .await;
    duplicate.assert_problem(409);
    let weak = app
        .send_json(
            "POST",
            "/api/v1/users",
            &[("Authorization", &auth)],
            &json!({"email": "x@example.org", "role": "viewer", "password": "short"}),
        )
        .await;
    assert_eq!(weak.assert_problem(422)["errors"][0]["field"], "/password");
    let list = app
        .get_with("/api/v1/users", &[("Authorization", &auth)])
        .await;
    let text = String::from_utf8_lossy(&list.body).into_owned();
    assert!(!text.contains("argon2"), "a hash leaked: {text}");
    let audit = app
        .get_with(
            "/api/v1/audit?entity_type=user",
            &[("Authorization", &auth)],
        )
        .await;
    assert!(!String::from_utf8_lossy(&audit.body).contains("argon2"));
}
