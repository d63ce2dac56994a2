//! Finds the PostgreSQL server programs (`initdb`, `postgres`) installed on the machine.

use std::path::{Path, PathBuf};
use std::process::Command;

const REQUIRED: [&str; 2] = ["initdb", "postgres"];

/// The directory holding the server programs, or an error that names the fix.
pub fn find_bin_dir(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = explicit {
        anyhow::ensure!(
            has_server_programs(dir),
            "POLICYTRACK_PG_BIN_DIR={} does not contain initdb and postgres",
            dir.display()
        );
        return Ok(dir.to_path_buf());
    }
    candidates()
        .into_iter()
        .find(|dir| has_server_programs(dir))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "PostgreSQL server programs (initdb, postgres) were not found via pg_config, PATH \
                 or /usr/lib/postgresql/*/bin. Install them (Debian/Ubuntu: \
                 `apt-get install -y postgresql`), set POLICYTRACK_PG_BIN_DIR to their directory, \
                 or set DATABASE_URL to use an existing PostgreSQL server"
            )
        })
}

fn has_server_programs(dir: &Path) -> bool {
    REQUIRED.iter().all(|p| dir.join(p).is_file())
}

/// Search order: pg_config's bindir, PATH, then the newest Debian-style versioned directory.
fn candidates() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        dirs.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs.extend(versioned_dirs(Path::new("/usr/lib/postgresql")));
    dirs
}

/// `<root>/<major>/bin` directories, highest major version first.
fn versioned_dirs(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut versions: Vec<(u32, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((major, e.path().join("bin")))
        })
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_directory_without_programs_is_an_error_naming_the_variable() {
        let err = find_bin_dir(Some(Path::new("/nonexistent"))).expect_err("no programs there");
        assert!(err.to_string().contains("POLICYTRACK_PG_BIN_DIR"));
    }

    #[test]
    fn versioned_dirs_sort_newest_first() {
        let root = std::env::temp_dir().join(format!("pt-versions-{}", std::process::id()));
        for v in ["13", "16", "9", "notaversion"] {
            std::fs::create_dir_all(root.join(v).join("bin")).expect("mkdir");
        }
        let found = versioned_dirs(&root);
        std::fs::remove_dir_all(&root).expect("cleanup");
        let majors: Vec<String> = found
            .iter()
            .map(|p| {
                p.parent()
                    .and_then(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(majors, ["16", "13", "9"]);
    }
}
