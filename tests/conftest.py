"""Shared fixtures. Grading is expensive, so each corpus is graded once per session, in one batch,
by the real CLI; many tests then read those results."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def committed_table_files() -> list[Path]:
    """The package's calibration tables: thresholds_<kind>[-<precision>].json (fp32 and, where
    measured, bf16), which every bundle and template must carry."""
    return sorted((ROOT / "autograder" / "calibrate").glob("thresholds_*.json"))


from corpus.manifest import CASES, build  # noqa: E402  (tests/ is on sys.path above)


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


SAME_CODE = ("reference", "lenet_no_relu")  # graded again as one .py file and as a notebook


@dataclass
class Graded:
    returncode: int
    stdout: str
    stderr: str
    out: Path
    results: dict


def as_single_file(folder: Path, target: Path) -> Path:
    target.write_text("\n\n".join(p.read_text() for p in sorted(folder.glob("*.py"))))
    return target


def as_notebook(folder: Path, target: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 第2周作业")] + [
        nbformat.v4.new_code_cell(p.read_text()) for p in sorted(folder.glob("*.py"))]
    nbformat.write(nb, target)
    return target


def grade(paths, out: Path, data_dir: Path, cache_dir: Path, *extra) -> Graded:
    result = run_cli("grade", *paths, "--out", out, "--data-dir", data_dir, "--cache-dir", cache_dir, "--quiet", *extra)
    return Graded(result.returncode, result.stdout, result.stderr, out, read_results(out))


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, data_dir, cache_dir) -> Graded:
    root = tmp_path_factory.mktemp("corpus")
    subs = root / "submissions"
    subs.mkdir()
    paths = [build(case, subs) for case in CASES]
    for name in SAME_CODE:
        folder = subs / name
        paths.append(as_single_file(folder, subs / f"{name}__file.py"))
        paths.append(as_notebook(folder, subs / f"{name}__notebook.ipynb"))
    return grade(paths, root / "out", data_dir, cache_dir)


