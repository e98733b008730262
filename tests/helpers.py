"""Helpers shared by the test modules: the repository root, running the real CLI, grading a batch
of submissions and reading back what it wrote. Fixtures that use them live in conftest.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.assignment import load
from autograder.release.notebooks import suite_tests

ROOT = Path(__file__).resolve().parents[1]
WEEK2 = load("week2")
"""The course's assignment, which most tests grade; its declaration gives parts, points, paths."""
PARTS = WEEK2.part_names
TOTAL = WEEK2.total_points
POINTS = {p.name: p.points for p in WEEK2.parts}


def data_free_points(part: str, folder: Path = WEEK2.hidden_dir) -> float:
    """The points of a part's tests that need no training (what --no-training grades)."""
    return sum(t.points for t in suite_tests(folder, WEEK2) if t.part == part and not t.training)


def committed_table_files() -> list[Path]:
    """The assignment's calibration tables: thresholds_<kind>[-<precision>].json (fp32 and, where
    measured, bf16), which every bundle and template must carry."""
    return sorted(WEEK2.calibration_dir.glob("thresholds_*.json"))


def shared_data_dir() -> Path | None:
    for candidate in (os.environ.get("COURSE_DATA_DIR"), ROOT.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "mnist").is_dir():
            return Path(candidate).resolve()
    return None


def run_cli(*args, env_extra=None, timeout=3600) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "autograder", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )


def read_results(out: Path) -> dict[str, dict]:
    """Submission name -> its full result (result.full.json) from a grade output folder."""
    return {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/result.full.json")}


def statuses(result: dict) -> dict[str, str]:
    return {t["name"]: t["status"] for t in result["tests"]}


def failing(result: dict) -> set[str]:
    """The tests of a full result that did not pass."""
    return {name for name, status in statuses(result).items() if status != "passed"}


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
        nbformat.v4.new_code_cell(p.read_text()) for p in sorted(folder.glob("*.py"))
    ]
    nbformat.write(nb, target)
    return target


def grade(paths, out: Path, data_dir: Path, cache_dir: Path, *extra) -> Graded:
    result = run_cli(
        "grade",
        *paths,
        "--out",
        out,
        "--data-dir",
        data_dir,
        "--cache-dir",
        cache_dir,
        "--quiet",
        *extra,
    )
    return Graded(result.returncode, result.stdout, result.stderr, out, read_results(out))
