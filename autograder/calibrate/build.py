"""The thresholds table from what calibration measured: per training check the reference's
distribution over seeds, its threshold and false-fail estimate, loss band and per-class means,
where and how it was measured, its broken variants' accuracies; per comparison of the assignment
the same for the compared gap. The verb `calibrate` measures; this builds the JSON it writes."""

from __future__ import annotations

import datetime

import numpy as np

from autograder import machine
from autograder.calibrate.thresholds import (
    K_SIGMA,
    MIN_MARGIN_GAP_FRACTION,
    MIN_MARGIN_POINTS,
    summarize,
)
from autograder.config import GradingConfig


def _band(curves: list[list[float]]) -> dict:
    """Pointwise mean, min and max over seeds (curves of equal length)."""
    arr = np.asarray(curves, dtype=float)
    return {
        "mean": np.round(arr.mean(0), 4).tolist(),
        "lo": np.round(arr.min(0), 4).tolist(),
        "hi": np.round(arr.max(0), 4).tolist(),
    }


def build_table(
    config: GradingConfig,
    seeds: list[int],
    measured: dict,
    torch_version: str = "",
    previous: dict | None = None,
    broken_accuracy: dict | None = None,
    k_sigma: float = K_SIGMA,
    emulated_bf16: bool = False,
) -> dict:
    """The table for measured checks; with previous (the table so far), the checks not measured now
    keep their entries, each saying where and when it was measured (and whether bf16 was emulated)."""
    here = machine.describe()
    provenance = {
        "machine": here,
        "threads": config.threads,
        "precision": config.precision,
        "torch": torch_version,
        "created": datetime.date.today().isoformat(),
        "seeds": seeds,
        **({"emulated_bf16": True} if emulated_bf16 else {}),
    }
    checks = dict((previous or {}).get("checks", {}))
    for name, m in measured.items():
        checks[name] = {
            **summarize(m["accuracy"], k_sigma=k_sigma, min_margin=MIN_MARGIN_POINTS),
            "train_seconds_mean": round(float(np.mean(m["seconds"])), 2),
            "loss_band": _band(m["losses"]),
            "per_class_mean": _band(m["per_class"])["mean"],
            "measured": {**provenance, "train_threads": train_threads(config, name)},
        }
        if m["cpu_seconds"]:
            checks[name]["train_cpu_seconds_mean"] = round(float(np.mean(m["cpu_seconds"])), 2)
    for name, variants in (broken_accuracy or {}).items():
        variants_declared = config.spec.broken.get(name, ())
        caught_by = {v.label: v.caught_by for v in variants_declared if v.caught_by}
        checks[name]["broken_variants"] = {
            label: {
                "accuracy": values,
                "mean": _mean(values),
                **({"caught_by": caught_by[label]} if label in caught_by else {}),
            }
            for label, values in variants.items()
        }
    for comparison in config.spec.comparisons:
        if not all(k in measured for k in comparison.checks):
            continue
        per_seed = [
            {k: measured[k]["accuracy"][i] for k in comparison.checks} for i in range(len(seeds))
        ]
        gaps = [comparison.gap(a) for a in per_seed]
        checks[comparison.name] = {
            **summarize(
                gaps, k_sigma=k_sigma, min_margin=MIN_MARGIN_GAP_FRACTION * float(np.mean(gaps))
            ),
            "train_seconds_mean": 0.0,
            "measured": provenance,
        }
    # Derived from the entries: a --checks run keeps entries measured another way (emulated or not).
    emulated = any(c.get("measured", {}).get("emulated_bf16") for c in checks.values())
    return {
        "device": config.device_kind,
        "precision": config.precision,
        "trained_on": config.device,
        "machine": here,
        "threads": config.threads,
        "seeds": seeds,
        **({"emulated_bf16": True} if emulated else {}),
        "created": datetime.date.today().isoformat(),
        "torch": torch_version,
        "checks": checks,
    }


def train_threads(config: GradingConfig, check: str) -> int:
    """Threads the check trained on: its spec's own count (small models train on one, packed
    side by side when grading) or, where the spec leaves it open, all of the grader's."""
    return config.spec.checks(config.device_kind)[check].spec.threads_on(config.threads)


def _mean(values: list) -> float | None:
    numbers = [v for v in values if v is not None]
    return round(float(np.mean(numbers)), 2) if numbers else None
