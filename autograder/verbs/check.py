"""`check`: a student's own check before submitting — the public checks, with the same hints.

Data-free checks take seconds; training checks run only with --train. The hidden suites are never
run by this verb. Exit status 0 when every selected check passed, 1 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from autograder.config import GradingConfig
from autograder.sandbox.client import GraderError
from autograder.suites.run_settings import resolve
from autograder.suites.runner import grade_submission


def report(result) -> str:
    lines = []
    for t in result.tests:
        mark = "✓" if t.passed else "✗"
        lines.append(f"{mark} {t.name} ({t.score:g}/{t.max_score:g})")
        if not t.passed:
            lines += ["    " + line for line in t.output.strip().splitlines()[:12]]
    lines += [
        "",
        f"公开检查得分 public checks: {result.score:g} / {result.max_score:g}"
        "（最终成绩以隐藏测试为准 / the hidden tests decide the grade）",
    ]
    lines += [f"注意 note: {n}" for n in result.notes]
    return "\n".join(lines)


def main(*, path: Path, config: GradingConfig = GradingConfig(), quiet: bool = False) -> int:
    config = config.with_(
        suite="public", extra_masks=tuple(config.extra_masks) + (str(Path(path).resolve()),)
    )
    settings = resolve(config)  # a setup fault (SetupProblem, a ValueError) stops here, one line
    try:
        result = grade_submission(Path(path), Path(path).stem or "submission", settings)
    except GraderError as exc:
        print(f"error: the checker itself failed (not your code's fault):\n{exc}", file=sys.stderr)
        return 2
    if result.grader_error:
        print(
            f"error: the checker itself failed (not your code's fault):\n{result.grader_error}",
            file=sys.stderr,
        )
        return 2
    if not quiet:
        print(report(result))
    return 0 if all(t.passed for t in result.tests) else 1
