"""Grade one submission: extract -> sandbox -> suites -> SubmissionResult.

Runs in a grader worker process (trusted code only); submission code runs in the sandbox's
children. pytest runs here, so nothing the submission does can reach pytest or the verdicts.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from pathlib import Path

import pytest

from autograder import machine
from autograder.config import GradingConfig
from autograder.extract import extract_submission
from autograder.results.model import SubmissionResult
from autograder.results.redact import redact
from autograder.sandbox.client import ResultCache, Sandbox
from autograder.sandbox.isolation import Policy
from autograder.sandbox.warm import WarmSupervisor
from autograder.suites.plugin import GradingPlugin
from autograder.suites.run_settings import RunSettings
from autograder.suites.submission import Submission

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_VISIBILITY = {"hidden": "after_due_date", "public": "visible"}


def suite_dir(config: GradingConfig) -> Path:
    """The assignment's hidden or public suites."""
    return config.spec.hidden_dir if config.suite == "hidden" else config.spec.public_dir


def private_paths(config: GradingConfig) -> list[str]:
    """Folders submission code must not see: the grader's code and home, data with test labels,
    caches, plus what the caller adds (outputs, the other submissions of the batch)."""
    repo = PACKAGE_DIR.parent
    paths = [str(PACKAGE_DIR), os.path.expanduser("~"), str(config.cache_dir), *config.extra_masks]
    if not config.spec.root.is_relative_to(PACKAGE_DIR):  # an assignment of its own: its suites
        paths.append(str(config.spec.root))
    if (repo / "solutions").is_dir() or (repo / ".git").exists():
        paths.append(str(repo))
    if config.data_dir:
        paths.append(str(config.data_dir))
    return paths


def sandbox_policy(config: GradingConfig, masks) -> Policy:
    """CPU children: an address-space cap. CUDA children: a memory cgroup (the driver reserves far
    more address space than RLIMIT_AS could allow)."""
    limit = int(config.memory_limit_gb * 1024**3)
    cuda = config.device.startswith("cuda")
    return Policy(
        memory_bytes=None if cuda else limit,
        cgroup_memory_bytes=limit if cuda else None,
        namespaces=config.namespaces,
        mask_paths=tuple(masks),
        threads=config.threads,
    )


def pytest_args(suite_dir: Path, parts) -> list[str]:
    # no:unraisableexception: at the end of a session that plugin runs gc.collect() five times over
    # everything torch has loaded (~0.9 s per submission), to report exceptions no check can see.
    # --noconftest: the suites need no conftest.py (the plugin gives the fixtures), and with `-c
    # devnull` pytest would otherwise import every conftest.py from the suite's folder up to /dev's
    # parent, e.g. a test-suite's own when an assignment lives inside one.
    return [
        str(suite_dir),
        "--noconftest",
        "-c",
        os.devnull,
        "--rootdir",
        str(suite_dir),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:unraisableexception",
        "-q",
        "--capture=sys",
        "-o",
        "python_files=test_*.py",
        "-o",
        "python_classes=",
        "-o",
        "python_functions=" + " ".join(f"{p}_*" for p in parts),
    ]


def grade_submission(
    path: Path, name: str, settings: RunSettings, *, warm: WarmSupervisor | None = None
) -> SubmissionResult:
    """Grade one submission with a run's resolved settings (run_settings.resolve, or the canary's).
    Raises GraderError only for the grader's own failures. warm: where a grader process that grades
    submissions in turn keeps its supervisor between them."""
    started = time.perf_counter()
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    sys.dont_write_bytecode = True
    config, data = settings.config, settings.data
    extracted = extract_submission(path)
    policy = sandbox_policy(config, private_paths(config))
    cache = (
        ResultCache(config.cache_dir / "results", read=config.result_cache_reads)
        if config.result_cache
        else None
    )
    with Sandbox(
        extracted,
        policy,
        data.dirs,
        data.prints,
        device=config.device,
        load_timeout=min(config.load_timeout, config.timeout),
        wall_factor=config.starved_wall_factor,
        cache=cache,
        training=config.training,
        warm=warm,
    ) as sandbox:
        submission = Submission(sandbox, config, settings.calibration, data.labels, data.errors)
        plugin = GradingPlugin(
            submission,
            spec=config.spec,
            parts=config.parts,
            training=config.training,
            default_visibility=DEFAULT_VISIBILITY[config.suite],
            concurrent_training=config.concurrent_training,
        )
        log = io.StringIO()
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            code = pytest.main(
                pytest_args(suite_dir(config), config.spec.part_names), plugins=[plugin]
            )
        environment = {
            "torch": sandbox.torch_version,
            "threads": config.threads,
            "namespaces": sandbox.namespaces,
            "isolation_notes": sandbox.isolation_notes,
            "precision": config.precision,
            "machine": machine.describe(),
            "train_cpu_seconds": dict(submission.train_cpu_seconds),
        }
    environment["peak_child_rss_mb"] = round(
        sandbox.peak_rss_mb, 1
    )  # after close: every child counted
    grader_error = "\n".join(plugin.grader_errors) or None
    if code in (
        pytest.ExitCode.INTERRUPTED,
        pytest.ExitCode.INTERNAL_ERROR,
        pytest.ExitCode.USAGE_ERROR,
    ):
        grader_error = f"pytest exited with {code!r}:\n{log.getvalue()[-3000:]}"
    notes = [redact(n) for n in extracted.notes] + list(data.errors.values())
    return SubmissionResult(
        submission=name,
        tests=tuple(plugin.ordered_results()),
        seed=config.seed,
        device=config.device,
        notes=tuple(notes),
        grader_error=grader_error,
        seconds=round(time.perf_counter() - started, 2),
        environment=environment,
        parts=config.spec.part_names,
    )
