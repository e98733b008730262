"""The grader's side of the sandbox: start a supervisor for one submission and send it ops.

Every op names the submission names it needs; only the closure of those names is defined in the
child that runs it. Training results may be memoised on disk (result_cache.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field, replace

from autograder.extract import Extracted, code_key
from autograder.sandbox import protocol
from autograder.sandbox.errors import SandboxError
from autograder.sandbox.isolation import Policy
from autograder.sandbox.result_cache import ResultCache, runtime_version
from autograder.sandbox.warm import (
    SupervisorProcess,
    WarmSupervisor,
    launch_key,
    supervisor_launch,
)
from autograder.sandbox.wire import OpRequest, Reply, SupervisorInit, failed

__all__ = [
    "GraderError",
    "OpCall",
    "Reply",
    "ResultCache",
    "Sandbox",
    "WarmSupervisor",
]


class GraderError(Exception):
    """The grader itself failed (not the submission): reported as such, never as a zero."""


@dataclass(frozen=True)
class OpCall:
    """One op as the grader asks for it (Sandbox.run's arguments)."""

    names: list[str]
    """The submission names the op needs: the closure of these is defined in its child."""
    op: str
    args: dict
    timeout: float
    """CPU seconds the op may use."""
    cacheable: bool = False
    """Its result may come from, and goes to, the ResultCache."""
    threads: int | None = None
    """Torch threads (fewer than the policy's); None: the policy's."""

    @classmethod
    def train(
        cls,
        model: str,
        args,
        spec,
        seed: int,
        perm_fn: str | None,
        *,
        timeout: float,
        cacheable: bool = False,
        threads: int | None = None,
    ) -> OpCall:
        """The op that trains model(*args) per spec (a TrainSpec) with seed; perm_fn: the
        submission's function that permutes the images (its child defines it too), or None."""
        return cls(
            [model] + ([perm_fn] if perm_fn else []),
            "train",
            {
                "name": model,
                "args": list(args),
                "spec": spec.to_dict(),
                "seed": seed,
                "perm_fn": perm_fn,
            },
            timeout,
            cacheable,
            threads,
        )


@dataclass(frozen=True)
class _Plan:
    """How one op is answered: answer (without running it) or request (sent); key: its cache key."""

    answer: Reply | None
    key: str | None = None
    request: OpRequest | None = None


@dataclass
class Sandbox:
    """One submission's supervisor. Use as a context manager."""

    extracted: Extracted
    policy: Policy
    data_dirs: dict[str, str | None]
    """Data set name -> folder of its public .npy arrays (None where the data set is missing)."""
    data_fingerprints: dict[str, str] = field(default_factory=dict)
    device: str = "cpu"
    load_timeout: float = 20.0
    wall_factor: float = 1.0
    """How far past its limit (a multiple) an op of a child starved of CPU may run (usage.py)."""
    cache: ResultCache | None = None
    training: bool = True
    """False: no op will train, so the supervisor skips importing what optimizers need."""
    warm: WarmSupervisor | None = None
    """Take the supervisor from here and give it back at close, for the next submission."""
    isolation_notes: list[str] = field(default_factory=list)
    namespaces: bool = False
    torch_version: str = ""
    peak_rss_mb: float = field(init=False, default=0.0)
    """The largest resident set of any child, in MB (complete after close)."""
    _sup: SupervisorProcess | None = field(init=False, default=None, repr=False)
    _log_start: int = field(init=False, default=0, repr=False)
    """Where this submission's part of a kept supervisor's log begins."""
    _version: str = field(init=False, default="", repr=False)
    _hung: dict[tuple, SandboxError] = field(init=False, default_factory=dict, repr=False)
    """Units whose op timed out: the same code is not run again."""

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        argv, env = supervisor_launch(self.policy.threads)
        kept = self.warm.take(launch_key(argv, env)) if self.warm else None
        if kept is not None:
            try:
                self._init(kept)
                return
            except GraderError:  # a kept supervisor that cannot take this submission: start afresh
                kept.stop(kill=True)
        sup = SupervisorProcess.start(argv, env)
        try:
            self._init(sup)
        except BaseException:
            sup.stop(kill=True)
            raise

    def _init(self, sup: SupervisorProcess) -> None:
        """Send this submission's init to sup and wait until it is ready."""
        self._sup = sup
        self._log_start = os.path.getsize(sup.log.name)
        init = SupervisorInit(
            [u.to_dict() for u in self.extracted.units],
            self.policy,
            self.data_dirs,
            self.device,
            self.load_timeout,
            self.wall_factor,
            self.training,
        )
        try:
            ready = self._exchange(init.to_wire(), timeout=300)
            if not ready.get("ready"):
                raise GraderError(f"sandbox did not start: {ready}")
        except GraderError:
            self._sup = None
            raise
        self.namespaces, self.torch_version = bool(ready.get("namespaces")), ready.get("torch", "")
        self._version = runtime_version()
        self._hung = {}
        self.peak_rss_mb = 0.0

    def _exchange(self, message: dict, timeout: float) -> dict:
        try:
            protocol.send(self._sup.proc.stdin.fileno(), message)
            return protocol.recv(self._sup.proc.stdout.fileno(), timeout=timeout)
        except (OSError, protocol.ProtocolError, TimeoutError) as exc:
            raise GraderError(
                f"sandbox supervisor failed ({type(exc).__name__}: {exc}); log:\n{self.log_tail()}"
            ) from None

    def _exchange_ops(self, message: dict, timeout: float) -> list[Reply]:
        """Send an op or ops command; the replies, in request order."""
        answer = self._exchange(message, timeout)
        try:
            replies = [Reply.from_wire(one) for one in answer["replies"]]
        except (protocol.ProtocolError, KeyError, TypeError) as exc:
            raise GraderError(
                f"sandbox supervisor sent a malformed reply ({exc}); log:\n{self.log_tail()}"
            ) from None
        self._absorb_stats(answer)
        return replies

    def log_tail(self, n: int = 3000) -> str:
        if self._sup is None:
            return ""
        try:
            with open(self._sup.log.name, "rb") as f:
                f.seek(self._log_start)
                return f.read().decode(errors="replace")[-n:]
        except OSError:
            return ""

    def _indices(self, names) -> list[int]:
        closure = self.extracted.closure(names)
        position = {id(u): i for i, u in enumerate(self.extracted.units)}
        return [position[id(u)] for u in closure]

    def cache_key(self, names, op: str, args: dict, threads: int | None = None) -> str:
        """Key of an op's result: the normalised code of the closure of names (cosmetic variants
        share it, one-token changes do not), the op and its arguments (seed, training spec with its
        precision), device, threads, Python and torch versions, grader runtime and data."""
        parts = {
            "code": code_key(self.extracted.closure(names)),
            "op": op,
            "args": args,
            "device": self.device,
            "threads": threads or self.policy.threads,
            "torch": self.torch_version,
            "python": sys.version_info[:2],
            "runtime": self._version,
            "data": self.data_fingerprints,
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    def _plan(self, call: OpCall) -> _Plan:
        """Answer without running where possible (a missing name, a cached result, a known hang)."""
        missing = [n for n in call.names if not self.extracted.defines(n)]
        if missing:
            return _Plan(failed(SandboxError("missing", "load", missing=missing[0])))
        key = (
            self.cache_key(call.names, call.op, call.args, call.threads)
            if call.cacheable and self.cache
            else None
        )
        if key and (hit := self.cache.get(key)) is not None:
            return _Plan(Reply(True, result=hit, cached=True), key)
        units = tuple(self._indices(call.names))
        if units in self._hung:  # same code hung before: fail fast instead of waiting again
            return _Plan(failed(replace(self._hung[units], repeated=True)), key)
        return _Plan(None, key, OpRequest(units, call.op, call.args, call.timeout, call.threads))

    def _record_reply(self, reply: Reply, plan: _Plan) -> Reply:
        """Remember a timeout and cache a result; raise GraderError where the sandbox itself failed."""
        if reply.grader_error:
            raise GraderError(reply.grader_error)
        if reply.error and reply.error.kind == "timeout":
            self._hung[plan.request.units] = reply.error
        if plan.key and reply.ok:
            self.cache.put(plan.key, reply.result)
        return reply

    def _absorb_stats(self, answer: dict) -> None:
        self.isolation_notes = answer.get("isolation_notes") or self.isolation_notes
        self.peak_rss_mb = max(self.peak_rss_mb, float(answer.get("peak_rss_mb") or 0))

    def run(
        self,
        names,
        op: str,
        args: dict | None = None,
        *,
        timeout: float,
        cacheable: bool = False,
        threads: int | None = None,
    ) -> Reply:
        """Run op in the child that holds the closure of names (with threads torch threads, fewer than
        the policy's; None: the policy's). Never raises for student faults."""
        plan = self._plan(OpCall(names, op, args or {}, timeout, cacheable, threads))
        if plan.answer is not None:
            return plan.answer
        [reply] = self._exchange_ops(
            {"cmd": "op", **plan.request.to_wire()},
            timeout=(timeout + self.load_timeout) * self.wall_factor + 60,
        )
        return self._record_reply(reply, plan)

    def run_many(self, calls: list[OpCall], capacity: int | None = None) -> list[Reply]:
        """Several ops, each in its own child, running together. capacity None: all at once (give
        each fewer threads than the policy's, so that they share the cores); otherwise as many at a
        time as their threads fit in capacity (supervisor.py). Replies in request order."""
        plans = [self._plan(c) for c in calls]
        pending = [(i, plan) for i, plan in enumerate(plans) if plan.answer is None]
        answers = [plan.answer for plan in plans]
        if pending:
            limits = [plan.request.timeout + self.load_timeout for _, plan in pending]
            # Queued ops run one after another at worst; ops started together, side by side.
            limit = (
                sum(limits) if capacity else max(limits) + self.load_timeout * len(pending)
            ) * self.wall_factor + 60
            requests = [plan.request.to_wire() for _, plan in pending]
            replies = self._exchange_ops(
                {"cmd": "ops", "capacity": capacity, "requests": requests}, timeout=limit
            )
            for (i, plan), reply in zip(pending, replies):
                answers[i] = self._record_reply(reply, plan)
        return answers

    def release(self, names) -> None:
        """Stop the child holding names (its memory is freed; a later op starts a new one)."""
        self._exchange({"cmd": "release", "units": self._indices(names)}, timeout=60)

    def close(self) -> None:
        sup = self._sup
        if sup is None:
            return
        self._sup = None
        keep = self.warm is not None
        try:
            protocol.send(sup.proc.stdin.fileno(), {"cmd": "shutdown", "keep": keep})
            stats = protocol.recv(sup.proc.stdout.fileno(), timeout=60)
            self.peak_rss_mb = max(self.peak_rss_mb, float(stats.get("peak_rss_mb") or 0))
        except (OSError, protocol.ProtocolError, TimeoutError):
            sup.stop(kill=True)
            return
        if keep:
            self.warm.give(sup)
        else:
            sup.stop()
