"""`merge`: N shards joined equal one unsharded run; shards that do not fit together are refused.

The slow test runs the Slurm example (examples/slurm/submit.sh) end to end where no real Slurm
cluster can be started (not root, Slurm not installed; tests/test_slurm_cluster.py starts one
where it can, and this test then skips): a stand-in `sbatch` on PATH runs each job at once, as
Slurm would: every array task with its SLURM_ARRAY_TASK_* variables and the --export ones, then
the dependent merge job.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.assignment import load
from autograder.reports.outputs import write_outputs
from autograder.results.model import SubmissionResult
from autograder.results.model import TestResult as CheckResult  # not collected as a test class
from autograder.results.run_summary import RunSummary
from autograder.verbs.merge import MergeError
from autograder.verbs.merge import main as merge_main
from tests.helpers import ROOT, run_cli
from tests.sharded_class import (
    assert_merged_equals_unsharded,
    grade_unsharded,
    grading_options,
    make_class,
)
from tests.slurm_cluster import why_unavailable

SLURM = ROOT / "examples" / "slurm"

FAKE_SBATCH = r"""#!/usr/bin/env bash
# Stand-in for Slurm's sbatch: runs the job now. --array=1-N runs N tasks in turn.
array="" parsable=0
while [[ "$1" == --* ]]; do
    case "$1" in
        --array=*) array="${1#--array=}" ;;
        --parsable) parsable=1 ;;
        --export=*) IFS=, read -ra pairs <<< "${1#--export=}"
                    for pair in "${pairs[@]}"; do [[ "$pair" == *=* ]] && export "$pair"; done ;;
    esac
    shift
done
script="$1"; shift
export SLURM_SUBMIT_DIR="$PWD" SLURM_JOB_ID=$RANDOM
if [[ -n "$array" ]]; then
    first="${array%-*}" last="${array#*-}"
    for ((i = first; i <= last; i++)); do
        SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=$((last - first + 1)) SLURM_ARRAY_TASK_MIN=$first \
            SLURM_ARRAY_TASK_MAX=$last bash "$script" "$@" >> "$SBATCH_LOG" 2>&1 || echo "task $i exit $?" >> "$SBATCH_LOG"
    done
else
    bash "$script" "$@" >> "$SBATCH_LOG" 2>&1 || echo "job exit $?" >> "$SBATCH_LOG"
