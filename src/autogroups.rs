//! Whether kernel autogroups apply to this process, for a warning at start.
//!
//! With `kernel.sched_autogroup_enabled = 1` (most distributions' default), every process
//! session outside a CPU cgroup is a scheduling group of its own, and PostgreSQL makes each
//! backend its own session. Sixteen busy backends are then sixteen groups against the
//! service's one, and under full load requests wait up to a second inside the service
//! (docs/performance.md). Nothing in the service can change that; an operator can (README,
//! "Under load").

use std::path::Path;

/// The warning to log at start, when autogroups apply here.
pub fn warning() -> Option<&'static str> {
    let read = |path: &Path| std::fs::read_to_string(path).ok();
    let applies = applies(
        read(Path::new("/proc/sys/kernel/sched_autogroup_enabled")).as_deref(),
        &read(Path::new("/proc/self/cgroup")).unwrap_or_default(),
        &read(Path::new("/proc/self/mounts")).unwrap_or_default(),
        read,
    );
    applies.then_some(
        "kernel autogroups apply to this process: PostgreSQL backends on this machine each \
         get a CPU share of their own, and under full load requests may wait up to a second. \
         Run under a CPU cgroup (a systemd unit with CPU accounting, a container) or set \
         kernel.sched_autogroup_enabled = 0 (README, \"Under load\")",
    )
}

/// True when autogroups are on and this process is in no CPU cgroup but the root one
/// (autogroups apply only to tasks of the root CPU group).
fn applies(
    enabled: Option<&str>,
    proc_cgroup: &str,
    mounts: &str,
    read: impl Fn(&Path) -> Option<String>,
) -> bool {
    if enabled.map(str::trim) != Some("1") {
        return false;
    }
    let mounts: Vec<Vec<&str>> = mounts
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let entries: Vec<(&str, &str)> = proc_cgroup
        .lines()
        .filter_map(|l| {
            let (_, rest) = l.split_once(':')?;
            rest.split_once(':')
        })
        .collect();
    // cgroup v1: the hierarchy with the cpu controller.
    if let Some((_, path)) = entries
        .iter()
        .find(|(controllers, _)| controllers.split(',').any(|c| c == "cpu"))
    {
        return *path == "/";
    }
    // cgroup v2: the cpu controller must be on for our own group.
    if let Some((_, path)) = entries
        .iter()
        .find(|(controllers, _)| controllers.is_empty())
    {
        let Some(mount) = mounts.iter().find(|m| m.get(2) == Some(&"cgroup2")) else {
            return true;
        };
        let Some(root) = mount.get(1) else {
            return true;
        };
        let ours = Path::new(root).join(path.trim_start_matches('/'));
        let cpu_here = read(&ours.join("cgroup.controllers"))
            .is_some_and(|c| c.split_whitespace().any(|c| c == "cpu"));
        return *path == "/" || !cpu_here;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1_MOUNTS: &str = "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\n";
    const V2_MOUNTS: &str = "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n";

    fn none(_: &Path) -> Option<String> {
        None
    }

    #[test]
    fn off_when_the_kernel_has_them_off() {
        assert!(!applies(Some("0\n"), "4:cpu,cpuacct:/\n", V1_MOUNTS, none));
        assert!(!applies(None, "", "", none));
    }

    #[test]
    fn v1_applies_only_in_the_root_cpu_group() {
        assert!(applies(Some("1\n"), "4:cpu,cpuacct:/\n", V1_MOUNTS, none));
        assert!(!applies(
            Some("1\n"),
            "4:cpu,cpuacct:/system.slice/policytrack.service\n",
            V1_MOUNTS,
            none
        ));
    }

    #[test]
    fn v2_applies_unless_the_cpu_controller_is_on_for_our_group() {
        let with_cpu = |p: &Path| {
            (p == Path::new("/sys/fs/cgroup/system.slice/pt.service/cgroup.controllers"))
                .then(|| "cpu io memory pids".to_owned())
        };
        let cgroup = "0::/system.slice/pt.service\n";
        assert!(!applies(Some("1"), cgroup, V2_MOUNTS, with_cpu));
        assert!(applies(Some("1"), cgroup, V2_MOUNTS, none));
        assert!(applies(Some("1"), "0::/\n", V2_MOUNTS, with_cpu));
    }
}
