import pytest
import torch

from autograder import cli
from autograder.calibrate.table import table_path
from autograder.config import GradingConfig
from tests.helpers import ROOT, run_cli

VERBS = sorted(cli.build_parser()._subparsers._group_actions[0].choices)


def test_the_parser_has_every_documented_verb():
    assert {
        "grade",
        "check",
        "canary",
        "calibrate",
        "stubs",
        "notebooks",
        "merge",
        "classroom-template",
        "gradescope-bundle",
    } <= set(VERBS)


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(verb):
    result = run_cli(verb, "--help")
    assert result.returncode == 0 and "usage:" in result.stdout


def test_bad_arguments_exit_2_with_a_message(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.run(["grade", "x.py", "--out", "o", "--shard", "5/2"])
    assert exc.value.code == 2
    assert "1 <= I <= N" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_one_setup_error_before_grading(tmp_path):
    result = run_cli(
        "grade", ROOT / "solutions", "--out", tmp_path / "out", "--device", "cuda", "--quiet"
    )
    assert result.returncode == 2
    assert (
        result.stderr.startswith("error: --device cuda: no CUDA device")
        and "Traceback" not in result.stderr
    )
    assert not (tmp_path / "out").exists()  # nobody graded, no zeros written


def test_a_submission_that_does_not_exist_is_refused_not_graded(tmp_path):
    """e.g. an unexpanded `class/*/` reaches grade as a literal path: no student '*' with 0 points."""
    result = run_cli(
        "grade", ROOT / "solutions", tmp_path / "class" / "*", "--out", tmp_path / "out", "--quiet"
    )
    assert (
        result.returncode == 2
        and "no such submission" in result.stderr
        and "Traceback" not in result.stderr
    )
    assert not (tmp_path / "out").exists()


def test_a_missing_calibration_table_stops_before_grading(tmp_path):
    result = run_cli(
        "grade",
        ROOT / "solutions",
        "--out",
        tmp_path / "out",
        "--quiet",
        env_extra={"AUTOGRADER_THRESHOLDS_DIR": str(tmp_path)},
    )
    assert result.returncode == 2
    assert (
        "no calibration table for device 'cpu'" in result.stderr
        and "Traceback" not in result.stderr
    )
    assert not (tmp_path / "out").exists()


def test_rehearsal_knobs_select_the_cuda_specs_and_another_table(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOGRADER_SPEC_KIND", "cuda")
    monkeypatch.setenv("AUTOGRADER_THRESHOLDS_DIR", str(tmp_path))
    config = GradingConfig()
    assert config.device == "cpu" and config.device_kind == "cuda"
    assert table_path(config.device_kind) == tmp_path / "thresholds_cuda.json"
    monkeypatch.setenv("AUTOGRADER_SPEC_KIND", "gpu")
    with pytest.raises(ValueError, match="use cpu or cuda"):
        GradingConfig()


def test_a_bad_rehearsal_knob_is_a_clear_error():
    result = run_cli("grade", "x.py", "--out", "o", env_extra={"AUTOGRADER_SPEC_KIND": "gpu"})
    assert (
        result.returncode == 2
        and "AUTOGRADER_SPEC_KIND='gpu'" in result.stderr
        and "Traceback" not in result.stderr
    )
