"""Strip every line of hidden-test source from text that leaves the grader.

Submission code never sees the hidden suites when isolation is on; this is the second line of
defence for runs without it (e.g. not root): any output line containing a line of a hidden test
file is replaced.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

HIDDEN_DIR = Path(__file__).resolve().parent.parent / "hidden"
MIN_LINE = 16  # shorter lines ("import pytest", "return") are too common to be evidence of a leak
MARK = "[已隐藏 redacted]"


@lru_cache(maxsize=1)
def hidden_lines() -> frozenset[str]:
    lines = set()
    for path in HIDDEN_DIR.glob("*.py"):
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
