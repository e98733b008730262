"""What a suite sees of a submission: measurements taken in the sandbox, each at most once.

Tests call build/trace/forward/grads/call/attr/train and assert on plain data. A failure to run
the student's code raises SubmissionError with a message for the student; the test fails with it.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from autograder.suites import messages
from autograder.suites.analysis import Trace
from autograder.suites.errors import CheckFailed, NotFinal, SubmissionError
from autograder.suites.training_runs import TrainingRuns

# The grader's side: imported where used (the training methods), not shipped in week2_checks.py.
if TYPE_CHECKING:
    from autograder.calibrate.table import Calibration
    from autograder.config import GradingConfig
    from autograder.sandbox.client import Sandbox


@dataclass
class Submission(TrainingRuns):
    sandbox: Sandbox
    config: GradingConfig
    calibration: Calibration | None
    labels: dict
    """Data set name -> test labels (uint8), held by the grader only."""
    data_errors: dict = field(default_factory=dict)
    """Data set name -> 'data not found' message, for data sets that are unavailable."""
    output: list = field(default_factory=list)
    """What the submission printed during the current test (reset per test by the plugin)."""
    record: dict = field(default_factory=dict)
    """Measurements of the current test, kept for reports (reset per test by the plugin)."""
    _memo: dict = field(default_factory=dict)
    _prefetched: dict = field(default_factory=dict)
    """Replies of ops run ahead of time (training checks run together), not yet used by a test."""
    _calls: itertools.count = field(default_factory=itertools.count)
    train_cpu_seconds: dict = field(default_factory=dict)
    """Training check -> CPU seconds its run with the grading seed used (not for cached results)."""

    @functools.cached_property
    def facts(self) -> dict | None:
        """What the code says about its definitions (extract/facts.py), for the hints of messages;
        None where no parsed code stands behind the sandbox."""
        extracted = getattr(self.sandbox, "extracted", None)
        if extracted is None:
            return None
        from autograder.extract.facts import definition_facts

        return definition_facts(extracted)

    @staticmethod
    def _key(names, op: str, args: dict) -> str:
        return json.dumps([sorted(names), op, args], sort_keys=True, default=_array_digest)

    def run(
        self,
        names,
        op: str,
        args: dict,
        doing: str,
        *,
        timeout: float | None = None,
        cacheable: bool = False,
        threads: int | None = None,
    ) -> dict:
        key = self._key(names, op, args)
        reply = self._memo.get(key)
        if reply is None:
            reply = self._prefetched.pop(key, None) or self.sandbox.run(
                names,
                op,
                args,
                timeout=timeout or self.config.timeout,
                cacheable=cacheable,
                threads=threads,
            )
            self._memo[key] = reply
            if reply.output.strip():
                self.output.append(reply.output)
        if not reply.ok and reply.error.kind == "starved":
            raise NotFinal(*messages.not_final(reply.error, doing))
        if not reply.ok:
            raise SubmissionError(
                messages.failure(reply.error, doing, next(iter(names), None), self.facts)
            )
        return reply.result

    @staticmethod
    def model(name: str, args=(), seed: int = 0) -> dict:
        return {"name": name, "args": list(args), "seed": seed}

    def build(self, name: str, args=()) -> dict:
        built = self.run(
            [name],
            "build",
            {"model": self.model(name, args)},
            f"构造 {messages.call_text(name, args)} ",
        )
        if not built.get("is_module"):
            raise CheckFailed(
                f"{messages.call_text(name, args)} 返回的是 {built.get('type')}，应为 nn.Module 的子类。"
            )
        return built

    def trace(self, name: str, args, shape, seed: int = 0) -> Trace:
        self.build(name, args)
        result = self.run(
            [name],
            "trace",
            {"model": self.model(name, args), "shape": list(shape), "seed": seed},
            f"{messages.call_text(name, args)} 的 forward（输入 {messages.shape(shape)}）",
        )
        return Trace(result)

    def forward(
        self, name: str, args=(), *, x: np.ndarray | None = None, shape=None, seed: int = 0
    ) -> np.ndarray:
        self.build(name, args)
        shown = messages.shape(x.shape if x is not None else shape)
        result = self.run(
            [name],
            "forward",
            {"model": self.model(name, args), "x": x, "shape": shape, "seed": seed},
            f"{messages.call_text(name, args)} 的 forward（输入 {shown}）",
        )
        if result.get("type") != "Tensor":
            raise CheckFailed(messages.not_a_tensor(name, result.get("type"), self.facts))
        return result["output"]

    def grads(self, name: str, args, shape) -> list:
        self.build(name, args)
        return self.run(
            [name],
            "grads",
            {"model": self.model(name, args), "shape": list(shape), "seed": 0},
            f"{messages.call_text(name, args)} 的反向传播 (backward)",
        )["grads"]

    def attr(self, name: str, args, attr: str):
        self.build(name, args)
        return self.run(
            [name], "attr", {"model": self.model(name, args), "attr": attr}, f"读取 {name}().{attr}"
        )["value"]

    def call(
        self,
        name: str,
        args,
        *,
        names=None,
        doing: str | None = None,
        fresh: bool = False,
        device: str | None = None,
    ) -> dict:
        """Call a submission function; fresh=True calls it again even with the same arguments."""
        payload = {"name": name, "args": list(args), "device": device}
        if fresh:
            payload["call_id"] = next(self._calls)
        return self.run(names or [name], "call", payload, doing or f"调用 {name}")


def _array_digest(value) -> str:
    if isinstance(value, np.ndarray):
        return f"array:{value.dtype}:{value.shape}:{hashlib.sha256(value.tobytes()).hexdigest()}"
    return str(value)
