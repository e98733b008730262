"""Isolation inside a forked child, checked directly (the hostile corpus checks it end to end)."""

import json
import os
import shutil
import signal

import pytest

from autograder.extract import extract_submission
from autograder.sandbox import cgroup, isolation
from autograder.sandbox.client import Sandbox
from autograder.suites import messages

pytestmark = pytest.mark.skipif(not isolation.can_use_namespaces(), reason="needs root on Linux")


def in_child(fn) -> dict:
    """Run fn in a forked child; return the JSON it reports."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(w, json.dumps(fn()).encode())
        finally:
            os._exit(0)
    os.close(w)
    data = os.read(r, 1 << 16)
    os.waitpid(pid, 0)
    return json.loads(data)


def test_without_namespaces_the_uid_is_kept_when_python_is_unreachable(monkeypatch):
    def denied(policy, uid):
        raise OSError(1, "unshare: Operation not permitted")

    monkeypatch.setattr(isolation, "_apply_namespaces", denied)
    monkeypatch.setattr(isolation, "blocking_ancestors", lambda paths: ["/root"])

    def probe():
        work, uid, notes = isolation.enter(isolation.Policy(), 1)
        import cProfile  # noqa: F401  (torch imports it lazily during training)

        return {"uid": uid, "euid": os.geteuid(), "notes": notes, "work": work}

    report = in_child(probe)
    shutil.rmtree(
        report["work"]
    )  # outside a namespace the work folder is on the host (the supervisor removes it)
    assert report["uid"] is None and report["euid"] == 0
    assert any("cannot switch to an unprivileged user" in n for n in report["notes"])


def test_with_namespaces_the_child_is_unprivileged_offline_and_blind(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hidden")

    def probe():
        import socket

        _, uid, notes = isolation.enter(isolation.Policy(mask_paths=(str(tmp_path),)), 2)
        try:
            socket.create_connection(("127.0.0.1", 22), timeout=1)
            network = "reachable"
        except OSError as exc:
            network = str(exc)
        import cProfile  # noqa: F401

        return {
            "uid": uid,
            "euid": os.geteuid(),
            "notes": notes,
            "network": network,
            "sees_secret": secret.exists(),
            "env": sorted(os.environ),
        }

    report = in_child(probe)
    assert (
        report["uid"] is not None and report["euid"] == report["uid"] != 0 and report["notes"] == []
    )
    assert "unreachable" in report["network"]
    assert report["sees_secret"] is False
    assert "HOME" in report["env"] and not any(
        k.endswith(("TOKEN", "SECRET", "KEY")) for k in report["env"]
    )


def test_a_cuda_child_is_capped_by_its_own_memory_cgroup():
    """RLIMIT_AS cannot cap a CUDA child; its cgroup does: the kernel kills it, the parent can tell."""
    where = cgroup.base()
    if where is None:
        pytest.skip("no writable memory cgroup here")
    policy = isolation.Policy(
        memory_bytes=None, cgroup_memory_bytes=256 * 1024**2, namespaces=False
    )
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            _, _, notes = isolation.enter(policy, 3)
            os.write(w, json.dumps(notes).encode())
            os.close(w)
            hog = bytearray(1024**3)  # touched: 1 GiB resident
            hog[::4096] = b"x" * len(hog[::4096])
        finally:
            os._exit(0)
    os.close(w)
    notes = json.loads(os.read(r, 1 << 16))
    _, status = os.waitpid(pid, 0)
    path = cgroup.path_for(pid, where)
    try:
        assert notes == []
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        assert cgroup.oom_killed(path)
    finally:
        cgroup.remove(path)
    assert not os.path.exists(path)


def test_the_sandbox_reports_a_cgroup_kill_as_a_memory_limit(tmp_path):
    if cgroup.base() is None:
        pytest.skip("no writable memory cgroup here")
    (tmp_path / "hog.py").write_text(
        "def hog():\n    b = bytearray(1024 ** 3)\n    b[::4096] = b'x' * len(b[::4096])\n"
        "    return len(b)\n\ndef fine():\n    return 7\n"
    )
    policy = isolation.Policy(memory_bytes=None, cgroup_memory_bytes=256 * 1024**2)
    with Sandbox(
        extract_submission(tmp_path), policy, {"mnist": None, "cifar10": None}, {}
    ) as sandbox:
        reply = sandbox.run(["hog"], "call", {"name": "hog"}, timeout=60)
        assert not reply.ok and reply.error.kind == "died" and reply.error.memory_limit
        assert "超出内存上限" in messages.failure(reply.error, "调用 hog() ")
        assert (
            sandbox.run(["fine"], "call", {"name": "fine"}, timeout=60).result["value"]["number"]
            == 7
        )
    assert not [p for p in os.listdir(cgroup.base()[1]) if p.startswith(cgroup.PREFIX)]


def test_a_python_installation_under_tmp_stays_readable_behind_the_private_tmp(
    tmp_path, monkeypatch
):
    """A checkout under /tmp with its .venv inside it: the private /tmp must not hide site-packages."""
    site_packages = tmp_path / "repo" / ".venv" / "lib" / "site-packages"
    (site_packages / "pkg").mkdir(parents=True)
    (site_packages / "pkg" / "__init__.py").write_text("VALUE = 42\n")
    (tmp_path / "repo" / "hidden.txt").write_text("grader only")
    assert str(tmp_path).startswith("/tmp/"), "pytest's tmp_path is expected under /tmp here"
    real_paths = isolation.python_paths
    monkeypatch.setattr(isolation, "python_paths", lambda: real_paths() + [str(site_packages)])

    def probe():
        _, uid, notes = isolation.enter(isolation.Policy(mask_paths=(str(tmp_path / "repo"),)), 3)
        readable = (site_packages / "pkg" / "__init__.py").read_text()
        try:
            (site_packages / "pkg" / "new.py").write_text("x")
            writable = True
        except OSError:
            writable = False
        import cProfile  # noqa: F401  (the real installation is still there too)

        return {
            "uid": uid,
            "notes": notes,
            "readable": readable,
            "writable": writable,
            "sees_hidden": (tmp_path / "repo" / "hidden.txt").exists(),
            "cwd": os.getcwd(),
        }

    report = in_child(probe)
    assert report["uid"] is not None and report["notes"] == []
    assert report["readable"] == "VALUE = 42\n" and report["writable"] is False
    assert report["sees_hidden"] is False and report["cwd"] == "/tmp/work"
    assert not (site_packages / "pkg" / "new.py").exists()


LEAVES_TRACES = """
import builtins, os, sys, tempfile

