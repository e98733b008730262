"""Isolation applied inside a freshly forked child, before any submission code runs.

As root (Linux): new network and mount namespaces; tmpfs over the grader's private paths (the
repository with its hidden suites, the grader's home, outputs, caches, other submissions) with the
Python installation bound back read-only; a private /tmp (with any part of the Python installation
that lives under /tmp bound back too); then a drop to a unique unprivileged
uid. Everywhere: resource limits, a scrubbed environment and a private working directory.
What could not be applied is returned as notes, which the grader reports once per run.
"""

from __future__ import annotations

import ctypes
import os
import site
import sys
import tempfile
from dataclasses import dataclass, field

from autograder.sandbox import cgroup

try:
    import resource
except ImportError:  # Windows: no rlimits
    resource = None

CLONE_NEWNS, CLONE_NEWNET = 0x00020000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1,
    2,
    4,
    32,
    4096,
    16384,
    1 << 18,
)
SANDBOX_UID_BASE = 200_000  # unique uid per child: children cannot signal or read each other
SAFE_ENV_KEYS = ("PATH", "LANG", "LC_ALL", "TZ", "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES")


@dataclass(frozen=True)
class Policy:
    """Limits and isolation for one child. Sizes in bytes, times in seconds."""

    memory_bytes: int | None = 6 * 1024**3
    """RLIMIT_AS (address space). None for CUDA children, whose driver reserves far more."""
    cgroup_memory_bytes: int | None = None
    """Memory actually used, capped by a cgroup of the child's own (CUDA children; root only)."""
    file_bytes: int = 64 * 1024**2
    """RLIMIT_FSIZE: the largest file the child may write."""
    cpu_seconds: int = 1800
    open_files: int = 256
    processes: int = 256
    """RLIMIT_NPROC, applied only with a dedicated uid (it counts per user)."""
    namespaces: bool = True
    """Network + mount namespaces and a uid drop when running as root on Linux."""
    mask_paths: tuple[str, ...] = ()
    """Folders the child must not see (hidden suites, outputs, other submissions...)."""
    threads: int = 1
    tmp_bytes: int = 256 * 1024**2
    """Size of the private /tmp tmpfs (root mode)."""
    extra_env: dict = field(default_factory=dict)


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(libc, source, target, fstype, flags, data=None):
    _check(
        libc.mount(
            source and source.encode(),
            target.encode(),
            fstype and fstype.encode(),
            flags,
            data and data.encode(),
        ),
        f"mount {target}",
    )


def python_paths() -> list[str]:
    """Folders the child must still read: the interpreter, stdlib and site-packages."""
    paths = {sys.prefix, sys.base_prefix, os.path.dirname(os.__file__), *site.getsitepackages()}
    try:
        import torch

        paths.add(os.path.dirname(os.path.dirname(torch.__file__)))
    except ImportError:
        pass
    return sorted(os.path.realpath(p) for p in paths if p and os.path.isdir(p))


def blocking_ancestors(paths) -> list[str]:
    """Ancestors of paths that other users cannot traverse (e.g. /root, mode 700): the child, once
    unprivileged, reaches the Python installation only if these are masked and it is bound back."""
    blocked = set()
    for path in paths:
        parts = path.strip("/").split("/")
        for i in range(1, len(parts)):
            ancestor = "/" + "/".join(parts[:i])
            try:
                if not os.stat(ancestor).st_mode & 0o001:
                    blocked.add(ancestor)
                    break
            except OSError:
                break
    return sorted(blocked)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def plan_masks(masks, keeps) -> tuple[list[str], list[str]]:
    """(outer, inner): outer masks hide whole folders (kept folders below them are bound back);
    inner masks lie inside a kept folder (e.g. the hidden suites of a package installed in
    site-packages) and are mounted on top after the bind-back. Never / or a kept folder itself."""
    outer, inner = [], []
    for m in sorted({os.path.realpath(m) for m in masks if m}, key=len):
        if (
            m == "/"
            or m in keeps
            or not os.path.isdir(m)
            or any(_under(m, c) for c in outer + inner)
        ):
            continue
        (inner if any(_under(m, k) for k in keeps) else outer).append(m)
    return outer, inner


def _hide(libc, folder: str, keeps, flags: int, options: str) -> None:
    """Mount a tmpfs over folder, then bind back, read-only, the kept folders (the interpreter,
    site-packages) inside it: each is held open before the tmpfs covers it and bound back through
    /proc/self/fd, so nothing is staged anywhere on the host."""
    held = [
        (keep, os.open(keep, os.O_PATH | os.O_DIRECTORY)) for keep in keeps if _under(keep, folder)
    ]
    try:
        _mount(libc, "tmpfs", folder, "tmpfs", flags, options)
        for keep, fd in held:
            os.makedirs(keep, exist_ok=True)
            _mount(libc, f"/proc/self/fd/{fd}", keep, None, MS_BIND | MS_REC)
            _mount(libc, None, keep, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC)
    finally:
        for _, fd in held:
            os.close(fd)


