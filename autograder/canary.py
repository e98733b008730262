"""The canary: before anyone is graded, the reference solution must get full marks on this machine
with the settings in force. It also measures this machine's speed profile (the CPU seconds the
reference needs for each training check), from which the time limits are scaled.

Both are memoised in <cache>/machine/<fingerprint>.json, so a machine pays for one grading of the
reference per combination of settings, not one per run: the speed profile per machine fingerprint
(CPU, threads, torch, device, precision) and training recipes, each canary verdict per settings
digest (seed, limits, thresholds table, grader code, data). A verdict for all parts with training
covers any subset.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from autograder import machine
from autograder.calibrate.table import table_path
from autograder.config import GradingConfig
from autograder.suites.run_settings import RunSettings, SetupProblem, resolve
from autograder.suites.runner import grade_submission

PACKAGE_DIR = Path(__file__).resolve().parent
NAME = "canary-reference"


class CanaryFailed(SetupProblem):
    """The reference does not get full marks here: grading would be wrong for everyone."""


@dataclass(frozen=True)
class CanaryReport:
    ran: bool
    """False when a memoised verdict covered this run."""
    memo: str
    seconds: float
    score: float
    max_score: float
    reference_seconds: dict

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _tree_digest(root: Path) -> str:
    """Digest of the code and tables (.py, .json) below root, with their paths."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def grader_version() -> str:
    """Digest of the engine's own code and tables (its assignments' too): a change re-runs the
    canary."""
    return _tree_digest(PACKAGE_DIR)


def assignment_version(config: GradingConfig) -> str:
    """Digest of the assignment's own files, where they are not the engine's (grader_version)."""
    root = config.spec.root
    return "" if root.is_relative_to(PACKAGE_DIR) else _tree_digest(root)


def fingerprint(config: GradingConfig) -> dict:
    """The machine's fingerprint (machine.fingerprint) and what each training check trains: a speed
    profile measured for one recipe must not set the limits of another."""
    specs = machine.digest(
        {
            name: [check.model, list(check.args), check.spec.to_dict()]
            for name, check in config.spec.checks(config.device_kind).items()
        }
    )
    return {**machine.fingerprint(config), "specs": specs}


def settings(config: GradingConfig, data_prints: dict) -> dict:
    """What, besides the machine, can change the reference's verdicts."""
    table = table_path(config.device_kind, config.precision, config.spec.calibration_dir)
    own = assignment_version(config)
    extra = {"assignment": own} if own else {}
    return {
        **extra,
        "seed": config.seed,
        "suite": config.suite,
        "retry": config.retry,
        "timeout": config.timeout,
        "load_timeout": config.load_timeout,
        "factor": config.training_time_factor,
        "min_timeout": config.training_min_timeout,
        "wall_factor": config.starved_wall_factor,
        "memory": config.memory_limit_gb,
        "namespaces": config.namespaces,
        "concurrent": config.concurrent_training,
        "grader": grader_version(),
        "data": data_prints,
        "table": hashlib.sha256(table.read_bytes()).hexdigest()[:16] if table.is_file() else None,
    }


@dataclass(frozen=True)
class Verdict:
    """The canary's verdict for one set of settings (an entry of the memo's "canaries")."""

    parts: tuple[str, ...]
    training: bool
    passed: bool
    score: float
    max_score: float
    seconds: float
    created: str

    def covers(self, config: GradingConfig) -> bool:
        """Does this verdict stand for a run of config (its parts, with or without training)?"""
        return (
            self.passed
            and set(config.parts) <= set(self.parts)
            and (self.training or not config.training)
        )

    def to_dict(self) -> dict:
        return {**self.__dict__, "parts": list(self.parts)}

    @classmethod
    def from_dict(cls, data: dict) -> Verdict:
        return cls(**{**data, "parts": tuple(data["parts"])})


@dataclass
class Memo:
    """What the canary keeps per machine (a file in the cache's machine/ folder): the machine's
    fingerprint, its speed profile (CPU seconds per training check) and the verdicts by settings."""

    fingerprint: dict
    speed: dict = field(default_factory=dict)
    canaries: dict[str, Verdict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "fingerprint": self.fingerprint,
            "speed": self.speed,
            "canaries": {k: v.to_dict() for k, v in self.canaries.items()},
        }

    @classmethod
    def read(cls, path: Path) -> Memo | None:
        """The memo at path; None where it is missing, torn or of another layout (measure again)."""
        try:
            raw = json.loads(path.read_text())
            return cls(
                raw["fingerprint"],
                dict(raw["speed"]),
                {k: Verdict.from_dict(v) for k, v in raw["canaries"].items()},
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True))
        os.replace(tmp, path)


