"""A normalised form of the code that decides a result, for keys of memoised measurements.

Students copy the handout's classes and change comments, blank lines, quotes and spacing; the same
behaviour should be trained once, not once per text. code_key(units) hashes what Python executes:

* each unit's syntax tree (ast.dump without line/column attributes): comments, blank lines,
  spacing, line breaks, parentheses, quote style and escapes are gone; constants are kept by
  value (1 vs 1.0 vs True differ, "a" 'a' and "\\x61" do not);
* without docstrings: a string constant that is the first statement of a class or function body
  (what `python -OO` drops). Every other string constant is kept;
* the closure's units in a canonical order: independent definitions are sorted by their normal
  form; two units whose order could matter (one binds a name the other mentions, both bind a
  name, or either runs code with effects when defined) keep their relative order. Statements
  inside a body are never reordered;
* identifiers are left alone: renaming a local changes the key (safe renaming would need a
  scope analysis that locals(), eval, keyword arguments and name mangling all defeat).

Code that can see what this removes (its own source, docstrings, line numbers or frames:
inspect, __doc__, __code__, tracebacks, torch.jit, getattr with a computed name...) is keyed by
its exact text, origin and line instead. Nothing here runs student code.
"""

from __future__ import annotations

import ast
import hashlib
import heapq
import sys
from dataclasses import dataclass
from functools import lru_cache

from autograder.extract.units import _is_simple_constant

SCHEME = "normal-v1"
"""Part of every key: bump when the normal form changes, so entries made by another form are unused."""

INTROSPECTIVE = frozenset(
    {
        # source text, comments, docstrings
        "inspect",
        "linecache",
        "tokenize",
        "pydoc",
        "help",
        "__doc__",
        "getdoc",
        "getsource",
        "getsourcelines",
        "getcomments",
        "findsource",
        "jit",
        # line numbers, frames, code objects
        "traceback",
        "warnings",
        "__code__",
        "f_code",
        "f_lineno",
        "f_back",
        "tb_lineno",
        "tb_frame",
        "__traceback__",
        "co_firstlineno",
        "co_lines",
        "co_positions",
        "co_lnotab",
        "co_linetable",
        "co_consts",
        "currentframe",
        "_getframe",
        "exc_info",
        "exception",
        "last_traceback",
        "__firstlineno__",
        "__annotations__",
        "gi_frame",
        "gi_code",
        "cr_frame",
        "cr_code",
        "f_locals",
        "f_globals",
        "getline",
        "getlines",
        # reaching any of those by a computed name, or evaluating text
        "__getattribute__",
        "__dict__",
        "vars",
        "globals",
        "locals",
        "eval",
        "exec",
        "compile",
        "__builtins__",
        "__import__",
        "importlib",
        "modules",
        "attrgetter",
        "__file__",
        "__loader__",
        "__spec__",
        "open",
        "dis",
        "gc",
        "ctypes",
        "marshal",
    }
)
"""Names and attributes through which code may observe comments, docstrings, line numbers or order."""

_PURE_MODULES = frozenset({"torch", "numpy"}) | frozenset(sys.stdlib_module_names)
"""Importing these (and their submodules) changes no other module's behaviour: import order is free."""


@dataclass(frozen=True)
class _Form:
    text: str
    """kind|flags|ast.dump of the unit without docstrings or positions."""
    binds: frozenset
    mentions: frozenset
    """Every name the unit reads or binds (Name nodes in any context, global/nonlocal; builtins too)."""
    barrier: bool
    """Runs code with possible effects when defined (or binds unknown names): never reordered."""
    introspective: bool


def code_key(units) -> str:
    """Key of the code of some units (a closure): equal for cosmetic variants, different as soon
    as anything that can change behaviour differs."""
    units = tuple(units)
    forms = [_form(u) for u in units]
    h = hashlib.sha256(f"{SCHEME}\0".encode())
    if any(f.introspective for f in forms):
        h.update(b"exact\0")
        for u in units:
            h.update(f"{u.kind}|{u.flags}|{u.origin}|{u.lineno}|{u.source}\0".encode())
        return h.hexdigest()
    for form in _canonical_order(forms):
        h.update(f"{form.text}\0".encode())
    return h.hexdigest()


def normal_text(unit) -> str:
    """The normal form of one unit (shown in tests and when debugging a cache miss)."""
    return _form(unit).text


@lru_cache(maxsize=4096)
def _form(unit) -> _Form:
    try:
        tree = ast.parse(unit.source)
    except (SyntaxError, ValueError):  # cannot happen for an extracted unit; never share if it does
        return _Form(
            f"raw|{unit.kind}|{unit.flags}|{unit.source}",
            frozenset(unit.names),
            frozenset(),
            True,
            True,
        )
    _strip(tree)
    mentions = frozenset(_mentions(tree))
    introspective = _introspective(tree, mentions)
    text = f"{unit.kind}|{unit.flags}|{ast.dump(tree, include_attributes=False)}"
    return _Form(text, frozenset(unit.names), mentions, _has_effects(tree), introspective)