def _apply_namespaces(policy: Policy, uid: int) -> str:
    """Enter new namespaces, hide masked folders, mount a private /tmp. Returns the work dir."""
    libc = _libc()
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWNET), "unshare")
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)
    keeps = python_paths()
    masks, inner = plan_masks(tuple(policy.mask_paths) + tuple(blocking_ancestors(keeps)), keeps)
    for m in masks:
        _hide(libc, m, keeps, MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    for m in inner:
        _mount(libc, "tmpfs", m, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=1m,mode=755")
    private = f"size={policy.tmp_bytes},mode=1777"  # the child's own /tmp and /dev/shm
    # A Python installation inside /tmp (a checkout with its .venv under /tmp) is kept the same way.
    _hide(libc, "/tmp", keeps, MS_NOSUID | MS_NODEV, private)
    for m in inner:
        if _under(m, "/tmp"):  # a hidden folder inside a kept one under /tmp: hide it again
            _mount(libc, "tmpfs", m, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=1m,mode=755")
    if os.path.isdir("/dev/shm"):
        _mount(libc, "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, private)
    work = "/tmp/work"
    os.mkdir(work, 0o700)
    os.chown(work, uid, uid)
    return work


def _set_limits(policy: Policy, dedicated_uid: bool) -> None:
    if resource is None:
        return
    limits = [
        (resource.RLIMIT_FSIZE, policy.file_bytes),
        (resource.RLIMIT_CPU, policy.cpu_seconds),
        (resource.RLIMIT_NOFILE, policy.open_files),
        (resource.RLIMIT_CORE, 0),
    ]
    if policy.memory_bytes:
        limits.append((resource.RLIMIT_AS, policy.memory_bytes))
    if dedicated_uid:
        limits.append((resource.RLIMIT_NPROC, policy.processes))
    for which, value in limits:
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))


def _scrub_env(policy: Policy, home: str) -> None:
    keep = {k: os.environ[k] for k in SAFE_ENV_KEYS if k in os.environ}
    os.environ.clear()
    os.environ.update(keep)
    threads = str(policy.threads)
    os.environ.update(
        {
            "HOME": home,
            "TMPDIR": home,
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": home,
            "OMP_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    os.environ.update(policy.extra_env)


def _confine_memory(limit_bytes: int) -> list[str]:
    where = cgroup.base() if can_use_namespaces() else None
    try:
        if where is None:
            raise OSError("no memory cgroup that this process may write")
        cgroup.confine(limit_bytes, where)
    except OSError as exc:
        return [f"no memory cap for CUDA children ({exc}); RLIMIT_AS cannot cap them"]
    return []


def can_use_namespaces() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0


def enter(policy: Policy, serial: int) -> tuple[str, int | None, list[str]]:
    """Isolate the calling (freshly forked, single-threaded) process.

    Returns (work dir, dedicated uid or None, notes about isolation that could not be applied).
    Raises OSError only where continuing would be unsafe.
    """
    notes = []
    if policy.cgroup_memory_bytes:
        notes += _confine_memory(policy.cgroup_memory_bytes)
    if hasattr(os, "setsid"):
        os.setsid()
    uid = None
    work = None
    if policy.namespaces and can_use_namespaces():
        uid = SANDBOX_UID_BASE + (os.getpid() % 100_000) * 10 + serial % 10
        try:
            work = _apply_namespaces(policy, uid)
        except OSError as exc:
            notes.append(f"namespaces unavailable ({exc}); network and file isolation off")
            work = None
    elif policy.namespaces:
        notes.append(
            "not root: no network or file-system isolation (run the grader as root or in a container)"
        )
    if work is None and uid is not None and blocking_ancestors(python_paths()):
        # Without a mount namespace nothing can bind the interpreter back: an unprivileged uid could
        # not import torch's lazily loaded modules, and correct code would fail. Keep the uid.
        notes.append(
            "cannot switch to an unprivileged user: the Python installation is not readable by "
            "other users (install it outside a private home folder)"
        )
        uid = None
    if work is None:
        work = tempfile.mkdtemp(prefix="ag-work-")
        if uid is not None:
            os.chown(work, uid, uid)
    os.chdir(work)
    _set_limits(policy, dedicated_uid=uid is not None)
    _scrub_env(policy, work)
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    return work, uid, notes


def kill_uid(uid: int) -> None:
    """Kill every process still running as a child's dedicated uid (what setsid let escape)."""
    import signal

    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            os.kill(int(entry), signal.SIGKILL)
                        break
        except (OSError, ValueError):
            continue
