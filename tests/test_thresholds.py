import json
import re

import pytest

from autograder.calibrate import table, thresholds
from autograder.calibrate.build import build_table
from autograder.config import GradingConfig
from tests.helpers import WEEK2, committed_table_files


def test_summary_statistics_and_false_fail_estimate():
    values = [97.0, 97.2, 97.4, 97.6, 97.8]
    s = thresholds.summarize(values)
    assert s["mean"] == 97.4 and s["min"] == 97.0 and s["max"] == 97.8
    assert s["threshold"] < 97.0 - 2 * s["std"]
    assert abs(s["false_fail_with_retry"] - s["false_fail_single"] ** 2) < 1e-15
    assert s["meets_target"]


def test_a_tight_distribution_keeps_the_minimum_margin():
    """Short one-cycle runs are very repeatable: 4 sigma alone would put the threshold a point below
    the mean, where code that learns a little differently (3x3 kernels) falls. The margin holds."""
    tight = [96.2, 96.3, 96.4, 96.3, 96.2, 96.4]
    s = thresholds.summarize(tight, min_margin=thresholds.MIN_MARGIN_POINTS)
    assert s["threshold"] == pytest.approx(96.3 - thresholds.MIN_MARGIN_POINTS, abs=0.011)
    assert s["margin_from"] == "min_margin"
    wide = thresholds.summarize(
        [90.0, 94.0, 92.0, 96.0, 88.0], min_margin=thresholds.MIN_MARGIN_POINTS
    )
    assert (
        wide["margin_from"] == "sigma" and wide["threshold"] < 92.0 - thresholds.MIN_MARGIN_POINTS
    )


def committed_tables() -> dict:
    """'cpu' / 'cpu-bf16' / ... -> the table (thresholds_<kind>[-<precision>].json)."""
    return {
        p.stem.removeprefix("thresholds_"): json.loads(p.read_text())
        for p in committed_table_files()
    }


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
    assert (
        raw["device"] == kind and raw.get("trained_on", kind).split(":")[0] == kind
    )  # never a CPU rehearsal
    expected = set(WEEK2.checks(kind)) | {c.name for c in WEEK2.comparisons}
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


@pytest.mark.parametrize("name", sorted(committed_tables()))
def test_every_broken_variant_in_the_table_falls_below_its_threshold(name):
    """The calibration trains broken-but-shape-correct variants (calibrate/broken.py) beside the
    reference: a threshold that one of them reaches would not separate learning from not learning.
    A variant that still learns must name the behavioural check that catches it instead."""
    raw = committed_tables()[name]
    reported = {
        name: c["broken_variants"] for name, c in raw["checks"].items() if "broken_variants" in c
    }
    assert "VGG" in reported and len(reported["VGG"]) >= 2
    for name, variants in reported.items():
        for label, v in variants.items():
            if "caught_by" in v:
                continue
            reached = [a for a in v["accuracy"] if a is not None]
            assert all(a < raw["checks"][name]["threshold"] for a in reached), (
                name,
                label,
                reached,
            )


def test_a_variant_that_still_learns_names_a_real_check_of_its_part():
    suites = WEEK2.hidden_dir
    defined = {
        m
        for path in suites.glob("test_*.py")
        for m in re.findall(r"^def (\w+)\(", path.read_text(), re.M)
    }
    marked = [
        (check, v) for check, variants in WEEK2.broken.items() for v in variants if v.caught_by
    ]
    assert len(marked) >= 4  # the LeNet-5, FC2Layer and CNN variants that learn (see broken.py)
    for check, v in marked:
        assert v.caught_by in defined and v.caught_by.startswith(check.split("_")[0] + "_"), (
            check,
            v.label,
        )


def test_the_calibration_records_which_check_catches_a_variant_that_learns():
    run = {
        "accuracy": [97.8, 97.6, 98.0],
        "seconds": [5.0] * 3,
        "cpu_seconds": [],
        "losses": [[2.0, 1.0]] * 3,
        "per_class": [[97.0] * 10] * 3,
    }
    built = build_table(
        GradingConfig(precision="fp32"),
        [1, 2, 3],
        {"LeNet5": run, "VGG": run},
        broken_accuracy={
            "LeNet5": {"conv1 frozen": [97.3, 97.1, 97.2]},
            "VGG": {"no BatchNorm": [None, 11.0, 9.8]},
        },
    )
    lenet = built["checks"]["LeNet5"]["broken_variants"]["conv1 frozen"]
    vgg = built["checks"]["VGG"]["broken_variants"]["no BatchNorm"]
    assert lenet["caught_by"] == "LeNet5_every_parameter_gets_a_gradient"
    assert "caught_by" not in vgg and vgg["mean"] == pytest.approx(
        10.4
    )  # the threshold must catch this one


