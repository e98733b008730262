"""`canary`: check this machine before a class is graded (every `grade` does it first, memoised).

Grades the reference solution with the settings given and prints the machine's speed profile:
the CPU seconds the reference needs for each training check, which the time limits are scaled from.
"""

from __future__ import annotations

import json

from autograder import canary, machine
from autograder.config import GradingConfig


def main(*, config: GradingConfig = GradingConfig(), quiet: bool = False) -> int:
    """0 when the reference gets full marks here; a failure raises CanaryFailed (exit 2)."""
    config, report = canary.ensure(config, say=(lambda text: None) if quiet else print)
    if not quiet:
        print(
            json.dumps(
                {
                    "machine": machine.describe(),
                    "precision": config.precision,
                    "threads": config.threads,
                    **report.to_dict(),
                },
                indent=1,
            )
        )
        print(
            f"canary: the reference gets {report.score:g}/{report.max_score:g} on this machine"
            f"{'' if report.ran else ' (memoised)'}"
        )
    return 0
