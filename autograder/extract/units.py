"""Code snippets -> top-level units (imports, defs, classes, simple constants), by AST only.

Top-level training loops, plotting and downloads are never executed: only the statements kept here
are. When a name is defined more than once, the last definition wins, as when a notebook runs top
to bottom. closure(names) gives the units a part needs, so each part runs only its own code.
"""

from __future__ import annotations
import __future__

import ast
import builtins
import hashlib
import importlib.util
from dataclasses import dataclass, field

from autograder.extract.collect import Source

# Calls allowed in a "simple constant" assignment: the handout's device idiom and plain conversions.
_SAFE_CALLS = {
    "torch.device",
    "torch.cuda.is_available",
    "range",
    "tuple",
    "list",
    "dict",
    "len",
    "int",
    "float",
    "str",
    "bool",
}
_CONST_NODES = (
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Attribute,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Dict,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Subscript,
    ast.Slice,
    ast.operator,
    ast.unaryop,
    ast.boolop,
    ast.cmpop,
    ast.Call,
    ast.keyword,
    ast.Starred,
)
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class Unit:
    """One top-level statement that the sandbox will execute."""

    kind: str
    """'import', 'def', 'class' or 'const'."""
    names: tuple[str, ...]
    """Names this unit binds at module level."""
    refs: frozenset[str]
    """Global names it may read (over-approximated: every Name it loads, minus builtins)."""
    source: str
    """The statement's exact source text."""
    origin: str
    """File (and cell) it came from, used as the filename in tracebacks."""
    lineno: int
    """Line of the statement in its origin, so tracebacks point at the student's line."""
    flags: int = 0
    """Compiler flags (from __future__ imports of its file)."""

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "names": list(self.names),
            "source": self.source,
            "origin": self.origin,
            "lineno": self.lineno,
            "flags": self.flags,
        }


@dataclass(frozen=True)
class Extracted:
    """What a submission defines, after parsing."""

    units: tuple[Unit, ...]
    notes: list[str] = field(default_factory=list)
    """Messages for the student (syntax errors, unreadable files, skipped code)."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Name -> origin:line of top-level assignments that were not executed (for NameError hints)."""
    unread: tuple[str, ...] = ()
    """Notes of code that was not read or did not parse: every check that then misses a
    definition repeats them, so "not defined" never hides the cause."""
    star_imports: tuple[tuple[str, str], ...] = ()
    """(module, origin:line) of `from module import *` lines skipped because the module was not
    handed in: the likely source of a NameError."""

    def defines(self, name: str) -> bool:
        return any(name in u.names for u in self.units)

    def closure(self, names) -> tuple[Unit, ...]:
        """The units needed to define names, transitively through their references.

        Dependencies come first (a class body needs its base's import before it runs), file order
        breaks ties; cycles are harmless because function bodies resolve names only when called.
        """
        owner: dict[str, Unit] = {}
        position = {id(u): i for i, u in enumerate(self.units)}
        for unit in self.units:
            for name in unit.names:
                owner[name] = unit
        order: list[Unit] = []
        seen: set[int] = set()

        def visit(unit: Unit) -> None:
            seen.add(id(unit))
            deps = sorted(
                {owner[r] for r in unit.refs if r in owner} - {unit}, key=lambda u: position[id(u)]
            )
            for dep in deps:
                if id(dep) not in seen:
                    visit(dep)
            order.append(unit)

        # Star imports may bind anything a unit reads, so every closure starts with them.
        roots = [u for u in self.units if any(n.startswith("*") for n in u.names)]
        roots += [owner[n] for n in names if n in owner]
        for unit in roots:
            if id(unit) not in seen:
                visit(unit)
        return tuple(order)

    @staticmethod
    def digest(units) -> str:
        """Content hash of some units: equal code, equal digest (origins do not count)."""
        h = hashlib.sha256()
        for u in units:
            h.update(f"{u.kind}|{u.flags}|{u.source}\0".encode())
        return h.hexdigest()


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _is_simple_constant(value: ast.AST) -> bool:
    for node in ast.walk(value):
        if not isinstance(node, _CONST_NODES):
            return False
        if isinstance(node, ast.Call) and _dotted(node.func) not in _SAFE_CALLS:
            return False
    return True


def _target_names(targets) -> list[str] | None:
    names = []
    for target in targets:
        elts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
        for elt in elts:
            if not isinstance(elt, ast.Name):
                return None
            names.append(elt.id)
    return names


def _loaded_names(node: ast.AST) -> frozenset[str]:
    return (
        frozenset(
            n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
        )
        - _BUILTINS
    )


def _is_main_guard(node: ast.stmt) -> bool:
    test = getattr(node, "test", None)
    return (
        isinstance(node, ast.If)
        and isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
    )