def test_the_calibration_records_the_threads_each_check_trained_on():
    """The MNIST checks train on one thread whatever the grader has (their spec says so); VGG on all."""
    run = {
        "accuracy": [97.8, 97.6, 98.0],
        "seconds": [5.0] * 3,
        "cpu_seconds": [],
        "losses": [[2.0, 1.0]] * 3,
        "per_class": [[97.0] * 10] * 3,
    }
    config = GradingConfig(precision="fp32")
    built = build_table(config, [1, 2, 3], {"LeNet5": run, "VGG": run})
    assert built["threads"] == config.threads
    assert built["checks"]["LeNet5"]["measured"]["train_threads"] == 1
    assert built["checks"]["VGG"]["measured"]["train_threads"] == config.threads


def test_the_committed_cpu_table_says_what_threads_each_check_trained_on():
    raw = committed_tables()["cpu"]
    for name, spec in ((n, c.spec) for n, c in WEEK2.checks("cpu").items()):
        measured = raw["checks"][name]["measured"]
        assert measured["train_threads"] == spec.threads_on(measured["threads"]), name


@pytest.mark.skipif("cpu-bf16" not in committed_tables(), reason="no bf16 CPU table committed")
def test_the_bf16_table_agrees_with_the_fp32_table():
    """The two CPU precisions, compared check by check on the same seeds: for every check, either
    table's threshold is under the other table's worst reference seed, so the reference passes
    whichever table a machine grades with, and the means lie within one σ (one distribution, not
    two). Each table's own broken variants fall under its own threshold
    (test_every_broken_variant_in_the_table_falls_below_its_threshold), and for a check that
    autocasts, every broken variant of either precision falls under both thresholds.

    A check whose spec never uses bf16 trains in fp32 in both tables. Measured on the same kind of
    CPU its entries agree bit for bit; the committed tables come from different CPUs (fp32 on AVX2,
    bf16 on AVX-512 with native bf16), whose fp32 kernels sum in different orders, so there they
    agree only as distributions, which is what lets one fp32 table grade both kinds of CPU."""
    fp32, bf16 = committed_tables()["cpu"], committed_tables()["cpu-bf16"]
    assert fp32["seeds"] == bf16["seeds"]
    for name, spec in ((n, c.spec) for n, c in WEEK2.checks("cpu").items()):
        a, b = fp32["checks"][name], bf16["checks"][name]
        if not spec.bf16 and a["measured"]["machine"] == b["measured"]["machine"]:
            assert a["values"] == b["values"], name
        assert max(a["threshold"], b["threshold"]) < min(a["min"], b["min"]), name
        assert abs(a["mean"] - b["mean"]) < max(a["std"], b["std"]), name
        if spec.bf16:  # a broken model's verdict must not depend on the precision either
            worst_broken = max(
                x
                for t in (a, b)
                for v in t["broken_variants"].values()
                for x in v["accuracy"]
                if x is not None
            )
            assert worst_broken < min(a["threshold"], b["threshold"]), name


def test_an_emulated_bf16_table_takes_its_seconds_from_the_fp32_table(tmp_path, monkeypatch):
    """Emulated bf16 ran ~20x slower than fp32: its seconds would set absurd time limits wherever a
    machine has no speed profile yet. A machine grades in bf16 only where it is native (no slower
    than fp32), so the fp32 entry's seconds stand in."""
    monkeypatch.setenv("AUTOGRADER_THRESHOLDS_DIR", str(tmp_path))
    fp32 = committed_tables()["cpu"]
    (tmp_path / "thresholds_cpu.json").write_text(json.dumps(fp32))
    emulated = json.loads(json.dumps(fp32))
    emulated.update(precision="bf16", emulated_bf16=True)
    for entry in emulated["checks"].values():
        entry["measured"] = {**entry["measured"], "precision": "bf16", "emulated_bf16": True}
        entry["train_cpu_seconds_mean"] = 20 * entry.get("train_cpu_seconds_mean", 1.0)
    (tmp_path / "thresholds_cpu-bf16.json").write_text(json.dumps(emulated))
    assert (
        table.load("cpu", "bf16")["VGG"].train_cpu_seconds
        == fp32["checks"]["VGG"]["train_cpu_seconds_mean"]
    )
    emulated["checks"]["VGG"]["measured"].pop("emulated_bf16")  # measured natively: its own seconds
    (tmp_path / "thresholds_cpu-bf16.json").write_text(json.dumps(emulated))
    assert (
        table.load("cpu", "bf16")["VGG"].train_cpu_seconds
        == 20 * fp32["checks"]["VGG"]["train_cpu_seconds_mean"]
    )
