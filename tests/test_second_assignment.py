"""A second assignment (tests/tiny_assignment/), graded end to end by the unchanged engine through
the real CLI: the proof that the engine names no part of week 2. Its reference, stubs and corpus
are graded once per session, in one batch, with a cache of their own; check and calibrate run on
it too. The expectations are read from its declaration (points, parts, run order), not written
here as numbers."""

from __future__ import annotations

import ast
import csv
import json
from pathlib import Path

import pytest

from autograder.release import stubs
from tests.helpers import ROOT, Graded, failing, read_results, run_cli, statuses
from tests.tiny_assignment import ASSIGNMENT
from tests.tiny_assignment.corpus import FAILS, OWN_MODEL
from tests.tiny_assignment.corpus import paths as corpus_paths

pytestmark = pytest.mark.slow

TINY = ROOT / "tests" / "tiny_assignment"
REF = "tests/tiny_assignment"
"""The --assignment argument, as an instructor types it in the repository (a package folder)."""
WEEK2_WORDS = ("LeNet5", "FC2Layer", "CNN", "VGG", "perm_pixel", "第2周", "week2", "CIFAR")
"""What would show that week 2 leaked into a run of another assignment."""
TEXT_OUTPUTS = (".json", ".md", ".csv")


@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory) -> Path:
    """This module's own cache: the canary has no memo in it, so grade must run it."""
    return tmp_path_factory.mktemp("tiny-cache")


@pytest.fixture(scope="session")
def graded(tmp_path_factory, data_dir, tiny_cache) -> Graded:
    """The reference, the stubs and the corpus, graded once in one batch (not --quiet: the
    printed table and the canary's line are checked too)."""
    out = tmp_path_factory.mktemp("tiny") / "out"
    paths = [TINY / "solutions", TINY / "assignments", *corpus_paths()]
    result = run_cli(
        "grade",
        *paths,
        "--assignment",
        REF,
        "--out",
        out,
        "--data-dir",
        data_dir,
        "--cache-dir",
        tiny_cache,
        timeout=600,
    )
    return Graded(result.returncode, result.stdout, result.stderr, out, read_results(out))


def test_the_batch_is_graded_without_grader_errors(graded):
    assert graded.returncode == 0, graded.stderr[-3000:]
    assert set(graded.results) == {"solutions", "assignments", *FAILS}
    assert all(r["grader_error"] is None for r in graded.results.values())


def test_the_reference_gets_the_declared_points_of_every_part(graded):
    result = graded.results["solutions"]
    assert failing(result) == set()
    per_part = {p: 0.0 for p in ASSIGNMENT.part_names}
    for test in result["tests"]:
        per_part[test["part"]] += test["max_score"]
    assert per_part == {p.name: p.points for p in ASSIGNMENT.parts}
    assert sum(t["score"] for t in result["tests"]) == ASSIGNMENT.total_points


def test_the_untouched_stubs_get_zero_without_a_crash(graded):
    result = graded.results["assignments"]
    assert result["grader_error"] is None
    assert failing(result) == set(statuses(result)) != set()
    assert sum(t["score"] for t in result["tests"]) == 0
    for test in result["tests"]:
        assert "NotImplementedError" in test["output"] or "未运行" in test["output"], test["name"]


@pytest.mark.parametrize("name", sorted(FAILS))
def test_each_wrong_submission_gets_its_verdict(graded, name):
    result = graded.results[name]
    assert failing(result) == FAILS[name], {
        t["name"]: t["output"][:300]
        for t in result["tests"]
        if t["name"] in failing(result) ^ FAILS[name]
    }
    assert set(statuses(result)) == set(statuses(graded.results["solutions"]))


def test_parts_are_graded_in_the_run_order_and_predict_reads_TinyNet_s_verdicts(graded):
    """predict comes after TinyNet (its `after`), though declared before it: the tests run in the
    run order, and predict uses the student's TinyNet only where TinyNet's checks passed."""
    assert ASSIGNMENT.run_order != ASSIGNMENT.part_names
    for name, result in graded.results.items():
        parts = [t["part"] for t in result["tests"]]
        assert sorted(parts, key=ASSIGNMENT.run_order.index) == parts, name
        records = [t["data"]["predict"] for t in result["tests"] if t["part"] == "predict"]
        want = {"solutions": True, "assignments": False, **OWN_MODEL}[name]
        assert records and all(r == {"own_model": want} for r in records), name


