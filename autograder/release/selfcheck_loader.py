"""The loader of week2_checks.py: it imports the engine modules the file carries as text.

This module is shipped as it is, at the top of week2_checks.py (selfcheck_file.render), with one
change: the token `__PACKAGE__` below becomes the private package's name (`_week2_checks_engine`).
The file then fills in `_SOURCES`, names the assignment's public suite and
hints module (`_PUBLIC`, `_HINTS`), and a notebook calls `check(part)`: the entry point is imported,
given the suite and the hints module (its `use`), and run.

The vendoring rules, which selfcheck_file.py enforces when it builds the file:

* A shipped module imports only the standard library, torch and numpy, and engine modules that are
  shipped too. Engine imports are written `from autograder.x import y` / `import autograder.x`, one
  statement per line, so that they can be renamed to the private package line for line (an
  installed engine in the same kernel is never shadowed); `import pytest` becomes the markers'
  stand-in (pytest_standin.py). Any other use of `autograder` or `pytest` is refused.
* An engine module that is not shipped may be imported only inside a function (the grader's
  training path, which the self-check never calls), or under `if TYPE_CHECKING:`. An import of one
  at module level is refused, naming the module and the chain of imports that led to it; the
  file has no stand-ins: here such an import is a ModuleNotFoundError.
* Nothing under a `hidden` folder (any assignment's hidden suites) and none of pytest's own
  machinery (suites.plugin, suites.runner) is ever shipped; nor is the assignment's package itself
  (its __init__ imports the grader's side), only its modules that the shipped ones need.
* A shipped module holds no `'''` and does not end in a backslash (it is embedded as r'''...''').

Standard library only; everything in it is private but `check`.
"""

import importlib.abc
import importlib.util
import linecache
import sys

_PACKAGE = "__PACKAGE__"
_ENTRY = "public.selfcheck"
_SOURCES = {}
"""Module name (relative to the private package) -> source text; filled in below."""
_PUBLIC = ()
"""The assignment's public suite modules (relative names), in order; set below."""
_HINTS = None
"""The assignment's hints module (relative name), None where it has none; set below."""


def _is_package(name):
    return not name or any(key.startswith(name + ".") for key in _SOURCES)


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the private package's modules in _SOURCES; nothing else of it."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _PACKAGE and not fullname.startswith(_PACKAGE + "."):
            return None
        name = fullname[len(_PACKAGE) + 1 :]
        if name in _SOURCES:
            return importlib.util.spec_from_loader(fullname, self, is_package=False)
        if _is_package(name):
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        return None  # not shipped: ModuleNotFoundError

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        name = module.__name__[len(_PACKAGE) + 1 :]
        if name in _SOURCES:
            filename = f"<{_pseudo_file()}:{name}>"
            text = _SOURCES[name]
            linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
            module.__file__ = filename
            exec(compile(text, filename, "exec", dont_inherit=True), module.__dict__)
        else:
            module.__path__ = []


def _pseudo_file():
    """The file the modules' code shows as theirs in tracebacks, e.g. 'week2_checks' for the
    package '_week2_checks_engine' (the module the notebooks import)."""
    return _PACKAGE[1:].rsplit("_engine", 1)[0]


def _engine(module):
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
    return importlib.import_module(f"{_PACKAGE}.{module}")


def _entry():
    """The entry point, given the assignment's public suite and hints module: the vendored engine
    cannot read the assignment's declaration (its package is not shipped)."""
    selfcheck = _engine(_ENTRY)
    selfcheck.use([_engine(name) for name in _PUBLIC], _engine(_HINTS) if _HINTS else None)
    return selfcheck


def check(part, namespace=None):
    """自查 (self-check)：运行 part 的公开检查（不计分），打印每项 ✓/✗ 与提示；返回是否全部通过。
    Run the public, data-free checks of part on the classes and functions of namespace (default:
    the caller's globals); print one line per check. Never raises."""
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    try:
        selfcheck = _entry()
    except Exception as exc:
        print(
            f"✗ 自查无法运行 (the self-check could not start): {type(exc).__name__}: {exc}\n"
            "    需要 torch 和 numpy (needs torch and numpy)；提交前也可运行 python -m autograder check。",
            file=sys.stderr,
        )
        return False
    return selfcheck.check(part, namespace)
