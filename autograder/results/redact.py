"""Strip every line of hidden-test source from text that leaves the grader.

Submission code never sees the hidden suites when isolation is on; this is the second line of
defence for runs without it (e.g. not root): any output line containing a line of a hidden test
file is replaced.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_LINE = 16  # shorter lines ("import pytest", "return") are too common to be evidence of a leak
MARK = "[已隐藏 redacted]"


def hidden_dirs() -> tuple[Path, ...]:
    """The hidden suites of the default assignment and of every assignment loaded in this process
    (more redaction than needed is harmless; a suite left out would not be)."""
    from autograder import assignment

    folders = {a.hidden_dir for a in assignment.loaded()} | {assignment.load().hidden_dir}
    return tuple(sorted(folders))


def hidden_lines() -> frozenset[str]:
    return _lines(hidden_dirs())


@lru_cache(maxsize=8)
def _lines(folders: tuple[Path, ...]) -> frozenset[str]:
    lines = set()
    for path in (p for folder in folders for p in folder.glob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if len(line) >= MIN_LINE and not line.startswith("#"):
                lines.add(line)
    return frozenset(lines)


def redact(text: str) -> str:
    if not text:
        return text
    secret = hidden_lines()
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if any(s in stripped for s in secret if len(s) <= len(stripped)):
            out.append(MARK)
        else:
            out.append(line)
    return "\n".join(out)


def leaks(text: str) -> list[str]:
    """Hidden-test lines that appear in text (for tests and audits)."""
    return [s for s in hidden_lines() if s in text]
