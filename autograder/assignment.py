"""What an assignment declares, and how the engine finds the one it grades.

An assignment is a Python package whose `ASSIGNMENT` is an `Assignment`: its parts (names, points,
order, the notebook and stub file of each), its training checks per device kind, the comparisons
calibrated from them, the part whose function transforms images for the permuted checks, the
reference's broken variants, and where its hidden and public suites, calibration tables and
notebook narratives are (folders of the package). The engine reads only this: it names no part.

Which assignment: `GradingConfig.assignment` (the CLI's `--assignment`, env AUTOGRADER_ASSIGNMENT),
an importable package name ("autograder.assignments.week2", or "week2" for the engine's own) or
the folder of a package. Standard library only: the self-check file vendors this module.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

DEFAULT = "week2"
"""The assignment graded when nothing else is named."""
BUILT_IN = "autograder.assignments"
"""Package holding the assignments that ship with the engine (short names resolve here)."""


@dataclass(frozen=True)
class Part:
    """One graded part: a class or function the student defines, with its own hidden suite tests
    (named '<part>_...') and its column in grades.csv."""

    name: str
    points: float
    """Its tests' points add up to this, in the hidden suites and the public ones (checked when
    the suites are collected: a grader error otherwise; and when the notebooks are built)."""
    notebook: str
    """The released notebook (file stem) whose test cells grade it."""
    solution: str
    """The file of solutions/ (and of the stubs in assignments/) that defines it."""
    after: tuple[str, ...] = ()
    """Parts whose verdicts its tests read: graded before it."""
    trains_also: tuple[str, ...] = ()
    """Constructors of other parts whose training checks its tests train too (the canary)."""
    check_minutes: int = 10
    """Minutes GitHub Classroom's workflow gives its public checks (`check --parts P --train`)."""


@dataclass(frozen=True)
class TrainingCheck:
    """One model trained on real data and held to a calibrated accuracy threshold."""

    model: str
    """The constructor (a part's name)."""
    args: tuple
    spec: object
    """training.specs.TrainSpec: how the grader trains it on this device kind."""
    title: str = ""
    """Heading of its plots in the feedback, e.g. 'Model · MNIST'."""


@dataclass(frozen=True)
class Comparison:
    """A calibrated difference between training checks (e.g. how much more accuracy one model
    loses than another on permuted pixels): its threshold is calibrated like an accuracy's."""

    name: str
    """Its key in the calibration table and in a test's record."""
    checks: tuple[str, ...]
    gap: Callable[[Mapping[str, float]], float]
    """Accuracy per check -> the compared quantity (percentage points)."""


