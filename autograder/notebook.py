"""The autograded cells of the nbgrader notebooks: `grade_part(part)`.

A test cell's hidden region is only `grade_part("<part>")`. It grades the code of the notebook
being run with the engine (`grade_submission`, hidden suites), prints that part's feedback and
returns the part's points as the cell's value, which nbgrader takes as partial credit
(`nbgrader.utils.determine_grade`). nbgrader gives 0 to a cell with *any* stderr output, so the
grading runs with stdout/stderr captured (Python and file-descriptor level) and warnings off.

Which code is graded: the notebook file itself, found in the working directory (nbgrader runs a
notebook with its folder as the working directory; during `nbgrader autograde` that file is the
copy being executed: the student's cells as submitted, locked and test cells restored from the
source). The whole file is read, as `python -m autograder grade` reads it, so a part graded in an
early cell sees the definitions of later cells too; the kernel's history would only hold the
cells run so far. All parts of a notebook are graded together, once per kernel and code digest
(a part's tests may read the verdicts of the parts it comes after), and each test cell returns its
own part. Which notebook holds which part: the assignment's declaration (autograder/assignment.py).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile
import warnings
from pathlib import Path

SHOWN_OUTPUT_LINES = 12
_graded: dict[tuple, object] = {}
"""(notebook path, code digest, parts) -> SubmissionResult: one grading per kernel and code."""


@contextlib.contextmanager
def _captured():
    """Collect everything written to stdout/stderr (also by subprocesses and C code) and silence
    warnings and logging; yields the StringIO with the Python-level text."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    text = io.StringIO()
    saved, log_level = [], logging.root.manager.disable
    with tempfile.TemporaryFile() as sink:
        try:
            for fd in (1, 2):
                with contextlib.suppress(OSError):
                    saved.append((fd, os.dup(fd)))
                    os.dup2(sink.fileno(), fd)
            logging.disable(logging.CRITICAL)
            with (
                contextlib.redirect_stdout(text),
                contextlib.redirect_stderr(text),
                warnings.catch_warnings(),
            ):
                warnings.simplefilter("ignore")
                yield text
        finally:
            logging.disable(log_level)
            for fd, copy in saved:
                os.dup2(copy, fd)
                os.close(copy)


def _grade(path: Path, parts: tuple[str, ...]):
    """The SubmissionResult of the notebook at path for parts (memoised by code digest)."""
    from autograder import canary
    from autograder.config import GradingConfig
    from autograder.extract import extract_submission
    from autograder.extract.units import Extracted
    from autograder.suites.runner import grade_submission

    config = GradingConfig(parts=parts, extra_masks=(str(path.parent.resolve()),))
    key = (
        str(path.resolve()),
        Extracted.digest(extract_submission(path).units),
        parts,
        config.data_dir,
        config.cache_dir,
        config.seed,
    )
    if key not in _graded:
        settings, _ = canary.ensure(config, say=lambda text: None)  # memoised: once per machine
        _graded[key] = grade_submission(path, path.stem, settings)
    return _graded[key]


def report(result, part: str) -> str:
    """The part's feedback (Chinese messages from the hidden tests, no test code)."""
    score, max_score = result.part_scores()[part]
    lines = [f"{part}：{score:g} / {max_score:g} 分 (points)"]
    for t in (t for t in result.tests if t.part == part):
        lines.append(f"{'✓' if t.passed else '✗'} {t.name} ({t.score:g}/{t.max_score:g})")
        if not t.passed and t.output.strip():
            lines += ["    " + line for line in t.output.strip().splitlines()[:SHOWN_OUTPUT_LINES]]
    # Syntax errors and missing data matter here; "top-level training code is not run" notes would repeat per cell.
    lines += [
        f"注意 note: {note}"
        for note in result.notes
        if "SyntaxError" in note or "data not found" in note
    ]
    if result.grader_error:
        lines.append(
            f"评分程序出错，请联系助教 (grader error, instructor: see below):\n{result.grader_error[-2000:]}"
        )
    return "\n".join(lines)


def grade_part(part: str, notebook: str | os.PathLike | None = None) -> float:
    """Grade the notebook's code, print `part`'s feedback, return its points (0 when grading was
    impossible, with the reason printed). notebook: the file (default: the released name of the
    notebook that holds `part`, in the working directory)."""
    from autograder.assignment import load

    spec = load()
    if part not in spec.part_names:
        print(f"未知的评分部分 unknown part {part!r}; expected one of {', '.join(spec.part_names)}")
        return 0.0
    path = Path(notebook or spec.notebook_of(part))
    if not path.is_file():
        print(
            f"找不到 notebook 文件 (cannot find the notebook) {path} in {Path.cwd()}: the graded notebook must "
            "keep its released name and be run from its own folder (as nbgrader does)."
        )
        return 0.0
    parts = tuple(p.name for p in spec.parts if p.notebook == spec.part(part).notebook)
    error = None
    with _captured() as log:
        try:
            result = _grade(path, parts)
        except ImportError as exc:
            error = (
                f"the grading engine cannot be imported in this kernel ({exc}); install this repository "
                "into the kernel's Python: pip install -e '.[course]' (see README)"
            )
        except (
            Exception
        ) as exc:  # GraderError, unreadable cache or data folder, or a bug: say what happened
            error = f"{type(exc).__name__}: {exc}"
    if error:
        print(
            f"评分程序无法运行，本单元格记 0 分，请联系助教 (the grader could not run; this cell scores 0):\n{error}"
        )
        tail = log.getvalue().strip()[-1500:]
        if tail:
            print(f"grader output:\n{tail}")
        return 0.0
    print(report(result, part))
    score, max_score = result.part_scores()[part]
    return round(min(max(score, 0.0), max_score), 4)
