"""A .py file that was a notebook: IPython lines skipped, cells kept apart.

Colab's and Jupyter's "download as .py" keep what was a notebook: `!pip install …`, `%matplotlib
inline`, `%%capture` cells, `get_ipython()` calls, and cell markers (`# In[3]:`, `# %%`). Graded as
a notebook, that code gets its marks (magics are skipped there), so it must as a .py too:

* a file that parses is read as it is, but for nbconvert's top-level `get_ipython()` lines;
* otherwise IPython lines are skipped (a note names their lines): at the top level they become
  blank, indented ones `pass`, so line numbers and blocks stay as written; a `%%` line drops its
  whole cell where the file has cell markers;
* where the file still does not parse and has cell markers, each cell is a snippet of its own, so
  a syntax error costs its cell only, as in a notebook. Cells keep the file's line numbers.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

CELL_MARKER = re.compile(r"^# ?(?:In\s*\[[\d\s]*\]\s*:|%%(?:\s|$))")
"""nbconvert's `# In[3]:` and the percent format's `# %%` (Jupytext, VS Code, Spyder, PyCharm)."""
_IPYTHON = re.compile(
    r"^\s*(?:[!%]"  # shell escapes and magics
    r"|[\w.]+\s*=\s*[!%]\s*\w"  # files = !ls, t = %timeit f()
    r"|[\w.]+\?{1,2}\s*$|\?{1,2}[\w.]+\s*$"  # obj?  ??obj
    r"|get_ipython\(\))"  # nbconvert's translation of magics
)


@dataclass(frozen=True)
class Snippet:
    text: str
    """The code, preceded by blank lines so that its line numbers are the file's."""


@dataclass(frozen=True)
class Exported:
    snippets: list[Snippet]
    skipped_lines: list[int]
    """Lines of IPython syntax that were skipped."""


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def _ipython_lines(lines: list[str]) -> list[int]:
    """0-based indices of lines that are IPython syntax, outside multi-line strings (by a cheap
    scan: a line is inside a string when an odd number of triple quotes precede it)."""
    found, quotes = [], 0
    for index, line in enumerate(lines):
        if quotes % 2 == 0 and _IPYTHON.match(line):
            found.append(index)
        quotes += line.count('"""') + line.count("'''")
    return found


def _cells(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) line indices of the cells between markers (the part before the first marker
    is a cell too)."""
    starts = [0] + [i for i, line in enumerate(lines) if CELL_MARKER.match(line) and i > 0]
    return [(a, b) for a, b in zip(starts, starts[1:] + [len(lines)]) if a < b]


def split(text: str) -> Exported:
    """The snippets to grade from a .py file's text (see the module's docstring)."""
    lines = text.splitlines()
    if _parses(text):  # only nbconvert's get_ipython() lines can be IPython here
        magic = [i for i, line in enumerate(lines) if line.startswith("get_ipython()")]
        whole = "\n".join("" if i in magic else line for i, line in enumerate(lines))
        if magic and _parses(whole):
            return Exported([Snippet(whole)], magic)
        return Exported([Snippet(text)], [])
    magic = _ipython_lines(lines)
    marked = any(CELL_MARKER.match(line) for line in lines)
    cells = _cells(lines) if marked else [(0, len(lines))]
    cleaned = list(lines)
    for index in magic:
        line = lines[index]
        indent = line[: len(line) - len(line.lstrip())]
        cleaned[index] = f"{indent}pass" if indent else ""
    if marked:
        for start, end in cells:
            first = next(
                (
                    i
                    for i in range(start, end)
                    if lines[i].strip() and not lines[i].lstrip().startswith("#")
                ),
                None,
            )
            if first is not None and lines[first].lstrip().startswith("%%"):
                magic += [i for i in range(first + 1, end) if lines[i].strip()]
                cleaned[start:end] = [""] * (end - start)
    whole = "\n".join(cleaned)
    if not marked or _parses(whole):
        return Exported([Snippet(whole)], sorted(set(magic)))
    snippets = [Snippet("\n" * start + "\n".join(cleaned[start:end])) for start, end in cells]
    return Exported([s for s in snippets if s.text.strip()], sorted(set(magic)))
