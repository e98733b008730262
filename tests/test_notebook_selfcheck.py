"""The notebooks' self-check cells: after each part's solution cell, a locked
0-point cell runs that part's public, data-free checks in the student's kernel, from the generated
week2_checks.py shipped next to the notebooks (torch and numpy only: no engine, no pytest, no
hidden suite), with the hints of `python -m autograder check`, and never stops the notebook.

Fast tests use the engine module and the shipped file directly; the `slow` ones run the released
notebooks in real kernels (nbclient, and `nbgrader validate`) on a tiny fake MNIST/CIFAR-10, with
COURSE_EPOCHS=0, so no notebook trains.
"""

from __future__ import annotations

import ast
import gzip
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import textwrap
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest

with (
    warnings.catch_warnings()
):  # the suite's markers are registered by the grader's plugin, not here
    warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
    from autograder.assignments.week2.public import test_public
    from autograder.public import selfcheck
from autograder.release import notebooks, selfcheck_file
from autograder.results.redact import hidden_lines
from tests.helpers import PARTS, ROOT, WEEK2, run_cli, suite_tests
from tests.nbgrader_class import BIN, WRONG_LENET5, kernel_dir

SOURCE, RELEASE = ROOT / "source" / "week2_cnn", ROOT / "release" / "week2_cnn"
SHIPPED = RELEASE / selfcheck_file.file_name()
LABS = ("lab1_lenet5", "lab2_mlp_vs_cnn", "lab3_vgg")
PARTS_OF = {lab: [p for p in PARTS if WEEK2.notebook_of(p) == f"{lab}.ipynb"] for lab in LABS}


def definitions(folder: Path, lab: str) -> dict:
    """The imports, classes and functions of solutions/ or assignments/<lab>.py, as a notebook defines them."""
    path = folder / f"{lab}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    tree.body = [
        n
        for n in tree.body
        if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))
    ]
    namespace = {}
    exec(compile(tree, str(path), "exec"), namespace)
    return namespace


def run_check(part, namespace, capsys):
    ok = selfcheck.check(part, namespace)
    out, err = capsys.readouterr()
    return ok, out, err


# -- the shipped file ---------------------------------------------------------------------------


def test_shipped_file_is_generated_from_the_engine_and_released_as_is():
    assert (SOURCE / selfcheck_file.file_name()).read_text(
        encoding="utf-8"
    ) == selfcheck_file.render()
    assert SHIPPED.read_bytes() == (SOURCE / selfcheck_file.file_name()).read_bytes()
    copied = selfcheck_file.modules()
    assert set(copied) == {
        "_pytest_markers",
        "assignments.week2.hints",
        "assignments.week2.public.test_public",
        "public.selfcheck",
        "sandbox.errors",
        "sandbox.ops",
        "suites.analysis",
        "suites.checks",
        "suites.errors",
        "suites.messages",
        "suites.submission",
    } | {n for n in copied if n.startswith(("suites.", "assignments.week2."))}
    grader_side = {"assignments", "assignments.week2"} | {
        f"assignments.week2.{m}" for m in ("training", "broken", "feedback")
    }  # the package's __init__ and what it imports for the grader
    assert not any("hidden" in n.split(".") or n in grader_side for n in copied)
    for name, text in copied.items():
        if name != "_pytest_markers":  # each module verbatim, but for its import lines
            original = selfcheck_file.module_path(name).read_text(encoding="utf-8").splitlines()
            changed = [(a, b) for a, b in zip(original, text.splitlines()) if a != b]
            assert len(original) == len(text.splitlines())
            assert all(
                a.lstrip().startswith(("from autograder", "import autograder", "import pytest"))
                for a, _ in changed
            ), name


