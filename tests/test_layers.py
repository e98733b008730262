"""The package's layers point one way: no import cycle between its top-level subpackages and
modules (autograder.suites, autograder.machine, ...), and no verb imports another verb (what two
verbs share lives in a lower module). Read from the source with ast, imports inside functions
included, so that a lazy import cannot hide a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import ROOT

PACKAGE = ROOT / "autograder"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(module: str, root: Path) -> bool:
    path = root.joinpath(*module.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """The autograder modules a file imports, anywhere in it; `from autograder.x import y` counts
    autograder.x.y too where y is a module, and relative imports are resolved."""
    name, is_package = module_name(path, root), path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")[: None if is_package else -1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found |= {
                f"{target}.{alias.name}"
                for alias in node.names
                if _exists(f"{target}.{alias.name}", root)
            }
    return {m for m in found if m.startswith("autograder.")}


def layer(module: str) -> str:
    """autograder.suites.runner -> autograder.suites; autograder.machine -> autograder.machine."""
    return ".".join(module.split(".")[:2])


def package_imports() -> dict[str, set[str]]:
    """Every module of the package -> the autograder modules it imports."""
    return {
        module_name(p): imported_modules(p)
        for p in sorted(PACKAGE.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def layer_edges(imports: dict[str, set[str]]) -> dict[tuple[str, str], list[str]]:
    """(importing layer, imported layer) -> the imports that make that edge."""
    edges: dict[tuple[str, str], list[str]] = {}
    for module, targets in imports.items():
        for target in sorted(targets):
            a, b = layer(module), layer(target)
            if a != b:
                edges.setdefault((a, b), []).append(f"{module} imports {target}")
    return edges


def cycles(edges) -> list[list[str]]:
    """The strongly connected components of more than one layer (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_reader_sees_every_kind_of_import(tmp_path):
    """Plain, from, relative and function-local imports all count (a lazy import is still an edge)."""
    package = tmp_path / "autograder"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "machine.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from . import inner\n")
    (package / "sub" / "inner.py").write_text("")
    (package / "sub" / "user.py").write_text(
        "import autograder.machine\nfrom .inner import x\nfrom .. import machine\n"
        "def f():\n    from autograder.sub import inner\n"
    )
    assert imported_modules(package / "sub" / "user.py", tmp_path) == {
        "autograder.machine",
        "autograder.sub",
        "autograder.sub.inner",
    }
    assert imported_modules(package / "sub" / "__init__.py", tmp_path) == {
        "autograder.sub",
        "autograder.sub.inner",
    }
    assert cycles({("a", "b"): [], ("b", "c"): [], ("c", "a"): [], ("c", "d"): []}) == [
        ["a", "b", "c"]
    ]


def test_no_import_cycle_between_the_packages_layers():
    edges = layer_edges(package_imports())
    assert edges, "no imports found: the reader is broken"
    found = cycles(edges)
    assert not found, "\n".join(
        f"cycle {' <-> '.join(c)}:\n  "
        + "\n  ".join(w for (a, b), why in sorted(edges.items()) if a in c and b in c for w in why)
        for c in found
    )


def test_no_verb_imports_another_verb():
    imports = package_imports()
    assert "autograder.verbs.grade" in imports
    offending = [
        f"{module} imports {target}"
        for module, targets in imports.items()
        if module.startswith("autograder.verbs.")
        for target in targets
        if target.startswith("autograder.verbs.") and target != module
    ]
    assert offending == [], "move what verbs share to a lower module:\n" + "\n".join(offending)
