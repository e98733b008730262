"""The GitHub Classroom template: what it holds, and its workflow run step by step as the
Classroom actions would run it.

The two actions are re-enacted from their sources (classroom-resources, v1):
- autograding-command-grader (src/main.js): `execSync(setupCommand)` then `execSync(command)`, each
  with `{timeout: timeout-minutes * 60000, env, stdio: 'inherit'}` in the job's working directory
  (the checkout), where env is only PATH, HOME, FORCE_COLOR=true, DOTNET_CLI_HOME=/tmp,
  DOTNET_NOLOGO=true; execSync runs the string with /bin/sh. Exit 0: status 'pass' and
  score = max-score; a non-zero exit: 'fail', 0; a time-out: 'error', 0. The step's output
  `result` is that JSON, base64-encoded.
- autograding-grading-reporter (src/main.js, src/notify-classroom.js): reads each runner's
  `<RUNNER-ID upper-cased>_RESULTS` env var, and reports `Points total/max` (the dashboard's
  number), summing max_score and the tests' scores of every runner with a max_score.

Offline here, three things differ from a GitHub runner, each standing in for a workflow step
that needs the network: COURSE_DATA_DIR points at the course's copy of the data (on GitHub the
fetch step downloads into ~/.cache, restored by actions/cache), AUTOGRADER_CACHE_DIR is the test
session's cache (identical code is not retrained), and PYTHONPATH puts the template's .autograder/
first (on GitHub, `pip install -r requirements.txt` installs it; the shared test venv must not be
changed).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from autograder.release import notebooks, vendor
from autograder.results.redact import leaks
from autograder.verbs import classroom
from tests.helpers import PARTS, ROOT, TOTAL, WEEK2, committed_table_files, run_cli

COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
PUBLIC_SUITE = WEEK2.public_dir / "test_public.py"
PUBLIC_REL = PUBLIC_SUITE.relative_to(ROOT).as_posix()
TABLE_REL = (WEEK2.calibration_dir / "thresholds_cpu.json").relative_to(ROOT).as_posix()
ACTION_ENV = {"FORCE_COLOR": "true", "DOTNET_CLI_HOME": "/tmp", "DOTNET_NOLOGO": "true"}


def public_part_totals() -> dict[str, float]:
    """Points per part of the public suite, read from its @pytest.mark.points(n) decorators."""
    return notebooks.part_points(WEEK2, WEEK2.public_dir)


def workflow() -> dict:
    return yaml.safe_load((ROOT / "classroom" / "classroom.yml").read_text(encoding="utf-8"))


def the_job(doc: dict) -> dict:
    return doc["jobs"]["run-autograding-tests"]


def grader_steps(doc: dict) -> list[dict]:
    return [s for s in the_job(doc)["steps"] if s.get("uses") == COMMAND_GRADER]


# ---------------------------------------------------------------- what the template holds


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("template") / "week2"
    result = run_cli("classroom-template", out)
    assert result.returncode == 0, result.stderr
    return out


def solution_lines() -> set[str]:
    """Lines only the reference has: between ### BEGIN/END SOLUTION, and not given in the stubs."""
    given = {
        line.strip()
        for p in (ROOT / "assignments").glob("*.py")
        for line in p.read_text(encoding="utf-8").splitlines()
    }
    lines = set()
    for path in (ROOT / "solutions").glob("*.py"):
        inside = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() in ("### BEGIN SOLUTION", "### END SOLUTION"):
                inside = line.strip() == "### BEGIN SOLUTION"
            elif inside and len(line.strip()) >= 16:
                lines.add(line.strip())
    return lines - given


def hidden_only_lines() -> set[str]:
    """Lines of the hidden suites that no other engine file has (`import numpy as np` is no secret)."""
    public = {
        line.strip()
        for p in (ROOT / "autograder").rglob("*.py")
        if "hidden" not in p.parts
        for line in p.read_text(encoding="utf-8").splitlines()
    }
    suites = "\n".join(p.read_text(encoding="utf-8") for p in WEEK2.hidden_dir.glob("*.py"))
    return set(leaks(suites)) - public


