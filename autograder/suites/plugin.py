"""pytest plugin for the grading suites: markers carry the metadata, a fixture gives the submission.

Markers: points(n), visibility(v), training (needs data; skipped by data-free runs), depends(*names)
(fail fast with the prerequisite's reason). Each test's function name starts with its part.
Only messages of CheckFailed / SubmissionError / NotRun reach the student; any other exception
is the grader's own failure and is reported to the instructor instead.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass

import pytest

from autograder.assignment import Assignment
from autograder.results.model import VISIBILITIES, TestResult
from autograder.results.redact import redact
from autograder.suites import checks, messages
from autograder.suites.errors import CheckFailed, NotFinal, NotRun, SubmissionError

MAX_OUTPUT_CHARS = 4000
MARKERS = (
    "points(n): points the test is worth",
    "visibility(v): Gradescope visibility (visible, hidden, after_due_date, after_published)",
    "training(*checks): trains these checks of training/specs.py on real data (left out of data-free runs)",
    "depends(*tests): fail fast, without running, when one of these tests failed",
)


@dataclass(frozen=True)
class TestMeta:
    """What the markers of one test say."""

    name: str
    part: str
    points: float
    visibility: str
    training: bool
    depends: tuple[str, ...]
    trains: tuple[str, ...] = ()
    """The training checks (training/specs.py) the test trains with the grading seed."""


def evaluate_meta(item: pytest.Item, default_visibility: str, spec: Assignment) -> TestMeta:
    """Read a test's markers (or raise ValueError if the suite itself is malformed)."""
    name = item.name
    part = spec.part_of(name)
    points = item.get_closest_marker("points")
    if part is None or points is None:
        raise ValueError(f"suite error: {name} needs a part prefix and @pytest.mark.points")
    visibility = item.get_closest_marker("visibility")
    visibility = visibility.args[0] if visibility else default_visibility
    if visibility not in VISIBILITIES:
        raise ValueError(f"suite error: {name} has visibility {visibility!r}")
    depends = item.get_closest_marker("depends")
    training = item.get_closest_marker("training")
    return TestMeta(
        name,
        part,
        float(points.args[0]),
        visibility,
        training is not None,
        tuple(depends.args) if depends else (),
        tuple(training.args) if training else (),
    )


class GradingPlugin:
    """Collects one TestResult per test for one submission."""

    def __init__(
        self,
        submission,
        *,
        spec: Assignment,
        parts=None,
        training: bool = True,
        default_visibility: str = "visible",
        concurrent_training: bool = False,
    ):
        self.submission = submission
        self.spec = spec
        self.parts, self.training, self.default_visibility = (
            tuple(parts or spec.part_names),
            training,
            default_visibility,
        )
        self.concurrent_training = concurrent_training
        """Run every data-free check first, then all training checks at once (a GPU has room)."""
        self.results: dict[str, TestResult] = {}
        self.order: list[str] = []
        self._prefetched = False
        self.grader_errors: list[str] = []
        self._started: dict[str, float] = {}

    @pytest.fixture(scope="session")
    def sub(self):
        """The submission under test (measurements via the sandbox)."""
        return self.submission

    @pytest.fixture(scope="session")
    def outcomes(self):
        """Results so far, by test name (tests of earlier parts are already in)."""
        return self.results

    def pytest_configure(self, config):
        for line in MARKERS:
            config.addinivalue_line("markers", line)

    def pytest_collection_modifyitems(self, session, config, items):
        kept = []
        totals = dict.fromkeys(self.spec.part_names, 0.0)
        for item in items:
            try:
                item.stash[_META] = meta = evaluate_meta(item, self.default_visibility, self.spec)
            except ValueError as exc:
                self.grader_errors.append(str(exc))
                continue
            totals[meta.part] += meta.points
            if meta.part in self.parts and (self.training or not meta.training):
                kept.append(item)
        self.grader_errors += [
            f"suite error: the tests of {part} are worth {totals[part]:g} points, but the "
            f"assignment declares {self.spec.part(part).points:g}"
            for part in self.spec.part_names
            if totals[part] != float(self.spec.part(part).points)
        ]
        kept.sort(key=lambda it: self.spec.run_order.index(it.stash[_META].part))
        self.order = [it.name for it in kept]
        if (
            self.concurrent_training
        ):  # stable: data-free checks keep their order, training ones follow
            kept.sort(key=lambda it: it.stash[_META].training)
        items[:] = kept

    def ordered_results(self) -> list[TestResult]:
        """Results in the suites' order (parts in the run order), however the tests were scheduled."""
        return [self.results[name] for name in self.order if name in self.results]

    def _prefetch_training(self, items) -> None:
        """Start every training the remaining tests will need, except where a prerequisite failed."""
        perm_fn = checks.own_transform(self.results, self.spec)
        plan = []
        for item in items:
            meta = item.stash[_META]
            if not meta.training or any(
                d in self.results and not self.results[d].passed for d in meta.depends
            ):
                continue
            for check in meta.trains:
                pair = (
                    check,
                    perm_fn if self.submission.training_check(check)[2].permute_pixels else None,
                )
                if pair not in plan:
                    plan.append(pair)
        self.submission.prefetch_training(plan)

    def pytest_runtest_setup(self, item):
        self.submission.output.clear()
        self.submission.record.clear()
        self._started[item.name] = time.perf_counter()
        if self.concurrent_training and item.stash[_META].training and not self._prefetched:
            self._prefetched = True
            self._prefetch_training(item.session.items)
        for dep in item.stash[_META].depends:
            result = self.results.get(dep)
            if result is not None and not result.passed:
                first_line = result.output.split("\n", 1)[0]
                raise NotRun(messages.not_run(dep, first_line))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if (
            call.when == "teardown"
            or (call.when == "setup" and report.passed)
            or item.name in self.results
        ):
            return
        meta = item.stash[_META]
        message = ""
        if call.excinfo is not None:
            exc = call.excinfo.value
            if isinstance(exc, (CheckFailed, SubmissionError, NotRun)):
                message = str(exc)
            elif isinstance(exc, NotFinal):  # the machine, not the student: the result says regrade
                message = str(exc)
                self.grader_errors.append(f"{meta.name}: {exc.detail}")
            elif isinstance(exc, AssertionError):
                message = "检查未通过 (check failed)。"
                self.grader_errors.append(f"{meta.name}: bare assert in a suite: {exc!r}")
            else:
                message = "评分程序内部错误，教师会处理 (internal grader error; your instructor has been told)。"
                self.grader_errors.append(
                    f"{meta.name}: {''.join(traceback.format_exception(exc))}"
                )
        passed = call.excinfo is None
        printed = "\n".join(self.submission.output).strip()
        text = (message if not passed else "通过 (passed)") + (
            f"\n--- 你的代码的输出 (your output) ---\n{printed}" if printed else ""
        )
        self.results[meta.name] = TestResult(
            name=meta.name,
            part=meta.part,
            score=meta.points if passed else 0.0,
            max_score=meta.points,
            status="passed" if passed else "failed",
            output=redact(text)[:MAX_OUTPUT_CHARS],
            visibility=meta.visibility,
            seconds=round(
                time.perf_counter() - self._started.get(item.name, time.perf_counter()), 3
            ),
            data=dict(self.submission.record),
        )


_META = pytest.StashKey[TestMeta]()