@dataclass(frozen=True)
class Assignment:
    name: str
    """The nbgrader assignment id (source/<name>/, release/<name>/)."""
    title: str
    """Student-facing title (feedback heading), e.g. '第2周作业'."""
    root: Path
    """The package's folder: hidden/, public/, calibration/, narrative/."""
    course_root: Path
    """The folder holding solutions/, assignments/ (stubs), source/ and release/."""
    parts: tuple[Part, ...]
    training: Mapping[str, Mapping[str, TrainingCheck]] = field(default_factory=dict)
    """Device kind ('cpu', 'cuda') -> check name -> TrainingCheck."""
    comparisons: tuple[Comparison, ...] = ()
    transform: str | None = None
    """The part whose function fn(data, perm) permutes images for specs with permute_pixels."""
    broken: Mapping[str, tuple] = field(default_factory=dict)
    """Training check -> calibrate.broken.Variant edits of the reference trained beside it."""
    notebooks: tuple[str, ...] = ()
    """Released notebooks (file stems), in order; those without a part hold only written answers."""
    shipped_files: tuple[str, ...] = ()
    """Files of solutions/ shipped as they are beside the notebooks."""
    selfcheck: str = ""
    """File name of the self-check module shipped beside the notebooks (their self-check cells
    import it); empty: '<name>_checks.py'."""
    hints: ModuleType | None = None
    """The handout's names, signatures and part-specific hint texts (a standard-library-only
    module, shipped in the self-check file; suites/hints.py says what it may define)."""
    feedback: ModuleType | None = None
    """Part-specific feedback plots (reports/feedback.py calls its `plots`)."""

    def __post_init__(self) -> None:
        names = self.part_names
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: a part is declared twice")
        for part in self.parts:
            unknown = set(part.after) - set(names)
            if unknown:
                raise ValueError(f"{self.name}: {part.name} comes after unknown parts {unknown}")
        _ = self.run_order  # raises on a cycle

    @property
    def part_names(self) -> tuple[str, ...]:
        """In declared order: the columns of grades.csv."""
        return tuple(p.name for p in self.parts)

    def part(self, name: str) -> Part:
        return next(p for p in self.parts if p.name == name)

    @functools.cached_property
    def run_order(self) -> tuple[str, ...]:
        """Grading order: each part that reads other parts' verdicts comes right after them (in
        the order it lists them), then every other part in declared order."""
        order: list[str] = []

        def visit(name: str, path: tuple[str, ...]) -> None:
            if name in path:
                raise ValueError(f"{self.name}: parts wait on each other: {' -> '.join(path)}")
            for before in self.part(name).after:
                visit(before, path + (name,))
            if name not in order:
                order.append(name)

        for part in self.parts:
            if part.after:
                visit(part.name, ())
        for part in self.parts:
            visit(part.name, ())
        return tuple(order)

    @property
    def selfcheck_file(self) -> str:
        return self.selfcheck or f"{self.name}_checks.py"

    @property
    def total_points(self) -> float:
        return sum(p.points for p in self.parts)

    def part_of(self, test_name: str) -> str | None:
        """The part a test grades, from its name ('<part>_...'); the longest matching name wins."""
        for name in sorted(self.part_names, key=len, reverse=True):
            if test_name.startswith(f"{name}_"):
                return name
        return None

    def checks(self, device_kind: str) -> Mapping[str, TrainingCheck]:
        return self.training.get(device_kind, {})

    def checks_of(self, parts, device_kind: str) -> list[str]:
        """The training checks these parts' tests train (with the constructors they train too)."""
        models = set(parts) | {m for p in self.parts if p.name in parts for m in p.trains_also}
        return [n for n, c in self.checks(device_kind).items() if c.model in models]

    def datasets(self) -> tuple[str, ...]:
        """Every data set a training check of any device kind reads, in order of first use."""
        found = [c.spec.dataset for kind in self.training.values() for c in kind.values()]
        return tuple(dict.fromkeys(found))

    def notebook_of(self, part: str) -> str:
        """The released notebook (file name) whose test cells grade a part."""
        return f"{self.part(part).notebook}.ipynb"

    @property
    def hidden_dir(self) -> Path:
        return self.root / "hidden"

    @property
    def public_dir(self) -> Path:
        return self.root / "public"

    @property
    def calibration_dir(self) -> Path:
        return self.root / "calibration"

    @property
    def narrative_dir(self) -> Path:
        return self.root / "narrative"

    @property
    def solutions_dir(self) -> Path:
        return self.course_root / "solutions"

    @property
    def stubs_dir(self) -> Path:
        return self.course_root / "assignments"


def default_ref() -> str:
    return os.environ.get("AUTOGRADER_ASSIGNMENT") or DEFAULT


_LOADED: dict[str, Assignment] = {}


def load(ref: str | None = None) -> Assignment:
    """The assignment named by ref (a package name, a built-in short name or a package folder);
    None: the default one. Loaded once per process."""
    ref = ref or default_ref()
    if ref not in _LOADED:
        module = _import(ref)
        declared = getattr(module, "ASSIGNMENT", None)
        if not isinstance(declared, Assignment):
            raise ValueError(
                f"assignment {ref!r}: its package defines no ASSIGNMENT = Assignment(...)"
            )
        _LOADED[ref] = declared
    return _LOADED[ref]


def loaded() -> tuple[Assignment, ...]:
    """Every assignment this process has loaded."""
    return tuple(_LOADED.values())


def _import(ref: str) -> ModuleType:
    folder = Path(ref)
    if os.sep in ref or "/" in ref or folder.is_dir() and (folder / "__init__.py").is_file():
        return _import_folder(folder.resolve())
    for name in (f"{BUILT_IN}.{ref}", ref) if "." not in ref else (ref,):
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name and not name.startswith(f"{exc.name}."):
                raise
    raise ValueError(
        f"no assignment {ref!r}: not a package of {BUILT_IN}, nor an importable package"
    )


def _import_folder(folder: Path) -> ModuleType:
    """A package folder imported under its own name (its hidden suites import it as such)."""
    if not (folder / "__init__.py").is_file():
        raise ValueError(f"assignment folder {folder} has no __init__.py")
    name = f"_assignment_{folder.name}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
