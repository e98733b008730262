"""`stubs`: write assignments/ from solutions/, or (--check) fail when they differ."""

from __future__ import annotations

from pathlib import Path

from autograder.release import stubs

ROOT = Path(__file__).resolve().parents[2]


def main(
    *,
    solutions: Path = ROOT / "solutions",
    assignments: Path = ROOT / "assignments",
    check: bool = False,
) -> int:
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
