"""Build the self-check file (its name declared by the assignment, e.g. `week2_checks.py`), shipped
next to the notebooks for their self-check cells.

It holds the engine modules that `autograder.public.selfcheck` needs (its checks and messages, the
sandbox's measurement ops, the Submission methods) and the current assignment's public suite and
hints module (named by its declaration, autograder/assignment.py), copied as they are: only their
`autograder` imports are renamed to a private package (`_week2_checks_engine`), so an installed
engine in the same kernel is never shadowed, and `import pytest` points at a small stand-in for the
markers (pytest_standin.py). The modules are kept as text and imported from it by the loader
(selfcheck_loader.py, shipped as it is at the top of the file) when `check()` is first called; the
loader registers the assignment's public suite and hints module with the entry point
(`selfcheck.use`) before the first check.

The shipped set is closed: `modules()` refuses a copied module that imports, at module level, an
engine module that is not copied, and names the chain of imports that led there. Imports inside
functions (the grader's training path) and under `if TYPE_CHECKING:` never run in the self-check and
are not followed unless they name a copied module; there are no exceptions (no stand-ins for
uncopied modules). The vendoring rules are stated in selfcheck_loader.py's docstring.

The hidden suites are never copied: the build refuses a dependency on anything under a `hidden`
folder (any assignment's hidden suites). Nor is the assignment's package itself: its __init__
imports the grader's side (training checks, broken variants, feedback plots). The file
is part of `notebooks.derive`, so `python -m autograder notebooks --check` reports drift whenever
an engine module it copies changes.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from autograder import assignment as assignments
from autograder.release import selfcheck_loader

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def file_name() -> str:
    """The shipped file's name, as the assignment declares it (e.g. 'week2_checks.py')."""
    return assignments.load().selfcheck_file


def private() -> str:
    """The private package the shipped modules live in, e.g. '_week2_checks_engine'."""
    return f"_{file_name().removesuffix('.py')}_engine"


ENTRY = selfcheck_loader._ENTRY
TOKEN = '"__PACKAGE__"'
"""The one text of selfcheck_loader.py replaced at build time: by the private package's name, quoted."""
LOADER = Path(selfcheck_loader.__file__)
STANDIN = LOADER.with_name("pytest_standin.py")
"""Shipped as the private package's `_pytest_markers`, for the copied modules' `import pytest`."""
COPIED = ("suites.", "public.", "sandbox.ops", "sandbox.errors")
"""Engine modules (relative to `autograder`) copied into the file when the entry point needs them;
so are the current assignment's modules (its package's, but for its __init__) that its public suite
and hints module, the other roots of the file, need."""
NEVER = ("suites.plugin", "suites.runner")
"""Never copied, even if something imports them: pytest's own machinery."""
HIDDEN = "hidden"
"""Nothing under a folder of this name is ever copied, wherever it is: any assignment's hidden suites."""


@dataclass(frozen=True)
class AssignmentModules:
    """The current assignment's modules that the file carries as roots (relative to `autograder`)."""

    package: str
    """Its package, e.g. 'assignments.week2': the modules under it may be copied (not itself)."""
    hints: str | None
    """Its hints module (Assignment.hints), None where it has none."""
    public: tuple[str, ...]
    """Its public suite: the test_*.py modules of Assignment.public_dir, by name."""


def assignment_modules() -> AssignmentModules:
    """The current assignment's package, hints module and public suite, from its declaration. Only an
    assignment inside the engine package can be shipped (its modules are renamed as the engine's)."""
    spec = assignments.load()
    engine = Path(assignments.__file__).resolve().parent

    outside = f"{file_name()} ships only an assignment inside the engine package ({engine}): {spec.name} has"

    def relative(path: Path) -> str:
        try:
            return ".".join(path.resolve().relative_to(engine).with_suffix("").parts)
        except ValueError:
            raise ValueError(f"{outside} {path}") from None

    hints = None
    if spec.hints is not None:
        if not spec.hints.__name__.startswith("autograder."):
            raise ValueError(f"{outside} the hints module {spec.hints.__name__}")
        hints = spec.hints.__name__.removeprefix("autograder.")
    public = tuple(relative(p) for p in sorted(spec.public_dir.glob("test_*.py")))
    return AssignmentModules(relative(spec.root), hints, public)


class UnshippableImport(ValueError):
    """A copied module imports, at module level, an engine module that the self-check file does not
    carry."""


@dataclass(frozen=True)
class EngineImport:
    module: str
    """The engine module imported (relative to `autograder`)."""
    line: int
    at_import: bool
    """Run when the importing module is imported (module level), not only inside a function."""


def module_path(name: str) -> Path:
    """'suites.checks' -> autograder/suites/checks.py."""
    return PACKAGE_DIR.joinpath(*name.split(".")).with_suffix(".py")


def _is_never(name: str) -> bool:
    return HIDDEN in name.split(".") or any(name == n or name.startswith(n + ".") for n in NEVER)