def leave():
    for folder in (os.path.expanduser("~"), tempfile.gettempdir(), os.getcwd(), "/tmp"):
        with open(os.path.join(folder, "left_by_a.txt"), "w") as f:
            f.write("a")
    builtins.LEFT_BY_A = True
    sys.modules["left_by_a"] = sys
    return 1
"""

FINDS_TRACES = """
import builtins, os, sys, tempfile

def find():
    found = [os.path.exists(os.path.join(folder, "left_by_a.txt"))
             for folder in (os.path.expanduser("~"), tempfile.gettempdir(), os.getcwd(), "/tmp")]
    return int(any(found)) + 2 * hasattr(builtins, "LEFT_BY_A") + 4 * ("left_by_a" in sys.modules)
"""


def test_a_kept_supervisor_serves_the_next_submission_with_nothing_of_the_last(tmp_path):
    """A batch keeps one supervisor per grader process (torch and the data load once); the next
    submission's children must not find files, globals or modules a child of the last one left."""
    from autograder.sandbox.warm import WarmSupervisor

    for name, code in (("a", LEAVES_TRACES), ("b", FINDS_TRACES)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "sub.py").write_text(code)
    warm, policy, data = (
        WarmSupervisor(),
        isolation.Policy(threads=1),
        {"mnist": None, "cifar10": None},
    )
    try:
        with Sandbox(
            extract_submission(tmp_path / "a"), policy, data, {}, training=False, warm=warm
        ) as a:
            assert (
                a.run(["leave"], "call", {"name": "leave"}, timeout=30).result["value"]["number"]
                == 1
            )
            first = a._sup.proc.pid
        with Sandbox(
            extract_submission(tmp_path / "b"), policy, data, {}, training=False, warm=warm
        ) as b:
            assert b._sup.proc.pid == first  # the same supervisor process...
            assert (
                b.run(["find"], "call", {"name": "find"}, timeout=30).result["value"]["number"] == 0
            )  # ...sees nothing of a
    finally:
        warm.close()
    with Sandbox(extract_submission(tmp_path / "b"), policy, data, {}, training=False) as c:
        assert c._sup.proc.pid != first  # without a WarmSupervisor every submission starts its own
