"""A grading run's settings, resolved once before anyone is graded and handed to every grading.

`resolve(config)` checks the setup (CUDA present, a precision this machine runs, a calibration
table for it) and gathers what every submission of the run shares: the config with its precision
resolved, the calibration table, and the data sets (public folders, fingerprints, the test labels
that only the grader holds). The canary adds this machine's speed profile (`with_config`), so the
runner, the canary, the verbs and the notebooks' `grade_part` read one object instead of each
looking the pieces up again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import autograder.calibrate.table as calibration_table
from autograder.calibrate.table import Calibration, NotCalibrated
from autograder.config import GradingConfig
from autograder.data import DataNotFound, load_arrays
from autograder.training import precision

_SAFE_CHANGES = frozenset({"reference_seconds", "result_cache_reads", "extra_masks"})
"""Config fields a resolved run may change afterwards: none of them changes what was resolved."""


class SetupProblem(ValueError):
    """A setup fault shared by every submission (no CUDA, no calibration table, a precision this
    machine cannot run, a canary that fails): said once, before anyone is graded."""


@dataclass(frozen=True)
class PreparedData:
    """The assignment's data sets, by name."""

    dirs: dict = field(default_factory=dict)
    """Public folder (what submission code may read), or None where the data set is missing."""
    prints: dict = field(default_factory=dict)
    """Fingerprint of each data set (part of the result cache's key)."""
    labels: dict = field(default_factory=dict)
    """Test labels (uint8), held by the grader only."""
    errors: dict = field(default_factory=dict)
    """'data not found' message of each missing data set."""


@dataclass(frozen=True)
class RunSettings:
    config: GradingConfig
    """Precision resolved; reference_seconds is this machine's speed profile once the canary ran."""
    calibration: Calibration | None
    """The thresholds table of this device kind and precision; None for a run without training."""
    data: PreparedData

    def with_config(self, **changes) -> RunSettings:
        """The same run with config fields changed that leave the resolution as it is."""
        unsafe = set(changes) - _SAFE_CHANGES
        if unsafe:
            raise ValueError(f"{sorted(unsafe)} change what was resolved: resolve() a new config")
        return replace(self, config=self.config.with_(**changes))


def setup(config: GradingConfig, *, emulated_bf16: bool = False) -> GradingConfig:
    """Check the run's setup and resolve its precision ('auto' -> 'fp32' or 'bf16'). Raises
    SetupProblem. emulated_bf16 (calibration only) lets an explicit bf16 run where the CPU only
    emulates it."""
    if config.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise SetupProblem(
                f"--device {config.device}: no CUDA device is visible to torch {torch.__version__} here"
            )
    try:
        config = config.with_(
            precision=precision.resolve(
                config.precision,
                config.device,
                calibration_table.calibrated_precisions(
                    config.device_kind, config.spec.calibration_dir
                ),
                emulated=emulated_bf16,
            )
        )
    except precision.PrecisionUnavailable as exc:
        raise SetupProblem(str(exc)) from None
    if config.training:
        _calibration(config)
    return config


def _calibration(config: GradingConfig) -> Calibration:
    try:
        return calibration_table.load(
            config.device_kind, config.precision, config.spec.calibration_dir
        )
    except NotCalibrated as exc:
        raise SetupProblem(str(exc)) from None


def prepare_data(config: GradingConfig) -> PreparedData:
    """Every data set the assignment's training checks read, decoded (once per cache)."""
    data = PreparedData()
    for name in config.spec.datasets():
        try:
            arrays = load_arrays(name, data_dir=config.data_dir, cache_dir=config.cache_dir)
        except DataNotFound as exc:
            data.dirs[name], data.errors[name] = None, str(exc)
            continue
        data.dirs[name] = str(arrays.public_dir)
        data.prints[name] = arrays.fingerprint
        data.labels[name] = arrays.load("test_y")
    return data


def resolve(config: GradingConfig) -> RunSettings:
    """The run's settings (raises SetupProblem)."""
    config = setup(config)
    calibration = _calibration(config) if config.training else None
    return RunSettings(config, calibration, prepare_data(config))
