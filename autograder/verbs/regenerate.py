"""`regenerate`: write every file derived from the assignment's declaration, or (--check) report
each one that drifted.

Derived, in order: the student stubs (assignments/ from solutions/), the nbgrader source notebooks
with the self-check file (source/<name>/), GitHub Classroom's workflow (classroom/classroom.yml,
one step per part at its points), the generated tables of README.md and docs/, and last the
student release (release/<name>/, by `nbgrader generate_assignment`, which reads the source).
--check compares all but the release, which tests/test_nbgrader_course.py rebuilds and compares.
"""

from __future__ import annotations

import subprocess
import sys

from autograder.assignment import Assignment
from autograder.release import classroom_workflow, derived, docs_tables, notebooks, stubs


def _drift(spec: Assignment) -> list[str]:
    problems = stubs.check(spec.solutions_dir, spec.stubs_dir)
    problems += notebooks.check(spec.solutions_dir, spec.course_root / "source" / spec.name, spec)
    workflow = classroom_workflow.path(spec)
    if workflow.parent.is_dir():
        problems += derived.drift(
            {workflow.name: classroom_workflow.render(spec)},
            workflow.parent,
            patterns=(),
            extra="",
            origin=lambda name: "generated from the declaration (classroom_workflow.py)",
        )
    for path, text in docs_tables.documents(spec).items():
        if path.read_text(encoding="utf-8") != text:
            problems.append(f"{path}: a generated table differs from the declaration")
    return problems


def _write(spec: Assignment, *, release: bool) -> list[str]:
    written = [str(p) for p in stubs.write(spec.solutions_dir, spec.stubs_dir)]
    source = spec.course_root / "source" / spec.name
    written += [str(p) for p in notebooks.write(spec.solutions_dir, source, spec)]
    workflow = classroom_workflow.path(spec)
    if workflow.parent.is_dir():
        written += [
            str(p)
            for p in derived.write(
                {workflow.name: classroom_workflow.render(spec)}, workflow.parent
            )
        ]
    for path, text in docs_tables.documents(spec).items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(str(path))
    if release and (spec.course_root / "nbgrader_config.py").is_file():
        # nbgrader rebuilds the whole release folder; it is committed, so git shows what changed.
        subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", spec.name, "--force"],
            cwd=spec.course_root,
            check=True,
            capture_output=True,
        )
        written.append(str(spec.course_root / "release" / spec.name) + "/ (nbgrader)")
    return written


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
    for path in _write(spec, release=release):
        print(f"wrote {path}")
    return 0
