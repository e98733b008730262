"""Build the nbgrader source notebooks (source/<assignment>/) from narrative files and solutions/.

Each notebook of the assignment (its `notebooks`) is described by its `narrative/<notebook>.md`
(in the assignment's package): cells separated by directive lines

    %%% md                      a read-only Markdown cell (the text below the line)
    %%% code                    a read-only code cell
    %%% solution FILE NAME...   the student's cell: NAME's definitions copied verbatim from solutions/FILE,
                                with their `### BEGIN/END SOLUTION` regions; for each NAME that is a
                                graded part, a self-check cell follows (`check_<part>`: a read-only,
                                0-point test cell that runs the part's public, data-free checks in the
                                student's kernel via the shipped week2_checks.py; no points)
    %%% tests PART              the autograded cell of PART: points from the hidden suite, and only a
                                `### BEGIN/END HIDDEN TESTS` call into `autograder.notebook`
    %%% answer ID POINTS        a manually graded Markdown answer (the text: a model answer)
    %%% task ID                 a read-only, 0-point task cell holding a `### BEGIN/END MARK SCHEME` rubric

In Markdown cells, `{{points:PART}}` stands for PART's declared points, so the text never restates
a number the declaration holds.

Everything is deterministic (cell ids included), so `check` can demand byte equality with the
committed notebooks. The assignment's `shipped_files` of solutions/ are shipped next to the
notebooks, and so is the self-check file, generated from the public checks (`selfcheck_file.py`).
A part's points are its hidden tests' points, and must equal what the declaration says.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.assignment import Assignment, load
from autograder.release import derived, selfcheck_file

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
DIRECTIVE = re.compile(r"^%%% (md|code|solution|tests|answer|task)\b(.*)$")


@dataclass(frozen=True)
class CellSpec:
    kind: str
    args: tuple[str, ...]
    body: str
    line: int
    """Line of the directive in its narrative file (for error messages)."""


def parse(text: str, origin: str = "<narrative>") -> list[CellSpec]:
    """Narrative text -> cell specs, in order. Text before the first directive is an error."""
    specs: list[CellSpec] = []
    current: tuple[str, tuple[str, ...], int] | None = None
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = DIRECTIVE.match(line)
        if match:
            if current:
                specs.append(CellSpec(*current[:2], "\n".join(body).strip("\n"), current[2]))
            current, body = (match.group(1), tuple(match.group(2).split()), number), []
        elif current is None and line.strip():
            raise ValueError(f"{origin}:{number}: text before the first '%%% <kind>' line")
        else:
            body.append(line)
    if current:
        specs.append(CellSpec(*current[:2], "\n".join(body).strip("\n"), current[2]))
    return specs


class PointsMismatch(ValueError):
    """The hidden suites' points of a part differ from the points its declaration gives it."""


@dataclass(frozen=True)
class SuiteTest:
    """A test of a suite as its source declares it (read with ast: nothing is imported)."""

    name: str
    part: str
    points: float
    """Its `@pytest.mark.points(n)`."""
    training: bool
    """It carries `@pytest.mark.training(...)` (left out of data-free runs)."""