def test_template_holds_stubs_public_checks_and_no_secrets(template):
    files = {p.relative_to(template).as_posix(): p for p in template.rglob("*") if p.is_file()}
    for stub in (ROOT / "assignments").glob("*.py"):
        assert files[stub.name].read_bytes() == stub.read_bytes()
    assert files["README.md"].read_bytes() == (ROOT / "classroom" / "README.md").read_bytes()
    assert (
        files[".github/workflows/classroom.yml"].read_bytes()
        == (ROOT / "classroom" / "classroom.yml").read_bytes()
    )
    assert f".autograder/{PUBLIC_REL}" in files
    tables = {
        f".autograder/{t.relative_to(ROOT).as_posix()}" for t in committed_table_files()
    }  # every precision's
    assert f".autograder/{TABLE_REL}" in tables and tables <= set(files)
    # Nothing hidden, nothing from solutions/ or tests/.
    assert not [f for f in files if "/hidden/" in f or f.startswith(("solutions/", "tests/"))]
    secret, hidden = solution_lines(), hidden_only_lines()
    assert secret and hidden
    for rel, path in files.items():
        lines = {
            line.strip()
            for line in path.read_bytes().decode("utf-8", errors="replace").splitlines()
        }
        assert not hidden & lines, f"{rel} holds hidden-suite lines"
        assert not secret & lines, f"{rel} holds solution lines"
    # The vendored engine is the engine, file for file (minus hidden/).
    engine = vendor.engine_files(hidden=False)
    assert {f".autograder/{k}" for k in engine} == {
        f for f in files if f.startswith(".autograder/autograder/")
    }
    for rel, data in engine.items():
        assert files[f".autograder/{rel}"].read_bytes() == data


def test_template_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = run_cli("classroom-template", tmp_path)
    assert result.returncode == 2
    assert "not an empty folder" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_workflow_grades_each_part_with_the_public_points():
    doc = workflow()
    assert doc["name"] == "Autograding Tests" and list(doc["jobs"]) == ["run-autograding-tests"]
    steps = grader_steps(doc)
    assert [s["with"]["test-name"] for s in steps] == list(PARTS)
    totals = public_part_totals()
    assert {s["with"]["test-name"]: float(s["with"]["max-score"]) for s in steps} == totals
    assert sum(totals.values()) == TOTAL
    for step in steps:
        part = step["with"]["test-name"]
        assert step["with"]["command"] == f"python -m autograder check . --parts {part} --train"
        assert 0 < float(step["with"]["timeout"]) < step["timeout-minutes"]
    job = the_job(doc)
    assert job["timeout-minutes"] and all("timeout-minutes" in s for s in job["steps"])
    reporter = next(s for s in job["steps"] if s.get("uses") == REPORTER)
    runners = [r for r in re.split(r"[\s,]", reporter["with"]["runners"]) if r]
    assert runners == [s["id"] for s in steps]
    for step in steps:
        assert (
            reporter["env"][f"{step['id'].upper()}_RESULTS"]
            == "${{ steps." + step["id"] + ".outputs.result }}"
        )


def test_workflow_installs_cpu_torch_and_caches_pip_and_data():
    steps = the_job(workflow())["steps"]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["cache"] == "pip"
    install = "\n".join(s.get("run", "") for s in steps)
    assert f"-r requirements-torch.txt --index-url {vendor.CPU_INDEX}" in install
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    assert "~/.cache/week2-autograder/downloads" in cache["with"]["path"]
    fetch = next(i for i, s in enumerate(steps) if "autograder.data.fetch" in s.get("run", ""))
    assert steps.index(cache) < fetch < steps.index(grader_steps(workflow())[0])


# ---------------------------------------------------------------- the workflow, run


def runner_path() -> str:
    """PATH with this Python's bin first, as actions/setup-python leaves it for later steps."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])


def command_grader(step: dict, workspace: Path, offline_env: dict) -> tuple[str, float, str]:
    """Run one command-grader step as the action does; (base64 result, seconds, output)."""
    inputs = step["with"]
    timeout = float(inputs.get("timeout") or 10) * 60
    max_score = int(inputs.get("max-score") or 0)
    env = {"PATH": runner_path(), "HOME": os.environ["HOME"], **ACTION_ENV, **offline_env}
    status, output, started = "pass", "", time.perf_counter()
    try:
        for command in (inputs.get("setup-command"), inputs["command"]):
            if command:
                run = subprocess.run(
                    command,
                    shell=True,
                    cwd=workspace,
                    env=env,
                    timeout=timeout,
                    capture_output=True,
                    text=True,
                )
                output += run.stdout + run.stderr
                if run.returncode != 0:
                    status = "fail"
                    break
    except subprocess.TimeoutExpired:
        status = "error"
    seconds = time.perf_counter() - started
    result = {
        "version": 1,
        "status": status,
        "max_score": max_score,
        "tests": [
            {
                "name": inputs["test-name"],
                "status": status,
                "score": max_score if status == "pass" else 0,
                "message": "",
                "test_code": inputs["command"],
                "filename": "",
                "line_no": 0,
                "duration": int(seconds * 1000),
            }
        ],
    }
    return base64.b64encode(json.dumps(result).encode()).decode(), seconds, output


def reporter_points(reporter: dict, outputs: dict[str, str]) -> tuple[float, float, dict]:
    """(total, max, per-runner score) as the reporter's NotifyClassroom computes them."""
    env = {
        k: re.sub(
            r"\$\{\{\s*steps\.([\w-]+)\.outputs\.result\s*\}\}", lambda m: outputs[m.group(1)], v
        )
        for k, v in reporter["env"].items()
    }
    total = maximum = 0.0
    per_runner = {}
    for runner in (r for r in re.split(r"[\s,]", reporter["with"]["runners"]) if r):
        results = json.loads(base64.b64decode(env[f"{runner.strip().upper()}_RESULTS"]))
        if not results.get("max_score"):
            continue
        maximum += results["max_score"]
        per_runner[runner] = sum(t["score"] for t in results["tests"])
        total += per_runner[runner]
    return total, maximum, per_runner


