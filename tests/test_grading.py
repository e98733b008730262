"""The grader's verdicts on real submissions: the reference, the stubs, correct variants and a
corpus of wrong ones. The corpus is graded once, in one batch, by the real CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from autograder.results.redact import leaks
from tests.corpus.manifest import CASES
from tests.helpers import PARTS, SAME_CODE, TOTAL, WEEK2, failing, grade, statuses, suite_tests

pytestmark = pytest.mark.slow


def test_batch_completes_without_grader_errors(corpus):
    assert corpus.returncode == 0, corpus.stderr[-3000:]
    assert set(corpus.results) == {c.name for c in CASES} | {
        f"{n}__{k}" for n in SAME_CODE for k in ("file", "notebook")
    }
    assert all(r["grader_error"] is None for r in corpus.results.values())


def test_reference_gets_full_marks(corpus):
    result = corpus.results["reference"]
    assert failing(result) == set()
    assert (
        sum(t["score"] for t in result["tests"])
        == sum(t["max_score"] for t in result["tests"])
        == TOTAL
    )


def test_reference_gets_full_marks_on_a_second_seed(tmp_path, data_dir, cache_dir):
    graded = grade(
        [Path(__file__).parents[1] / "solutions"],
        tmp_path / "out",
        data_dir,
        cache_dir,
        "--seed",
        "1",
    )
    assert graded.returncode == 0, graded.stderr[-2000:]
    result = graded.results["solutions"]
    assert result["seed"] == 1 and failing(result) == set()


def test_untouched_stubs_get_zero_without_a_crash(corpus):
    result = corpus.results["stubs"]
    assert result["grader_error"] is None
    assert len(result["tests"]) == len(suite_tests(WEEK2.hidden_dir)) and failing(result) == set(
        statuses(result)
    )
    assert sum(t["score"] for t in result["tests"]) == 0
    for test in result["tests"]:
        assert "NotImplementedError" in test["output"] or "未运行" in test["output"], test["name"]


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.kind in ("correct", "wrong")], ids=lambda c: c.name
)
def test_verdict_matches_the_manifest(corpus, case):
    result = corpus.results[case.name]
    assert failing(result) == set(case.fails), {
        t["name"]: t["output"][:300]
        for t in result["tests"]
        if t["name"] in failing(result) ^ set(case.fails)
    }
    if case.kind == "wrong":
        assert case.fails and all(name.startswith(case.part + "_") for name in case.fails)


@pytest.mark.parametrize("name", SAME_CODE)
def test_a_file_a_notebook_and_a_folder_get_the_same_verdicts(corpus, name):
    folder = statuses(corpus.results[name])
    assert statuses(corpus.results[f"{name}__file"]) == folder
    assert statuses(corpus.results[f"{name}__notebook"]) == folder


def test_messages_name_the_fault(corpus):
    def output(case, test):
        return next(t["output"] for t in corpus.results[case]["tests"] if t["name"] == test)

    shapes = output("lenet_no_padding", "LeNet5_intermediate_shapes")
    assert (
        "conv1" in shapes
        and "(4, 6, 24, 24)" in shapes
        and "(4, 6, 28, 28)" in shapes
        and "padding=2" in shapes
    )
    assert "未运行" in output("lenet_no_padding", "LeNet5_trains_on_mnist")
    relu = output("lenet_no_relu", "LeNet5_relu_after_each_hidden_layer")
    assert "conv2" in relu and "conv1 之后缺少 ReLU" in relu
    counts = output("fc2layer_hardcoded_sizes", "FC2Layer_parameter_count_other_sizes")
    assert (
        "FC2Layer(784, 12, 10)" in counts
        and "6,442" in counts
        and "9,706" in counts
        and "n_hidden" in counts
    )
    assert "修改了输入" in output("perm_pixel_in_place", "perm_pixel_does_not_modify_input")
    assert "conv1.weight" in output("lenet_frozen_conv1", "LeNet5_every_parameter_gets_a_gradient")
    assert "%" in output("lenet_constant_output", "LeNet5_trains_on_mnist")


def test_grades_csv_has_a_row_per_submission_and_a_column_per_part(corpus):
    with open(corpus.out / "grades.csv", encoding="utf-8") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(corpus.results)
    for name, result in corpus.results.items():
        row = rows[name]
        for part in PARTS:
            expected = sum(t["score"] for t in result["tests"] if t["part"] == part)
            assert float(row[part]) == expected
        assert float(row["total"]) == sum(float(row[p]) for p in PARTS)
        assert row["max_score"] == f"{TOTAL:g}" and row["status"] == "graded"


def test_results_json_follows_the_gradescope_schema(corpus):
    for name in corpus.results:
        data = json.loads((corpus.out / name / "results.json").read_text())
        assert isinstance(data["score"], (int, float)) and data["score"] == sum(
            t["score"] for t in data["tests"]
        )
        for test in data["tests"]:
            assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
            assert test["status"] in ("passed", "failed") and test["visibility"] == "after_due_date"
            assert test["name"].split("_")[0] in {p.split("_")[0] for p in PARTS}


def test_every_random_choice_is_seeded_and_recorded(corpus):
    summary = json.loads((corpus.out / "summary.json").read_text())
    assert summary["seed"] == 0 and summary["environment"]["torch"]
    training = next(
        t for t in corpus.results["reference"]["tests"] if t["name"] == "LeNet5_trains_on_mnist"
    )
    assert training["data"]["LeNet5"]["attempts"][0][0] == 0


def test_no_hidden_test_code_leaves_the_grader(corpus):
    for path in corpus.out.rglob("*"):
        if path.is_file():
            assert leaks(path.read_text(errors="replace")) == [], path
