"""Frozen result types. The grader (never the sandbox) creates them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(frozen=True)
class TestResult:
    """The verdict of one check."""

    name: str
    """Starts with the part it grades, e.g. '<part>_output_shape'."""
    part: str
    """One of the assignment's parts."""
    score: float
    max_score: float
    status: str
    """'passed' or 'failed'."""
    output: str
    """Message for the student (no test code), then what their code printed (capped)."""
    visibility: str = "visible"
    """Gradescope visibility: visible | hidden | after_due_date | after_published."""
    seconds: float = 0.0
    data: dict = field(default_factory=dict)
    """Measurements for reports (accuracies, loss curves, per-class accuracy); not shown raw."""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass(frozen=True)
class SubmissionResult:
    """All verdicts for one submission."""

    submission: str
    """The submission's name (file or folder stem); its folder in the output directory."""
    tests: tuple[TestResult, ...]
    seed: int
    """Base seed of this grading run (retries use seed + 1000)."""
    device: str
    notes: tuple[str, ...] = ()
    """Messages for the student about the submission as a whole (unreadable files, skipped code)."""
    grader_error: str | None = None
    """Set when the grader itself failed: an instructor problem, not a zero for the student."""
    seconds: float = 0.0
    environment: dict = field(default_factory=dict)
    """torch version, threads, isolation in effect."""
    parts: tuple[str, ...] = ()
    """The assignment's parts, in declared order (the columns of grades.csv)."""

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    def part_scores(self) -> dict[str, tuple[float, float]]:
        """Part -> (score, max score), in the assignment's order (every part, graded or not)."""
        out = {p: (0.0, 0.0) for p in self.part_names}
        for t in self.tests:
            s, m = out.get(t.part, (0.0, 0.0))
            out[t.part] = (s + t.score, m + t.max_score)
        return out

    @property
    def part_names(self) -> tuple[str, ...]:
        """The assignment's parts; for a result saved without them, the default assignment's."""
        if self.parts:
            return self.parts
        from autograder.assignment import load

        return load().part_names

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> SubmissionResult:
        tests = tuple(TestResult(**t) for t in d["tests"])
        return cls(
            **{
                **d,
                "tests": tests,
                "notes": tuple(d.get("notes", ())),
                "parts": tuple(d.get("parts", ())),
            }
        )
