"""grades.csv (one row per submission, one column per part) and a printed score table."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

from autograder.assignment import load
from autograder.results.model import SubmissionResult


def columns(results: list[SubmissionResult]) -> tuple[str, ...]:
    """submission, one column per part of the assignment, total, max_score, status."""
    parts = results[0].part_names if results else load().part_names
    return ("submission",) + parts + ("total", "max_score", "status")


def rows(results: list[SubmissionResult]) -> list[dict]:
    out = []
    for r in sorted(results, key=lambda r: r.submission):
        parts = r.part_scores()
        row = {
            "submission": r.submission,
            **{p: f"{score:g}" for p, (score, _) in parts.items()},
            "total": f"{r.score:g}",
            "max_score": f"{r.max_score:g}",
            "status": "grader_error" if r.grader_error else "graded",
        }
        out.append(row)
    return out


def write_csv(results: list[SubmissionResult], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns(results))
        writer.writeheader()
        writer.writerows(rows(results))


def display_width(text: str) -> int:
    """Terminal columns: wide and full-width characters (Chinese names: '2021001 张三') take two."""
    return sum(
        2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
        for ch in text
    )


def format_table(results: list[SubmissionResult]) -> str:
    table, names = rows(results), columns(results)
    widths = {
        c: max(display_width(c), *(display_width(r[c]) for r in table)) if table else len(c)
        for c in names
    }
    pad = lambda text, width: text + " " * (width - display_width(text))  # noqa: E731
    line = lambda r: "  ".join(pad(str(r[c]), widths[c]) for c in names)  # noqa: E731
    return "\n".join([line({c: c for c in names})] + [line(r) for r in table])
