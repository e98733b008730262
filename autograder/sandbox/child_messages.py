"""What a supervisor and its child say to each other: an OpOrder one way, tagged messages the other.

The child runs submission code, so nothing it sends is trusted: `parse` accepts only a well-formed
message of a known "type" and drops anything else (None), whatever JSON arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class OpOrder:
    """Supervisor -> child: run one op (ops.py) and answer with an OpDone of the same id."""

    id: str
    op: str
    args: dict
    threads: int | None = None
    """Torch threads for this op (fewer while other children run beside it); None: the policy's."""

    def to_wire(self) -> dict:
        return {"id": self.id, "op": self.op, "args": self.args, "threads": self.threads}

    @classmethod
    def from_wire(cls, obj: dict) -> OpOrder:
        return cls(obj.get("id"), obj["op"], obj.get("args", {}), obj.get("threads"))


@dataclass(frozen=True)
class Isolated:
    """Isolation is in place (sent before any submission code runs)."""

    TYPE: ClassVar[str] = "isolated"
    uid: int | None
    """The child's dedicated uid (None without one)."""
    work: str | None
    """Its private working directory."""
    notes: list[str]
    """What isolation could not apply."""

    def to_wire(self) -> dict:
        return {"type": self.TYPE, "uid": self.uid, "work": self.work, "notes": self.notes}

    @classmethod
    def from_wire(cls, obj: dict) -> Isolated | None:
        uid, work, notes = obj.get("uid"), obj.get("work"), obj.get("notes")
        if not (uid is None or _is_int(uid)) or not (work is None or isinstance(work, str)):
            return None
        if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
            return None
        return cls(uid, work, notes)


@dataclass(frozen=True)
class SetupError:
    """Isolation failed; the child exits without running submission code."""

    TYPE: ClassVar[str] = "setup_error"
    text: str

    def to_wire(self) -> dict:
        return {"type": self.TYPE, "text": self.text}

    @classmethod
    def from_wire(cls, obj: dict) -> SetupError | None:
        return cls(str(obj.get("text")))


@dataclass(frozen=True)
class Progress:
    """About to define unit `index` of the child's units (a hang or crash is pinned to it)."""

    TYPE: ClassVar[str] = "progress"
    index: int

    def to_wire(self) -> dict:
        return {"type": self.TYPE, "index": self.index}

    @classmethod
    def from_wire(cls, obj: dict) -> Progress | None:
        return cls(obj["index"]) if _is_int(obj.get("index")) else None


@dataclass(frozen=True)
class LoadError:
    """Defining unit `index` raised; error as describe_exception gave it (read by SandboxError.from_child)."""

    TYPE: ClassVar[str] = "load_error"
    index: int
    error: Any

    def to_wire(self) -> dict:
        return {"type": self.TYPE, "index": self.index, "error": self.error}

    @classmethod
    def from_wire(cls, obj: dict) -> LoadError | None:
        return cls(obj["index"], obj.get("error")) if _is_int(obj.get("index")) else None


@dataclass(frozen=True)
class Loaded:
    """Every unit is defined; the child now serves ops."""

    TYPE: ClassVar[str] = "loaded"

    def to_wire(self) -> dict:
        return {"type": self.TYPE}

    @classmethod
    def from_wire(cls, obj: dict) -> Loaded:
        return cls()


@dataclass(frozen=True)
class OpDone:
    """The answer to the op request with this id: a result, or an exception's description."""

    TYPE: ClassVar[str] = "reply"
    id: str | None
    ok: bool
    result: Any = None
    error: Any = None
    """describe_exception's dict (read by SandboxError.from_child)."""

    def to_wire(self) -> dict:
        return {
            "type": self.TYPE,
            "id": self.id,
            "ok": self.ok,
            "result": self.result,
            "error": self.error,
        }

    @classmethod
    def from_wire(cls, obj: dict) -> OpDone | None:
        nonce = obj.get("id")
        if not (nonce is None or isinstance(nonce, str)):
            return None
        return cls(nonce, bool(obj.get("ok")), obj.get("result"), obj.get("error"))


ChildMessage = Isolated | SetupError | Progress | LoadError | Loaded | OpDone
_TYPES = {kind.TYPE: kind for kind in (Isolated, SetupError, Progress, LoadError, Loaded, OpDone)}


def parse(obj: Any) -> ChildMessage | None:
    """The message obj stands for, or None where it is not a well-formed one."""
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        return None
    kind = _TYPES.get(obj["type"])
    return kind.from_wire(obj) if kind else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
