"""Build `week2_checks.py`, the file shipped next to the notebooks for their self-check cells.

It holds the engine modules that `autograder.public.selfcheck` needs (the public suite, its checks
and messages, the sandbox's measurement ops, the Submission methods), copied as they are: only their
`autograder` imports are renamed to a private package (`_week2_checks_engine`), so an installed
engine in the same kernel is never shadowed, and `import pytest` points at a small stand-in for the
markers. The modules are kept as text and imported from it by a meta-path finder when `check()` is
first called. Engine modules outside the copied ones (training, calibration, config, the sandbox
client) are imported as placeholders: the data-free checks never use them, and a use raises.

The hidden suites are never copied: `build` refuses a dependency on `autograder.hidden`. The file
is part of `notebooks.derive`, so `python -m autograder notebooks --check` reports drift whenever
an engine module it copies changes.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
FILE_NAME = "week2_checks.py"
PRIVATE = "_week2_checks_engine"
ENTRY = "public.selfcheck"
COPIED = ("suites.", "public.", "sandbox.ops")
"""Engine modules (relative to `autograder`) copied into the file when the entry point needs them."""
NEVER = ("hidden", "suites.plugin", "suites.runner")
"""Never copied, even if something imports them: the hidden suites, and pytest's own machinery."""

PYTEST_STANDIN = '''"""Stand-in for the parts of pytest the public suite uses at import time (its markers)."""


class Mark:
    def __init__(self, name, args, kwargs):
        self.name, self.args, self.kwargs = name, tuple(args), dict(kwargs)


class _MarkGenerator:
    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        def make(*args, **kwargs):
            def decorate(fn):
                fn.pytestmark = [*getattr(fn, "pytestmark", []), Mark(name, args, kwargs)]
                return fn
            return decorate
        return make


mark = _MarkGenerator()


def fixture(fn=None, **kwargs):
    return fn if fn is not None else (lambda f: f)
'''

LOADER = '''import importlib.abc
import importlib.util
import linecache
import sys

_PACKAGE = "{private}"
_SOURCES = {{}}
"""Module name (relative to the private package) -> source text; filled in below."""


class _Unavailable:
    """An engine name this file does not carry (training, calibration, ...): the self-check never uses it."""

    def __init__(self, name):
        self._name = name

    def _fail(self, *args, **kwargs):
        raise RuntimeError(f"{{self._name}} is not part of week2_checks.py (data-free self-check only)")

    __call__ = __getitem__ = __iter__ = __len__ = _fail

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._fail()

    def __repr__(self):
        return f"<unavailable {{self._name}}>"


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname != _PACKAGE and not fullname.startswith(_PACKAGE + "."):
            return None
        name = fullname[len(_PACKAGE) + 1:]
        is_package = name not in _SOURCES
        return importlib.util.spec_from_loader(fullname, self, is_package=is_package)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        name = module.__name__[len(_PACKAGE) + 1:]
        if name in _SOURCES:
            filename = f"<week2_checks:{{name}}>"
            text = _SOURCES[name]
            linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
            module.__file__ = filename
            exec(compile(text, filename, "exec", dont_inherit=True), module.__dict__)
            return
        module.__path__ = []
        copied = any(key.startswith(name + ".") for key in _SOURCES) or not name
        if not copied:  # an engine module this file does not carry: every name is a placeholder
            module.__getattr__ = lambda attr: _Unavailable(f"{{module.__name__}}.{{attr}}")


def _engine(module):
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
    return importlib.import_module(f"{{_PACKAGE}}.{{module}}")


def check(part, namespace=None):
    """自查 (self-check)：运行 part 的公开检查（不计分），打印每项 ✓/✗ 与提示；返回是否全部通过。
    Run the public, data-free checks of part on the classes and functions of namespace (default:
    the caller's globals); print one line per check. Never raises."""
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    try:
        selfcheck = _engine("{entry}")
    except Exception as exc:
        print(f"✗ 自查无法运行 (the self-check could not start): {{type(exc).__name__}}: {{exc}}\\n"
              "    需要 torch 和 numpy (needs torch and numpy)；提交前也可运行 python -m autograder check。",
              file=sys.stderr)
        return False
    return selfcheck.check(part, namespace)
'''


