"""Data sets in either layout decode to the same arrays; missing data is a clear message."""

from __future__ import annotations

import gzip
import json
import pickle
import shutil

import numpy as np
import pytest

from autograder.data import DataNotFound, load_arrays
from tests.helpers import ROOT, read_results, run_cli


def test_torchvision_layout_gives_the_same_arrays(tmp_path, data_dir, cache_dir):
    course = {
        n: load_arrays(n, data_dir=data_dir, cache_dir=cache_dir) for n in ("mnist", "cifar10")
    }
    assert course["mnist"].load("train_y")[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert abs(course["mnist"].load("train_x").mean() / 255 - 0.1307) < 1e-3
    assert course["cifar10"].load("train_x").shape == (50000, 3, 32, 32)
    assert np.bincount(course["cifar10"].load("test_y")).tolist() == [1000] * 10

    tv = tmp_path / "torchvision"
    raw = tv / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for archive in (data_dir / "mnist").glob("*.gz"):
        with gzip.open(archive) as src, open(raw / archive.stem, "wb") as dst:
            shutil.copyfileobj(src, dst)
    batches = tv / "cifar-10-batches-py"
    batches.mkdir()
    x, y = course["cifar10"].load("train_x"), course["cifar10"].load("train_y")
    for i in range(5):  # the official pickles: uint8 rows of 3072 (channel-major), a list of labels
        part = slice(i * 10000, (i + 1) * 10000)
        with open(batches / f"data_batch_{i + 1}", "wb") as f:
            pickle.dump({"data": x[part].reshape(10000, -1), "labels": y[part].tolist()}, f)
    with open(batches / "test_batch", "wb") as f:
        pickle.dump(
            {
                "data": course["cifar10"].load("test_x").reshape(10000, -1),
                "labels": course["cifar10"].load("test_y").tolist(),
            },
            f,
        )
    for name in ("mnist", "cifar10"):
        other = load_arrays(name, data_dir=tv, cache_dir=tmp_path / "cache")
        assert other.fingerprint == course[name].fingerprint, name


def test_missing_data_is_a_clear_message(tmp_path):
    with pytest.raises(DataNotFound, match="data not found: mnist under .*see README"):
        load_arrays("mnist", data_dir=tmp_path, cache_dir=tmp_path / "cache")
    with pytest.raises(DataNotFound, match="download failed"):  # no --data-dir and no network here
        load_arrays("mnist", data_dir=None, cache_dir=tmp_path / "cache")


@pytest.mark.slow
def test_without_data_only_the_training_checks_fail(tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    result = run_cli(
        "grade",
        ROOT / "solutions",
        "--out",
        tmp_path / "out",
        "--data-dir",
        empty,
        "--cache-dir",
        tmp_path / "cache",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    tests = read_results(tmp_path / "out")["solutions"]["tests"]
    training = [t for t in tests if "trains" in t["name"] or "loses_more" in t["name"]]
    assert len(training) == 5 and all(t["status"] == "failed" for t in training)
    assert all("data not found" in t["output"] and "Traceback" not in t["output"] for t in training)
    assert all(t["status"] == "passed" for t in tests if t not in training)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["grader_errors"] == {}
