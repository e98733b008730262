"""Running a submission's training checks several at once: all at once (the GPU schedule) or packed
onto the cores by their threads (the CPU schedule). The supervisor keeps each op's own limit and
fate, and the verdicts and accuracies are exactly those of the serial schedule."""

from __future__ import annotations

import time

import pytest

from autograder.extract import extract_submission
from autograder.sandbox.client import OpCall, Sandbox
from autograder.sandbox.isolation import Policy
from tests.corpus.manifest import CASES, build
from tests.helpers import grade, statuses

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
    with Sandbox(
        extract_submission(tmp_path), Policy(), {"mnist": None, "cifar10": None}, {}
    ) as sandbox:
        started = time.monotonic()
        replies = sandbox.run_many(
            [OpCall([n], "call", {"name": n}, 4 if n == "hangs" else 30) for n in names]
        )
        wall = time.monotonic() - started
        by_name = dict(zip(names, replies))
        assert (
            by_name["slow_ok"].result["value"]["number"] == 1
            and by_name["also_slow_ok"].result["value"]["number"] == 2
        )
        assert by_name["hangs"].error.kind == "timeout" and by_name["hangs"].error.seconds == 4
        assert by_name["exits"].error.kind == "died"
        assert by_name["raises"].error.type == "ValueError"
        assert wall < 2 + 2 + 4  # together, not one after another
        again = sandbox.run(
            ["hangs"], "call", {"name": "hangs"}, timeout=30
        )  # a hang is remembered, as in run()
        assert again.error.repeated
        assert sandbox.run(
            ["slow_ok"], "call", {"name": "slow_ok"}, timeout=30
        ).ok  # the sandbox still serves


SPANS = """
import time

def span(seconds):
    started = time.monotonic()
    time.sleep(seconds)
    return started

def one(seconds):
    return span(seconds)

def two(seconds):
    return span(seconds)

def three(seconds):
    return span(seconds)

def wide(seconds):
    return span(seconds)
"""


def test_packed_ops_never_use_more_threads_than_the_capacity(tmp_path):
    """The CPU schedule: ops of one thread run two at a time on a capacity of two, an op of two
    threads runs alone, and two ops for the same child wait for each other; each op's limit counts
    from its own start, so waiting in the queue never times an op out."""
    (tmp_path / "f.py").write_text(SPANS)
    names = ["one", "two", "three", "wide", "one"]
    requests = [
        OpCall(
            [n],
            "call",
            {"name": n, "args": [1.0], "call_id": i},
            3,
            threads=2 if n == "wide" else 1,
        )
        for i, n in enumerate(names)
    ]
    with Sandbox(
        extract_submission(tmp_path), Policy(threads=2), {"mnist": None, "cifar10": None}, {}
    ) as sandbox:
        sandbox.run(
            ["span"], "call", {"name": "span", "args": [0.0]}, timeout=30
        )  # start-up out of the timings
        started = time.monotonic()
        replies = sandbox.run_many(requests, capacity=2)
        wall = time.monotonic() - started
    assert all(r.ok for r in replies), [r.error for r in replies]
    spans = [(r.result["value"]["number"], r.result["value"]["number"] + 1.0) for r in replies]
    overlap = lambda a, b: a[0] < b[1] - 0.05 and b[0] < a[1] - 0.05  # noqa: E731
    for i, a in enumerate(spans):
        beside = [j for j, b in enumerate(spans) if j != i and overlap(a, b)]
        assert len(beside) <= (0 if names[i] == "wide" else 1), (names[i], beside, spans)
    assert not overlap(spans[0], spans[4])  # the same child: one op at a time
    assert wall < 5 * 1.0 - 0.5, wall  # two at a time somewhere: not one after another
    assert wall > 3 * 1.0, wall  # 4 one-thread seconds on 2 cores, then 1 alone: at least 3


@pytest.mark.slow
def test_concurrent_training_changes_no_verdict_and_no_accuracy(tmp_path, data_dir, cache_dir):
    """The MNIST checks' specs fix their threads (one), so training them one by one, each when its
    test runs, or packed two at a time onto these cores gives the same accuracies to the last digit.
    Lab 2's parts: four trainings with a submission's own perm_pixel and a prerequisite chain (the
    lesson needs CNN_trains_on_mnist); VGG adds nothing to what is scheduled, only 8 minutes of CI."""
    chosen = [
        c for c in CASES if c.name in ("reference", "perm_pixel_in_place")
    ]  # own perm_pixel, and not
    subs = tmp_path / "subs"
    subs.mkdir()
    paths = [build(c, subs) for c in chosen]
    lab2 = ("--parts", "FC2Layer", "CNN", "perm_pixel")
    serial = grade(
        paths, tmp_path / "serial", data_dir, cache_dir, "--training-concurrency", "off", *lab2
    )
    together = grade(
        paths,
        tmp_path / "together",
        data_dir,
        cache_dir,
        "--training-concurrency",
        "on",
        "--no-cache",
        *lab2,
    )
    assert serial.returncode == 0 and together.returncode == 0, (
        serial.stderr[-2000:] + together.stderr[-2000:]
    )
    trained = [
        t["name"]
        for t in together.results["reference"]["tests"]
        if any(isinstance(v, dict) and v.get("accuracy") is not None for v in t["data"].values())
    ]
    assert "CNN_trains_on_mnist" in trained and "FC2Layer_trains_on_mnist" in trained, (
        trained
    )  # not vacuous
    for case in chosen:
        a, b = serial.results[case.name], together.results[case.name]
        assert list(statuses(b).items()) == list(statuses(a).items()), (
            case.name
        )  # the same order too
        for x, y in zip(a["tests"], b["tests"]):
            accuracies = [
                {k: v.get("accuracy") for k, v in t["data"].items() if isinstance(v, dict)}
                for t in (x, y)
            ]
            assert accuracies[0] == accuracies[1], (case.name, x["name"])
    threads = {run.results["reference"]["environment"]["threads"] for run in (serial, together)}
    assert len(threads) == 1, (
        threads
    )  # both graders had the same threads; each check used its spec's