def suite_tests(folder: Path, spec: Assignment | None = None) -> list[SuiteTest]:
    """Every test (a function named '<part>_...') of the suites in folder (its test_*.py)."""
    spec = spec or load()
    found = []
    for path in sorted(Path(folder).glob("test_*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            part = spec.part_of(node.name) if isinstance(node, ast.FunctionDef) else None
            if part is None:
                continue
            marks = [d for d in node.decorator_list if isinstance(d, ast.Call)]
            points = sum(
                float(d.args[0].value)
                for d in marks
                if ast.unparse(d.func).endswith("mark.points")
                and d.args
                and isinstance(d.args[0], ast.Constant)
            )
            training = any(ast.unparse(d.func).endswith("mark.training") for d in marks)
            found.append(SuiteTest(node.name, part, points, training))
    return found


def part_points(spec: Assignment | None = None, hidden_dir: Path | None = None) -> dict[str, float]:
    """Part -> total points of its tests in hidden_dir (default: the hidden suites)."""
    spec = spec or load()
    totals = {part: 0.0 for part in spec.part_names}
    for test in suite_tests(hidden_dir or spec.hidden_dir, spec):
        totals[test.part] += test.points
    return totals


def declared_points(spec: Assignment | None = None) -> dict[str, float]:
    """Part -> its points, as declared; raises PointsMismatch where the hidden suites disagree."""
    spec = spec or load()
    suites = part_points(spec)
    wrong = [
        f"{p.name}: declared {p.points:g}, hidden tests {suites[p.name]:g}"
        for p in spec.parts
        if float(p.points) != suites[p.name]
    ]
    if wrong:
        raise PointsMismatch(
            f"{spec.name}: the hidden suites' points differ from the declaration ({'; '.join(wrong)})"
        )
    return {p.name: float(p.points) for p in spec.parts}


_POINTS = re.compile(r"\{\{points:(\w+)\}\}")


def fill_points(text: str, points: dict[str, float], where: str) -> str:
    """text with each `{{points:PART}}` replaced by PART's points."""

    def one(match: re.Match) -> str:
        part = match.group(1)
        if part not in points:
            raise ValueError(f"{where}: {{{{points:{part}}}}} names no part ({', '.join(points)})")
        return f"{points[part]:g}"

    return _POINTS.sub(one, text)


def definitions(path: Path, names: tuple[str, ...]) -> str:
    """The exact source text of the top-level definitions `names` of a file, in the order given."""
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines()
    found = {}
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in names:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            found[node.name] = "\n".join(lines[start - 1 : node.end_lineno])
    missing = [n for n in names if n not in found]
    if missing:
        raise ValueError(f"{path}: no top-level definition of {', '.join(missing)}")
    return "\n\n\n".join(found[n] for n in names)


def _meta(
    grade_id: str, *, grade=False, solution=False, locked=False, task=False, points=None
) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": task,
    }
    if points is not None:
        meta["points"] = int(points) if float(points).is_integer() else float(points)
    return {"nbgrader": meta}


def tests_source(part: str, points: float) -> str:
    """An autograded cell: the visible line says what is graded; the hidden lines only call the package."""
    return (
        f"# 自动评分 (autograded)：{part}，{points:g} 分。隐藏测试在提交后由评分程序运行 (hidden tests run when grading).\n"
        "### BEGIN HIDDEN TESTS\n"
        "from autograder.notebook import grade_part  # needs this repository installed in the kernel: see README\n"
        f'grade_part("{part}")\n'
        "### END HIDDEN TESTS"
    )


def check_source(part: str) -> str:
    """A self-check cell: the part's public checks in the student's kernel (no points, never raises)."""
    module = selfcheck_file.file_name().removesuffix(".py")
    return (
        f"# 自查 (self-check)：运行 {part} 的公开检查，不计分、不训练，几秒钟；提示与 `python -m autograder check` 相同。\n"
        f"# 先运行上面的单元格。需要本 notebook 所在文件夹中的 {module}.py（Colab：把它上传到 /content）。\n"
        "try:\n"
        f"    import {module}\n"
        "except ImportError as error:\n"
        "    import sys\n"
        f"    print(f'✗ 自查无法运行：找不到 {module}.py，请把它放在本 notebook 所在的文件夹 '\n"
        f"          f'(cannot import {module}: {{error}})', file=sys.stderr)\n"
        "else:\n"
        f"    {module}.check('{part}', globals())"
    )


def build(
    name: str,
    solutions: Path,
    narrative_dir: Path | None = None,
    points: dict[str, float] | None = None,
    assignment: Assignment | None = None,
) -> nbformat.NotebookNode:
    """The source notebook `name` (one of the assignment's notebooks)."""
    assignment = assignment or load()
    parts = assignment.part_names
    path = Path(narrative_dir or assignment.narrative_dir) / f"{name}.md"
    points = declared_points(assignment) if points is None else points
    v4 = nbformat.v4
    cells = []
    for index, spec in enumerate(parse(path.read_text(encoding="utf-8"), str(path)), start=1):
        where = f"{path}:{spec.line}"
        auto_id = f"{name}-{index:02d}"
        if spec.kind == "md":
            text = fill_points(spec.body, points, where)
            cells.append(
                v4.new_markdown_cell(text, id=auto_id, metadata=_meta(auto_id, locked=True))
            )
        elif spec.kind == "code":
            cells.append(
                v4.new_code_cell(spec.body, id=auto_id, metadata=_meta(auto_id, locked=True))
            )
        elif spec.kind == "solution":
            if len(spec.args) < 2 or spec.body:
                raise ValueError(f"{where}: use '%%% solution FILE NAME...' with no text below it")
            source = definitions(Path(solutions) / spec.args[0], spec.args[1:])
            cells.append(
                v4.new_code_cell(
                    source, id=spec.args[1], metadata=_meta(spec.args[1], solution=True)
                )
            )
            for part in (n for n in spec.args[1:] if n in parts):
                cells.append(
                    v4.new_code_cell(
                        check_source(part),
                        id=f"check_{part}",
                        metadata=_meta(f"check_{part}", grade=True, locked=True, points=0),
                    )
                )
        elif spec.kind == "tests":
            if len(spec.args) != 1 or spec.args[0] not in parts or spec.body:
                raise ValueError(
                    f"{where}: use '%%% tests PART' (PART one of {', '.join(parts)}) with no text below"
                )
            part = spec.args[0]
            cells.append(
                v4.new_code_cell(
                    tests_source(part, points[part]),
                    id=f"test_{part}",
                    metadata=_meta(f"test_{part}", grade=True, locked=True, points=points[part]),
                )
            )
        elif spec.kind == "answer":
            if len(spec.args) != 2:
                raise ValueError(f"{where}: use '%%% answer ID POINTS'")
            cells.append(
                v4.new_markdown_cell(
                    spec.body,
                    id=spec.args[0],
                    metadata=_meta(
                        spec.args[0], grade=True, solution=True, points=float(spec.args[1])
                    ),
                )
            )
        else:  # task
            if len(spec.args) != 1 or "### BEGIN MARK SCHEME" not in spec.body:
                raise ValueError(
                    f"{where}: use '%%% task ID' followed by text with a ### BEGIN MARK SCHEME region"
                )
            cells.append(
                v4.new_markdown_cell(
                    spec.body,
                    id=spec.args[0],
                    metadata=_meta(spec.args[0], locked=True, task=True, points=0),
                )
            )
    nb = v4.new_notebook(
        cells=cells, metadata={"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    )
    nbformat.validate(nb)
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def derive(
    solutions: Path | None = None, narrative_dir: Path | None = None, spec: Assignment | None = None
) -> dict[str, str]:
    """File name -> text of every file of the assignment's source folder."""
    spec = spec or load()
    solutions = Path(solutions or spec.solutions_dir)
    points = declared_points(spec)
    files = {
        f"{name}.ipynb": render(build(name, solutions, narrative_dir, points, spec))
        for name in spec.notebooks
    }
    files.update(
        {name: (solutions / name).read_text(encoding="utf-8") for name in spec.shipped_files}
    )
    files[selfcheck_file.file_name()] = selfcheck_file.render()
    return files


def write(solutions: Path, source: Path, spec: Assignment | None = None) -> list[Path]:
    return derived.write(derive(solutions, spec=spec), source)


def check(solutions: Path, source: Path, spec: Assignment | None = None) -> list[str]:
    """Differences between the committed source folder and what the builder gives (empty: in sync)."""
    return derived.drift(
        derive(solutions, spec=spec),
        source,
        patterns=("*.ipynb", "*.py"),  # not run outputs
        extra="not built from solutions/ or narrative/",
        origin=lambda name: (
            f"generated from the engine's public checks ({name})"
            if name == selfcheck_file.file_name()
            else f"built from narrative/ and solutions/ ({name})"
        ),
    )
