"""Settings of a grading run, each default defined once here."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder import assignment as assignments


def default_cache_dir() -> Path:
    env = os.environ.get("AUTOGRADER_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "week2-autograder"


def default_data_dir() -> Path | None:
    env = os.environ.get("COURSE_DATA_DIR")
    return Path(env) if env else None


def default_spec_kind() -> str | None:
    kind = os.environ.get("AUTOGRADER_SPEC_KIND") or None
    if kind not in (None, "cpu", "cuda"):
        raise ValueError(f"AUTOGRADER_SPEC_KIND={kind!r}: use cpu or cuda")
    return kind


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@dataclass(frozen=True)
class GradingConfig:
    """How to grade. Times in seconds, memory in GiB."""

    data_dir: Path | None = field(default_factory=default_data_dir)
    """Folder with the data sets (the course's layout or torchvision's); None: download."""
    cache_dir: Path = field(default_factory=default_cache_dir)
    """Decoded data sets and memoised training results."""
    seed: int = 0
    """Base seed of every random choice in grading; recorded in each result."""
    device: str = "cpu"
    spec_kind: str | None = field(default_factory=default_spec_kind)
    """Training specs and calibration table to use; None: the device's own kind. Set 'cuda' on a
    CPU (env AUTOGRADER_SPEC_KIND) only to rehearse the GPU path before spending GPU time."""
    jobs: int = 1
    """Submissions graded in parallel; threads are divided between them."""
    precision: str = "auto"
    """'fp32', 'bf16', or 'auto': bf16 where the device runs it natively and a bf16 table exists,
    else fp32 (training/precision.py). Resolved once per run, before any grading."""
    timeout: float = 30.0
    """Time limit of one data-free check (a forward pass, a parameter count...), in CPU seconds of
    the child; see starved_wall_factor for the wall-clock side."""
    load_timeout: float = 20.0
    """Time limit for defining a part's code (imports, classes, functions)."""
    training_time_factor: float = 5.0
    """A training check may use this many times the CPU seconds that the reference used for it on
    this machine, with these threads (the machine profile measured by the canary)..."""
    training_min_timeout: float = 60.0
    """...but never less than this many CPU seconds."""
    starved_wall_factor: float = 3.0
    """Wall-clock backstop: an op whose child waited for the CPU (another process, a CPU quota) may
    run this many times its limit in wall time; if it still has not finished, its result is 'not
    final, regrade' (a grader error), never a zero. A child that did not wait for the CPU (it
    slept or blocked) times out at its limit."""
    reference_seconds: dict = field(default_factory=dict)
    """Training check -> CPU seconds the reference used on this machine (filled by the canary)."""
    memory_limit_gb: float = 6.0
    """Address-space cap of a CPU child (importing torch alone reserves ~3.2 GiB)."""
    namespaces: bool = True
    """Network/mount namespaces and a uid drop (used when running as root on Linux)."""
    result_cache: bool = True
    """Reuse training results of identical code (same seed, device, threads and data)."""
    result_cache_reads: bool = True
    """False: results are still written to the cache but never read (the canary measuring speed)."""
    training_concurrency: str = "auto"
    """'on' (and 'auto'): a submission's training checks run ahead of their tests, after its
    data-free checks, several at once, each in its own child (on a GPU all at once; on a CPU as
    many as their threads fit in the grader's: Submission.prefetch_training); 'off': one after
    another, each when its test runs. Both train each check alike (its spec fixes its threads)."""
    retry: bool = True
    """Retry a failed training check once with another seed (counted in the false-fail estimate)."""
    suite: str = "hidden"
    """'hidden' (the graded suites) or 'public' (the students' checks)."""
    assignment: str = field(default_factory=assignments.default_ref)
    """The assignment graded (autograder/assignment.py): a package name or folder."""
    parts: tuple[str, ...] = ()
    """The parts graded; empty: every part of the assignment (filled in on construction)."""
    training: bool = True
    """Run the training checks (False: data-free checks only)."""
    extra_masks: tuple[str, ...] = ()
    """More folders to hide from submission code (besides outputs, caches and the batch)."""

    def __post_init__(self) -> None:
        if not self.parts:
            object.__setattr__(self, "parts", self.spec.part_names)

    @property
    def spec(self) -> assignments.Assignment:
        """The assignment's declaration (loaded once per process)."""
        return assignments.load(self.assignment)

    @property
    def threads(self) -> int:
        return max(1, available_cores() // max(1, self.jobs))

    @property
    def concurrent_training(self) -> bool:
        if self.training_concurrency not in ("auto", "on", "off"):
            raise ValueError(
                f"training concurrency {self.training_concurrency!r}: use auto, on or off"
            )
        return self.training_concurrency in ("on", "auto")

    @property
    def device_kind(self) -> str:
        return self.spec_kind or ("cuda" if self.device.startswith("cuda") else "cpu")

    def with_(self, **changes) -> GradingConfig:
        if "assignment" in changes and "parts" not in changes:
            changes["parts"] = ()  # another assignment: all of its parts, not this one's
        return replace(self, **changes)