def test_grades_csv_has_exactly_the_assignment_s_parts(graded):
    with open(graded.out / "grades.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
        header = list(rows[0])
    assert header == ["submission", *ASSIGNMENT.part_names, "total", "max_score", "status"]
    by_name = {r["submission"]: r for r in rows}
    assert set(by_name) == set(graded.results)
    assert float(by_name["solutions"]["total"]) == ASSIGNMENT.total_points
    assert float(by_name["assignments"]["total"]) == 0
    assert all(float(r["max_score"]) == ASSIGNMENT.total_points for r in rows)
    assert header in [line.split() for line in graded.stdout.splitlines()]  # the printed table


def test_feedback_has_the_assignment_s_title_and_a_loss_plot(graded):
    for name, result in graded.results.items():
        folder = graded.out / name
        text = (folder / "feedback.md").read_text(encoding="utf-8")
        assert text.startswith(f"# {ASSIGNMENT.title}"), name
        trained = any(t["data"].get("TinyNet", {}).get("losses") for t in result["tests"])
        assert trained == (name != "assignments"), name  # the stubs never train
        if trained:
            assert (folder / "loss_TinyNet.png").stat().st_size > 0
            assert "](loss_TinyNet.png)" in text and "TinyNet · MNIST" in text
    softmax = (graded.out / "softmax_output" / "feedback.md").read_text(encoding="utf-8")
    assert "### TinyNet_outputs_log_probabilities" in softmax and "不是对数概率" in softmax


def test_the_class_summary_covers_the_assignment_s_parts(graded):
    text = (graded.out / "class_summary.md").read_text(encoding="utf-8")
    assert f"Graded: {len(graded.results)}; grader errors: 0" in text
    assert all(f"### {part} (mean" in text for part in ASSIGNMENT.part_names)
    assert (graded.out / "class_histogram.png").stat().st_size > 0


def test_the_canary_graded_the_assignment_s_own_reference_first(graded):
    assert (
        f"canary: grading the reference solution on this machine first "
        f"({', '.join(ASSIGNMENT.part_names)};" in graded.stdout
    )
    summary = json.loads((graded.out / "summary.json").read_text())
    canary = summary["canary"]
    assert canary["ran"] and canary["score"] == canary["max_score"] == ASSIGNMENT.total_points
    assert set(canary["reference_seconds"]) == set(ASSIGNMENT.checks("cpu"))
    memo = json.loads(Path(canary["memo"]).read_text())
    (entry,) = memo["canaries"].values()
    assert entry["passed"] and entry["parts"] == list(ASSIGNMENT.part_names)
    assert summary["thresholds"] == str(ASSIGNMENT.calibration_dir / "thresholds_cpu.json")


def test_nothing_of_week2_appears_in_the_outputs(graded):
    texts = {
        p: p.read_text(encoding="utf-8") for p in graded.out.rglob("*") if p.suffix in TEXT_OUTPUTS
    }
    texts[Path("stdout")] = graded.stdout
    found = {str(p): [w for w in WEEK2_WORDS if w in t] for p, t in texts.items()}
    assert not any(found.values()), {p: w for p, w in found.items() if w}


def test_no_line_of_the_hidden_suites_reaches_the_results(graded):
    """What the redactor treats as evidence of a leak (a hidden line of 16+ characters), for this
    assignment's own suites."""
    hidden = {
        line.strip()
        for path in ASSIGNMENT.hidden_dir.glob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line.strip()) >= 16 and not line.strip().startswith("#")
    }
    for path in graded.out.glob("*/results.json"):
        text = path.read_text(encoding="utf-8")
        assert not [line for line in hidden if line in text], path


def _check(path: Path, data_dir: Path, cache: Path):
    return run_cli(
        "check",
        path,
        "--assignment",
        REF,
        "--data-dir",
        data_dir,
        "--cache-dir",
        cache,
        timeout=300,
    )


def test_check_passes_the_reference_on_the_public_checks(graded, data_dir, tiny_cache):
    done = _check(TINY / "solutions", data_dir, tiny_cache)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "✗" not in done.stdout and "✓ flatten_keeps_pixel_order" in done.stdout
    assert not [w for w in WEEK2_WORDS if w in done.stdout]


def test_check_fails_a_wrong_submission_with_its_message(graded, data_dir, tiny_cache):
    done = _check(TINY / "corpus" / "softmax_output.py", data_dir, tiny_cache)
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    assert "✗ TinyNet_outputs_log_probabilities" in done.stdout
    assert "TinyNet 的输出不是对数概率" in done.stdout
    assert "(outputs are not log-probabilities)" in done.stdout


def test_calibrate_writes_a_table_for_the_assignment_s_training_check(
    graded, tmp_path, data_dir, tiny_cache
):
    committed = ASSIGNMENT.calibration_dir / "thresholds_cpu.json"
    before = committed.read_bytes()
    out = tmp_path / "t.json"
    done = run_cli(
        "calibrate",
        "--assignment",
        REF,
        "--seeds",
        "2",
        "--broken-seeds",
        "0",
        "--out",
        out,
        "--data-dir",
        data_dir,
        "--cache-dir",
        tiny_cache,
        "--quiet",
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = json.loads(out.read_text())
    assert table["device"] == "cpu" and table["seeds"] == [100, 101]
    assert set(table["checks"]) == set(ASSIGNMENT.checks("cpu")) == {"TinyNet"}
    entry = table["checks"]["TinyNet"]
    assert entry["n"] == 2 and entry["threshold"] < entry["mean"]
    assert committed.read_bytes() == before  # --out: the committed table is left alone


def test_the_committed_threshold_separates_the_reference_from_the_broken_variants():
    """Every broken variant that no behavioural check catches scores below the threshold on every
    seed; the reference's mean sits well above it."""
    table = json.loads((ASSIGNMENT.calibration_dir / "thresholds_cpu.json").read_text())
    entry = table["checks"]["TinyNet"]
    assert entry["n"] >= 20 and entry["meets_target"]
    assert entry["mean"] - entry["threshold"] >= 2.0
    variants = entry["broken_variants"]
    assert set(variants) == {v.label for v in ASSIGNMENT.broken["TinyNet"]}
    for label, measured in variants.items():
        if "caught_by" not in measured:
            assert max(measured["accuracy"]) < entry["threshold"], label


def test_the_stubs_are_derived_from_the_reference():
    """assignments/ is what release/stubs.py derives from solutions/, laid out by ruff format (which
    wraps the long `raise NotImplementedError(...)` lines): the same code, compared as syntax."""
    derived = stubs.derive(TINY / "solutions")
    committed = {p.name: p.read_text(encoding="utf-8") for p in (TINY / "assignments").glob("*.py")}
    assert set(committed) == set(derived)
    for name, text in derived.items():
        assert ast.dump(ast.parse(committed[name])) == ast.dump(ast.parse(text)), name
