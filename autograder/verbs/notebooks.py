"""`notebooks`: build source/<assignment>/ from the narrative files and solutions/, or (--check) fail on drift."""

from __future__ import annotations

from pathlib import Path

from autograder.assignment import load
from autograder.release import notebooks


def main(
    *,
    solutions: Path | None = None,
    source: Path | None = None,
    check: bool = False,
) -> int:
    """Args: solutions — the reference; source — the nbgrader assignment folder; check — compare only
    (defaults: the default assignment's). Returns 0 when written / in sync, 1 when --check finds drift."""
    spec = load()
    solutions = solutions or spec.solutions_dir
    source = source or spec.course_root / "source" / spec.name
    if check:
        problems = notebooks.check(solutions, source)
        for problem in problems:
            print(problem)
        if problems:
            print(
                f"{source} differs from what the builder gives; run: python -m autograder notebooks "
                f"(then: nbgrader generate_assignment {spec.name} --force), or python -m autograder "
                "regenerate"
            )
        return 1 if problems else 0
    for path in notebooks.write(solutions, source):
        print(f"wrote {path}")
    return 0