def module_path(name: str) -> Path:
    """'suites.checks' -> autograder/suites/checks.py."""
    return PACKAGE_DIR.joinpath(*name.split(".")).with_suffix(".py")


def _is_copied(name: str) -> bool:
    if any(name == n or name.startswith(n + ".") for n in NEVER):
        raise ValueError(f"{FILE_NAME} would need autograder.{name}, which must never be shipped to students")
    return any(name == c or name.startswith(c) for c in COPIED) and module_path(name).is_file()


def _imports(tree: ast.Module) -> list[str]:
    """Engine modules (relative names) a module imports, including submodules named in `from pkg import mod`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name[len("autograder."):] for a in node.names if a.name.startswith("autograder.")]
            if any(a.name == "autograder" for a in node.names):
                raise ValueError("`import autograder` (the whole package) cannot be shipped")
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level and (
                node.module == "autograder" or node.module.startswith("autograder.")):
            base = node.module[len("autograder."):] if node.module != "autograder" else ""
            for alias in node.names:
                sub = f"{base}.{alias.name}" if base else alias.name
                found.append(sub if module_path(sub).is_file() or sub.split(".")[0] in NEVER else base)
    return [name for name in found if name]


_IMPORT_LINE = re.compile(r"^(\s*)(from|import)(\s+)autograder\b")


def rename_imports(text: str, origin: str) -> str:
    """The module's text with `autograder` imports renamed to the private package, `import pytest` to
    the markers' stand-in; anything else that imports them is an error (checked on the result)."""
    lines = text.splitlines(keepends=True)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            line = lines[node.lineno - 1]
            if isinstance(node, ast.Import) and [a.name for a in node.names] == ["pytest"] and node.names[0].asname is None:
                indent = line[: len(line) - len(line.lstrip())]
                lines[node.lineno - 1] = f"{indent}from {PRIVATE} import _pytest_markers as pytest\n"
            else:
                lines[node.lineno - 1] = _IMPORT_LINE.sub(lambda m: f"{m[1]}{m[2]}{m[3]}{PRIVATE}", line, count=1)
    out = "".join(lines)
    for node in ast.walk(ast.parse(out)):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        bad = [n for n in names if n.split(".")[0] in ("autograder", "pytest")]
        if bad:
            raise ValueError(f"{origin}:{node.lineno}: cannot ship an import of {bad[0]} (rewrite it as one "
                             f"`from autograder.x import y` / `import pytest` line)")
    return out


def modules() -> dict[str, str]:
    """Relative module name -> renamed text, for the entry point and every engine module it needs."""
    todo, texts = [ENTRY], {}
    while todo:
        name = todo.pop()
        if name in texts:
            continue
        path = module_path(name)
        text = path.read_text(encoding="utf-8")
        texts[name] = rename_imports(text, str(path))
        todo += [dep for dep in _imports(ast.parse(text)) if _is_copied(dep) and dep not in texts]
    texts["_pytest_markers"] = PYTEST_STANDIN
    return dict(sorted(texts.items()))


def _literal(text: str, name: str) -> str:
    """text as a raw triple-quoted literal (readable in the shipped file); refuses what it cannot hold."""
    literal = "r'''" + text + "'''"
    if "'''" in text or text.endswith("\\") or ast.literal_eval(literal) != text:
        raise ValueError(f"{name}: cannot be embedded as a raw ''' string")
    return literal


def render() -> str:
    """The text of week2_checks.py."""
    header = (
        '"""week2_checks.py：notebook 中“自查”单元格使用的公开检查（不计分，不含隐藏测试）。\n\n'
        "Self-check for the week-2 notebooks: the public, data-free checks of the grading engine, with the\n"
        "same hints as `python -m autograder check`. Keep this file next to the notebooks (Colab: upload it\n"
        "to the same folder, /content). Needs torch and numpy only. In a notebook cell:\n\n"
        "    from week2_checks import check\n"
        "    check(\"LeNet5\", globals())\n\n"
        "生成文件，请勿修改 (generated by `python -m autograder notebooks` from the grading engine; do not edit).\n"
        '"""\n')
    body = LOADER.format(private=PRIVATE, entry=ENTRY)
    embedded = [f"\n_SOURCES[{name!r}] = {_literal(text, name)}\n" for name, text in modules().items()]
    return header + body + "".join(embedded)
