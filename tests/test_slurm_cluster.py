"""The Slurm example (examples/slurm/) on a real single-node Slurm cluster (tests/slurm_cluster.py).

submit.sh queues a class of 7 in 3 shards; one array task is cancelled mid-run, so the merge job
refuses the set and says why; submit.sh with ARRAY=2 grades that shard again and queues a new
merge, whose folder then equals one unsharded run. Skips where no cluster can be started (not
root, Slurm not installed); tests/test_merge.py then runs the example with a stand-in `sbatch`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.sharded_class import (
    assert_merged_equals_unsharded,
    grading_options,
    make_class,
    unsharded_run,
)
from tests.slurm_cluster import SlurmCluster, processes_with, why_unavailable

SUBMIT = ROOT / "examples" / "slurm" / "submit.sh"
SHARDS = 3


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = why_unavailable()
    if reason:
        pytest.skip(reason)
    started = SlurmCluster(tmp_path_factory.mktemp("slurm"))
    try:  # stopped on every way out, a failed start included
        yield started.start()
    finally:
        started.stop()


def submit(
    cluster: SlurmCluster, klass: Path, out: Path, options: list[str], array: str | None = None
):
    """examples/slurm/submit.sh from the course repository, as an instructor runs it: (array job, merge job)."""
    env = {**cluster.env, "PYTHON": sys.executable, **({"ARRAY": array} if array else {})}
    done = subprocess.run(
        ["bash", str(SUBMIT), str(klass), str(out), str(SHARDS), *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    found = re.search(
        rf"queued grading array (\d+) \(shards (\S+) of {SHARDS}\) and merge job (\d+)", done.stdout
    )
    assert found and found[2] == (array or f"1-{SHARDS}"), done.stdout
    return found[1], found[3]


def test_the_cluster_runs_an_array_and_reports_how_each_task_ended(cluster, tmp_path):
    script = tmp_path / "job.sh"
    script.write_text(
        "#!/bin/bash\n#SBATCH --cpus-per-task=4\n#SBATCH --mem=8G\nexit $((SLURM_ARRAY_TASK_ID - 1))\n"
    )
    job = cluster.run(
        "sbatch",
        "--parsable",
        "--array=1-3",
        f"--output={tmp_path}/%a.log",
        str(script),
        cwd=tmp_path,
    ).stdout.strip()
    cluster.wait(job, timeout=60)
    ended = cluster.finished()
    assert [(ended[f"{job}_{i}"].state, ended[f"{job}_{i}"].exit_code) for i in (1, 2, 3)] == [
        ("COMPLETED", 0),
        ("FAILED", 1),
        ("FAILED", 2),
    ]


def test_stop_ends_the_daemons_and_a_running_job(cluster, tmp_path):
    """What the fixture's finalizer does, on a second cluster: nothing of it may outlive stop()."""
    other = SlurmCluster(tmp_path / "other").start()
    try:
        job = other.run(
            "sbatch", "--parsable", "--wrap=sleep 300", f"--output={tmp_path}/sleep.log"
        ).stdout.strip()
        other.until(
            "the sleep job running", lambda: other.queued(job) == [f"{job} RUNNING"], timeout=30
        )
        daemons = [p.pid for p in other.procs]
        running = processes_with("environ", f"SLURM_CONF={other.conf}")
        assert len(running) > len(daemons) and set(daemons) <= set(
            running
        )  # the job and its slurmstepd too
    finally:
        other.stop()
    assert not processes_with("environ", f"SLURM_CONF={other.conf}")
    assert all(p.poll() is not None for p in other.procs)


@pytest.mark.slow
def test_a_cancelled_shard_is_refused_then_graded_again(cluster, tmp_path, data_dir, cache_dir):
    klass = make_class(tmp_path / "class")
    options = grading_options(data_dir, cache_dir)
    out = tmp_path / "out"
    with unsharded_run(
        klass, tmp_path / "full", options
    ) as unsharded:  # alongside the jobs, as on a cluster
        # once past its set-up, the shared cache holds the decoded data and the canary's verdict for the shards
        cluster.until("the unsharded run's set-up", unsharded.under_way, timeout=600)
        array, merge = submit(cluster, klass, out, options)
        shard2 = out / "shard-2"
        # mid-run: task 2 runs and its `grade` has made its output folder, far from done
        cluster.until(
            "task 2 running",
            lambda: f"{array}_2 RUNNING" in cluster.queued(f"{array}_2") and shard2.is_dir(),
            timeout=300,
        )
        cluster.run("scancel", f"{array}_2")
        cluster.wait(array, merge)
        ended = cluster.finished()
        assert {i: ended[f"{array}_{i}"].state for i in (1, 2, 3)} == {
            1: "COMPLETED",
            2: "CANCELLED",
            3: "COMPLETED",
        }
        assert not processes_with("cmdline", str(shard2)), (
            "the cancelled task's grade process outlived scancel"
        )
        assert not (shard2 / "summary.json").exists()
        # the merge job ran after the array (afterany) and refused, with the reason in its log
        assert (ended[merge].state, ended[merge].exit_code) == ("FAILED", 2)
        log = (out / "logs" / f"week2-merge-{merge}.log").read_text()
        assert (
            "shard-2: no summary.json" in log
            and "did this shard's job fail?" in log
            and "Traceback" not in log
        ), log
        assert not (out / "merged").exists()
        grade_logs = sorted(p.name for p in (out / "logs").glob("week2-grade-*.log"))
        assert grade_logs == [f"week2-grade-{array}_{i}.log" for i in (1, 2, 3)]

        again, merge = submit(cluster, klass, out, options, array="2")
        cluster.wait(again, merge)
        ended = cluster.finished()
        assert (ended[f"{again}_2"].state, ended[f"{again}_2"].exit_code) == ("COMPLETED", 0)
        assert (ended[merge].state, ended[merge].exit_code) == ("COMPLETED", 0), (
            out / "logs" / f"week2-merge-{merge}.log"
        ).read_text()
        assert_merged_equals_unsharded(out / "merged", unsharded.result(), SHARDS)


@pytest.mark.parametrize(
    "count, array, message",
    [
        ("3", "4", "ARRAY=4: give shards of 1-3"),
        ("3", "2-1", "ARRAY=2-1: give shards of 1-3"),
        ("0", "", "N is the number of shards, a whole number >= 1, not '0'"),
        ("3", "", "missing is not a folder"),
    ],
)
def test_submit_refuses_bad_input_before_queueing_anything(tmp_path, count, array, message):
    """No cluster needed: submit.sh checks its arguments before it looks for sbatch."""
    (tmp_path / "class").mkdir()
    klass = tmp_path / ("missing" if "missing" in message else "class")
    done = subprocess.run(
        ["bash", str(SUBMIT), str(klass), str(tmp_path / "out"), count],
        cwd=ROOT,
        env={**os.environ, "ARRAY": array},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()


def test_a_task_beyond_its_shard_count_says_how_to_resubmit(tmp_path):
    """grade_shard.sbatch alone, as `sbatch --array=2` without SHARD_COUNT would start it (no cluster needed)."""
    env = {**os.environ, "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "1"}
    done = subprocess.run(
        ["bash", str(SUBMIT.parent / "grade_shard.sbatch"), str(tmp_path), str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "task 2 is not one of shards 1-1" in done.stderr, done.stderr
    assert "SHARD_COUNT=N" in done.stderr and not (tmp_path / "out").exists()