def _checks(config: GradingConfig) -> list[str]:
    """The training checks this run's parts train (with those of the models they train too)."""
    if not config.training:
        return []
    return config.spec.checks_of(config.parts, config.device_kind)


def ensure(config: GradingConfig, *, say=print) -> tuple[RunSettings, CanaryReport]:
    """The run's settings, resolved once (run_settings.resolve: precision, table, data sets) and
    with this machine's speed profile, once the reference got full marks with them. The data sets
    are decoded here, once, before any student is graded.

    Raises CanaryFailed (which checks failed, and what to do) or SetupProblem (a setup fault, or
    the canary could not run: no reference solution, or the grader failed on it)."""
    run = resolve(config)
    config = run.config
    reference = config.spec.solutions_dir
    if not reference.is_dir():
        raise SetupProblem(
            f"the reference solution is not installed ({reference}): the canary needs it to check "
            "this machine before grading anyone"
        )
    profile_key = fingerprint(config)
    memo_path = Path(config.cache_dir) / "machine" / f"{machine.digest(profile_key)}.json"
    memo = Memo.read(memo_path) or Memo(profile_key)
    key = machine.digest(settings(config, run.data.prints))
    speed = memo.speed
    missing = [c for c in _checks(config) if c not in speed]
    entry = memo.canaries.get(key)
    if entry and entry.covers(config) and not missing:
        return (
            run.with_config(reference_seconds=dict(speed)),
            CanaryReport(False, str(memo_path), 0.0, entry.score, entry.max_score, dict(speed)),
        )

    say(
        f"canary: grading the reference solution on this machine first ({', '.join(config.parts)}"
        f"{'' if config.training else ', no training'}; once per machine and settings)"
    )
    # Without a profile the reference trains for real (a cached result has no timing; what it
    # trains is still cached for the gradings that follow) and under generous limits; with one,
    # under exactly the limits the students will get.
    trial = run.with_config(
        reference_seconds=dict(speed),
        result_cache_reads=config.result_cache_reads and not missing,
        extra_masks=(),
    )
    result = grade_submission(reference, NAME, trial)
    if result.grader_error:
        raise SetupProblem(
            f"the canary (the reference solution, graded first) hit a grader error, so nobody was "
            f"graded:\n{result.grader_error}"
        )
    # Missing data fails those checks for everyone, as the results say.
    unavailable = tuple(run.data.errors.values())
    failed = [
        t
        for t in result.tests
        if not t.passed and not any(text in t.output for text in unavailable)
    ]
    if failed:
        raise CanaryFailed(_failure_text(result, failed, config))
    speed.update(
        {
            k: v
            for k, v in result.environment.get("train_cpu_seconds", {}).items()
            if k in _checks(config)
        }
    )
    memo.canaries[key] = Verdict(
        parts=tuple(config.parts),
        training=config.training,
        passed=True,
        score=result.score,
        max_score=result.max_score,
        seconds=result.seconds,
        created=datetime.datetime.now().isoformat(timespec="seconds"),
    )
    memo.write(memo_path)
    return (
        run.with_config(reference_seconds=dict(speed)),
        CanaryReport(
            True, str(memo_path), result.seconds, result.score, result.max_score, dict(speed)
        ),
    )


def _failure_text(result, failed, config: GradingConfig) -> str:
    lines = [
        f"the reference solution scored {result.score:g}/{result.max_score:g} on this machine with these "
        f"settings (precision {config.precision}, {config.threads} threads, seed {config.seed}); nobody was graded."
    ]
    for t in failed:
        lines.append(
            f"  {t.name}: {t.output.strip().splitlines()[0] if t.output.strip() else 'failed'}"
        )
    table = table_path(config.device_kind, config.precision, config.spec.calibration_dir)
    lines.append(
        "What to do: if a training check missed its threshold, the calibration table "
        f"({table}) does not hold on this machine: run `python -m autograder calibrate --precision "
        f"{config.precision}` here (see docs/grading.md); if it ran out of time, the machine is far slower "
        "than its own profile allows (raise --timeout for data-free checks); otherwise the grader's "
        "installation is broken (reinstall with the pinned constraints)."
    )
    return "\n".join(lines)
