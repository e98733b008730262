"""Time limits count the child's CPU seconds; the wall clock is a backstop that tells a child starved
of CPU (its result is not final) from one that hung. Tested on real processes: hogs pinned to the
same core as the sandbox make it wait for the CPU, as another user's job or a CPU quota would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest

from autograder.extract import extract_submission
from autograder.sandbox.client import Sandbox
from autograder.sandbox.isolation import Policy
from autograder.sandbox.usage import OpUsage, cpu_seconds, run_delays
from autograder.suites import messages

FUNCTIONS = """
import time

def burn(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return seconds

def sleeps():
    while True:
        time.sleep(0.1)
"""

HOG = "import os, sys\nos.sched_setaffinity(0, {int(sys.argv[1])})\nwhile True: pass\n"


@contextmanager
def pinned_with_hogs(hogs: int):
    """This process (and so every sandbox it starts) on one core, with `hogs` busy loops beside it."""
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("needs sched_setaffinity (Linux)")
    saved = os.sched_getaffinity(0)
    core = min(saved)
    # Each hog in a session of its own, as another user's job would be: the kernel's autogroups share
    # a core between sessions first (the sandbox's child starts a session of its own, too).
    procs = [
        subprocess.Popen([sys.executable, "-c", HOG, str(core)], start_new_session=True)
        for _ in range(hogs)
    ]
    os.sched_setaffinity(0, {core})
    try:
        yield
    finally:
        os.sched_setaffinity(0, saved)
        for p in procs:
            p.kill()
            p.wait()


@pytest.fixture
def sandbox(tmp_path):
    (tmp_path / "f.py").write_text(FUNCTIONS)

    def start(wall_factor: float):
        return Sandbox(
            extract_submission(tmp_path),
            Policy(threads=1),
            {"mnist": None, "cifar10": None},
            {},
            wall_factor=wall_factor,
        )

    return start


def test_cpu_seconds_and_run_delay_are_read_from_proc():
    assert cpu_seconds(os.getpid()) > 0
    assert os.getpid() in run_delays(os.getpid())
    assert cpu_seconds(2**22 + 12345) is None  # no such process: unknown, not zero


def test_a_busy_loop_times_out_on_its_cpu_seconds(sandbox):
    with sandbox(
        wall_factor=40
    ) as box:  # a generous backstop: on a loaded machine too, CPU time decides
        reply = box.run(["burn"], "call", {"name": "burn", "args": [60]}, timeout=1.5)
    assert (
        reply.error.kind == "timeout" and reply.error.measure == "cpu" and reply.error.used >= 1.5
    )
    assert "CPU 时间" in messages.failure(reply.error, "调用 burn")


def test_a_sleeping_hang_times_out_at_its_limit_even_on_a_busy_machine(sandbox):
    with pinned_with_hogs(2), sandbox(wall_factor=5) as box:
        started = time.monotonic()
        reply = box.run(["sleeps"], "call", {"name": "sleeps"}, timeout=2)
        wall = time.monotonic() - started
    assert reply.error.kind == "timeout" and reply.error.measure == "wall"
    assert wall < 2 * 5  # it did not wait for the backstop: a sleeper was not starved


def test_a_starved_child_may_finish_past_its_limit(sandbox):
    """1 CPU second of work with a 2 s limit, sharing one core with two hogs (a third of the core):
    it needs about 3 s of wall time, past the limit and within the backstop, and passes."""
    with pinned_with_hogs(2), sandbox(wall_factor=20) as box:
        started = time.monotonic()
        reply = box.run(["burn"], "call", {"name": "burn", "args": [1.0]}, timeout=2)
        wall = time.monotonic() - started
    assert reply.ok, reply.error
    assert wall > 2 and reply.usage.waited > 0.3


def test_a_child_starved_past_the_backstop_is_not_final_never_a_timeout(sandbox):
    with pinned_with_hogs(3), sandbox(wall_factor=2) as box:
        reply = box.run(["burn"], "call", {"name": "burn", "args": [60]}, timeout=2)
        assert (
            reply.error.kind == "starved"
            and reply.error.cpu_seconds < 2 <= reply.error.wall_seconds / 2
        )
        assert not box._hung  # not remembered as a hang: a regrade runs it again
    message, detail = messages.not_final(reply.error, "训练 VGG() ")
    assert "不是最终成绩" in message and "regrade" in message and "starved" in detail


def test_op_usage_without_proc_falls_back_to_the_wall_clock():
    usage = OpUsage(2**22 + 12345, limit=0.2, wall_factor=5)
    assert not usage.measurable and usage.overrun() is None
    time.sleep(0.25)
    assert usage.overrun().measure == "wall"


BURNS_IN_FORWARD = '''
import time
import torch.nn as nn


class FC2Layer(nn.Module):
    """Correct, but each forward pass burns 3 CPU seconds before it computes."""

    def __init__(self, input_size, n_hidden, output_size):
        super().__init__()
        self.input_size = input_size
        self.network = nn.Sequential(nn.Linear(input_size, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_hidden),
                                     nn.ReLU(), nn.Linear(n_hidden, output_size), nn.LogSoftmax(dim=1))

    def forward(self, x):
        end = time.process_time() + 3
        while time.process_time() < end:
            pass
        return self.network(x.view(-1, self.input_size))
'''


@pytest.mark.slow
def test_a_starved_check_is_not_final_in_the_results_never_a_zero(tmp_path, data_dir, cache_dir):
    """The whole grader on one core shared with three busy loops, with a 2-CPU-second limit per
    data-free check: the forward pass that needs 3 CPU seconds cannot finish within 3x the limit of
    wall time, so that check, and so the submission, is 'not final' (a grader error, exit 2)."""
    (tmp_path / "student.py").write_text(BURNS_IN_FORWARD)
    core = min(os.sched_getaffinity(0))
    hogs = [
        subprocess.Popen([sys.executable, "-c", HOG, str(core)], start_new_session=True)
        for _ in range(3)
    ]
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "autograder",
                "grade",
                str(tmp_path / "student.py"),
                "--out",
                str(tmp_path / "out"),
                "--data-dir",
                str(data_dir),
                "--cache-dir",
                str(cache_dir),
                "--parts",
                "FC2Layer",
                "--no-training",
                "--timeout",
                "2",
                "--quiet",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            preexec_fn=lambda: os.sched_setaffinity(0, {core}),
        )
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    assert proc.returncode == 2, proc.stderr[-2000:]
    import json

    result = json.loads((tmp_path / "out" / "student" / "result.full.json").read_text())
    assert result["grader_error"] and "starved of CPU" in result["grader_error"]
    shape = next(t for t in result["tests"] if t["name"] == "FC2Layer_output_shape")
    assert "不是最终成绩" in shape["output"] and "regrade" in shape["output"]
    assert "GRADER ERROR for student" in proc.stderr
