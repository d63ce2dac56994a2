"""One CPU scheduling group for everything the benchmark starts.

With kernel autogroups on (`kernel.sched_autogroup_enabled = 1`, the default of most
distributions' kernels), every session outside a CPU cgroup is a scheduling group of its own,
and PostgreSQL makes every backend its own session (`setsid`). Sixteen busy backends are then
sixteen groups against the service's one: in alternating 10 s runs of the uncached detail,
requests waited up to 1 s inside the service in six runs of eight, against none over 20 ms
in a cgroup, which also served 7 % more. A deployment under systemd or in a container runs
in CPU cgroups, where autogroups do not apply; the benchmark does the same by moving itself,
and so everything it starts, into a cgroup of its own. BENCH_AUTOGROUPS=keep skips that."""

import os

_left = []


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _own_cpu_cgroup():
    """(hierarchy mount point, our path in it, is cgroup v2) for the cpu controller, or None."""
    lines = (_read("/proc/self/cgroup") or "").splitlines()
    mounts = [line.split() for line in (_read("/proc/self/mounts") or "").splitlines()]
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "cpu" in controllers.split(","):
            for m in mounts:
                if m[2] == "cgroup" and "cpu" in m[3].split(","):
                    return m[1], path, False
    for line in lines:
        if line.startswith("0::"):
            for m in mounts:
                if m[2] == "cgroup2":
                    return m[1], line[3:], True
    return None


def enter():
    """Moves this process into a CPU cgroup of its own when autogroups would apply to it.
    Returns how the benchmark's processes are scheduled, as printed and recorded."""
    if _read("/proc/sys/kernel/sched_autogroup_enabled") != "1":
        return "kernel autogroups off"
    if os.environ.get("BENCH_AUTOGROUPS") == "keep":
        return "kernel autogroups on (BENCH_AUTOGROUPS=keep): every PostgreSQL backend is its own CPU group"
    found = _own_cpu_cgroup()
    if found is None:
        return "kernel autogroups on, no cpu cgroup controller: every PostgreSQL backend is its own CPU group"
    mount, path, v2 = found
    here = os.path.join(mount, path.lstrip("/"))
    if v2:
        if path != "/" and "cpu" in (_read(os.path.join(here, "cgroup.controllers")) or "").split():
            return f"cgroup v2 {path} with the cpu controller (autogroups do not apply)"
        if path != "/" or "cpu" not in (_read(os.path.join(mount, "cgroup.subtree_control")) or "").split():
            # Enabling the controller machine-wide is not the benchmark's business.
            return (f"kernel autogroups on, no cpu controller for cgroup v2 {path}: "
                    "every PostgreSQL backend is its own CPU group")
    elif path != "/":
        return f"cpu cgroup {path} (autogroups do not apply)"
    group = os.path.join(here, f"policytrack-bench-{os.getpid()}")
    try:
        os.makedirs(group, exist_ok=True)
        with open(os.path.join(group, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    except OSError as e:
        return f"kernel autogroups on, no cgroup of our own ({e.strerror}): every PostgreSQL backend is its own CPU group"
    _left.append((here, group))
    return f"one cpu cgroup for service, PostgreSQL and load generators ({group}), out of kernel autogroups"


def leave():
    """Moves this process back and removes the cgroup (children must have exited)."""
    while _left:
        here, group = _left.pop()
        try:
            with open(os.path.join(here, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
            os.rmdir(group)
        except OSError:
            pass
