"""The Gradescope bundle, unpacked and run as Gradescope runs it.

Gradescope (https://gradescope-autograders.readthedocs.io/en/latest/specs/) unpacks the zip in
/autograder/source, copies run_autograder to /autograder/run_autograder, puts the upload in
/autograder/submission and runs run_autograder with /autograder as working directory; it then
reads /autograder/results/results.json. Here /autograder is a temporary folder (AUTOGRADER_ROOT),
the interpreter is the test venv's (AUTOGRADER_PYTHON; setup.sh would have built
/autograder/venv) and the data come from COURSE_DATA_DIR (setup.sh would have downloaded them).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from autograder.results.redact import leaks
from tests.corpus.manifest import CASES, build
from tests.helpers import PARTS, POINTS, ROOT, TOTAL, WEEK2, committed_table_files, run_cli

HIDDEN = WEEK2.hidden_dir.relative_to(ROOT).as_posix()
CALIBRATION = WEEK2.calibration_dir.relative_to(ROOT).as_posix()
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
# Gradescope's results.json, as its specification describes each field.
RESULTS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "leaderboard": {"type": "array"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "name": {"type": "string"},
                    "name_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                    "number": {"type": "string"},
                    "output": {"type": "string"},
                    "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": VISIBILITY,
                    "extra_data": {"type": "object"},
                },
            },
        },
    },
    "anyOf": [{"required": ["score"]}, {"required": ["tests"]}],
}


def unpack(bundle: Path, into: Path) -> None:
    """Unzip keeping the permission bits stored in the zip (as unzip does)."""
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            target = into / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                target.chmod(mode)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    result = run_cli("gradescope-bundle", out)
    assert result.returncode == 0, result.stderr
    return out


def autograder_root(bundle: Path, base: Path) -> Path:
    """A fresh /autograder: source (the unpacked bundle), submission, results, run_autograder."""
    root = base / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    unpack(bundle, root / "source")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    return root


def run_autograder(
    root: Path, data_dir: Path, cache_dir: Path, **env
) -> tuple[subprocess.CompletedProcess, dict]:
    result = subprocess.run(
        [str(root / "run_autograder")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=1800,
        env={
            **os.environ,
            "AUTOGRADER_ROOT": str(root),
            "AUTOGRADER_PYTHON": sys.executable,
            "COURSE_DATA_DIR": str(data_dir),
            "AUTOGRADER_CACHE_DIR": str(cache_dir),
            **env,
        },
    )
    text = (root / "results" / "results.json").read_text(encoding="utf-8")
    results = json.loads(text)
    jsonschema.validate(results, RESULTS_SCHEMA)
    assert not leaks(text), "results.json shows hidden-test code"
    return result, results


# ---------------------------------------------------------------- the zip


def committed_tables() -> set[str]:
    """The calibration tables in the package, as archive paths."""
    tables = {p.relative_to(ROOT).as_posix() for p in committed_table_files()}
    assert f"{CALIBRATION}/thresholds_cpu.json" in tables
    return tables


def test_bundle_has_gradescope_layout_and_the_hidden_suites(bundle):
    with zipfile.ZipFile(bundle) as archive:
        infos = {i.filename: i for i in archive.infolist()}
    for script in ("setup.sh", "run_autograder"):
        assert script in infos, f"{script} must be at the root of the zip"
        assert stat.S_IMODE(infos[script].external_attr >> 16) == 0o755
        assert archive_text(bundle, script).startswith("#!/usr/bin/env bash")
    for part in PARTS:
        assert f"{HIDDEN}/test_{part.lower()}.py" in infos
    assert "pyproject.toml" in infos
    assert committed_tables() <= set(
        infos
    )  # every precision's table: a bf16 CPU grades with its own
    assert "torch==" in archive_text(bundle, "requirements-torch.txt")
    # the reference rides along for the canary (setup.sh makes it root-only, as the hidden suites)
    assert {f"solutions/lab{i}" for i in ("1_lenet5.py", "2_mlp_vs_cnn.py", "3_vgg.py")} <= set(
        infos
    )
    assert not [n for n in infos if n.startswith(("tests/", "assignments/")) or n.endswith(".pyc")]


def archive_text(bundle: Path, name: str) -> str:
    with zipfile.ZipFile(bundle) as archive:
        return archive.read(name).decode("utf-8")


def test_bundle_is_reproducible_and_refuses_other_names(bundle, tmp_path):
    again = tmp_path / "again.zip"
    assert run_cli("gradescope-bundle", again).returncode == 0
    assert again.read_bytes() == bundle.read_bytes()
    result = run_cli("gradescope-bundle", tmp_path / "autograder.tar")
    assert (
        result.returncode == 2
        and "ending in .zip" in result.stderr
        and "Traceback" not in result.stderr
    )


def test_scripts_are_valid_bash(bundle, tmp_path):
    unpack(bundle, tmp_path)
    for script in ("setup.sh", "run_autograder"):
        check = subprocess.run(
            ["bash", "-n", str(tmp_path / script)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr


def test_a_grader_that_cannot_start_still_writes_valid_results(bundle, tmp_path):
    root = autograder_root(bundle, tmp_path)
    result, results = run_autograder(
        root, tmp_path, tmp_path / "cache", AUTOGRADER_PYTHON="/bin/false"
    )
    assert result.returncode != 0
    assert results["score"] == 0 and results["extra_data"]["grader_error"] is True
    assert "the grader failed" in results["output"]


@pytest.mark.parametrize(
    "cgroup, files, expected",
    [
        ("0::/", {"cpu.max": "50000 100000\n"}, 1),  # cgroup v2, Gradescope's default 0.5 CPU
        ("0::/job", {"job/cpu.max": "200000 100000\n"}, 2),
        ("0::/", {"cpu.max": "max 100000\n"}, None),
        (
            "4:cpu,cpuacct:/docker/abc",
            {"cpu/cpu.cfs_quota_us": "150000\n", "cpu/cpu.cfs_period_us": "100000\n"},
            2,
        ),
        (
            "4:cpu,cpuacct:/",
            {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"},
            None,
        ),
        ("4:cpu:/", {}, None),
    ],
)
def test_cpu_quota_is_read_from_cgroup_v1_and_v2(tmp_path, cgroup, files, expected):
    from autograder.verbs.gradescope_run import cpu_quota

    (tmp_path / "cgroup").write_text(cgroup + "\n")
    for rel, text in files.items():
        (tmp_path / "fs" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "fs" / rel).write_text(text)
    assert cpu_quota(tmp_path / "cgroup", tmp_path / "fs") == expected


# ---------------------------------------------------------------- grading runs


@pytest.mark.slow
def test_reference_stubs_and_a_wrong_submission(bundle, tmp_path, data_dir, cache_dir):
    wrong = next(c for c in CASES if c.name == "lenet_no_relu")
    expected_fail = set(wrong.fails)
    runs = {}
    for case in ("reference", "stubs", wrong.name):
        root = autograder_root(bundle, tmp_path / case)
        source = build(next(c for c in CASES if c.name == case), tmp_path / case)
        for path in source.glob("*.py"):
            shutil.copy(path, root / "submission" / path.name)
        runs[case] = run_autograder(root, data_dir, cache_dir)

    process, reference = runs["reference"]
    assert process.returncode == 0, process.stdout + process.stderr
    assert reference["score"] == TOTAL and not reference["extra_data"]["grader_error"]
    assert {p: v["score"] for p, v in reference["extra_data"]["parts"].items()} == {
        p: v["max_score"] for p, v in reference["extra_data"]["parts"].items()
    }
    # Hidden tests: names and messages after the due date; the run's stdout never to students.
    assert {t["visibility"] for t in reference["tests"]} == {"after_due_date"}
    assert reference["stdout_visibility"] == "hidden"
    assert {t["tags"][0] for t in reference["tests"]} == set(PARTS)

    _, stubs = runs["stubs"]
    assert stubs["score"] == 0 and {t["status"] for t in stubs["tests"]} == {"failed"}
    assert all(t["output"].strip() for t in stubs["tests"]), "every failed check says why"

    _, result = runs[wrong.name]
    failed = {t["name"] for t in result["tests"] if t["status"] == "failed"}
    assert failed == expected_fail
    lost = sum(t["max_score"] for t in result["tests"] if t["name"] in expected_fail)
    assert result["score"] == TOTAL - lost
    assert result["extra_data"]["parts"]["LeNet5"]["score"] == POINTS["LeNet5"] - lost
    assert all(
        result["extra_data"]["parts"][p]["score"] == reference["extra_data"]["parts"][p]["score"]
        for p in PARTS
        if p != "LeNet5"
    )


@pytest.mark.slow
def test_a_notebook_upload_is_graded(bundle, tmp_path, data_dir, cache_dir):
    import nbformat

    root = autograder_root(bundle, tmp_path)
    notebook = (
        nbformat.v4.new_notebook()
    )  # the reference as a student's Colab notebook: one cell per lab file
    notebook.cells = [
        nbformat.v4.new_code_cell(p.read_text(encoding="utf-8"))
        for p in sorted((ROOT / "solutions").glob("*.py"))
    ]
    nbformat.write(notebook, root / "submission" / "week2.ipynb")
    process, results = run_autograder(root, data_dir, cache_dir)
    assert process.returncode == 0, process.stdout + process.stderr
    assert results["score"] == TOTAL


@pytest.mark.slow
def test_a_grader_failure_is_reported_in_results(bundle, tmp_path, data_dir, cache_dir):
    root = autograder_root(bundle, tmp_path)
    for path in (ROOT / "solutions").glob("*.py"):
        shutil.copy(path, root / "submission" / path.name)
    tables = list((root / "source" / CALIBRATION).glob("thresholds_cpu*.json"))
    assert tables, "the bundle's tables are where the assignment keeps them"
    for table in tables:
        table.unlink()  # a broken bundle: no CPU table for either precision, whichever this CPU would use
    process, results = run_autograder(root, data_dir, cache_dir)
    assert process.returncode == 2
    assert results["score"] == 0 and results["extra_data"]["grader_error"] is True
    assert "instructor will regrade" in results["output"] and "GRADER ERROR" in process.stdout


@pytest.mark.slow
def test_bundle_engine_installs_with_the_hidden_suites(bundle, tmp_path):
    """setup.sh runs `pip install -e /autograder/source`: its pyproject must build, with hidden/ and the table."""
    pytest.importorskip(
        "setuptools", reason="building without isolation needs setuptools in this venv"
    )
    unpack(bundle, tmp_path / "source")
    wheel = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "wheel"),
            str(tmp_path / "source"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert wheel.returncode == 0, wheel.stderr
    names = zipfile.ZipFile(next((tmp_path / "wheel").glob("*.whl"))).namelist()
    assert {f"{HIDDEN}/test_{p.lower()}.py" for p in PARTS} <= set(names)
    assert committed_tables() <= set(names)