def _is_copied(name: str, package: str | None = None) -> bool:
    """Whether an engine module is copied (package: the assignment's, whose modules are too)."""
    if _is_never(name):
        raise ValueError(
            f"{file_name()} would need autograder.{name}, which must never be shipped to students"
        )
    prefixes = COPIED + ((package + ".",) if package else ())
    return any(name == c or name.startswith(c) for c in prefixes) and module_path(name).is_file()


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    """Engine modules (relative names) one import statement names, including submodules named in
    `from pkg import mod`."""
    found = []
    if isinstance(node, ast.Import):
        found += [
            a.name[len("autograder.") :] for a in node.names if a.name.startswith("autograder.")
        ]
        if any(a.name == "autograder" for a in node.names):
            raise ValueError("`import autograder` (the whole package) cannot be shipped")
    elif (
        node.module
        and not node.level
        and (node.module == "autograder" or node.module.startswith("autograder."))
    ):
        base = node.module[len("autograder.") :] if node.module != "autograder" else ""
        for alias in node.names:
            sub = f"{base}.{alias.name}" if base else alias.name
            found.append(sub if module_path(sub).is_file() or _is_never(sub) else base)
    return [name for name in found if name]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> list[EngineImport]:
    """The engine imports of a module, each marked with whether it runs at import time; those under
    `if TYPE_CHECKING:` never run and are left out."""
    found = []

    def visit(node: ast.AST, at_import: bool) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.extend(EngineImport(name, node.lineno, at_import) for name in _imported(node))
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, at_import)
            return
        inside = at_import and not isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        )
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(tree, True)
    return found


_IMPORT_LINE = re.compile(r"^(\s*)(from|import)(\s+)autograder\b")


def rename_imports(text: str, origin: str) -> str:
    """The module's text with `autograder` imports renamed to the private package, `import pytest` to
    the markers' stand-in; anything else that imports them is an error (checked on the result)."""
    lines = text.splitlines(keepends=True)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            line = lines[node.lineno - 1]
            if (
                isinstance(node, ast.Import)
                and [a.name for a in node.names] == ["pytest"]
                and node.names[0].asname is None
            ):
                indent = line[: len(line) - len(line.lstrip())]
                lines[node.lineno - 1] = (
                    f"{indent}from {private()} import _pytest_markers as pytest\n"
                )
            else:
                lines[node.lineno - 1] = _IMPORT_LINE.sub(
                    lambda m: f"{m[1]}{m[2]}{m[3]}{private()}", line, count=1
                )
    out = "".join(lines)
    for node in ast.walk(ast.parse(out)):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
        bad = [n for n in names if n.split(".")[0] in ("autograder", "pytest")]
        if bad:
            raise ValueError(
                f"{origin}:{node.lineno}: cannot ship an import of {bad[0]} (rewrite it as one "
                f"`from autograder.x import y` / `import pytest` line)"
            )
    return out


def modules() -> dict[str, str]:
    """Relative module name -> renamed text, for the roots (the entry point, the assignment's hints
    module and public suite) and every engine module they need; refuses any other import that the
    copied set cannot satisfy."""
    shipped = assignment_modules()
    roots = [ENTRY, *([shipped.hints] if shipped.hints else []), *shipped.public]
    for root in roots:
        if _is_never(root):
            raise ValueError(
                f"{file_name()} would ship autograder.{root}, which must never be shipped to students"
            )
    todo, texts, chains = roots[::-1], {}, {root: (root,) for root in roots}
    while todo:
        name = todo.pop()
        if name in texts:
            continue
        path = module_path(name)
        text = path.read_text(encoding="utf-8")
        texts[name] = rename_imports(text, str(path))
        for imp in _imports(ast.parse(text)):
            if _is_copied(imp.module, shipped.package):
                chains.setdefault(imp.module, chains[name] + (imp.module,))
                todo.append(imp.module)
            elif imp.at_import:
                chain = " -> ".join(f"autograder.{n}" for n in chains[name] + (imp.module,))
                raise UnshippableImport(
                    f"{file_name()} cannot ship autograder.{name}: {path.name}:{imp.line} imports "
                    f"autograder.{imp.module} at module level, which the file does not carry (import chain: "
                    f"{chain}). Import it inside the function that uses it (or under `if TYPE_CHECKING:`)."
                )
    texts["_pytest_markers"] = STANDIN.read_text(encoding="utf-8")
    return dict(sorted(texts.items()))


def loader() -> str:
    """selfcheck_loader.py's text with the private package's name in place of its one token."""
    text = LOADER.read_text(encoding="utf-8")
    if text.count(TOKEN) != 1:
        raise ValueError(f"selfcheck_loader.py must hold {TOKEN} exactly once")
    return text.replace(TOKEN, repr(private()).replace("'", '"'))


def _literal(text: str, name: str) -> str:
    """text as a raw triple-quoted literal (readable in the shipped file); refuses what it cannot hold."""
    literal = "r'''" + text + "'''"
    if "'''" in text or text.endswith("\\") or ast.literal_eval(literal) != text:
        raise ValueError(f"{name}: cannot be embedded as a raw ''' string")
    return literal


def registration() -> str:
    """The lines of the file that name the assignment's public suite and hints module for the loader."""
    shipped = assignment_modules()
    return f"\n_PUBLIC = {shipped.public!r}\n_HINTS = {shipped.hints!r}\n"


def render() -> str:
    """The text of the self-check file (file_name())."""
    spec = assignments.load()
    module = file_name().removesuffix(".py")
    header = (
        f'"""{file_name()}：notebook 中“自查”单元格使用的公开检查（不计分，不含隐藏测试）。\n\n'
        f"Self-check for the notebooks of {spec.name}: the public, data-free checks of the grading engine,\n"
        "with the same hints as `python -m autograder check`. Keep this file next to the notebooks (Colab:\n"
        "upload it to the same folder, /content). Needs torch and numpy only. In a notebook cell:\n\n"
        f"    from {module} import check\n"
        f'    check("{spec.parts[0].name}", globals())\n\n'
        "生成文件，请勿修改 (generated by `python -m autograder notebooks` from the grading engine; do not edit).\n"
        '"""\n'
    )
    embedded = [
        f"\n_SOURCES[{name!r}] = {_literal(text, name)}\n" for name, text in modules().items()
    ]
    return header + loader() + "".join(embedded) + registration()
