import json

import pytest

from autograder.calibrate import table, thresholds
from autograder.training.specs import TRAINING_CHECKS


def test_summary_statistics_and_false_fail_estimate():
    values = [97.0, 97.2, 97.4, 97.6, 97.8]
    s = thresholds.summarize(values)
    assert s["mean"] == 97.4 and s["min"] == 97.0 and s["max"] == 97.8
    assert s["threshold"] < 97.0 - 2 * s["std"]
    assert abs(s["false_fail_with_retry"] - s["false_fail_single"] ** 2) < 1e-15
    assert s["meets_target"]


def committed_tables() -> dict:
    """'cpu' / 'cpu-bf16' / ... -> the table (thresholds_<kind>[-<precision>].json)."""
    return {p.stem.removeprefix("thresholds_"): json.loads(p.read_text()) for p in table.TABLE_DIR.glob("thresholds_*.json")}


def test_the_cpu_table_is_committed():
    assert "cpu" in committed_tables()


@pytest.mark.parametrize("name", sorted(committed_tables()))
def test_each_table_is_named_after_its_device_and_precision(name):
    raw = committed_tables()[name]
    kind, _, precision = name.partition("-")
    assert raw["precision"] == (precision or table.DEFAULT_PRECISION[kind])
    assert table.table_path(kind, raw["precision"]).name == f"thresholds_{name}.json"


@pytest.mark.parametrize("name", sorted(committed_tables()))
def test_committed_tables_cover_every_check_with_enough_seeds(name):
    raw = committed_tables()[name]
    kind = name.partition("-")[0]
    assert raw["device"] == kind and raw.get("trained_on", kind).split(":")[0] == kind  # never a CPU rehearsal
    expected = set(TRAINING_CHECKS[kind]) | {"perm_lesson"}
    assert set(raw["checks"]) == expected
    for name, check in raw["checks"].items():
        assert check["n"] >= thresholds.MIN_SEEDS and len(check["values"]) == check["n"], name
        assert check["false_fail_with_retry"] <= thresholds.TARGET_FALSE_FAIL, name
        assert check["threshold"] < check["min"], name
    assert len(raw["seeds"]) >= thresholds.MIN_SEEDS


def test_thresholds_separate_learning_from_chance():
    calib = table.load("cpu")
    for name in ("LeNet5", "FC2Layer", "CNN", "VGG"):
        assert calib[name].threshold > 15.0, name  # chance is 10 %
    assert calib["perm_lesson"].threshold > 0  # the CNN must lose more than the MLP


def test_every_broken_variant_in_the_table_falls_below_its_threshold():
    """The calibration trains broken-but-shape-correct variants (calibrate/broken.py) beside the
    reference: a threshold that one of them reaches would not separate learning from not learning."""
    raw = committed_tables()["cpu"]
    reported = {name: c["broken_variants"] for name, c in raw["checks"].items() if "broken_variants" in c}
    assert "VGG" in reported and len(reported["VGG"]) >= 2
    for name, variants in reported.items():
        for label, v in variants.items():
            reached = [a for a in v["accuracy"] if a is not None]
            assert all(a < raw["checks"][name]["threshold"] for a in reached), (name, label, reached)
