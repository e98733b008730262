"""`calibrate`: train the reference over >= 20 seeds and write the thresholds table."""
from __future__ import annotations

from pathlib import Path

from autograder.calibrate import run
from autograder.config import GradingConfig


def main(*, config: GradingConfig = GradingConfig(), seeds: int = 20, first_seed: int = 100, out: Path | None = None,
         quiet: bool = False) -> int:
    path = run.main(config=config, n_seeds=seeds, first_seed=first_seed, out=out, quiet=quiet)
    print(f"wrote {path}")
    return 0
