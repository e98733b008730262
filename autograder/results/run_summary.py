"""summary.json: how a grading run went, as `grade` writes it and `merge` reads and writes it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar


@dataclass(frozen=True)
class RunSummary:
    assignment: str | None = None
    """The assignment graded (as given to --assignment); None in outputs written before it."""
    seed: int | None = None
    device: str | None = None
    spec_kind: str | None = None
    """Training specs and calibration table used ('cpu' or 'cuda')."""
    precision: str | None = None
    machine: dict | None = None
    """`grade`: the machine it ran on."""
    canary: dict | None = None
    """`grade`: the canary's report (canary.CanaryReport)."""
    machines: list | None = None
    """`merge`: the machines of its shards."""
    thresholds: str | None = None
    """The calibration table's path; None for a run without training."""
    jobs: int | None = None
    threads: int | None = None
    shard: tuple[int, int] | None = None
    """(I, N) for `grade --shard I/N`; None for a whole class."""
    submissions: tuple[str, ...] = ()
    """Every submission of the run (of this shard), in grading order."""
    environment: dict = field(default_factory=dict)
    """torch version, isolation in effect... (a submission's result environment)."""
    grader_errors: dict = field(default_factory=dict)
    """Submission -> the grader's failure (regrade these; not the students' fault)."""
    merged_from: list | None = None
    """`merge`: each shard's folder, slice, submissions and threads."""

    ONLY_WHEN_SET: ClassVar[tuple[str, ...]] = ("machine", "canary", "machines", "merged_from")
    """Written only by the verb that has them, so each verb's file keeps its own keys."""

    def to_dict(self) -> dict:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in self.ONLY_WHEN_SET and value is None:
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict) -> RunSummary:
        """Raises KeyError (no submissions) or TypeError on a file that is not a summary."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["submissions"] = tuple(data["submissions"])
        if values.get("shard"):
            values["shard"] = tuple(values["shard"])
        return cls(**values)
