"""The assignment as data: the engine names no part, the declaration is checked when it is made,
and what derives from it (run order, Classroom points, docs tables) follows it."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from autograder import assignment
from autograder.assignment import Assignment, Part
from autograder.config import GradingConfig
from autograder.release import classroom_workflow, docs_tables, notebooks
from tests.helpers import PARTS, POINTS, ROOT, TOTAL, WEEK2, run_cli

ENGINE = ROOT / "autograder"


def engine_modules() -> list[Path]:
    """Every module of the engine: the package without its built-in assignments."""
    return [
        p
        for p in ENGINE.rglob("*.py")
        if "assignments" not in p.relative_to(ENGINE).parts and "__pycache__" not in p.parts
    ]


def handout_names() -> set[str]:
    """The part names, and the other handout names the week-2 hints know (e.g. get_n_params)."""
    hints = WEEK2.hints
    return set(PARTS) | set(getattr(hints, "PARAMS", {}))


def test_the_engine_names_no_part_of_the_assignment():
    names = handout_names()
    assert {"LeNet5", "perm_pixel", "get_n_params"} <= names  # the scan looks for something
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names))) + r")\b")
    found = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in engine_modules()
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == []


def test_the_scan_would_see_a_part_name_in_the_engine(tmp_path):
    """The scan above is not vacuous: the same pattern finds a name written where the engine was."""
    line = 'PARTS = ("LeNet5", "VGG")'
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(handout_names()))) + r")\b")
    assert pattern.search(line)


def test_week2_is_the_default_and_loads_once():
    assert assignment.load() is assignment.load("week2") is WEEK2
    assert assignment.load("autograder.assignments.week2") is WEEK2
    assert WEEK2.name == "week2_cnn" and WEEK2.root == ENGINE / "assignments" / "week2"
    assert WEEK2.total_points == sum(p.points for p in WEEK2.parts)


def test_run_order_puts_prerequisites_first_and_keeps_declared_order_otherwise():
    # The CNN's lesson reads perm_pixel's and FC2Layer's verdicts: they are graded before it.
    assert WEEK2.run_order == ("perm_pixel", "FC2Layer", "CNN", "LeNet5", "VGG")
    assert sorted(WEEK2.run_order) == sorted(PARTS)


def part(name: str, **kw) -> Part:
    return Part(name, kw.pop("points", 1), notebook="nb", solution="s.py", **kw)


def declare(*parts: Part) -> Assignment:
    return Assignment(name="t", title="t", root=Path("/x"), course_root=Path("/x"), parts=parts)


def test_a_declaration_that_cannot_be_graded_is_refused_when_made():
    with pytest.raises(ValueError, match="declared twice"):
        declare(part("A"), part("A"))
    with pytest.raises(ValueError, match="unknown parts"):
        declare(part("A", after=("B",)))
    with pytest.raises(ValueError, match="wait on each other"):
        declare(part("A", after=("B",)), part("B", after=("A",)))
    assert declare(part("A", after=("B",)), part("B")).run_order == ("B", "A")


def test_part_of_a_test_name_prefers_the_longest_part():
    spec = declare(part("Net"), part("Net_big"))
    assert spec.part_of("Net_big_output_shape") == "Net_big"
    assert spec.part_of("Net_output_shape") == "Net"
    assert spec.part_of("Other_x") is None


def test_an_assignment_loads_from_its_folder_too():
    folder = ROOT / "tests" / "tiny_assignment"
    spec = assignment.load(str(folder))
    assert spec.root == folder and "LeNet5" not in spec.part_names
    assert spec in assignment.loaded()


def test_an_unknown_assignment_is_a_clear_error_not_a_traceback():
    with pytest.raises(ValueError, match="no assignment 'week9'"):
        assignment.load("week9")
    result = run_cli("grade", "solutions", "--out", "/tmp/unused", "--assignment", "week9")
    assert result.returncode == 2 and "no assignment 'week9'" in result.stderr
    assert "Traceback" not in result.stderr


def test_parts_on_the_command_line_are_checked_against_the_declaration():
    result = run_cli("check", "solutions", "--parts", "LeNet", "VGG")
    assert result.returncode == 2 and "unknown LeNet" in result.stderr
    assert ", ".join(PARTS) in result.stderr and "Traceback" not in result.stderr


def test_suites_whose_points_differ_from_the_declaration_are_refused():
    assert notebooks.declared_points(WEEK2) == {p.name: p.points for p in WEEK2.parts}
    lenet = WEEK2.part("LeNet5")
    changed = replace(
        WEEK2,
        parts=tuple(replace(p, points=p.points + 2) if p is lenet else p for p in WEEK2.parts),
    )
    points = lenet.points
    with pytest.raises(
        notebooks.PointsMismatch, match=f"LeNet5: declared {points + 2:g}, hidden tests {points:g}"
    ):
        notebooks.declared_points(changed)


def test_narratives_name_points_through_the_declaration():
    assert notebooks.fill_points("共 {{points:VGG}} 分", dict(POINTS), "x") == (
        f"共 {POINTS['VGG']:g} 分"
    )
    with pytest.raises(ValueError, match="names no part"):
        notebooks.fill_points("{{points:ResBlock}}", dict(POINTS), "lab4.md:3")
    narratives = "".join(p.read_text(encoding="utf-8") for p in WEEK2.narrative_dir.glob("*.md"))
    assert narratives.count("{{points:") == len(PARTS)  # each part's points, stated once


def test_classroom_steps_follow_the_declared_points():
    doc = yaml.safe_load(classroom_workflow.render(WEEK2))
    steps = [
        s for s in doc["jobs"]["run-autograding-tests"]["steps"] if "test-name" in s.get("with", {})
    ]
    assert {s["with"]["test-name"]: s["with"]["max-score"] for s in steps} == {
        p.name: p.points for p in WEEK2.parts
    }
    assert (ROOT / "classroom" / "classroom.yml").read_text() == classroom_workflow.render(WEEK2)
    vgg = WEEK2.part("VGG")
    more = replace(
        WEEK2, parts=tuple(replace(p, points=30) if p is vgg else p for p in WEEK2.parts)
    )
    assert "max-score: 30\n" in classroom_workflow.render(more)


def test_docs_tables_are_filled_from_the_declaration():
    text = "intro\n" + docs_tables.BEGIN.format(name="parts") + "\nstale\n"
    text += docs_tables.END.format(name="parts") + "\noutro\n"
    filled = docs_tables.fill(text, WEEK2)
    assert filled.startswith("intro\n") and filled.endswith("outro\n") and "stale" not in filled
    assert f"| **total** | **{TOTAL:g}** |" in filled
    for p in WEEK2.parts:
        assert f"| `{p.name}` | {p.points:g} |" in filled
    with pytest.raises(ValueError, match="unknown generated block 'nope'"):
        docs_tables.fill(
            docs_tables.BEGIN.format(name="nope") + "\n" + docs_tables.END.format(name="nope"),
            WEEK2,
        )


def test_suites_worth_other_points_than_declared_are_a_grader_error_not_a_grade(tmp_path):
    """An assignment whose tests add up to other points than it declares is not graded: the canary
    (the reference, graded first) reports the suite error, and nobody gets a wrong total."""
    folder = tmp_path / "tiny_points"
    shutil.copytree(
        ROOT / "tests" / "tiny_assignment", folder, ignore=shutil.ignore_patterns("__pycache__")
    )
    declaration = folder / "__init__.py"
    text = declaration.read_text(encoding="utf-8")
    assert 'Part("flatten", 4,' in text
    declaration.write_text(text.replace('Part("flatten", 4,', 'Part("flatten", 5,'))
    result = run_cli(
        "grade", folder / "solutions", "--out", tmp_path / "out", "--no-training",
        "--assignment", folder, "--cache-dir", tmp_path / "cache",
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "suite error: the tests of flatten are worth 4 points, but the assignment declares 5"
        in (result.stderr)
    )
    assert "Traceback" not in result.stderr and not (tmp_path / "out" / "grades.csv").exists()


def test_a_config_for_another_assignment_grades_that_assignments_parts():
    config = GradingConfig(parts=("LeNet5",))
    assert config.parts == ("LeNet5",) and config.with_(seed=1).parts == ("LeNet5",)
    tiny = config.with_(assignment=str(ROOT / "tests" / "tiny_assignment"))
    assert tiny.parts == tiny.spec.part_names and "LeNet5" not in tiny.parts
    assert GradingConfig().parts == PARTS  # no parts named: every part of the default assignment
