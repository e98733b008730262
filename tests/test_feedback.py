"""Feedback that teaches: per-student reports with plots, the class summary, the students' own
`check`, and the progress bar. Reads the corpus graded once per session (conftest.corpus)."""

from __future__ import annotations

import pytest

from autograder.results.redact import leaks
from tests.helpers import POINTS, ROOT, TOTAL, run_cli

pytestmark = pytest.mark.slow
PNG = b"\x89PNG\r\n\x1a\n"


def test_every_submission_gets_a_feedback_report_without_test_code(corpus):
    for name in corpus.results:
        text = (corpus.out / name / "feedback.md").read_text(encoding="utf-8")
        score = sum(t["score"] for t in corpus.results[name]["tests"])
        assert f"总分 Total: {score:g} / {TOTAL:g}" in text
        assert "| LeNet5 |" in text and "| VGG |" in text
        assert leaks(text) == []


def test_feedback_names_each_failed_check_and_its_message(corpus):
    text = (corpus.out / "lenet_no_padding" / "feedback.md").read_text(encoding="utf-8")
    lost = POINTS["LeNet5"] - 3  # everything else passes
    assert f"总分 Total: {TOTAL - lost:g} / {TOTAL:g}" in text
    assert f"| LeNet5 | 3 / {POINTS['LeNet5']:g} |" in text
    assert "### LeNet5_intermediate_shapes（-5）" in text and "padding=2" in text
    assert "LeNet5_parameter_count" not in text  # passed checks are not listed as failures
    assert "未通过" not in (corpus.out / "reference" / "feedback.md").read_text(encoding="utf-8")


def test_training_plots_are_drawn(corpus):
    folder = corpus.out / "reference"
    for name in (
        "loss_LeNet5.png",
        "loss_FC2Layer.png",
        "loss_CNN.png",
        "loss_VGG.png",
        "cifar10_per_class.png",
        "perm_lesson.png",
    ):
        assert (folder / name).read_bytes()[:8] == PNG, name
        assert f"]({name})" in (folder / "feedback.md").read_text(encoding="utf-8"), name
    stubs = corpus.out / "stubs"
    assert not list(stubs.glob("*.png"))  # nothing trained, nothing drawn


def test_class_summary_for_the_instructor(corpus):
    text = (corpus.out / "class_summary.md").read_text(encoding="utf-8")
    assert (corpus.out / "class_histogram.png").read_bytes()[:8] == PNG
    assert f"Graded: {len(corpus.results)}; grader errors: 0" in text
    lenet = text.split("### LeNet5")[1].split("###")[0]
    assert "LeNet5_relu_after_each_hidden_layer" in lenet or "LeNet5_output_shape" in lenet


def test_check_runs_the_public_checks_data_free_by_default(data_dir, cache_dir):
    env = {"AUTOGRADER_CACHE_DIR": str(cache_dir), "COURSE_DATA_DIR": str(data_dir)}
    good = run_cli("check", ROOT / "solutions", env_extra=env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "✓ LeNet5_output_shape" in good.stdout and "trains" not in good.stdout
    assert (
        "LeNet5_intermediate_shapes" not in good.stdout
    )  # a hidden-only check: never run by `check`
    bad = run_cli("check", ROOT / "assignments", env_extra=env)
    assert (
        bad.returncode == 1
        and "✗ LeNet5_output_shape" in bad.stdout
        and "请完成 LeNet5.__init__" in bad.stdout
    )
    assert "公开检查得分 public checks: 0 / " in bad.stdout


def test_check_with_train_runs_the_training_checks(data_dir, cache_dir):
    env = {"AUTOGRADER_CACHE_DIR": str(cache_dir), "COURSE_DATA_DIR": str(data_dir)}
    result = run_cli("check", ROOT / "solutions", "--train", "--parts", "FC2Layer", env_extra=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ FC2Layer_trains_on_mnist" in result.stdout and "LeNet5" not in result.stdout


def test_progress_bar_shows_the_submission_and_quiet_hides_it(tmp_path, data_dir, cache_dir):
    args = (
        "grade",
        ROOT / "solutions",
        "--no-training",
        "--no-feedback",
        "--data-dir",
        data_dir,
        "--cache-dir",
        cache_dir,
    )
    shown = run_cli(*args, "--out", tmp_path / "a")
    assert shown.returncode == 0 and "grading: 100%" in shown.stderr and "solutions" in shown.stderr
    assert "solutions" in shown.stdout  # the score table
    quiet = run_cli(*args, "--out", tmp_path / "b", "--quiet")
    assert quiet.returncode == 0 and "grading" not in quiet.stderr and quiet.stdout == ""