fi
echo "$SLURM_JOB_ID"
"""


def result(
    name: str, *, score: float = 1.0, tests=("LeNet5_output_shape",), error: str | None = None
) -> SubmissionResult:
    return SubmissionResult(
        submission=name,
        seed=0,
        device="cpu",
        grader_error=error,
        tests=tuple(
            CheckResult(
                name=t,
                part=t.split("_")[0],
                score=score,
                max_score=1.0,
                status="passed" if score else "failed",
                output="",
            )
            for t in tests
        ),
    )


def shard_dir(
    folder: Path,
    results: list[SubmissionResult],
    shard=None,
    seed=0,
    torch="2.14.1",
    assignment="week2",
) -> Path:
    info = RunSummary(
        assignment=assignment,
        seed=seed,
        device="cpu",
        jobs=1,
        threads=2,
        shard=tuple(shard) if shard else None,
        submissions=tuple(r.submission for r in results),
        environment={"torch": torch},
    )
    write_outputs(results, folder, info, load(), feedback=False)
    return folder


def merge(*shards, out: Path) -> int:
    return merge_main(shards=list(shards), out=out, feedback=False, quiet=True)


def test_disjoint_shards_merge_into_one_table(tmp_path):
    a = shard_dir(tmp_path / "a", [result("alice"), result("carol", score=0)], (1, 2))
    b = shard_dir(tmp_path / "b", [result("bob")], (2, 2))
    assert merge(a, b, out=tmp_path / "all") == 0
    rows = list(csv.DictReader(open(tmp_path / "all" / "grades.csv", encoding="utf-8")))
    assert [(r["submission"], r["total"]) for r in rows] == [
        ("alice", "1"),
        ("bob", "1"),
        ("carol", "0"),
    ]
    summary = json.loads((tmp_path / "all" / "summary.json").read_text())
    assert summary["submissions"] == ["alice", "bob", "carol"] and len(summary["merged_from"]) == 2
    for name in ("alice", "bob", "carol"):
        assert (tmp_path / "all" / name / "results.json").is_file()


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda t: [
                shard_dir(t / "a", [result("alice")], (1, 2)),
                shard_dir(t / "b", [result("alice")], (2, 2)),
            ],
            "overlapping shards",
        ),
        (
            lambda t: [
                shard_dir(t / "a", [result("alice")], (1, 2)),
                shard_dir(t / "b", [result("bob")], (1, 2)),
            ],
            "appears twice",
        ),
        (
            lambda t: [
                shard_dir(t / "a", [result("alice")], (1, 3)),
                shard_dir(t / "b", [result("bob")], (2, 3)),
            ],
            "3/3 are missing",
        ),
        (
            lambda t: [
                shard_dir(t / "a", [result("alice")], (1, 2)),
                shard_dir(t / "b", [result("bob")], (2, 2), seed=1),
            ],
            "different seeds",
        ),
        (
            lambda t: [
                shard_dir(t / "a", [result("alice")], (1, 2)),
                shard_dir(t / "b", [result("bob")], (2, 2), torch="2.2"),
            ],
            "different torch versions",
        ),
        (
            lambda t: [
                shard_dir(t / "a", [result("alice")], (1, 2)),
                shard_dir(t / "b", [result("bob")], (1, 3)),
            ],
            "different shard counts",
        ),
        (
            lambda t: [
                shard_dir(t / "a", [result("alice")], (1, 2)),
                shard_dir(
                    t / "b",
                    [result("bob", tests=("LeNet5_output_shape", "LeNet5_trains_on_mnist"))],
                    (2, 2),
                ),
            ],
            "different checks",
        ),
        (
            lambda t: [
                shard_dir(t / "a", [result("alice")], (1, 2)),
                shard_dir(t / "b", [result("bob")], (2, 2), assignment="tests/tiny_assignment"),
            ],
            "different assignments",
        ),
        (lambda t: [shard_dir(t / "a", [result("alice")], (1, 2)), t / "empty"], "no summary.json"),
        (lambda t: [shard_dir(t / "a", [result("alice")], (1, 1)), t / "a"], "given twice"),
    ],
)
def test_shards_that_do_not_fit_are_refused(tmp_path, make, message):
    (tmp_path / "empty").mkdir()
    with pytest.raises(MergeError, match=message):
        merge(*make(tmp_path), out=tmp_path / "all")
    assert not (tmp_path / "all" / "grades.csv").exists()


def test_an_incomplete_shard_is_refused_on_the_command_line(tmp_path):
    a = shard_dir(tmp_path / "a", [result("alice"), result("carol")], (1, 2))
    b = shard_dir(tmp_path / "b", [result("bob")], (2, 2))
    (a / "carol" / "result.full.json").unlink()
    done = run_cli("merge", a, b, "--out", tmp_path / "all")
    assert (
        done.returncode == 2
        and "incomplete shard" in done.stderr
        and "Traceback" not in done.stderr
    )
    assert not (tmp_path / "all").exists()


def test_out_may_not_be_a_shard(tmp_path):
    a = shard_dir(tmp_path / "a", [result("alice")], (1, 1))
    with pytest.raises(MergeError, match="is one of the shards"):
        merge(a, out=a)


def test_grader_errors_are_kept_and_flagged(tmp_path):
    a = shard_dir(tmp_path / "a", [result("alice")], (1, 2))
    b = shard_dir(tmp_path / "b", [result("bob", tests=(), error="sandbox died")], (2, 2))
    assert (
        merge(a, b, out=tmp_path / "all") == 2
    )  # as `grade`: results written, but some need regrading
    rows = {
        r["submission"]: r["status"] for r in csv.DictReader(open(tmp_path / "all" / "grades.csv"))
    }
    assert rows == {"alice": "graded", "bob": "grader_error"}
    assert json.loads((tmp_path / "all" / "summary.json").read_text())["grader_errors"] == {
        "bob": "sandbox died"
    }


@pytest.mark.slow
@pytest.mark.skipif(
    why_unavailable() is None,
    reason="a real Slurm cluster runs the example here (tests/test_slurm_cluster.py)",
)
def test_slurm_shards_merged_equal_one_unsharded_run(tmp_path, data_dir, cache_dir):
    klass = make_class(tmp_path / "class")
    options = grading_options(data_dir, cache_dir)
    single = grade_unsharded(klass, tmp_path / "full", options)

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text(FAKE_SBATCH)
    (bin_dir / "sbatch").chmod(0o755)
    log = tmp_path / "sbatch.log"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHON": sys.executable,
        "SBATCH_LOG": str(log),
    }
    out = tmp_path / "sharded"
    submitted = subprocess.run(
        ["bash", str(SLURM / "submit.sh"), str(klass), str(out), "3", *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert submitted.returncode == 0, submitted.stderr
    assert not re.search(r"^(task \d+|job) exit", log.read_text(), re.M), log.read_text()[-3000:]
    shards = sorted(p.name for p in out.glob("shard-*"))
    assert shards == ["shard-1", "shard-2", "shard-3"]
    assert all(json.loads((out / s / "summary.json").read_text())["submissions"] for s in shards)
    assert_merged_equals_unsharded(out / "merged", single, 3)
