"""What a submission's code says about its definitions, by AST only, as plain data for hints.

definition_facts(extracted) reads the kept units (and the names of top-level statements that were
not kept) and returns a JSON-safe dict that suites/hints.py turns into advice:

* "classes" / "functions": the top-level definitions (where, the constructor's or function's
  parameters, whether __init__ calls a parent constructor, whether forward returns a value);
* "nested": classes and functions defined inside another class or function (an indentation slip
  turns `class B` into A.B), by name;
* "locals": names assigned only inside a function (e.g. `device` in main()), by name;
* "skipped": names bound by top-level statements the grader does not run (Extracted.skipped);
* "unread": notes of files or cells whose code was not read or did not parse (Extracted.unread);
* "star_imports": `from module import *` lines skipped because the module was not handed in.

Standard library only: no student code runs here.
"""

from __future__ import annotations

import ast

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _params(fn: ast.AST, drop_self: bool) -> list[str]:
    """Parameter list as written (defaults, *args, **kwargs), without self for methods."""
    args = fn.args
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    shown = [
        a.arg + (f"={ast.unparse(d)}" if d is not None else "")
        for a, d in zip(positional, defaults)
    ]
    if drop_self and shown:
        shown = shown[1:]
    if args.vararg:
        shown.append("*" + args.vararg.arg)
    shown += [
        a.arg + (f"={ast.unparse(d)}" if d is not None else "")
        for a, d in zip(args.kwonlyargs, args.kw_defaults)
    ]
    if args.kwarg:
        shown.append("**" + args.kwarg.arg)
    return shown


def _own_nodes(fn: ast.AST):
    """Nodes of a function body, not descending into nested functions or classes."""
    stack = list(fn.body)
    while stack:
        node = stack.pop()
        yield node
        stack.extend(
            child
            for child in ast.iter_child_nodes(node)
            if not isinstance(child, _DEFS + (ast.Lambda,))
        )


def _calls_parent_init(fn: ast.AST) -> bool:
    """super().__init__(), super(C, self).__init__() or Base.__init__(self) anywhere in the body."""
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "__init__"
        for n in _own_nodes(fn)
    )


def _returns_value(fn: ast.AST) -> bool:
    return any(isinstance(n, ast.Return) and n.value is not None for n in _own_nodes(fn))


def _class_facts(node: ast.ClassDef, where: dict, line) -> dict:
    methods = {
        m.name: m for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    info = {**where, "bases": [ast.unparse(b) for b in node.bases]}
    init, forward = methods.get("__init__"), methods.get("forward")
    if init is not None:
        info.update(
            init_params=_params(init, drop_self=True),
            init_line=line(init),
            calls_parent_init=_calls_parent_init(init),
        )
    if forward is not None:
        info.update(
            forward_params=_params(forward, drop_self=True),
            forward_line=line(forward),
            forward_returns=_returns_value(forward),
        )
    return info


def _walk_nested(node: ast.AST, path: list[str], origin: str, line, facts: dict) -> None:
    """Record definitions and function-local assignments below a top-level definition."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, _DEFS):
            kind = "class" if isinstance(child, ast.ClassDef) else "def"
            facts["nested"].setdefault(child.name, []).append(
                {"kind": kind, "inside": ".".join(path), "origin": origin, "line": line(child)}
            )
            _walk_nested(child, path + [child.name], origin, line, facts)
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and isinstance(
            child, (ast.Assign, ast.AnnAssign)
        ):
            targets = child.targets if isinstance(child, ast.Assign) else [child.target]
            for target in targets:
                for n in ast.walk(target):
                    if isinstance(n, ast.Name):
                        facts["locals"].setdefault(n.id, []).append(
                            {"inside": ".".join(path), "origin": origin, "line": line(child)}
                        )
        _walk_nested(child, path, origin, line, facts)


def _split_origin(text: str) -> dict:
    origin, _, line = text.rpartition(":")
    return (
        {"origin": origin, "line": int(line)} if line.isdigit() else {"origin": text, "line": None}
    )


def definition_facts(extracted) -> dict:
    """Facts about an Extracted submission (see the module's docstring). Never raises on odd code."""
    facts: dict = {
        "classes": {},
        "functions": {},
        "nested": {},
        "locals": {},
        "skipped": {},
        "unread": list(getattr(extracted, "unread", ())),
        "star_imports": [
            {"module": module, **_split_origin(place)}
            for module, place in getattr(extracted, "star_imports", ())
        ],
    }
    for unit in extracted.units:
        if unit.kind not in ("class", "def"):
            continue
        try:
            tree = ast.parse(unit.source)
        except (SyntaxError, ValueError):
            continue
        node = next((n for n in tree.body if isinstance(n, _DEFS)), None)
        if node is None:
            continue

        def line(n, offset=unit.lineno - 1):  # the unit's text starts at its first line in origin
            return n.lineno + offset

        where = {"origin": unit.origin, "line": line(node)}
        if isinstance(node, ast.ClassDef):
            facts["classes"][node.name] = _class_facts(node, where, line)
        else:
            facts["functions"][node.name] = {**where, "params": _params(node, drop_self=False)}
        _walk_nested(node, [node.name], unit.origin, line, facts)
    for name, place in getattr(extracted, "skipped", {}).items():
        facts["skipped"][name] = _split_origin(place)
    return facts
