"""The nbgrader source notebooks are built from solutions/ (no drift), are laid out as nbgrader needs
(solution regions only where students write code, everything else locked, one autograded cell per
part with the CLI's points and nothing but a call in its hidden region), and the release hides
solutions, hidden tests and rubrics. Fast: no grading, no kernels."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.release import notebooks
from autograder.results.redact import leaks
from tests.helpers import PARTS, POINTS, ROOT, WEEK2, run_cli

SOURCE, RELEASE = ROOT / "source" / "week2_cnn", ROOT / "release" / "week2_cnn"
CLI_POINTS = POINTS  # the declaration's, which the hidden suites' markers must add up to
SOLUTION_CELLS = {"LeNet5", "get_n_params", "FC2Layer", "CNN", "perm_pixel", "VGG"}


def load(folder, name):
    return nbformat.read(folder / f"{name}.ipynb", as_version=4)


def meta(cell):
    return cell.metadata.get("nbgrader", {})


def all_cells(folder):
    return [(name, c) for name in WEEK2.notebooks for c in load(folder, name).cells]


def test_committed_source_matches_the_builder():
    assert notebooks.check(ROOT / "solutions", SOURCE) == []
    assert run_cli("notebooks", "--check").returncode == 0


def test_a_changed_solution_is_reported_as_drift(tmp_path):
    solutions = tmp_path / "solutions"
    shutil.copytree(ROOT / "solutions", solutions)
    lab1 = solutions / "lab1_lenet5.py"
    lab1.write_text(
        lab1.read_text().replace("kernel_size=5, padding=2)\n", "kernel_size=5, padding=1)\n", 1)
    )
    (tmp_path / "source").mkdir()
    for path in SOURCE.iterdir():
        shutil.copy(path, tmp_path / "source")
    (tmp_path / "source" / "stray.py").write_text("")
    problems = notebooks.check(solutions, tmp_path / "source")
    assert len(problems) == 2 and "stray.py" in problems[0] and "lab1_lenet5.ipynb" in problems[1]
    assert "padding=1" in problems[1]


def test_solution_cells_are_the_solutions_verbatim():
    found = {}
    for _name, c in all_cells(SOURCE):
        if meta(c).get("solution") and c.cell_type == "code":
            found[meta(c)["grade_id"]] = c.source
    assert set(found) == SOLUTION_CELLS
    for grade_id, source in found.items():
        lab = next(
            p
            for p in (ROOT / "solutions").glob("lab*.py")
            if f"\nclass {grade_id}(" in p.read_text() or f"\ndef {grade_id}(" in p.read_text()
        )
        assert source == notebooks.definitions(lab, (grade_id,))
        assert "### BEGIN SOLUTION" in source and "### END SOLUTION" in source


def test_every_solution_region_of_the_labs_is_in_a_notebook():
    regions = sum(
        p.read_text().count("### BEGIN SOLUTION") for p in (ROOT / "solutions").glob("lab*.py")
    )
    in_notebooks = sum(
        c.source.count("### BEGIN SOLUTION") for _, c in all_cells(SOURCE) if c.cell_type == "code"
    )
    assert (
        regions == in_notebooks == 10
    )  # LeNet5 2, get_n_params 1, FC2Layer 2, CNN 2, perm_pixel 1, VGG cfg + layers


def test_everything_but_the_students_cells_is_locked():
    for name, c in all_cells(SOURCE):
        m = meta(c)
        assert m, f"{name}: a cell without nbgrader metadata: {c.source[:60]!r}"
        assert m["locked"] != m["solution"], (
            f"{name}/{m['grade_id']}: exactly the solution cells are editable"
        )


def test_one_autograded_cell_per_part_with_the_cli_points():
    assert notebooks.part_points() == CLI_POINTS
    graded = {}
    for name, c in all_cells(SOURCE):
        if (
            meta(c).get("grade")
            and c.cell_type == "code"
            and meta(c)["grade_id"].startswith("test_")
        ):
            part = meta(c)["grade_id"].removeprefix("test_")
            graded[part] = (name, meta(c)["points"], c.source)
    assert set(graded) == set(PARTS)
    for part, (name, points, source) in graded.items():
        assert points == CLI_POINTS[part]
        assert f"{name}.ipynb" == WEEK2.notebook_of(part)
        hidden = source.split("### BEGIN HIDDEN TESTS\n")[1].split("### END HIDDEN TESTS")[0]
        code = [line.split("#")[0].strip() for line in hidden.splitlines()]
        assert code == ["from autograder.notebook import grade_part", f'grade_part("{part}")']
        assert leaks(source) == []


def test_each_test_cell_follows_its_solution_cell():
    """nbgrader re-adds a deleted test cell after the previous solution/grade cell of the source: the
    part's solution cell, then its self-check cell (a 0-point grade cell), then its test cell."""
    for name in WEEK2.notebooks:
        cells = load(SOURCE, name).cells
        for i, c in enumerate(cells):
            if meta(c).get("grade") and c.cell_type == "code":
                previous = meta(cells[i - 1])
                assert previous.get("solution") or previous.get("grade"), (
                    f"{name}: {meta(c)['grade_id']}"
                )
            if meta(c).get("grade_id", "").startswith("test_"):
                part = meta(c)["grade_id"].removeprefix("test_")
                assert [meta(x)["grade_id"] for x in cells[i - 2 : i]] == [part, f"check_{part}"], (
                    name
                )


