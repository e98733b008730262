"""`stubs`: write assignments/ from solutions/, or (--check) fail when they differ."""

from __future__ import annotations

from pathlib import Path

from autograder.assignment import load
from autograder.release import stubs


def main(
    *,
    solutions: Path | None = None,
    assignments: Path | None = None,
    check: bool = False,
) -> int:
    """Default folders: the default assignment's solutions/ and assignments/."""
    spec = load()
    solutions, assignments = solutions or spec.solutions_dir, assignments or spec.stubs_dir
    if check:
        problems = stubs.check(solutions, assignments)
        for problem in problems:
            print(problem)
        if problems:
            print(
                "assignments/ differs from what solutions/ derives; run: python -m autograder stubs"
            )
        return 1 if problems else 0
    for path in stubs.write(solutions, assignments):
        print(f"wrote {path}")
    return 0
