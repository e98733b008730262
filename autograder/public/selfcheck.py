"""The notebooks' self-check cells: a part's public, data-free checks, run in the student's own kernel.

`check("<part>", globals())` runs the data-free tests of the assignment's public suite (the
test_*.py modules of its public/ folder) for one part on the classes and functions defined in the
notebook, with the same measurements (`sandbox/ops.py`), the
same `Submission` methods and the same messages as `python -m autograder check`, and prints one
✓/✗ line per check, with the hint under each ✗. It gives no points and never raises: an exception
of the student's code (or of the checker itself) becomes a ✗ line.

There is no sandbox here: the student's code runs in-process, in the kernel that already runs it.
The release ships this module, and the engine modules it imports, as one generated file
(e.g. `week2_checks.py`, built by `autograder/release/selfcheck_file.py`), which needs only torch and
numpy; the hidden suites are never part of it. There the assignment's declaration cannot be read
(its package is not shipped): the file's loader gives this module the shipped public suite and
hints module with `use` before the first check. In the engine they are the current assignment's.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import signal
import sys
import sysconfig
import threading
import time
import traceback
from dataclasses import dataclass
from types import ModuleType, SimpleNamespace

import torch

from autograder.sandbox.errors import SandboxError
from autograder.sandbox.ops import MissingName, Ops
from autograder.suites import hints, messages
from autograder.suites.errors import CheckFailed, NotRun, SubmissionError
from autograder.suites.submission import Submission

TIME_LIMIT = 60.0
"""Seconds one measurement may take (where the platform lets us interrupt it: SIGALRM, main thread)."""
MAX_OUTPUT_CHARS = 2000
SHOWN_LINES = 12
_SKIPPED_PREFIXES = (
    (__file__.split(":", 1)[0],)  # vendored: '<week2_checks' (selfcheck_loader's pseudo-files)
    if __file__.startswith("<")
    else (os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,)
)
"""Frames of the checker itself (the vendored modules' pseudo-files, or the engine package): not the student's."""


_public: tuple[ModuleType, ...] | None = None
"""The public suite modules chosen by use(); None: the current assignment's."""


def use(public, hints_module: ModuleType | None) -> None:
    """Run the checks of these public suite modules, with this hints module (None: none) for the
    messages' hints, instead of the current assignment's: the self-check file's loader registers its
    shipped copies so."""
    global _public
    _public = tuple(public)
    hints.use(hints_module)


def public_suites() -> tuple[ModuleType, ...]:
    """The public suite modules whose checks run: use()'s, else the current assignment's."""
    if _public is not None:
        return _public
    # Imported here: the self-check file carries no declaration (its loader calls use() instead).
    from autograder.assignment import load

    spec = load()
    init = os.path.realpath(spec.root / "__init__.py")
    package = next(
        name
        for name, module in list(sys.modules.items())
        if os.path.realpath(getattr(module, "__file__", None) or os.devnull) == init
    )  # the assignment's package, imported by load() under its own name
    return tuple(
        importlib.import_module(
            ".".join((package, *path.relative_to(spec.root).with_suffix("").parts))
        )
        for path in sorted(spec.public_dir.glob("test_*.py"))
    )


@dataclass(frozen=True)
class Outcome:
    name: str
    passed: bool
    message: str = ""


def marks(fn) -> dict:
    """Marker name -> args of a suite function (`@pytest.mark.name(*args)`), real pytest or not."""
    found = {}
    for mark in getattr(fn, "pytestmark", []):
        found.setdefault(mark.name, tuple(mark.args))
    return found


def public_checks(part: str) -> list:
    """The data-free public tests of a part, in the suite's order (training checks need data: left out)."""
    return [
        fn
        for suite in public_suites()
        for name, fn in vars(suite).items()
        if callable(fn)
        and name.startswith(f"{part}_")
        and "points" in marks(fn)
        and "training" not in marks(fn)
    ]


def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {paths.get(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    dirs |= {str(p) for p in sys.path if p and ("site-packages" in p or "dist-packages" in p)}
    return tuple(sorted(d for d in dirs if d))


def _student_frames(exc: BaseException) -> str:
    """The traceback frames in the student's own code (notebook cells), not the checker's or libraries'."""
    libraries = _library_dirs()
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if not f.filename.startswith(_SKIPPED_PREFIXES + libraries)
    ]
    return "".join(traceback.format_list(frames[-6:]))


class _TimeLimit(BaseException):
    """Raised by the alarm inside a measurement that ran too long."""


@contextlib.contextmanager
def _time_limit(seconds: float):
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def alarm(signum, frame):
        raise _TimeLimit()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class LocalSandbox:
    """`Sandbox.run` in-process: the ops of sandbox/ops.py on the notebook's namespace, their errors
    the sandbox's own records (SandboxError), so `messages.failure` words them the same."""

    def __init__(self, namespace: dict, time_limit: float | None = None):
        self.ops = Ops(namespace, {}, "cpu")
        self.time_limit = time_limit or TIME_LIMIT

    def run(self, names, op: str, args: dict, *, timeout=None, cacheable: bool = False, **_):
        for name in names:
            if name not in self.ops.ns:
                return SimpleNamespace(
                    ok=False,
                    result=None,
                    output="",
                    error=SandboxError("missing", "load", missing=name),
                )
        printed = io.StringIO()
        seconds = min(float(timeout or self.time_limit), self.time_limit)
        try:
            with (
                contextlib.redirect_stdout(printed),
                contextlib.redirect_stderr(printed),
                _time_limit(seconds),
            ):
                result = self.ops.dispatch(op, args)
        except _TimeLimit:
            error = SandboxError("timeout", "op", seconds=seconds)
        except KeyboardInterrupt:
            raise
        except MissingName as exc:
            error = SandboxError("missing", "op", missing=exc.args[0])
        except (
            BaseException
        ) as exc:  # SystemExit too: the student's sys.exit() is a failed check here
            error = SandboxError(
                "exception",
                "op",
                type=type(exc).__name__,
                message=str(exc)[:600],
                traceback=_student_frames(exc),
            )
        else:
            return SimpleNamespace(
                ok=True, result=result, error=None, output=printed.getvalue()[:MAX_OUTPUT_CHARS]
            )
        return SimpleNamespace(
            ok=False, result=None, error=error, output=printed.getvalue()[:MAX_OUTPUT_CHARS]
        )


def run_checks(part: str, namespace: dict) -> list[Outcome]:
    """Run the part's data-free public checks on the namespace; never raises (but KeyboardInterrupt).
    The ops seed torch's generators: the student's random state is restored afterwards."""
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    with torch.random.fork_rng(devices=devices):
        return _run_checks(part, namespace)


def _run_checks(part: str, namespace: dict) -> list[Outcome]:
    sub = Submission(LocalSandbox(namespace), SimpleNamespace(timeout=TIME_LIMIT), None, {})
    outcomes: dict[str, Outcome] = {}
    for fn in public_checks(part):
        sub.output.clear()
        sub.record.clear()
        try:
            for dep in marks(fn).get("depends", ()):
                if dep in outcomes and not outcomes[dep].passed:
                    raise NotRun(messages.not_run(dep, outcomes[dep].message.split("\n", 1)[0]))
            fn(sub)
        except KeyboardInterrupt:
            raise
        except (CheckFailed, SubmissionError, NotRun) as exc:
            outcome = Outcome(fn.__name__, False, str(exc))
        except BaseException as exc:  # the checker's own failure: say so, never crash the notebook
            outcome = Outcome(
                fn.__name__,
                False,
                f"自查程序出错，不一定是你的代码的问题 (the self-check itself failed): "
                f"{type(exc).__name__}: {exc}\n提交前可运行 python -m autograder check，或联系助教。",
            )
        else:
            outcome = Outcome(fn.__name__, True)
        printed = "\n".join(sub.output).strip()
        if printed and not outcome.passed:
            outcome = Outcome(
                outcome.name,
                False,
                f"{outcome.message}\n--- 你的代码的输出 (your output) ---\n{printed}",
            )
        outcomes[fn.__name__] = outcome
    return list(outcomes.values())


def report(part: str, outcomes: list[Outcome], seconds: float | None = None) -> str:
    lines = [
        f"{part} 自查 (self-check)：公开检查，不计分、不训练 (public checks, no points, no training)"
    ]
    for o in outcomes:
        lines.append(f"{'✓' if o.passed else '✗'} {o.name}")
        if not o.passed:
            lines += ["    " + line for line in o.message.strip().splitlines()[:SHOWN_LINES]]
    passed = sum(o.passed for o in outcomes)
    took = f"，{seconds:.1f} 秒" if seconds is not None else ""
    lines.append(
        f"{passed} / {len(outcomes)} 项通过 (checks passed){took}。训练检查和隐藏测试在提交后由评分程序运行 "
        f"(training checks and hidden tests run when grading)。"
    )
    return "\n".join(lines)


def check(part: str, namespace: dict | None = None) -> bool:
    """Print the part's self-check (stdout when all pass, stderr otherwise, so that `nbgrader
    validate` lists the failures); return whether all passed. Never raises (but KeyboardInterrupt)."""
    try:
        if namespace is None:
            namespace = sys._getframe(1).f_globals
        started = time.perf_counter()
        if not public_checks(part):
            print(f"✗ 未知的部分 unknown part {part!r}", file=sys.stderr)
            return False
        outcomes = run_checks(part, namespace)
        text = report(part, outcomes, time.perf_counter() - started)
        ok = all(o.passed for o in outcomes)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # never crash the notebook
        text, ok = (
            f"✗ 自查程序出错 (the self-check itself failed): {type(exc).__name__}: {exc}",
            False,
        )
    print(text, file=sys.stdout if ok else sys.stderr, flush=True)
    return ok
