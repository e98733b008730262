"""`autograder.notebook.grade_part` outside nbgrader: nothing on stderr (nbgrader would zero the cell),
clear messages instead of tracebacks when grading is impossible, and the score as the value."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.helpers import POINTS, ROOT
from tests.nbgrader_class import kernel_dir

SOURCE = ROOT / "source" / "week2_cnn"


def grade_in(folder: Path, part: str, **env) -> subprocess.CompletedProcess:
    code = f"from autograder.notebook import grade_part\nprint('VALUE', repr(grade_part({part!r})))"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env},
    )


def value(run: subprocess.CompletedProcess) -> float:
    return float(run.stdout.rsplit("VALUE ", 1)[1])


def test_captured_silences_every_kind_of_stderr_in_a_real_kernel(tmp_path):
    """Python-level and fd-level writes, subprocesses, warnings and logging all stay out of the cell."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import logging, os, subprocess, sys, warnings\n"
                "from autograder.notebook import _captured\n"
                "with _captured() as log:\n"
                "    print('python stderr', file=sys.stderr)\n"
                "    os.write(2, b'fd stderr\\n')\n"
                "    subprocess.run(['sh', '-c', 'echo child stderr >&2; echo child stdout'])\n"
                "    warnings.warn('a torch-style UserWarning')\n"
                "    logging.getLogger('x').error('a log record')\n"
                "    print('python stdout')\n"
                "print('after', 'python stderr' in log.getvalue())\n"
                "7.5"
            )
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    os.environ["JUPYTER_PATH"] = str(kernel_dir(tmp_path / "jupyter"))
    try:
        NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        ).execute()
    finally:
        del os.environ["JUPYTER_PATH"]
    outputs = nb.cells[0].outputs
    assert [o for o in outputs if o.output_type in ("error",) or o.get("name") == "stderr"] == []
    assert "".join(o.text for o in outputs if o.output_type == "stream") == "after True\n"
    assert outputs[-1].output_type == "execute_result" and outputs[-1].data["text/plain"] == "7.5"


def test_missing_notebook_gives_a_message_and_zero(tmp_path):
    run = grade_in(tmp_path, "LeNet5")
    assert run.returncode == 0 and run.stderr == ""
    assert "(cannot find the notebook) lab1_lenet5.ipynb" in run.stdout and value(run) == 0.0
    run = grade_in(tmp_path, "ResNet")
    assert "unknown part 'ResNet'" in run.stdout and value(run) == 0.0


def test_an_engine_that_cannot_be_imported_gives_a_message_not_a_traceback(tmp_path):
    """A kernel whose Python lacks a dependency of the engine (here pytest, shadowed by a broken copy)."""
    shutil.copy(SOURCE / "lab1_lenet5.ipynb", tmp_path)
    (tmp_path / "site" / "pytest").mkdir(parents=True)
    (tmp_path / "site" / "pytest" / "__init__.py").write_text(
        "raise ImportError('pytest is not installed here')\n"
    )
    run = grade_in(tmp_path, "LeNet5", PYTHONPATH=str(tmp_path / "site"))
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert (
        "the grader could not run; this cell scores 0" in run.stdout
        and "Traceback" not in run.stdout
    )
    assert "cannot be imported in this kernel (pytest is not installed here)" in run.stdout
    assert value(run) == 0.0


@pytest.mark.slow
def test_missing_data_fails_only_the_training_check_with_a_clear_note(tmp_path):
    shutil.copy(SOURCE / "lab1_lenet5.ipynb", tmp_path)
    (tmp_path / "empty").mkdir()
    run = grade_in(
        tmp_path,
        "LeNet5",
        COURSE_DATA_DIR=str(tmp_path / "empty"),
        AUTOGRADER_CACHE_DIR=str(tmp_path / "cache"),
    )
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert "✗ LeNet5_trains_on_mnist (0/6)" in run.stdout and "data not found: mnist" in run.stdout
    assert value(run) == POINTS["LeNet5"] - 6  # every data-free check passes
