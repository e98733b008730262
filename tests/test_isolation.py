"""Isolation inside a forked child, checked directly (the hostile corpus checks it end to end)."""
import json
import os
import shutil

import pytest

from autograder.sandbox import isolation

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
    shutil.rmtree(report["work"])  # outside a namespace the work folder is on the host (the supervisor removes it)
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
        return {"uid": uid, "euid": os.geteuid(), "notes": notes, "network": network,
                "sees_secret": secret.exists(), "env": sorted(os.environ)}

    report = in_child(probe)
    assert report["uid"] is not None and report["euid"] == report["uid"] != 0 and report["notes"] == []
    assert "unreachable" in report["network"]
    assert report["sees_secret"] is False
    assert "HOME" in report["env"] and not any(k.endswith(("TOKEN", "SECRET", "KEY")) for k in report["env"])
