"""`calibrate`: train the reference over >= 20 seeds and write the thresholds table."""
from __future__ import annotations

from pathlib import Path

from autograder.calibrate import run
from autograder.config import GradingConfig
from autograder.suites.runner import setup


def main(*, config: GradingConfig = GradingConfig(), seeds: int = 20, first_seed: int = 100, out: Path | None = None,
         quiet: bool = False, budget_s: float | None = None, checks: tuple[str, ...] | None = None,
         broken_seeds: int = 3, k_sigma: float = 4.0, emulated_bf16: bool = False) -> int:
    if emulated_bf16 and config.precision != "bf16":
        raise SystemExit("--emulated-bf16 goes with --precision bf16")
    # no table needed: this writes it
    config = setup(config.with_(training=False), emulated_bf16=emulated_bf16).with_(training=True)
    path = run.main(config=config, n_seeds=seeds, first_seed=first_seed, out=out, quiet=quiet, budget_s=budget_s,
                    checks=checks, broken_seeds=broken_seeds, k_sigma=k_sigma, emulated_bf16=emulated_bf16)
    print(f"wrote {path}")
    return 0
