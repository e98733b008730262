"""What crosses the grader <-> supervisor pipe, each type with its wire form beside it.

The grader sends a SupervisorInit per submission, then commands ({"cmd": "op" | "ops" | "release" |
"shutdown"}) carrying OpRequests; the supervisor answers with {"replies": [Reply, ...],
"isolation_notes", "peak_rss_mb"}. The supervisor runs
no submission code, but its replies are still parsed field by field (from_wire).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from autograder.sandbox.errors import SandboxError
from autograder.sandbox.isolation import Policy
from autograder.sandbox.protocol import ProtocolError


@dataclass(frozen=True)
class SupervisorInit:
    """One submission, as its supervisor needs it."""

    units: list[dict]
    """The extracted units (`Unit.to_dict()`), indexed by OpRequest.units."""
    policy: Policy
    data: dict[str, str | None]
    """Data set name -> folder of its .npy arrays (None where missing)."""
    device: str
    load_timeout: float
    wall_factor: float = 1.0
    training: bool = True
    """False: no op trains, so what optimizers import lazily is not imported."""

    def to_wire(self) -> dict:
        policy = {**self.policy.__dict__, "mask_paths": list(self.policy.mask_paths)}
        return {
            "units": self.units,
            "policy": policy,
            "data": self.data,
            "device": self.device,
            "load_timeout": self.load_timeout,
            "wall_factor": self.wall_factor,
            "training": self.training,
        }

    @classmethod
    def from_wire(cls, obj: dict) -> SupervisorInit:
        policy = obj["policy"]
        return cls(
            obj["units"],
            Policy(**{**policy, "mask_paths": tuple(policy["mask_paths"])}),
            obj["data"],
            obj["device"],
            obj["load_timeout"],
            obj.get("wall_factor") or 1.0,
            obj.get("training", True),
        )


@dataclass(frozen=True)
class OpRequest:
    """One op for the child that holds these units."""

    units: tuple[int, ...]
    """Indices into SupervisorInit.units: the closure of the names the op needs."""
    op: str
    """An `Ops.op_<name>` of ops.py."""
    args: dict
    timeout: float
    """CPU seconds the op may use (usage.py)."""
    threads: int | None = None
    """Torch threads for this op; None: the policy's."""

    def to_wire(self) -> dict:
        return {
            "units": list(self.units),
            "op": self.op,
            "args": self.args,
            "timeout": self.timeout,
            "threads": self.threads,
        }

    @classmethod
    def from_wire(cls, obj: dict) -> OpRequest:
        return cls(
            tuple(obj["units"]),
            obj["op"],
            obj.get("args") or {},
            obj["timeout"],
            obj.get("threads"),
        )


@dataclass(frozen=True)
class Usage:
    """What a child used while one op ran."""

    cpu_seconds: float
    wall_seconds: float
    waited: float
    """Largest share of the wall time that one thread spent waiting for a CPU."""

    def to_wire(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_wire(cls, obj: Any) -> Usage | None:
        if not isinstance(obj, dict):
            return None
        values = [obj.get(k) for k in ("cpu_seconds", "wall_seconds", "waited")]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            return None
        return cls(*values)


@dataclass(frozen=True)
class Reply:
    """The outcome of one op: a result, or an error."""

    ok: bool
    result: Any = None
    """The op's measurements (ops.py): JSON values and numpy arrays."""
    error: SandboxError | None = None
    output: str = ""
    """What the submission printed (head and tail, capped)."""
    cached: bool = False
    """Served from the ResultCache, not run."""
    usage: Usage | None = None
    """The child's CPU time, wall time and waiting while the op ran."""
    grader_error: str | None = None
    """The sandbox itself failed (not the submission): the client raises GraderError."""

    def to_wire(self) -> dict:
        wire = {
            "ok": self.ok,
            "result": self.result,
            "error": self.error and self.error.to_wire(),
            "output": self.output,
            "usage": self.usage and self.usage.to_wire(),
        }
        if self.grader_error is not None:
            wire["grader_error"] = self.grader_error
        return wire

    @classmethod
    def from_wire(cls, obj: Any) -> Reply:
        if not isinstance(obj, dict):
            raise ProtocolError("malformed reply")
        grader_error = obj.get("grader_error")
        error = SandboxError.from_wire(obj["error"]) if obj.get("error") else None
        return cls(
            bool(obj.get("ok")),
            obj.get("result"),
            error,
            str(obj.get("output") or ""),
            usage=Usage.from_wire(obj.get("usage")),
            grader_error=None if grader_error is None else str(grader_error),
        )


def failed(error: SandboxError, output: str = "") -> Reply:
    """The reply of an op that failed with error."""
    return Reply(False, error=error, output=output)
