"""Tables in the docs that restate the assignment's declaration, generated so they never drift.

A Markdown file holds a generated block between two marker lines:

    <!-- generated: NAME (python -m autograder regenerate) -->
    ...
    <!-- end generated: NAME -->

`blocks(spec)` gives each NAME's text; `fill` rewrites the blocks of one file's text, and leaves
everything outside the markers as it is. A marker naming an unknown block is an error.
"""

from __future__ import annotations

import re
from pathlib import Path

from autograder.assignment import Assignment

BEGIN = "<!-- generated: {name} (python -m autograder regenerate) -->"
END = "<!-- end generated: {name} -->"
_BLOCK = re.compile(
    r"^<!-- generated: (?P<name>[\w-]+) \(python -m autograder regenerate\) -->\n"
    r"(?P<body>.*?)"
    r"^<!-- end generated: (?P=name) -->$",
    re.S | re.M,
)


def _points(value: float) -> str:
    return f"{value:g}"


def parts_table(spec: Assignment) -> str:
    """Part, points, notebook, stub file, and the parts it is graded after."""
    rows = ["| part | points | notebook | file (solutions/, assignments/) | graded after |"]
    rows.append("|---|---|---|---|---|")
    rows += [
        f"| `{p.name}` | {_points(p.points)} | {p.notebook}.ipynb | {p.solution} | "
        f"{', '.join(f'`{a}`' for a in p.after) or '—'} |"
        for p in spec.parts
    ]
    rows.append(f"| **total** | **{_points(spec.total_points)}** | | | |")
    return "\n".join(rows)


def score_table(spec: Assignment) -> str:
    """What `grade solutions assignments` prints (the reference full marks, the stubs 0)."""
    columns = ["submission", *spec.part_names, "total", "max_score", "status"]
    total = _points(spec.total_points)
    stubs = ["assignments", *("0" for _ in spec.parts), "0", total, "graded"]
    reference = ["solutions", *(_points(p.points) for p in spec.parts), total, total, "graded"]
    widths = [max(len(r[i]) for r in (columns, stubs, reference)) for i in range(len(columns))]
    line = lambda row: "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()  # noqa: E731
    return "```\n" + "\n".join(line(r) for r in (columns, stubs, reference)) + "\n```"


def blocks(spec: Assignment) -> dict[str, str]:
    return {"parts": parts_table(spec), "score-table": score_table(spec)}


def fill(text: str, spec: Assignment, origin: str = "<docs>") -> str:
    """text with each generated block rewritten from the declaration."""
    known = blocks(spec)

    def replace(match: re.Match) -> str:
        name = match.group("name")
        if name not in known:
            raise ValueError(f"{origin}: unknown generated block {name!r} ({', '.join(known)})")
        return f"{BEGIN.format(name=name)}\n{known[name]}\n{END.format(name=name)}"

    return _BLOCK.sub(replace, text)


def documents(spec: Assignment) -> dict[Path, str]:
    """Every Markdown file of the course (README.md, docs/) that holds a generated block, with its
    text as the declaration gives it."""
    root = spec.course_root
    out = {}
    for path in sorted([root / "README.md", *(root / "docs").glob("*.md")]):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if "<!-- generated: " in text:
            out[path] = fill(text, spec, str(path))
    return out
