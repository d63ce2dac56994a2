//! The operating-system account the cluster runs as: `postgres` when we are root (initdb and
//! postgres refuse to run as root), otherwise ourselves.

use std::ffi::CString;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::Path;

/// Who owns and runs the cluster's files and processes.
#[derive(Debug, Clone)]
pub struct RunAs {
    pub uid: u32,
    pub gid: u32,
    pub name: String,
}

/// `Some(postgres)` when running as root, `None` (run as ourselves) otherwise.
pub fn cluster_account() -> anyhow::Result<Option<RunAs>> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    lookup_user("postgres").map(Some).ok_or_else(|| {
        anyhow::anyhow!(
            "running as root, the embedded PostgreSQL must run as the `postgres` system user, \
             which does not exist. Install PostgreSQL from the distribution packages (it creates \
             the user), run policytrack as an unprivileged user, or set DATABASE_URL"
        )
    })
}

fn lookup_user(name: &str) -> Option<RunAs> {
    let c_name = CString::new(name).ok()?;
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: all pointers are valid for the call; getpwnam_r writes only within `buf`.
    let rc = unsafe {
        libc::getpwnam_r(
            c_name.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 || result.is_null() {
        return None;
    }
    Some(RunAs {
        uid: pwd.pw_uid,
        gid: pwd.pw_gid,
        name: name.to_owned(),
    })
}

/// Whether `account` may enter every directory from `/` down to `dir` (ACLs are ignored).
pub fn can_traverse(account: &RunAs, dir: &Path) -> bool {
    dir.ancestors().all(|d| match std::fs::metadata(d) {
        Ok(meta) => {
            let mode = meta.mode();
            if meta.uid() == account.uid {
                mode & 0o100 != 0
            } else if meta.gid() == account.gid {
                mode & 0o010 != 0
            } else {
                mode & 0o001 != 0
            }
        }
        // Not yet created: we will create it ourselves with traversable permissions.
        Err(_) => true,
    })
}

/// Creates `dir` private (0700) and owned by `account`. Parents it has to create are opened
/// to traversal (0755) whatever the umask, as `can_traverse` assumes: a recursive create
/// would give them 0700 too, and the account could not reach its own directory.
pub fn create_private_dir(dir: &Path, account: Option<&RunAs>) -> anyhow::Result<()> {
    let missing_parents: Vec<&Path> = dir
        .ancestors()
        .skip(1)
        .take_while(|d| !d.exists())
        .collect();
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))?;
    for parent in missing_parents {
        std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755))?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    hand_over(dir, account)
}

/// Opens `dir` and its parent to traversal if this process owns them: repairs a relocation
/// root that an earlier version created 0700, which no cluster account could enter.
pub fn open_own_dirs(dir: &Path) -> anyhow::Result<()> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    for d in dir.ancestors().take(2) {
        if let Ok(meta) = std::fs::metadata(d)
            && meta.uid() == me
            && meta.mode() & 0o111 != 0o111
        {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755))?;
        }
    }
    Ok(())
}

/// Gives `path` to `account` (no-op when running as ourselves).
pub fn hand_over(path: &Path, account: Option<&RunAs>) -> anyhow::Result<()> {
    if let Some(account) = account {
        std::os::unix::fs::chown(path, Some(account.uid), Some(account.gid))
            .map_err(|e| anyhow::anyhow!("chown {} to {}: {e}", path.display(), account.name))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_0700_parent_owned_by_someone_else_blocks_traversal() {
        let outsider = RunAs {
            uid: 54_321,
            gid: 54_321,
            name: "outsider".into(),
        };
        let root = std::env::temp_dir().join(format!("pt-traverse-{}", std::process::id()));
        let inner = root.join("inner");
        std::fs::create_dir_all(&inner).expect("mkdir");
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        assert!(can_traverse(&outsider, &inner));
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        assert!(!can_traverse(&outsider, &inner));
        std::fs::remove_dir_all(&root).expect("cleanup");
    }

    #[test]
    fn a_private_dir_gets_traversable_parents() {
        let root = std::env::temp_dir().join(format!("pt-private-{}", std::process::id()));
        let dir = root.join("clusters").join("key");
        create_private_dir(&dir, None).expect("create");
        let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&root), 0o755);
        assert_eq!(mode(&root.join("clusters")), 0o755);
        assert_eq!(mode(&dir), 0o700);
        let outsider = RunAs {
            uid: 54_321,
            gid: 54_321,
            name: "outsider".into(),
        };
        assert!(can_traverse(&outsider, &root.join("clusters")));
        std::fs::remove_dir_all(&root).expect("cleanup");
    }

    #[test]
    fn closed_dirs_of_our_own_are_opened() {
        let root = std::env::temp_dir().join(format!("pt-reopen-{}", std::process::id()));
        let clusters = root.join("clusters");
        std::fs::create_dir_all(&clusters).expect("mkdir");
        for d in [&root, &clusters] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        }
        open_own_dirs(&clusters).expect("open");
        let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&root), 0o755);
        assert_eq!(mode(&clusters), 0o755);
        std::fs::remove_dir_all(&root).expect("cleanup");
    }
}
