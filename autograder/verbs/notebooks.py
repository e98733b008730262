"""`notebooks`: build source/week2_cnn/ from the narrative files and solutions/, or (--check) fail on drift."""

from __future__ import annotations

from pathlib import Path

from autograder.release import notebooks

ROOT = Path(__file__).resolve().parents[2]


def main(
    *,
    solutions: Path = ROOT / "solutions",
    source: Path = ROOT / "source" / "week2_cnn",
    check: bool = False,
) -> int:
    """Args: solutions — the reference; source — the nbgrader assignment folder; check — compare only.
    Returns 0 when written / in sync, 1 when --check finds drift."""
    if check:
        problems = notebooks.check(solutions, source)
        for problem in problems:
            print(problem)
        if problems:
            print(
                f"{source} differs from what the builder gives; run: python -m autograder notebooks "
                "(then: nbgrader generate_assignment week2_cnn --force)"
            )
        return 1 if problems else 0
    for path in notebooks.write(solutions, source):
        print(f"wrote {path}")
    return 0
