"""Running a submission's training checks all at once (the GPU schedule): the supervisor keeps each
op's own limit and fate, and the verdicts and accuracies are exactly those of the serial schedule."""
from __future__ import annotations

import time

import pytest

from autograder.extract import extract_submission
from autograder.sandbox.client import Sandbox
from autograder.sandbox.isolation import Policy
from conftest import grade, statuses
from corpus.manifest import CASES, build

FUNCTIONS = """
import os, time

def slow_ok():
    time.sleep(2)
    return 1

def also_slow_ok():
    time.sleep(2)
    return 2

def hangs():
    while True:
        time.sleep(0.1)

def exits():
    time.sleep(0.5)
    os._exit(0)

def raises():
    raise ValueError("boom")
"""


def test_ops_run_together_each_with_its_own_limit_and_fate(tmp_path):
    (tmp_path / "f.py").write_text(FUNCTIONS)
    names = ["slow_ok", "also_slow_ok", "hangs", "exits", "raises"]
    with Sandbox(extract_submission(tmp_path), Policy(), {"mnist": None, "cifar10": None}, {}) as sandbox:
        started = time.monotonic()
        replies = sandbox.run_many([{"names": [n], "op": "call", "args": {"name": n}, "timeout": 4 if n == "hangs" else 30}
                                    for n in names])
        wall = time.monotonic() - started
        by_name = dict(zip(names, replies))
        assert by_name["slow_ok"].result["value"]["number"] == 1 and by_name["also_slow_ok"].result["value"]["number"] == 2
        assert by_name["hangs"].error["kind"] == "timeout" and by_name["hangs"].error["seconds"] == 4
        assert by_name["exits"].error["kind"] == "died"
        assert by_name["raises"].error["type"] == "ValueError"
        assert wall < 2 + 2 + 4  # together, not one after another
        again = sandbox.run(["hangs"], "call", {"name": "hangs"}, timeout=30)  # a hang is remembered, as in run()
        assert again.error.get("repeated")
        assert sandbox.run(["slow_ok"], "call", {"name": "slow_ok"}, timeout=30).ok  # the sandbox still serves


@pytest.mark.slow
def test_concurrent_training_changes_no_verdict_and_no_accuracy(tmp_path, data_dir, cache_dir):
    """Both runs train with 1 thread per child on these 2 cores (--jobs 2 gives serial children 1
    thread; 4 trainings at once share 2), so the accuracies must be equal to the last digit.
    Lab 2's parts: four trainings with a submission's own perm_pixel and a prerequisite chain (the
    lesson needs CNN_trains_on_mnist); VGG adds nothing to what is scheduled, only 8 minutes of CI."""
    chosen = [c for c in CASES if c.name in ("reference", "perm_pixel_in_place")]  # own perm_pixel, and not
    subs = tmp_path / "subs"
    subs.mkdir()
    paths = [build(c, subs) for c in chosen]
    lab2 = ("--parts", "FC2Layer", "CNN", "perm_pixel")
    serial = grade(paths, tmp_path / "serial", data_dir, cache_dir, "--training-concurrency", "off", "--jobs", "2", *lab2)
    together = grade(paths, tmp_path / "together", data_dir, cache_dir, "--training-concurrency", "on", "--no-cache", *lab2)
    assert serial.returncode == 0 and together.returncode == 0, serial.stderr[-2000:] + together.stderr[-2000:]
    trained = [t["name"] for t in together.results["reference"]["tests"]
               if any(isinstance(v, dict) and v.get("accuracy") is not None for v in t["data"].values())]
    assert "CNN_trains_on_mnist" in trained and "FC2Layer_trains_on_mnist" in trained, trained  # not vacuous
    for case in chosen:
        a, b = serial.results[case.name], together.results[case.name]
        assert list(statuses(b).items()) == list(statuses(a).items()), case.name  # the same order too
        for x, y in zip(a["tests"], b["tests"]):
            accuracies = [{k: v.get("accuracy") for k, v in t["data"].items() if isinstance(v, dict)} for t in (x, y)]
            assert accuracies[0] == accuracies[1], (case.name, x["name"])
    assert serial.results["reference"]["environment"]["threads"] == 1
