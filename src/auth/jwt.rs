//! Access tokens: HS256 only, with issuer, audience, expiry and not-before checked.

use crate::config::Secret;
use crate::domain::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

pub const ISSUER: &str = "policytrack";
pub const AUDIENCE: &str = "policytrack-api";

/// What a token says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: Uuid,
    /// The role at issue time (informational; the current role is read from the database).
    pub role: Role,
    /// The user's token generation at issue time; a later generation revokes the token.
    #[serde(rename = "gen")]
    pub generation: i32,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// Signing and verification keys, built once at start.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl: Duration,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    pub fn new(secret: &Secret, ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
            ttl,
        }
    }

    /// A signed token for `user`, valid from now for `ttl`.
    pub fn issue(&self, user: Uuid, role: Role, generation: i32) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user,
            role,
            generation,
            iat: now,
            nbf: now,
            exp: now + self.ttl.as_secs() as i64,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The claims of a valid token; `None` for anything else (the reason is not disclosed).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .ok()
    }
}

/// The embedded default's secret: read from `path`, or generated (32 random bytes, hex) and
/// written there with mode 0600 on first use.
pub fn load_or_create_secret(path: &std::path::Path) -> anyhow::Result<Secret> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Ok(existing) = std::fs::read_to_string(path) {
        let trimmed = existing.trim();
        anyhow::ensure!(
            trimmed.len() >= 32,
            "{} holds a secret shorter than 32 bytes",
            path.display()
        );
        return Ok(Secret::new(trimmed));
    }
    let bytes: Vec<u8> = (0..2).flat_map(|_| Uuid::new_v4().into_bytes()).collect();
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(secret.as_bytes())?;
    Ok(Secret::new(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(
            &Secret::new("0123456789abcdef0123456789abcdef"),
            Duration::from_secs(60),
        )
    }

    #[test]
    fn issued_tokens_verify() {
        let keys = keys();
        let id = Uuid::new_v4();
        let token = keys.issue(id, Role::Analyst, 3).expect("issue");
        let claims = keys.verify(&token).expect("valid");
        assert_eq!(claims.sub, id);
        assert_eq!(claims.generation, 3);
    }

    #[test]
    fn tokens_signed_with_another_key_are_rejected() {
        let other = JwtKeys::new(
            &Secret::new("another-secret-another-secret-another"),
            Duration::from_secs(60),
        );
        let token = other.issue(Uuid::new_v4(), Role::Admin, 1).expect("issue");
        assert!(keys().verify(&token).is_none());
    }

    #[test]
    fn generated_secret_is_kept_and_reused() {
        let path = std::env::temp_dir().join(format!("pt-secret-{}", Uuid::new_v4()));
        let first = load_or_create_secret(&path).expect("create");
        let second = load_or_create_secret(&path).expect("reuse");
        assert_eq!(first, second);
        assert!(first.expose().len() >= 32);
        std::fs::remove_file(&path).expect("cleanup");
    }
}