def _strip(tree: ast.AST) -> None:
    """Remove docstrings (first statement of a class/function body) and the u-prefix marker."""
    for node in ast.walk(tree):
        if isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        ) and _is_docstring(node.body[0]):
            node.body = node.body[1:]
        elif isinstance(node, ast.Constant):
            node.kind = None


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _mentions(tree: ast.AST):
    """Every global name the unit could read or bind: Name nodes in any context, global/nonlocal."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            yield from node.names


def _introspective(tree: ast.AST, mentions: frozenset) -> bool:
    """Whether the unit names anything through which it could see what the normal form drops."""
    words = set(mentions)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            words.add(node.attr)
        elif isinstance(node, ast.alias):
            words.update(node.name.split("."))
        elif isinstance(node, ast.ImportFrom) and node.module:
            words.update(node.module.split("."))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.add(node.value)  # getattr(obj, "__doc__"), importlib.import_module("inspect")
    return bool(words & INTROSPECTIVE) or _computed_attribute(tree)


def _computed_attribute(tree: ast.AST) -> bool:
    """getattr/setattr/hasattr/delattr with a name that is not a literal (or an f-string that
    starts with a letter): it could reach __doc__ or __code__."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
        ):
            name = node.args[1] if len(node.args) > 1 else None
            literal = isinstance(name, ast.Constant) and isinstance(name.value, str)
            prefixed = (
                isinstance(name, ast.JoinedStr)
                and name.values
                and isinstance(name.values[0], ast.Constant)
                and str(name.values[0].value)[:1].isalpha()
            )
            if not (literal or prefixed):
                return True
    return False


def _has_effects(tree: ast.Module) -> bool:
    """Whether defining the unit may run code with effects another unit could see."""
    return any(not _pure_statement(stmt) for stmt in tree.body)


def _pure_statement(stmt: ast.stmt, in_class: bool = False) -> bool:
    if isinstance(stmt, ast.Import):
        return all(_pure_module(a.name) for a in stmt.names)
    if isinstance(stmt, ast.ImportFrom):
        return (
            not in_class
            and stmt.level == 0
            and _pure_module(stmt.module or "")
            and all(a.name != "*" for a in stmt.names)
        )
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        a = stmt.args
        evaluated = [
            *stmt.decorator_list,
            *a.defaults,
            *(d for d in a.kw_defaults if d is not None),
            stmt.returns,
            *(
                arg.annotation
                for arg in (*a.posonlyargs, *a.args, a.vararg, *a.kwonlyargs, a.kwarg)
                if arg is not None
            ),
        ]
        return all(_is_simple_constant(e) for e in evaluated if e is not None)
    if isinstance(stmt, ast.ClassDef):
        return all(
            _is_simple_constant(e) for e in (*stmt.decorator_list, *stmt.bases, *stmt.keywords)
        ) and all(_pure_statement(s, in_class=True) for s in stmt.body)
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        simple = all(
            isinstance(n, ast.Name)
            for t in targets
            for n in (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t])
        )
        annotation = getattr(stmt, "annotation", None)
        return (
            simple
            and (stmt.value is None or _is_simple_constant(stmt.value))
            and (annotation is None or _is_simple_constant(annotation))
        )
    if isinstance(stmt, ast.Expr):
        return in_class and isinstance(stmt.value, ast.Constant)
    return isinstance(stmt, ast.Pass)


def _pure_module(name: str) -> bool:
    return name.split(".")[0] in _PURE_MODULES


def _canonical_order(forms: list[_Form]) -> list[_Form]:
    """The forms in the order that sorts independent units by text and keeps the relative order
    of every pair that may depend on each other (Kahn's algorithm, smallest text first)."""
    n = len(forms)
    after = [[] for _ in range(n)]
    waiting = [0] * n
    for j in range(n):
        for i in range(j):
            if _ordered(forms[i], forms[j]):
                after[i].append(j)
                waiting[j] += 1
    ready = [(forms[i].text, i) for i in range(n) if waiting[i] == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        _, i = heapq.heappop(ready)
        out.append(forms[i])
        for j in after[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, (forms[j].text, j))
    return out


def _ordered(a: _Form, b: _Form) -> bool:
    """Whether executing a and b in the other order could behave differently."""
    return (
        a.barrier
        or b.barrier
        or bool(a.binds & b.binds)
        or bool(a.binds & b.mentions)
        or bool(b.binds & a.mentions)
    )
