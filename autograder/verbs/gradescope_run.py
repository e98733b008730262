"""What the Gradescope bundle's run_autograder runs: grade ROOT/submission, write ROOT/results/results.json.

Gradescope's layout (https://gradescope-autograders.readthedocs.io/en/latest/specs/): the bundle is
unpacked in /autograder/source, the student's upload (files, a notebook, a folder) is in
/autograder/submission, and /autograder/results/results.json must be valid JSON in Gradescope's
schema (autograder.reports.gradescope.to_gradescope). Hidden tests carry visibility
"after_due_date": their names and messages appear after the due date, never their code.
A failure of the grader itself still writes a results.json, with score 0 and a note that the
instructor will regrade (SubmissionResult.grader_error); the exit status is then 2.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import traceback
from pathlib import Path

from autograder import machine
from autograder.config import GradingConfig
from autograder.reports import table
from autograder.reports.gradescope import to_gradescope
from autograder.results.model import SubmissionResult

NAME = "submission"


def cpu_quota(
    proc_cgroup: Path = Path("/proc/self/cgroup"), mount: Path = Path("/sys/fs/cgroup")
) -> int | None:
    """CPUs the container's CFS quota grants, rounded up (Gradescope gives 0.5 by default), or None.

    Docker shows the host's cores to a container whatever its quota, so the grader would start as
    many threads as the host has cores and spend the quota switching between them."""
    quota = machine.cpu_quota(proc_cgroup, mount)
    return max(1, math.ceil(quota)) if quota is not None else None


def fit_threads_to_quota() -> int | None:
    """Pin this process (and so the sandbox it starts) to as many cores as the quota grants:
    the engine sizes its thread pools by the cores it may run on."""
    quota = cpu_quota()
    if quota and hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))
        if quota < len(cores):
            os.sched_setaffinity(0, cores[:quota])
    return quota


def grade(submission: Path, config: GradingConfig) -> SubmissionResult:
    """The hidden suites over the submission; grader failures become a result that says so."""
    from autograder import canary
    from autograder.sandbox.client import GraderError
    from autograder.suites.run_settings import SetupProblem
    from autograder.suites.runner import grade_submission

    try:
        settings, _ = canary.ensure(
            config
        )  # memoised in the cache: setup.sh runs it once per image
        return grade_submission(submission, NAME, settings)
    except SetupProblem as exc:
        error = str(exc)
    except GraderError as exc:
        error = str(exc)
    except Exception:
        error = traceback.format_exc()
    return SubmissionResult(
        submission=NAME,
        tests=(),
        seed=config.seed,
        device=config.device,
        grader_error=error,
        parts=config.spec.part_names,
    )


def write_results(result: SubmissionResult, path: Path) -> None:
    """results.json, written whole or not at all (a half-written file is invalid JSON)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(
        json.dumps(to_gradescope(result), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    os.replace(tmp, path)


def canary_only(config: GradingConfig | None = None) -> int:
    """Run (or find memoised) the canary as a graded run would: 0 passed, 2 failed."""
    from autograder import canary
    from autograder.suites.run_settings import SetupProblem

    fit_threads_to_quota()
    try:
        canary.ensure(config or GradingConfig())
    except SetupProblem as exc:
        print(f"canary: {exc}", file=sys.stderr)
        return 2
    print("canary: the reference gets full marks on this machine")
    return 0


def main(*, root: Path, config: GradingConfig | None = None) -> int:
    """Grade root/submission into root/results/results.json. 0 graded, 2 grader failure."""
    root = Path(root)
    submission, results = root / "submission", root / "results"
    quota = fit_threads_to_quota()
    config = config or GradingConfig()
    masks = (
        str(submission.resolve()),
        str(results.resolve()),
    )  # as `grade` hides the batch and outputs
    config = config.with_(extra_masks=tuple(config.extra_masks) + masks)
    if submission.is_dir():
        result = grade(submission, config)
    else:
        result = SubmissionResult(
            submission=NAME,
            tests=(),
            seed=config.seed,
            device=config.device,
            grader_error=f"{submission} does not exist: nothing to grade",
            parts=config.spec.part_names,
        )
    write_results(result, results / "results.json")
    print(table.format_table([result]))  # run_autograder's stdout: shown to instructors only
    print(
        f"\nCPU quota: {quota or 'none'}; cores used: {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}; "
        f"{result.seconds:.0f} s; peak child memory {result.environment.get('peak_child_rss_mb', '?')} MB"
    )
    for note in result.environment.get("isolation_notes") or ():
        print(f"isolation: {note}")
    if result.grader_error:
        print(f"\nGRADER ERROR:\n{result.grader_error}")
    return 2 if result.grader_error else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        prog="python -m autograder.verbs.gradescope_run", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(os.environ.get("AUTOGRADER_ROOT", "/autograder")),
        help="Gradescope's /autograder (default: $AUTOGRADER_ROOT, else /autograder)",
    )
    parser.add_argument(
        "--canary-only",
        action="store_true",
        help="only grade the reference on this machine and memoise the verdict (setup.sh)",
    )
    arguments = parser.parse_args()
    sys.exit(canary_only() if arguments.canary_only else main(root=arguments.root))