def test_a_changed_message_is_reported_as_drift(tmp_path, monkeypatch):
    """An edit to an engine module the file copies (e.g. a better hint) makes `notebooks --check` fail."""
    package = tmp_path / "autograder"
    shutil.copytree(
        selfcheck_file.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    hint = "是否按讲义设置了 padding=2？"
    holder = next(  # the shipped module that holds the hint (an engine or an assignment module)
        selfcheck_file.module_path(name)
        for name in selfcheck_file.modules()
        if name != "_pytest_markers"
        and hint in selfcheck_file.module_path(name).read_text(encoding="utf-8")
    )
    copy = package / holder.relative_to(selfcheck_file.PACKAGE_DIR)
    copy.write_text(
        copy.read_text(encoding="utf-8").replace(hint, "padding=2 呢？"),
        encoding="utf-8",
    )
    monkeypatch.setattr(selfcheck_file, "PACKAGE_DIR", package)
    problems = notebooks.check(ROOT / "solutions", SOURCE)
    assert (
        len(problems) == 1 and "week2_checks.py" in problems[0] and "padding=2 呢？" in problems[0]
    )


def test_shipped_file_holds_no_hidden_test():
    text = SHIPPED.read_text(encoding="utf-8")
    public = "\n".join(
        selfcheck_file.module_path(n).read_text(encoding="utf-8")
        for n in selfcheck_file.modules()
        if n != "_pytest_markers"
    )
    # Lines shared with the hidden suites (the same checks with other cases) are in the public files too...
    shared = [line for line in hidden_lines() if line in text]
    assert shared and all(line in public for line in shared)
    # ...and nothing else of the hidden suites is: no hidden-only line, no hidden test's name.
    hidden_dir = WEEK2.hidden_dir
    hidden_only = [
        line.strip()
        for p in hidden_dir.glob("*.py")
        for line in p.read_text(encoding="utf-8").splitlines()
        if line.strip() and line.strip() not in public
    ]
    assert len(hidden_only) > 100
    assert [line for line in hidden_only if len(line) >= 8 and line in text] == []
    hidden_tests = {
        n.name
        for p in hidden_dir.glob("test_*.py")
        for n in ast.parse(p.read_text()).body
        if isinstance(n, ast.FunctionDef) and n.name.startswith(tuple(f"{p}_" for p in PARTS))
    } - set(vars(test_public))
    assert len(hidden_tests) > 20 and [n for n in hidden_tests if n in text] == []
    assert "autograder.hidden" not in text and ".hidden" not in text


def test_the_hidden_suites_are_refused_as_dependencies():
    with pytest.raises(ValueError, match="never be shipped"):
        selfcheck_file._is_copied("hidden.test_lenet5")
    with pytest.raises(ValueError, match="never be shipped"):
        selfcheck_file._is_copied("assignments.week2.hidden.test_lenet5", "assignments.week2")


STANDALONE = textwrap.dedent("""
    import ast, json, sys
    sys.modules["autograder"] = None  # neither the engine nor pytest can be imported
    sys.modules["pytest"] = None
    sys.path.insert(0, sys.argv[1])
    import week2_checks

    def definitions(path):
        tree = ast.parse(open(path, encoding="utf-8").read())
        tree.body = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))]
        namespace = {}
        exec(compile(tree, path, "exec"), namespace)
        return namespace

    results = {}
    for folder in ("solutions", "assignments"):
        for lab, parts in json.loads(sys.argv[2]).items():
            namespace = definitions(f"{sys.argv[3]}/{folder}/{lab}.py")
            for part in parts:
                results[f"{folder}/{part}"] = week2_checks.check(part, namespace)
    results["engine imported"] = any(m == "autograder" or m.startswith("autograder.") for m in sys.modules
                                     if sys.modules[m] is not None)
    print(json.dumps(results))
""")


def test_the_shipped_file_alone_checks_the_reference_and_the_stubs(tmp_path):
    """Only the released file, in a Python where neither the engine nor pytest is importable."""
    shutil.copy(SHIPPED, tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", STANDALONE, str(tmp_path), json.dumps(PARTS_OF), str(ROOT)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    assert results == {
        **{f"solutions/{p}": True for p in PARTS},
        **{f"assignments/{p}": False for p in PARTS},
        "engine imported": False,
    }
    checks = {p: [f.__name__ for f in selfcheck.public_checks(p)] for p in PARTS}
    public = [t for t in suite_tests(WEEK2.public_dir) if t.part in PARTS and not t.training]
    assert sorted(n for names in checks.values() for n in names) == sorted(t.name for t in public)
    for _part, names in checks.items():
        assert all(f"✓ {name}" in run.stdout for name in names)
        assert all(f"✗ {name}" in run.stderr for name in names)
    assert (
        "NotImplementedError: 请完成 LeNet5.__init__" in run.stderr
    )  # the stub's own message, with its line
    assert 'lab1_lenet5.py", line' in run.stderr and "week2_checks:" not in run.stderr


# -- the hints ----------------------------------------------------------------------------------


def test_hints_are_those_of_the_check_command(tmp_path, data_dir, capsys):
    submission = tmp_path / "lab1.py"
    submission.write_text(
        "import torch\nimport torch.nn as nn\n\n\n" + WRONG_LENET5, encoding="utf-8"
    )
    cli = run_cli(
        "check", submission, "--parts", "LeNet5", env_extra={"COURSE_DATA_DIR": str(data_dir)}
    )
    assert cli.returncode == 1, cli.stderr[-2000:]
    namespace = {}
    exec(submission.read_text(encoding="utf-8"), namespace)
    ok, out, err = run_check("LeNet5", namespace, capsys)
    assert not ok and out == ""
    hints = [line for line in err.splitlines() if line.startswith("    ")]
    assert (
        "    conv1 → (4, 6, 24, 24)；应为 (4, 6, 28, 28) —— 是否按讲义设置了 padding=2？" in hints
    )
    assert any("应为 61,706" in line for line in hints)
    cli_hints = [line for line in cli.stdout.splitlines() if line.startswith("    ")]
    assert hints == cli_hints
    assert "✗ LeNet5_output_shape\n" in err and "✗ LeNet5_parameter_count\n" in err


# -- never crashes ------------------------------------------------------------------------------

BROKEN = textwrap.dedent("""
    import sys, time
    import torch
    import torch.nn as nn

    class LeNet5(nn.Module):          # ends the process when built
        def __init__(self):
            super().__init__()
            sys.exit("bye")

    class FC2Layer:                   # not an nn.Module
        def __init__(self, input_size, n_hidden, output_size):
            pass

    class CNN(nn.Module):             # forward raises, after printing
        def __init__(self, input_size, n_feature, output_size):
            super().__init__()
            self.fc = nn.Linear(784, output_size)

        def forward(self, x):
            print("forward called with", tuple(x.shape))
            raise ValueError("my bug")

    def perm_pixel(data, perm):       # never returns
        while True:
            time.sleep(0.01)
""")


def test_broken_code_gives_cross_lines_and_never_raises(capsys, monkeypatch):
    monkeypatch.setattr(selfcheck, "TIME_LIMIT", 1.0)
    namespace = {}
    exec(BROKEN, namespace)
    results = {part: run_check(part, namespace, capsys) for part in PARTS}
    assert not any(ok for ok, _, _ in results.values())
    assert all(out == "" and "✗" in err and "✓" not in err for _, out, err in results.values())
    assert "SystemExit: bye" in results["LeNet5"][2]
    assert (
        "FC2Layer(784, 8, 10) 返回的是 FC2Layer，应为 nn.Module 的子类。" in results["FC2Layer"][2]
    )
    cnn = results["CNN"][2]
    assert "ValueError: my bug" in cnn and "in forward" in cnn
    assert (
        "--- 你的代码的输出 (your output) ---" in cnn
        and "forward called with (4, 1, 28, 28)" in cnn
    )
    assert (
        "超出时间限制" in results["perm_pixel"][2]
        and "time limit exceeded" in results["perm_pixel"][2]
    )
    assert "提交中没有找到 VGG 的定义" in results["VGG"][2]


def test_the_checkers_own_failure_is_a_cross_line(capsys, monkeypatch):
    def broken(sub):
        raise KeyError("oops")

    broken.pytestmark = test_public.LeNet5_output_shape.pytestmark
    monkeypatch.setattr(test_public, "LeNet5_output_shape", broken)
    ok, out, err = run_check("LeNet5", definitions(ROOT / "solutions", "lab1_lenet5"), capsys)
    assert not ok and "✗ broken\n    自查程序出错" in err and "KeyError: 'oops'" in err
    assert "✓ LeNet5_parameter_count" in err


def test_the_students_random_state_is_left_alone(capsys):
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    assert selfcheck.check("LeNet5", definitions(ROOT / "solutions", "lab1_lenet5"))
    assert torch.equal(torch.rand(3), expected)
    capsys.readouterr()


# -- the notebooks, run in real kernels ---------------------------------------------------------


def fake_data(into: Path) -> Path:
    """A tiny MNIST (idx .gz) and CIFAR-10 (JPEG tree .tar.gz) in the course's offline layout."""
    from PIL import Image

    rng = np.random.default_rng(0)
    (into / "mnist").mkdir(parents=True)
    for prefix, n in (("train", 32), ("t10k", 16)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        (into / "mnist" / f"{prefix}-images-idx3-ubyte.gz").write_bytes(
            gzip.compress(struct.pack(">IIII", 2051, n, 28, 28) + images.tobytes())
        )
        (into / "mnist" / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(
            gzip.compress(struct.pack(">II", 2049, n) + labels.tobytes())
        )
    (into / "cifar10").mkdir()
    classes = (
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    )
    with tarfile.open(into / "cifar10" / "cifar10-jpeg.tar.gz", "w:gz") as tar:
        for split in ("train", "test"):
            for label in classes:
                for i in range(2):
                    buffer = io.BytesIO()
                    Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(
                        buffer, "JPEG"
                    )
                    info = tarfile.TarInfo(f"cifar10-jpeg/{split}/{label}/{i:04d}.jpg")
                    info.size = buffer.tell()
                    buffer.seek(0)
                    tar.addfile(info, buffer)
    return into


def student_copy(folder: Path, kind: str) -> Path:
    """The release as a student has it: untouched, or with the reference solution cells pasted in."""
    shutil.copytree(RELEASE, folder)
    if kind == "reference":
        for lab in LABS:
            path = folder / f"{lab}.ipynb"
            nb = nbformat.read(path, as_version=4)
            solved = {
                c.metadata["nbgrader"]["grade_id"]: c.source
                for c in nbformat.read(SOURCE / f"{lab}.ipynb", as_version=4).cells
                if c.metadata.get("nbgrader", {}).get("solution")
            }
            for c in nb.cells:
                if c.metadata.get("nbgrader", {}).get("solution"):
                    c.source = solved[c.metadata["nbgrader"]["grade_id"]]
            nbformat.write(nb, path)
    return folder


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """The students' setting: the notebooks' folder as working directory, COURSE_EPOCHS=0 (no
    training), a tiny data set; the kernel is this interpreter (put first on JUPYTER_PATH)."""
    scratch = tmp_path_factory.mktemp("selfcheck")
    env = {
        "COURSE_EPOCHS": "0",
        "COURSE_DATA_DIR": str(fake_data(scratch / "data")),
        "COURSE_CACHE_DIR": str(scratch / "unpacked"),
        "JUPYTER_PATH": str(kernel_dir(scratch / "kernel")),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "JUPYTER_CONFIG_DIR": str(scratch / "config"),
        "JUPYTER_DATA_DIR": str(scratch / "jupyter_data"),
        "MPLBACKEND": "Agg",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    os.environ.pop("NBGRADER_EXECUTION", None)
    yield scratch
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def executed(kernel_env):
    """kind -> lab -> the executed notebook (nbclient, errors allowed as in Run All to the end)."""
    from nbclient import NotebookClient

    out = {}
    for kind in ("reference", "untouched"):
        folder = student_copy(kernel_env / kind, kind)
        out[kind] = {}
        for lab in LABS:
            nb = nbformat.read(folder / f"{lab}.ipynb", as_version=4)
            NotebookClient(
                nb,
                timeout=600,
                kernel_name="python3",
                allow_errors=True,
                resources={"metadata": {"path": str(folder)}},
            ).execute()
            out[kind][lab] = nb
    return out


def check_cells(nb):
    return {
        c.metadata["nbgrader"]["grade_id"].removeprefix("check_"): c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("check_")
    }


def streams(c, name):
    return "".join(
        o.get("text", "") for o in c.outputs if o.output_type == "stream" and o.name == name
    )


@pytest.mark.slow
def test_reference_notebooks_pass_every_self_check(executed):
    from nbgrader.validator import Validator

    for lab, nb in executed["reference"].items():
        cells = check_cells(nb)
        assert sorted(cells) == sorted(PARTS_OF[lab])
        for part, c in cells.items():
            names = [f.__name__ for f in selfcheck.public_checks(part)]
            text = streams(c, "stdout")
            assert [line for line in text.splitlines() if line[:1] in "✓✗"] == [
                f"✓ {n}" for n in names
            ], text
            assert streams(c, "stderr") == "" and not any(
                o.output_type == "error" for o in c.outputs
            )
        errors = [
            c.source[:80]
            for c in nb.cells
            if c.cell_type == "code" and any(o.output_type == "error" for o in c.outputs)
        ]
        assert errors == [], (lab, errors)
        assert Validator()._get_failed_cells(nb) == []  # what `nbgrader validate` reports: nothing


@pytest.mark.slow
def test_untouched_notebooks_print_crosses_with_hints_and_run_to_the_end(executed):
    from nbgrader.validator import Validator

    for lab, nb in executed["untouched"].items():
        assert all(c.execution_count for c in nb.cells if c.cell_type == "code"), (
            lab
        )  # Run All reached the end
        cells = check_cells(nb)
        assert sorted(cells) == sorted(PARTS_OF[lab])
        for part, c in cells.items():
            text = streams(c, "stderr")
            names = [f.__name__ for f in selfcheck.public_checks(part)]
            assert [line for line in text.splitlines() if line[:1] in "✓✗"] == [
                f"✗ {n}" for n in names
            ], text
            assert (
                "时出错: NotImplementedError: 请补全这里的代码" in text
            )  # the release's stub, with its line
            assert not any(o.output_type == "error" for o in c.outputs)
        failed = Validator()._get_failed_cells(nb)
        assert [c.metadata["nbgrader"]["grade_id"] for c in failed] == [f"check_{p}" for p in cells]


def nbgrader_validate(folder: Path, notebook: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [str(BIN / "nbgrader"), "validate", notebook, "--Execute.timeout=600"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_nbgrader_validate_passes_the_reference_and_lists_the_failed_checks_of_the_release(
    kernel_env, executed
):
    solved = nbgrader_validate(kernel_env / "reference", "lab1_lenet5.ipynb")
    assert (
        solved.returncode == 0 and "Success! Your notebook passes all the tests." in solved.stdout
    ), solved.stdout
    untouched = nbgrader_validate(kernel_env / "untouched", "lab1_lenet5.ipynb")
    assert untouched.returncode == 0, untouched.stderr[-2000:]  # a report, not a crash
    report = untouched.stdout
    assert (
        "VALIDATION FAILED ON 1 CELL(S)!" in report
        and "week2_checks.check('LeNet5', globals())" in report
    )
    assert (
        "✗ LeNet5_output_shape" in report
        and "✗ LeNet5_parameter_count" in report
        and "NotImplementedError: 请补全这里的代码" in report
    )
    print(f"\nnbgrader validate, untouched lab1:\n{report}")
