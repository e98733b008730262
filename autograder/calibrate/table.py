"""The committed calibration tables (one JSON file per device kind and precision) and their reader.

The tables live in the assignment's calibration/ folder (autograder/assignment.py); each function
takes that folder, and without one reads the default assignment's.

thresholds_<kind>.json holds the kind's default precision (CPU: fp32, which every CPU runs at full
speed; CUDA: bf16); thresholds_<kind>-<precision>.json the other one, where it has been measured.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PRECISION = {"cpu": "fp32", "cuda": "bf16"}


def table_path(device_kind: str, precision: str | None = None, folder: Path | None = None) -> Path:
    """The assignment's table, or the one in $AUTOGRADER_THRESHOLDS_DIR (a table not yet committed)."""
    override = os.environ.get("AUTOGRADER_THRESHOLDS_DIR")
    precision = precision or DEFAULT_PRECISION[device_kind]
    suffix = "" if precision == DEFAULT_PRECISION[device_kind] else f"-{precision}"
    if override:
        folder = Path(override)
    elif folder is None:
        from autograder.assignment import load

        folder = load().calibration_dir
    return Path(folder) / f"thresholds_{device_kind}{suffix}.json"


def calibrated_precisions(device_kind: str, folder: Path | None = None) -> tuple[str, ...]:
    """The precisions that have a table for this device kind."""
    return tuple(p for p in ("fp32", "bf16") if table_path(device_kind, p, folder).is_file())


class NotCalibrated(Exception):
    """No calibration table for this device kind (an instructor setup problem, not a student's)."""


@dataclass(frozen=True)
class CheckCalibration:
    """What the reference solution scored on one training check over n seeds."""

    name: str
    n: int
    mean: float
    std: float
    min: float
    max: float
    threshold: float
    """A submission passes at or above this value."""
    false_fail: float
    """Estimated probability that the reference fails this check, one retry included."""
    train_seconds: float
    """Mean wall-clock training time of the reference on the calibration machine."""
    train_cpu_seconds: float = 0.0
    """Mean CPU seconds of the same (the time limit where this machine has no profile yet)."""
    loss_band: dict | None = None
    """The reference's training-loss curve over seeds: {"mean", "lo", "hi"} per window (for plots)."""
    per_class_mean: list | None = None
    """The reference's mean per-class accuracy (the per-class plot of a 10-class data set)."""


@dataclass(frozen=True)
class Calibration:
    device_kind: str
    checks: dict
    precision: str = "fp32"
    path: str = ""

    def __getitem__(self, name: str) -> CheckCalibration:
        return self.checks[name]


def load(device_kind: str, precision: str | None = None, folder: Path | None = None) -> Calibration:
    precision = precision or DEFAULT_PRECISION[device_kind]
    path = table_path(device_kind, precision, folder)
    if not path.is_file():
        raise NotCalibrated(
            f"no calibration table for device '{device_kind}' at precision {precision} ({path}); "
            f"run: python -m autograder calibrate --device {device_kind} --precision {precision}"
        )
    raw = json.loads(path.read_text())
    threads = raw.get("threads", 1)
    measured = raw.get("precision", DEFAULT_PRECISION[device_kind])
    if measured != precision:
        raise NotCalibrated(
            f"{path} was measured at precision {measured}, not {precision}; "
            f"run: python -m autograder calibrate --device {device_kind} --precision {precision}"
        )
    speed = _speed_source(raw, device_kind, folder)
    checks = {}
    for name, c in raw["checks"].items():
        timed = speed.get(name, c) if _emulated(c) else c
        checks[name] = CheckCalibration(
            name=name,
            n=c["n"],
            mean=c["mean"],
            std=c["std"],
            min=c["min"],
            max=c["max"],
            threshold=c["threshold"],
            false_fail=c["false_fail_with_retry"],
            train_seconds=timed.get("train_seconds_mean", 0.0),
            train_cpu_seconds=timed.get(
                "train_cpu_seconds_mean", threads * timed.get("train_seconds_mean", 0.0)
            ),
            loss_band=c.get("loss_band"),
            per_class_mean=c.get("per_class_mean"),
        )
    return Calibration(device_kind, checks, precision, str(path))


def _emulated(entry: dict) -> bool:
    """Was this entry measured in emulated bf16 (calibrate --emulated-bf16)?"""
    return bool(entry.get("measured", {}).get("emulated_bf16"))


def _speed_source(raw: dict, device_kind: str, folder: Path | None) -> dict:
    """Where an emulated-bf16 entry takes its seconds from: the default precision's table.

    Emulated bf16 measures bf16's accuracies, not its speed (it ran ~20x slower than fp32), and
    those seconds set the time limit wherever a machine has no speed profile yet (a student's
    `check --train`, the canary's first run). A machine grades in bf16 only where bf16 is native,
    i.e. no slower than fp32, so the fp32 entry's seconds are the right bound there."""
    if raw.get("precision") == DEFAULT_PRECISION[device_kind] or not any(
        map(_emulated, raw["checks"].values())
    ):
        return {}
    default = table_path(device_kind, folder=folder)
    return json.loads(default.read_text())["checks"] if default.is_file() else {}
