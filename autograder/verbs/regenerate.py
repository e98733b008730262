"""`regenerate`: write every file derived from the assignment's declaration, or (--check) report
each one that drifted.

Derived, in order: the student stubs (assignments/ from solutions/), the nbgrader source notebooks
with the self-check file (source/<name>/), GitHub Classroom's workflow (classroom/classroom.yml,
one step per part at its points), the generated tables of README.md and docs/, and last the
student release (release/<name>/, by `nbgrader generate_assignment`, which reads the source).
--check compares all but the release, which tests/test_nbgrader_course.py rebuilds and compares.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from autograder.assignment import Assignment
from autograder.release import classroom_workflow, derived, docs_tables, notebooks, stubs


def _generated(spec: Assignment) -> dict[Path, str]:
    """Single files generated from the declaration: Classroom's workflow (where the course has a
    classroom/ folder) and the Markdown files that hold generated tables."""
    files = dict(docs_tables.documents(spec))
    workflow = classroom_workflow.path(spec)
    if workflow.parent.is_dir():
        files[workflow] = classroom_workflow.render(spec)
    return files


def _drift(spec: Assignment) -> list[str]:
    problems = stubs.check(spec.solutions_dir, spec.stubs_dir)
    if spec.notebooks:  # an assignment without notebooks has no nbgrader source or release
        source = spec.course_root / "source" / spec.name
        problems += notebooks.check(spec.solutions_dir, source, spec)
    for path, text in _generated(spec).items():
        problems += derived.drift(
            {path.name: text},
            path.parent,
            patterns=(),
            extra="",
            origin=lambda name: f"generated from the declaration ({name})",
        )
    return problems


def _write(spec: Assignment, *, release: bool) -> list[str]:
    written = [str(p) for p in stubs.write(spec.solutions_dir, spec.stubs_dir)]
    if spec.notebooks:
        source = spec.course_root / "source" / spec.name
        written += [str(p) for p in notebooks.write(spec.solutions_dir, source, spec)]
    for path, text in _generated(spec).items():
        written += [str(p) for p in derived.write({path.name: text}, path.parent)]
    if release and spec.notebooks and (spec.course_root / "nbgrader_config.py").is_file():
        _release(spec)
        written.append(str(spec.course_root / "release" / spec.name) + "/ (nbgrader)")
    return written


class ReleaseFailed(RuntimeError):
    """nbgrader could not build the release (the message says why and what to run)."""


def _release(spec: Assignment) -> None:
    """nbgrader generate_assignment, with this interpreter's scripts on PATH (nbgrader runs
    `alembic` for its database, which an unactivated virtual environment would not provide)."""
    scripts = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": scripts + os.pathsep + os.environ.get("PATH", "")}
    command = [sys.executable, "-m", "nbgrader", "generate_assignment", spec.name, "--force"]
    done = subprocess.run(command, cwd=spec.course_root, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise ReleaseFailed(
            f"nbgrader generate_assignment {spec.name} failed (exit {done.returncode}); the other "
            f"derived files are written. Run it yourself in {spec.course_root} to see why:\n"
            f"  {' '.join(command[2:])}\n{done.stderr.strip()[-1500:]}"
        )


def main(*, spec: Assignment, check: bool = False, release: bool = True) -> int:
    """Returns 0 when written / in sync, 1 when --check finds drift."""
    if check:
        problems = _drift(spec)
        for problem in problems:
            print(problem)
        if problems:
            print(
                f"files derived from {spec.name}'s declaration drifted; run: python -m autograder regenerate"
            )
        return 1 if problems else 0
    try:
        written = _write(spec, release=release)
    except ReleaseFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0
