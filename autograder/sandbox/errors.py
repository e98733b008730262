"""Why an op gave no result: the sandbox's error record, and its wire form beside it.

Built by the supervisor (usage.py, children.py, supervisor.py), the client (client.py) and the
notebooks' in-process self-check (public/selfcheck.py, which ships this module); read by
`suites/messages.py` and `suites/hints.py`. A child never builds one: what it says about an
exception is parsed by `SandboxError.from_child`, which keeps four strings and decides kind and
phase itself.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal, get_args

Kind = Literal["exception", "timeout", "died", "missing", "starved"]
Phase = Literal["load", "op"]
Measure = Literal["cpu", "wall"]
_KINDS, _PHASES, _MEASURES = set(get_args(Kind)), set(get_args(Phase)), set(get_args(Measure))
_TEXT_CAP = 10_000
"""Characters kept of any text field read from the wire (the child caps its own far below this)."""


@dataclass(frozen=True)
class SandboxError:
    """An op's failure, in the sandbox's terms (never a verdict)."""

    kind: Kind
    """exception: the code raised; timeout: over its time limit; died: the process ended;
    missing: a name the op needs is not defined; starved: the machine, not the code (not final)."""
    phase: Phase
    """load: while defining the submission's code; op: while running the op."""
    seconds: float | None = None
    """The time limit (timeout, starved)."""
    measure: Measure | None = None
    """What ran over the limit (op timeouts): CPU time or the wall clock."""
    used: float | None = None
    """Seconds of that measure used when the op was stopped."""
    waited: float | None = None
    """Largest share of the wall time one thread waited for a CPU (starved, wall timeouts)."""
    wall_seconds: float | None = None
    cpu_seconds: float | None = None
    memory_limit: bool = False
    """died: the kernel killed it at the memory cgroup's limit."""
    type: str | None = None
    """exception: the exception's type name ('MissingName' for a name the op looked up)."""
    message: str | None = None
    """exception: its message; died: how the process ended."""
    traceback: str | None = None
    """exception: the frames in the student's code only."""
    missing: str | None = None
    """missing (and MissingName): the name that is not defined."""
    unit: str | None = None
    """Where a definition failed: 'Name (origin:line)'."""
    repeated: bool = False
    """This code failed before and was not run again."""

    def to_wire(self) -> dict:
        """The fields that are set (a key absent is None or False)."""
        return {
            k: v for k, v in dataclasses.asdict(self).items() if v is not None and v is not False
        }

    @classmethod
    def from_wire(cls, obj: Any) -> SandboxError:
        """Parse a wire record; raises ProtocolError for anything that is not one."""
        # Imported here: the self-check file ships this module but not the wire protocol, which
        # only the sandbox's processes speak.
        from autograder.sandbox.protocol import ProtocolError

        if (
            not isinstance(obj, dict)
            or obj.get("kind") not in _KINDS
            or obj.get("phase") not in _PHASES
        ):
            raise ProtocolError("malformed error record")
        measure = obj.get("measure")
        return cls(
            obj["kind"],
            obj["phase"],
            seconds=_number(obj.get("seconds")),
            measure=measure if measure in _MEASURES else None,
            used=_number(obj.get("used")),
            waited=_number(obj.get("waited")),
            wall_seconds=_number(obj.get("wall_seconds")),
            cpu_seconds=_number(obj.get("cpu_seconds")),
            memory_limit=obj.get("memory_limit") is True,
            type=_text(obj.get("type")),
            message=_text(obj.get("message")),
            traceback=_text(obj.get("traceback")),
            missing=_text(obj.get("missing")),
            unit=_text(obj.get("unit")),
            repeated=obj.get("repeated") is True,
        )

    @classmethod
    def from_child(cls, obj: Any, phase: Phase) -> SandboxError:
        """An exception as a child described it (untrusted: only type, message, traceback and
        missing are read, as text; kind and phase are ours)."""
        obj = obj if isinstance(obj, dict) else {}
        return cls(
            "exception",
            phase,
            type=_text(obj.get("type")),
            message=_text(obj.get("message")),
            traceback=_text(obj.get("traceback")),
            missing=_text(obj.get("missing")),
        )


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:_TEXT_CAP]
