//! Machine tokens: `ptk_` and 43 base64url characters (256 random bits). Only their SHA-256
//! is stored; a token is found by its hash through an equality lookup, so no comparison of
//! secrets runs byte by byte.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

pub const PREFIX: &str = "ptk_";

/// A new token, shown once to its creator.
pub fn generate() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// What is stored of `token`.
pub fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Whether `credential` is shaped like a machine token (and not a JWT).
pub fn looks_like(credential: &str) -> bool {
    credential.starts_with(PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_hashed() {
        let (a, b) = (generate().expect("token"), generate().expect("token"));
        assert!(looks_like(&a) && a.len() == PREFIX.len() + 43, "{a}");
        assert_ne!(a, b);
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(hash(&a), hash(&a.clone()));
    }
}