def test_a_locked_zero_point_self_check_cell_follows_each_parts_solution_cell():
    found = {}
    for name, c in all_cells(SOURCE):
        m = meta(c)
        if m["grade_id"].startswith("check_"):
            part = m["grade_id"].removeprefix("check_")
            found[part] = name
            assert (
                c.cell_type == "code"
                and m["grade"]
                and m["locked"]
                and not m["solution"]
                and m["points"] == 0
            )
            assert c.source == notebooks.check_source(part)
            assert (
                f"week2_checks.check('{part}', globals())" in c.source
                and "grade_part" not in c.source
            )
    assert {part: f"{name}.ipynb" for part, name in found.items()} == {
        p: WEEK2.notebook_of(p) for p in PARTS
    }
    released = [
        c
        for name in WEEK2.notebooks
        for c in load(RELEASE, name).cells
        if meta(c).get("grade_id", "").startswith("check_")
    ]
    assert len(released) == len(PARTS)
    assert all(
        c.metadata.get("editable") is False and c.metadata.get("deletable") is False
        for c in released
    )


def test_blog_answers_are_manually_graded_with_rubrics_in_locked_task_cells():
    cells = load(SOURCE, "blog").cells
    answers = [c for c in cells if meta(c).get("solution")]
    rubrics = [c for c in cells if meta(c).get("task")]
    assert len(answers) == len(rubrics) == 4
    assert all(
        c.cell_type == "markdown" and meta(c)["grade"] and meta(c)["points"] == 5 for c in answers
    )
    assert all(
        meta(c)["locked"] and meta(c)["points"] == 0 and "### BEGIN MARK SCHEME" in c.source
        for c in rubrics
    )


def test_release_hides_solutions_hidden_tests_and_rubrics():
    for name in WEEK2.notebooks:
        text = (RELEASE / f"{name}.ipynb").read_text()
        for secret in (
            "BEGIN SOLUTION",
            "END SOLUTION",
            "HIDDEN TESTS",
            "grade_part",
            "MARK SCHEME",
            "评分要点",
        ):
            assert secret not in text, f"{name}: {secret}"
        for c in load(RELEASE, name).cells:
            if meta(c).get("solution") and c.cell_type == "code":
                assert "raise NotImplementedError" in c.source
    assert (RELEASE / "course_data.py").read_text() == (
        ROOT / "solutions" / "course_data.py"
    ).read_text()
    assert (RELEASE / "week2_checks.py").read_text() == (SOURCE / "week2_checks.py").read_text()


@pytest.mark.parametrize(
    "name, default", [("lab1_lenet5", 10), ("lab2_mlp_vs_cnn", 1), ("lab3_vgg", 10)]
)
def test_epochs_come_from_one_variable_with_the_handout_default(name, default, monkeypatch):
    lines = [
        line
        for c in load(RELEASE, name).cells
        if c.cell_type == "code"
        for line in c.source.splitlines()
        if "COURSE_EPOCHS" in line and not line.lstrip().startswith("#")
    ]
    assert len(lines) == 1
    variable = lines[0].split("=")[0].strip()

    def value(**env):
        for key in ("COURSE_EPOCHS", "NBGRADER_EXECUTION"):
            monkeypatch.delenv(key, raising=False)
        for key, val in env.items():
            monkeypatch.setenv(key, val)
        namespace = {"os": os}
        exec(lines[0], namespace)
        return namespace[variable]

    assert value() == default
    assert value(COURSE_EPOCHS="2") == 2
    assert (
        value(NBGRADER_EXECUTION="autograde") == 0
    )  # students' own training is skipped when grading
    assert value(NBGRADER_EXECUTION="autograde", COURSE_EPOCHS="1") == 1
    assert value(NBGRADER_EXECUTION="validate") == default


def test_notebooks_are_deterministic():
    assert notebooks.derive(ROOT / "solutions") == notebooks.derive(ROOT / "solutions")


def test_bad_narratives_are_refused(tmp_path):
    (tmp_path / "x.md").write_text("%%% tests NotAPart\n")
    with pytest.raises(ValueError, match="PART one of"):
        notebooks.build("x", ROOT / "solutions", tmp_path)
    (tmp_path / "x.md").write_text("%%% solution lab1_lenet5.py Missing\n")
    with pytest.raises(ValueError, match="no top-level definition of Missing"):
        notebooks.build("x", ROOT / "solutions", tmp_path)
    with pytest.raises(ValueError, match="before the first"):
        notebooks.parse("stray text\n%%% md\nhi")


def test_nbgrader_refuses_to_run_when_the_course_steps_cannot_be_imported(tmp_path):
    """Otherwise nbgrader logs the config error and carries on without it (feedback would show hidden cells)."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    code = (
        "import sys; sys.modules['autograder'] = None; sys.argv = ['nbgrader', 'db', 'student', 'list']; "
        "from nbgrader.apps.nbgraderapp import main; main()"
    )
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
    }
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert (
        run.returncode == 1
        and "this repository is not installed in nbgrader's Python" in run.stderr
    )
