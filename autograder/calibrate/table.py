"""The committed calibration tables (one JSON file per device kind) and their reader."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

TABLE_DIR = Path(__file__).parent


def table_path(device_kind: str) -> Path:
    """The package's table, or the one in $AUTOGRADER_THRESHOLDS_DIR (a table not yet committed)."""
    folder = os.environ.get("AUTOGRADER_THRESHOLDS_DIR")
    return (Path(folder) if folder else TABLE_DIR) / f"thresholds_{device_kind}.json"


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
    """Mean training time of the reference (sets the check's time limit)."""
    loss_band: dict | None = None
    """The reference's training-loss curve over seeds: {"mean", "lo", "hi"} per window (for plots)."""
    per_class_mean: list | None = None
    """The reference's mean per-class accuracy (CIFAR-10 plot)."""


@dataclass(frozen=True)
class Calibration:
    device_kind: str
    checks: dict

    def __getitem__(self, name: str) -> CheckCalibration:
        return self.checks[name]

    def time_limit(self, name: str, factor: float, minimum: float) -> float:
        check = self.checks.get(name)
        return max(minimum, factor * check.train_seconds) if check else minimum * 5


def load(device_kind: str) -> Calibration:
    path = table_path(device_kind)
    if not path.is_file():
        raise NotCalibrated(f"no calibration table for device '{device_kind}' ({path}); "
                            f"run: python -m autograder calibrate --device {device_kind}")
    raw = json.loads(path.read_text())
    checks = {}
    for name, c in raw["checks"].items():
        checks[name] = CheckCalibration(name=name, n=c["n"], mean=c["mean"], std=c["std"], min=c["min"], max=c["max"],
                                        threshold=c["threshold"], false_fail=c["false_fail_with_retry"],
                                        train_seconds=c.get("train_seconds_mean", 0.0), loss_band=c.get("loss_band"),
                                        per_class_mean=c.get("per_class_mean"))
    return Calibration(device_kind, checks)
