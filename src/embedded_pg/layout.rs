//! Where a cluster's files live: inside the data directory when the cluster's account can
//! reach it, and a short socket directory so the socket path fits in `sun_path`.

use super::account::{RunAs, can_traverse};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// `sun_path` holds 108 bytes; the socket file name adds `/.s.PGSQL.5432` (15 bytes).
const MAX_SOCKET_DIR_LEN: usize = 90;
/// Used when the data directory's parents are closed to the cluster's account (e.g. under a
/// 0700 home directory while running as root): the cluster lives here, keyed by data dir.
const FALLBACK_ROOT: &str = "/var/lib/policytrack/clusters";

#[derive(Debug, Clone)]
pub struct Layout {
    /// Everything the cluster owns.
    pub root: PathBuf,
    pub pgdata: PathBuf,
    pub socket_dir: PathBuf,
    pub log_file: PathBuf,
    /// True when `root` is outside the data directory (see `FALLBACK_ROOT`).
    pub relocated: bool,
}

impl Layout {
    /// `data_dir` must be absolute and canonical.
    pub fn for_data_dir(data_dir: &Path, account: Option<&RunAs>) -> Self {
        let key = short_hash(data_dir);
        let reachable = account.is_none_or(|a| can_traverse(a, data_dir));
        let root = if reachable {
            data_dir.join("postgres")
        } else {
            Path::new(FALLBACK_ROOT).join(&key)
        };
        let preferred_socket_dir = root.join("socket");
        let socket_dir = if preferred_socket_dir.as_os_str().len() <= MAX_SOCKET_DIR_LEN {
            preferred_socket_dir
        } else {
            std::env::temp_dir().join(format!("policytrack-{key}"))
        };
        Self {
            pgdata: root.join("pgdata"),
            log_file: root.join("postgres.log"),
            socket_dir,
            relocated: !reachable,
            root,
        }
    }
}

/// A stable 16-hex-digit name for a path.
fn short_hash(path: &Path) -> String {
    let digest = Sha256::digest(path.as_os_str().as_encoded_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_data_dir_keeps_everything_inside_it() {
        let layout = Layout::for_data_dir(Path::new("/srv/pt/data"), None);
        assert_eq!(layout.pgdata, Path::new("/srv/pt/data/postgres/pgdata"));
        assert_eq!(layout.socket_dir, Path::new("/srv/pt/data/postgres/socket"));
        assert!(!layout.relocated);
    }

    #[test]
    fn deep_data_dir_gets_a_short_socket_directory() {
        let deep = PathBuf::from(format!("/srv/{}", "x".repeat(120)));
        let layout = Layout::for_data_dir(&deep, None);
        assert!(layout.pgdata.starts_with(&deep));
        assert!(layout.socket_dir.as_os_str().len() <= MAX_SOCKET_DIR_LEN);
        let again = Layout::for_data_dir(&deep, None);
        assert_eq!(layout.socket_dir, again.socket_dir, "stable across runs");
    }
}
