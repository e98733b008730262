"""The class that the Slurm example's tests grade in shards, and what its merged folder must equal.

Used by tests/test_merge.py (a stand-in `sbatch`) and tests/test_slurm_cluster.py (a real Slurm
cluster). Grading runs only the data-free checks of two cheap parts (--no-training --parts
perm_pixel FC2Layer: about 35 s for the class of 7 on 2 busy cores, against minutes for all five
parts); sharding and merging do not depend on which checks run, and the class's scores still
differ (the stubs score 0, fc2layer_no_relu and perm_pixel_in_place each lose points).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from tests.corpus.manifest import CASES, build
from tests.helpers import ROOT

# one folder per student, as the clones of their repositories
CLASS = (
    "reference",
    "stubs",
    "lenet_no_relu",
    "fc2layer_no_relu",
    "perm_pixel_in_place",
    "vgg_cfg_order",
    "sequential_style",
)
TIMING = {"seconds", "execution_time", "peak_child_rss_mb"}


def grading_options(data_dir: Path, cache_dir: Path) -> list[str]:
    return [
        "--no-training",
        "--parts",
        "perm_pixel",
        "FC2Layer",
        "--data-dir",
        str(data_dir),
        "--cache-dir",
        str(cache_dir),
    ]


def make_class(folder: Path) -> Path:
    folder.mkdir()
    for case in CLASS:
        build(next(c for c in CASES if c.name == case), folder)
    return folder


class UnshardedRun:
    """One `grade` of the whole class into `out`, in the background (its own process group)."""

    def __init__(self, klass: Path, out: Path, options: list[str]):
        self.out = out
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "autograder",
                "grade",
                *map(str, sorted(klass.iterdir())),
                "--out",
                str(out),
                "--quiet",
                *options,
            ],
            cwd=ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def under_way(self) -> bool:
        """Past its set-up (the output folder is made after the data and the engine's canary), or ended."""
        return self.out.is_dir() or self.process.poll() is not None

    def result(self, timeout: float = 1800) -> Path:
        _, stderr = self.process.communicate(timeout=timeout)
        assert self.process.returncode == 0, stderr
        return self.out

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.communicate()


@contextmanager
def unsharded_run(klass: Path, out: Path, options: list[str]):
    """An UnshardedRun, killed if still running when the block ends."""
    run = UnshardedRun(klass, out, options)
    try:
        yield run
    finally:
        run.kill()


def grade_unsharded(klass: Path, out: Path, options: list[str]) -> Path:
    with unsharded_run(klass, out, options) as run:
        return run.result()


def without_timing(value):
    """The same result with wall-clock figures left out (they differ from run to run)."""
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def assert_merged_equals_unsharded(merged: Path, single: Path, shards: int) -> None:
    """`merge` of `shards` shards wrote what one unsharded run wrote, apart from timings."""
    assert (merged / "grades.csv").read_bytes() == (single / "grades.csv").read_bytes()
    assert (merged / "class_summary.md").read_text() == (single / "class_summary.md").read_text()
    for case in CLASS:
        for name in ("results.json", "result.full.json"):
            ours, theirs = (json.loads((d / case / name).read_text()) for d in (merged, single))
            assert without_timing(ours) == without_timing(theirs), f"{case}/{name}"
        assert (merged / case / "feedback.md").read_text() == (
            single / case / "feedback.md"
        ).read_text()
    summary, reference = (json.loads((d / "summary.json").read_text()) for d in (merged, single))
    assert sorted(summary["submissions"]) == sorted(reference["submissions"]) == sorted(CLASS)
    assert (summary["seed"], summary["device"]) == (reference["seed"], reference["device"])
    assert [m["shard"] for m in summary["merged_from"]] == [
        [i, shards] for i in range(1, shards + 1)
    ]
