"""Derive the student stubs (assignments/) from the reference solutions (solutions/).

Each `### BEGIN SOLUTION` ... `### END SOLUTION` region (nbgrader's markers, inside the fenced
"your code" region) becomes one `raise NotImplementedError(...)` naming the function to complete.
Files without solution regions are copied as they are. `check` reports any drift.
"""

from __future__ import annotations

import ast
from pathlib import Path

from autograder.release import derived

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def _function_at(tree: ast.Module, line: int) -> str:
    """Qualified name of the innermost function containing line ('Model.__init__')."""
    best = ""

    def walk(node, prefix):
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if child.lineno <= line <= child.end_lineno:
                    if not isinstance(child, ast.ClassDef):
                        best = name
                    walk(child, name + ".")

    walk(tree, "")
    return best or "这一部分"


def strip_solutions(text: str) -> str:
    """The stub for one solution file."""
    tree = ast.parse(text)
    out, inside = [], False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"line {number}: nested {BEGIN}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            where = _function_at(tree, number)
            out.append(
                f'{indent}raise NotImplementedError("请完成 {where}：在 START/END OF YOUR CODE 之间补全代码 '
                f'(not implemented yet: complete {where})")\n'
            )
        elif stripped == END:
            if not inside:
                raise ValueError(f"line {number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"missing {END}")
    return "".join(out)


def derive(solutions: Path) -> dict[str, str]:
    """File name -> stub text, for every .py file of the solutions folder."""
    return {
        p.name: strip_solutions(p.read_text(encoding="utf-8"))
        if BEGIN in p.read_text(encoding="utf-8")
        else p.read_text(encoding="utf-8")
        for p in sorted(Path(solutions).glob("*.py"))
    }


def write(solutions: Path, assignments: Path) -> list[Path]:
    return derived.write(derive(solutions), assignments)


def check(solutions: Path, assignments: Path) -> list[str]:
    """Differences between the committed stubs and what derivation gives (empty: in sync)."""
    return derived.drift(
        derive(solutions),
        assignments,
        patterns=("*.py",),
        extra="not derived from any solution file",
        origin=lambda name: f"derived from solutions/{name}",
    )
