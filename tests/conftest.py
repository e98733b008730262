"""Shared fixtures. Grading is expensive, so each corpus is graded once per session, in one batch,
by the real CLI; many tests then read those results."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def shared_data_dir() -> Path | None:
    for candidate in (os.environ.get("COURSE_DATA_DIR"), ROOT.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "mnist").is_dir():
            return Path(candidate).resolve()
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    found = shared_data_dir()
    if found is None:
        pytest.skip("real MNIST/CIFAR-10 not found: set COURSE_DATA_DIR (see README)")
    return found


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """One cache for the whole session (decoded data, memoised training of identical code)."""
    return Path(os.environ.get("AUTOGRADER_TEST_CACHE") or tmp_path_factory.mktemp("cache"))


def run_cli(*args, env_extra=None, timeout=3600) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env)


def read_results(out: Path) -> dict[str, dict]:
    """Submission name -> its full result (result.full.json) from a grade output folder."""
    return {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/result.full.json")}


def statuses(result: dict) -> dict[str, str]:
    return {t["name"]: t["status"] for t in result["tests"]}
