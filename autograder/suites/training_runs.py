"""The training measurements of a submission (Submission's training methods): train a check in
the sandbox with the grading seed and, where it fails, the retry seed; several checks at once ahead
of their tests; the time limit of each; the accuracy from the predictions and the grader's labels.

A mixin of suites/submission.py's Submission, which holds the state these methods read (sandbox,
config, calibration, labels, data_errors, the memo of replies). Everything of the grader's side is
imported where used, so the self-check file (which never trains) can ship this module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from autograder.suites import messages
from autograder.suites.errors import CheckFailed

if TYPE_CHECKING:
    from autograder.sandbox.client import OpCall
    from autograder.training.specs import TrainSpec

RETRY_SEED_STEP = 1000
UNPROFILED_SLACK = 4
"""Without this machine's profile, time limits allow a machine this many times slower than the
calibration machine (the limits of `check --train` on a student's laptop)."""


@dataclass(frozen=True)
class TrainResult:
    """One training run of a check."""

    check: str
    seed: int
    accuracy: float
    """Percent correct on the evaluated test images."""
    losses: list
    loss_window: int
    train_seconds: float
    per_class: list
    """Percent correct per class (10 values)."""
    cached: bool = False


@dataclass
class TrainingCheck:
    """A training check with its retries: passed if any attempt reached the threshold."""

    check: str
    attempts: list[TrainResult]
    threshold: float
    reference_mean: float
    passed: bool

    @property
    def best(self) -> TrainResult:
        return max(self.attempts, key=lambda a: a.accuracy)


class TrainingRuns:
    """Training checks of a submission (see the module's docstring)."""

    def _train_request(self, check: str, seed: int, perm_fn: str | None) -> OpCall:
        """The sandbox op that trains one check, with the torch threads it trains with: its spec's,
        at most the grader's (the same whether it runs alone or beside others)."""
        from autograder.sandbox.client import OpCall

        ctor, args, spec = self.training_check(check)
        return OpCall.train(
            ctor,
            args,
            spec,
            seed,
            perm_fn,
            timeout=self.time_limit(check),
            cacheable=self.config.result_cache,
            threads=spec.threads_on(self.config.threads),
        )

    def prefetch_training(self, plan: list[tuple[str, str | None]]) -> None:
        """Train these (check, perm_fn) pairs with the grading seed ahead of their tests, several at
        once, each in its own child; the tests then find the results ready.

        CPU: packed onto the cores. Each trains with its own threads (one for a small model)
        and its own time limit, as many at once as the grader's threads allow, longest first.
        GPU (room for them all): all at once, sharing the CPU threads; each may then take as long as
        all of them one after another, so that sharing never fails a check that would pass alone."""
        requests = [
            self._train_request(check, self.config.seed, perm_fn)
            for check, perm_fn in plan
            if self.training_check(check)[2].dataset not in self.data_errors
        ]
        requests = [r for r in requests if self._key(r.names, r.op, r.args) not in self._memo]
        if not requests:
            return
        capacity = None
        if self.config.device.startswith("cuda"):
            together = sum(r.timeout for r in requests)
            threads = max(1, self.config.threads // len(requests))
            requests = [replace(r, timeout=together, threads=threads) for r in requests]
        else:
            capacity = self.config.threads
            requests.sort(
                key=lambda r: -r.timeout
            )  # limits are proportional to the reference's time
        for request, reply in zip(requests, self.sandbox.run_many(requests, capacity=capacity)):
            self._prefetched[self._key(request.names, request.op, request.args)] = reply

    def training_check(self, check: str) -> tuple[str, tuple, TrainSpec]:
        """(constructor name, its arguments, spec at this run's precision) of a training check."""
        from autograder.training import precision

        declared = self.config.spec.checks(self.config.device_kind)[check]
        return declared.model, declared.args, precision.apply(declared.spec, self.config.precision)

    def time_limit(self, check: str) -> float:
        """CPU seconds a training check may use: a multiple of what the reference used on this
        machine (the canary's profile), or, unprofiled (a student's `check --train`), of the
        calibration machine's time with room for a slower machine."""
        factor, minimum = self.config.training_time_factor, self.config.training_min_timeout
        reference = self.config.reference_seconds.get(check)
        if reference:
            return max(minimum, factor * reference)
        if self.calibration and check in self.calibration.checks:
            return max(
                minimum, UNPROFILED_SLACK * factor * self.calibration[check].train_cpu_seconds
            )
        return minimum * UNPROFILED_SLACK * factor

    def _train_once(self, check: str, seed: int, perm_fn: str | None) -> TrainResult:
        from autograder.training.subsets import test_indices

        ctor, args, spec = self.training_check(check)
        if spec.dataset in self.data_errors:
            raise CheckFailed(self.data_errors[spec.dataset])
        request = self._train_request(check, seed, perm_fn)
        result = self.run(
            request.names,
            "train",
            request.args,
            f"训练 {messages.call_text(ctor, args)}",
            timeout=request.timeout,
            cacheable=request.cacheable,
            threads=request.threads,
        )
        usage = self._memo[self._key(request.names, "train", request.args)].usage
        if usage and seed == self.config.seed:  # the machine profile's measurement (canary.py)
            self.train_cpu_seconds[check] = usage.cpu_seconds
        labels = self.labels[spec.dataset][
            test_indices(len(self.labels[spec.dataset]), spec.test_subset)
        ]
        predictions = np.asarray(result["predictions"])
        if predictions.shape != labels.shape:
            raise CheckFailed("训练结果的预测数量不对 (wrong number of predictions)。")
        correct = predictions == labels
        per_class = [
            float(100 * correct[labels == c].mean()) if (labels == c).any() else 0.0
            for c in range(10)
        ]
        return TrainResult(
            check,
            seed,
            float(100 * correct.mean()),
            list(result["losses"]),
            int(result["loss_window"]),
            float(result["train_seconds"]),
            per_class,
        )

    def seeds(self) -> list[int]:
        """The grading seed, then the retry seed (when retries are on)."""
        return [self.config.seed] + (
            [self.config.seed + RETRY_SEED_STEP] if self.config.retry else []
        )

    def train_run(self, check: str, seed: int, perm_fn: str | None = None) -> TrainResult:
        key = ("train", check, seed, perm_fn)
        if key not in self._memo:
            self._memo[key] = self._train_once(check, seed, perm_fn)
        return self._memo[key]

    def train(self, check: str, *, perm_fn: str | None = None) -> TrainingCheck:
        """Train per the check's spec with the grading seed; once more with the retry seed if it fails."""
        if self.calibration is None:
            raise CheckFailed(
                "没有校准表，无法判定训练结果 (no calibration table: run `python -m autograder calibrate`)."
            )
        calib = self.calibration[check]
        attempts = []
        for seed in self.seeds():
            attempts.append(self.train_run(check, seed, perm_fn))
            if attempts[-1].accuracy >= calib.threshold:
                break
        return TrainingCheck(
            check,
            attempts,
            calib.threshold,
            calib.mean,
            passed=attempts[-1].accuracy >= calib.threshold,
        )

    def reference(self, check: str) -> float:
        """The reference's mean on a check (used where the student's own model cannot stand in)."""
        return self.calibration[check].mean
