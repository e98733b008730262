"""Shared fixtures. Grading is expensive, so each corpus is graded once per session, in one batch,
by the real CLI; many tests then read those results. Plain helpers are in tests/helpers.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.corpus.manifest import CASES, build
from tests.helpers import SAME_CODE, Graded, as_notebook, as_single_file, grade, shared_data_dir


@pytest.fixture(scope="session")
def data_dir() -> Path:
    found = shared_data_dir()
    if found is None:
        pytest.skip("real MNIST/CIFAR-10 not found: set COURSE_DATA_DIR (see README)")
    return found


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """One cache for the whole session (decoded data, memoised training of identical code)."""
    return Path(os.environ.get("AUTOGRADER_TEST_CACHE") or tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, data_dir, cache_dir) -> Graded:
    root = tmp_path_factory.mktemp("corpus")
    subs = root / "submissions"
    subs.mkdir()
    paths = [build(case, subs) for case in CASES]
    for name in SAME_CODE:
        folder = subs / name
        paths.append(as_single_file(folder, subs / f"{name}__file.py"))
        paths.append(as_notebook(folder, subs / f"{name}__notebook.ipynb"))
    return grade(paths, root / "out", data_dir, cache_dir)