def _classify(node: ast.stmt, sibling_modules: set[str]) -> tuple[str, list[str]] | str:
    """(kind, names) for a kept statement, or a short reason why it is skipped."""
    if isinstance(node, ast.Import):
        kept = [a for a in node.names if a.name.split(".")[0] not in sibling_modules]
        if not kept:
            return "sibling"
        node.names = kept
        return "import", [(a.asname or a.name.split(".")[0]) for a in kept]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return "relative import"
        if node.module and node.module.split(".")[0] in sibling_modules:
            return "sibling"
        if node.module == "__future__":
            return "future"
        if any(a.name == "*" for a in node.names):
            return (
                ("import", ["*" + (node.module or "")])
                if _importable(node.module)
                else "missing star import"
            )
        return "import", [a.asname or a.name for a in node.names]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return ("class" if isinstance(node, ast.ClassDef) else "def"), [node.name]
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = _target_names(targets)
        if names and _is_simple_constant(node.value):
            return "const", names
        return "assignment"
    if _is_main_guard(node):
        return "main"
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return "docstring"
    return "statement"


def _importable(module: str | None) -> bool:
    """Whether the grader's Python can find a module (not imported: nothing runs here)."""
    try:
        return bool(module) and importlib.util.find_spec(module.split(".")[0]) is not None
    except (ImportError, ValueError):
        return False


def _future_flags(tree: ast.Module) -> int:
    flags = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for alias in node.names:
                feature = getattr(__future__, alias.name, None)
                flags |= feature.compiler_flag if feature else 0
    return flags


def extract(sources: list[Source]) -> Extracted:
    """Parse every snippet; keep imports, defs, classes and simple constants; last definition wins."""
    sibling_modules = {s.module for s in sources if not s.origin.endswith("]")}
    units: list[Unit] = []
    notes: list[str] = []
    skipped: dict[str, str] = {}
    skipped_lines: dict[str, list[int]] = {}
    unread: list[str] = []
    star_imports: list[tuple[str, str]] = []
    for src in sources:
        try:
            tree = ast.parse(src.text, filename=src.origin)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            notes.append(
                f"{src.origin}: 语法错误，这部分代码未被评分 (SyntaxError{f' line {line}' if line else ''}: "
                f"{getattr(exc, 'msg', exc)})"
            )
            unread.append(notes[-1])
            continue
        flags = _future_flags(tree)
        for node in tree.body:
            kind = _classify(node, sibling_modules)
            if isinstance(kind, str):
                if kind in ("assignment", "statement"):
                    skipped_lines.setdefault(src.origin, []).append(node.lineno)
                    if kind == "assignment":
                        for t in getattr(node, "targets", [getattr(node, "target", None)]):
                            for n in ast.walk(t) if t is not None else []:
                                if isinstance(n, ast.Name):
                                    skipped[n.id] = f"{src.origin}:{node.lineno}"
                elif kind == "relative import":
                    notes.append(
                        f"{src.origin}:{node.lineno}: 不支持相对导入，已忽略 (relative import ignored)"
                    )
                elif kind == "missing star import":
                    star_imports.append((node.module, f"{src.origin}:{node.lineno}"))
                    notes.append(
                        f"{src.origin}:{node.lineno}: 模块 {node.module} 没有随作业提交，"
                        f"from {node.module} import * 已跳过 (star import of a module that was not "
                        f"handed in: skipped)"
                    )
                if kind in ("statement", "main"):
                    for name, line in _bound_inside(node):
                        skipped.setdefault(name, f"{src.origin}:{line}")
                continue
            unit_kind, names = kind
            text = ast.get_source_segment(src.text, node, padded=False) or ast.unparse(node)
            if (
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and node.decorator_list
            ):
                first = node.decorator_list[0].lineno
                text = "\n".join(src.text.splitlines()[first - 1 : node.end_lineno])
                lineno = first
            else:
                lineno = node.lineno
            if unit_kind == "import":
                text = ast.unparse(node)
            refs = frozenset() if unit_kind == "import" else _loaded_names(node)
            units.append(Unit(unit_kind, tuple(names), refs, text, src.origin, lineno, flags))
            for name in names:
                skipped.pop(name, None)
    for origin, lines in skipped_lines.items():
        shown = ", ".join(map(str, lines[:8])) + (" …" if len(lines) > 8 else "")
        notes.append(
            f"{origin}: 第 {shown} 行的顶层语句（训练、绘图、下载等）不会被评分程序执行 "
            f"(top-level statements not executed by the grader)"
        )
    return Extracted(
        units=_last_wins(units),
        notes=notes,
        skipped=skipped,
        unread=tuple(unread),
        star_imports=tuple(star_imports),
    )


def _bound_inside(node: ast.AST):
    """(name, line) for what a skipped compound statement (if/for/with/try, the main guard) would
    bind, in source order: assignments and definitions anywhere inside it, not inside its functions
    or classes. Kept in Extracted.skipped for hints ("device is set inside an if the grader skips")."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield child.name, child.lineno
            continue
        if isinstance(child, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.withitem)):
            targets = getattr(child, "targets", None) or [
                getattr(child, "target", None) or child.optional_vars
            ]
            for target in targets:
                for n in ast.walk(target) if target is not None else ():
                    if isinstance(n, ast.Name):
                        yield n.id, getattr(child, "lineno", None) or node.lineno
        yield from _bound_inside(child)


def _last_wins(units: list[Unit]) -> tuple[Unit, ...]:
    """Drop units all of whose names are redefined later (star imports always stay)."""
    last = {}
    for index, unit in enumerate(units):
        for name in unit.names:
            last[name] = index
    return tuple(
        u for i, u in enumerate(units) if any(last[n] == i or n.startswith("*") for n in u.names)
    )
