//! What was built: the package version and the commit (`build.rs` reads it from git, or from
//! `POLICYTRACK_BUILD_COMMIT` when building outside a checkout).

pub const NAME: &str = env!("CARGO_PKG_NAME");
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const COMMIT: &str = env!("POLICYTRACK_BUILD_COMMIT");

/// `policytrack 0.1.0 (commit 1a2b3c4d5e6f)`.
pub fn describe() -> String {
    format!("{NAME} {VERSION} (commit {COMMIT})")
}
