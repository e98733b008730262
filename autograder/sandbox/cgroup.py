"""A memory cgroup per sandbox child: the memory cap of CUDA children.

RLIMIT_AS cannot cap a CUDA child (the driver reserves far more address space than it uses), so a
child that will use CUDA joins a cgroup of its own, limited in bytes actually used, before it drops
privileges; the supervisor removes it after the child is gone and reads whether the kernel killed
the child for exceeding it. cgroup v1 or v2, whichever root may write here; where neither, the
child runs without a memory cap and the grader says so once per run.
"""

from __future__ import annotations

import os
import time

ROOT = "/sys/fs/cgroup"
PREFIX = "ag-child-"


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def _own_cgroups(text: str | None = None) -> list[tuple[str, list[str], str]]:
    """(hierarchy id, controllers, path) per line of /proc/self/cgroup."""
    text = _read("/proc/self/cgroup") if text is None else text
    out = []
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            out.append((parts[0], [c for c in parts[1].split(",") if c], parts[2]))
    return out


def base() -> tuple[int, str] | None:
    """(version, folder) under which this process may create memory-limited cgroups, or None."""
    if not os.path.isdir(ROOT):
        return None
    try:
        lines = _own_cgroups()
    except OSError:
        return None
    for _, controllers, path in lines:  # v1: the hierarchy that holds the memory controller
        folder = os.path.join(ROOT, "memory", path.lstrip("/"))
        if "memory" in controllers and os.access(
            os.path.join(folder, "memory.limit_in_bytes"), os.W_OK
        ):
            return 1, folder
    for hierarchy, controllers, path in lines:  # v2: the unified hierarchy
        if hierarchy != "0" or controllers:
            continue
        for mount in (ROOT, os.path.join(ROOT, "unified")):
            folder = os.path.join(mount, path.lstrip("/"))
            try:
                if "memory" not in _read(os.path.join(folder, "cgroup.subtree_control")).split():
                    _write(os.path.join(folder, "cgroup.subtree_control"), "+memory")
                return 2, folder
            except OSError:
                continue
    return None


def path_for(pid: int, where: tuple[int, str]) -> str:
    return os.path.join(where[1], f"{PREFIX}{pid}")


def confine(limit_bytes: int, where: tuple[int, str]) -> None:
    """Create this process's own cgroup, limited to limit_bytes (no swap), and move into it.
    Raises OSError when the cgroup cannot be made or joined."""
    version, _ = where
    path = path_for(os.getpid(), where)
    os.mkdir(path)
    if version == 1:
        _write(os.path.join(path, "memory.limit_in_bytes"), str(limit_bytes))
        swap = os.path.join(path, "memory.memsw.limit_in_bytes")
        if os.path.exists(swap):
            _write(swap, str(limit_bytes))
    else:
        _write(os.path.join(path, "memory.max"), str(limit_bytes))
        if os.path.exists(os.path.join(path, "memory.swap.max")):
            _write(os.path.join(path, "memory.swap.max"), "0")
    _write(os.path.join(path, "cgroup.procs"), str(os.getpid()))


def oom_killed(path: str) -> bool:
    """Whether the kernel killed a process of this cgroup for exceeding its limit."""
    for name in ("memory.events", "memory.oom_control"):  # v2, v1
        try:
            for line in _read(os.path.join(path, name)).splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
        except (OSError, ValueError):
            continue
    try:
        return (
            int(_read(os.path.join(path, "memory.failcnt"))) > 0
        )  # v1 kernels without an oom_kill count
    except (OSError, ValueError):
        return False


def remove(path: str, attempts: int = 50) -> None:
    """Remove an emptied cgroup (its processes may take a moment to leave after SIGKILL)."""
    for _ in range(attempts):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)