@pytest.mark.slow
@pytest.mark.parametrize("work", ["reference", "stubs"])
def test_workflow_run_scores_what_the_dashboard_shows(work, tmp_path, data_dir, cache_dir):
    workspace = tmp_path / "checkout"
    classroom.main(out=workspace, quiet=True)
    if work == "reference":
        for path in (ROOT / "solutions").glob("*.py"):
            shutil.copy(path, workspace / path.name)
    offline = {
        "COURSE_DATA_DIR": str(data_dir),
        "AUTOGRADER_CACHE_DIR": str(cache_dir),
        "PYTHONPATH": str(workspace / classroom.ENGINE_DIR),
    }
    doc = yaml.safe_load((workspace / classroom.WORKFLOW).read_text(encoding="utf-8"))
    steps = the_job(doc)["steps"]
    fetch = next(s for s in steps if "autograder.data.fetch" in s.get("run", ""))
    fetched = subprocess.run(
        fetch["run"],
        shell=True,
        cwd=workspace,
        env={**os.environ, "PATH": runner_path(), **offline},
        capture_output=True,
        text=True,
        timeout=fetch["timeout-minutes"] * 60,
    )
    assert fetched.returncode == 0, fetched.stderr
    which = subprocess.run(
        "python -c 'import autograder; print(autograder.__file__)'",
        shell=True,
        cwd=workspace,
        env={"PATH": runner_path(), **offline},
        capture_output=True,
        text=True,
    )
    assert which.stdout.startswith(str(workspace / classroom.ENGINE_DIR)), (
        "the steps must run the vendored engine"
    )

    outputs, timings = {}, {}
    for step in grader_steps(doc):
        outputs[step["id"]], timings[step["id"]], log = command_grader(step, workspace, offline)
        status = json.loads(base64.b64decode(outputs[step["id"]]))["status"]
        assert status == ("pass" if work == "reference" else "fail"), (
            f"{step['id']}:\n{log[-3000:]}"
        )
        assert "Traceback" not in log, log[-3000:]
    total, maximum, per_runner = reporter_points(
        next(s for s in steps if s.get("uses") == REPORTER), outputs
    )
    totals = public_part_totals()
    assert maximum == sum(totals.values()) == TOTAL
    if work == "reference":
        assert total == TOTAL
        assert per_runner == {s["id"]: totals[s["with"]["test-name"]] for s in grader_steps(doc)}
    else:
        assert total == 0 and set(per_runner.values()) == {0}
    print(
        f"{work}: Points {total:g}/{maximum:g}; seconds per step "
        + ", ".join(f"{k} {v:.0f}" for k, v in timings.items())
    )


@pytest.mark.slow
def test_vendored_engine_builds_without_hidden_suites(template, tmp_path):
    """`pip install -r requirements.txt` installs ./.autograder: it must build, and hold no hidden suite."""
    pytest.importorskip(
        "setuptools", reason="building without isolation needs setuptools in this venv"
    )
    engine = shutil.copytree(
        template / classroom.ENGINE_DIR, tmp_path / "engine"
    )  # the build writes into it
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
            str(tmp_path),
            str(engine),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert wheel.returncode == 0, wheel.stderr
    import zipfile

    names = zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist()
    assert PUBLIC_REL in names and TABLE_REL in names
    assert not [n for n in names if "/hidden/" in n]
