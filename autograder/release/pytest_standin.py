"""Stand-in for the parts of pytest the public suite uses at import time (its markers).

Shipped in week2_checks.py as the private package's `_pytest_markers`: the vendored modules' `import
pytest` lines are renamed to import it (selfcheck_file.rename_imports). Standard library only.
"""


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
