"""`python -m autograder.data.fetch`: get MNIST and CIFAR-10 ready before any grading.

Downloads them with torchvision when neither `--data-dir` nor `COURSE_DATA_DIR` is given, then
decodes both into the cache directory (`AUTOGRADER_CACHE_DIR`). Used where downloading during a
graded run would be slow or fragile: Gradescope's setup.sh (once, when the image is built) and the
GitHub Classroom workflow (before the per-part grader steps; the downloads are cached between runs).
Exit 0 when both are ready, 2 with the reason otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.config import default_cache_dir, default_data_dir
from autograder.data.cache import DATASETS, DataNotFound, load_arrays


def main(*, data_dir: Path | None = None, cache_dir: Path | None = None) -> int:
    data_dir = data_dir if data_dir is not None else default_data_dir()
    cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
    for name in DATASETS:
        try:
            arrays = load_arrays(name, data_dir=data_dir, cache_dir=cache_dir)
        except (DataNotFound, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{name}: ready in {arrays.folder}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        prog="python -m autograder.data.fetch", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--data-dir", type=Path, help="offline copy (default: $COURSE_DATA_DIR, else download)"
    )
    parser.add_argument(
        "--cache-dir", type=Path, help="where decoded data go (default: $AUTOGRADER_CACHE_DIR)"
    )
    args = parser.parse_args()
    sys.exit(main(data_dir=args.data_dir, cache_dir=args.cache_dir))
