//! Password hashing with argon2id (OWASP minimum parameters: 19 MiB, 2 passes, 1 lane).
//! Both functions are CPU-heavy: call them through `web::block`.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use std::sync::LazyLock;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 1024;

fn hasher() -> Argon2<'static> {
    // OWASP Password Storage Cheat Sheet: m=19456 KiB, t=2, p=1 for argon2id.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A PHC-format argon2id hash with a fresh salt.
pub fn hash(password: &str) -> anyhow::Result<String> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// True when `password` matches `stored`; malformed hashes never match.
pub fn verify(stored: &str, password: &str) -> bool {
    hasher()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// A hash to verify against when the account does not exist, so that a missing account
/// takes as long to reject as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: LazyLock<String> =
        LazyLock::new(|| hash("decoy password for timing").unwrap_or_default());
    &DECOY
}

/// Problems with a new password, if any.
pub fn check_strength(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        Some(format!("must be at least {MIN_LENGTH} characters"))
    } else if chars > MAX_LENGTH {
        Some(format!("must be at most {MAX_LENGTH} characters"))
    } else if password.contains('\0') {
        Some("must not contain NUL characters".into())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_at_owasp_minimum_and_verify() {
        let stored = hash("correct horse battery staple").expect("hash");
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify(&stored, "correct horse battery staple"));
        assert!(!verify(&stored, "wrong password"));
        assert!(!verify("not a hash", "anything"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_strength("short").is_some());
        assert!(check_strength("long enough password").is_none());
    }
}
