"""The nbgrader course end to end, with real nbgrader in a temporary course folder, as the README's
instructor's guide runs it: generate_assignment, zip_collect, autograde, formgrader (manual grades
of the blog answers through its API), generate_feedback, export; and `python -m autograder grade`
on the same submitted folders.

The fake class: 'reference' (the source's solution cells), 'untouched' (the release as is),
'wrong_lenet5' (reference with a LeNet5 that fails every LeNet5 check) and 'tamperer' (wrong
LeNet5, a correct LeNet5 slipped into a locked cell, the LeNet5 test cell replaced by `25`, the VGG
test cell deleted). Training results of identical code are memoised in the session cache, and the
students' own training cells train 0 epochs (the notebooks' default under autograding).
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.results.redact import leaks
from tests.helpers import POINTS, ROOT, TOTAL, read_results, run_cli
from tests.nbgrader_class import (
    ASSIGNMENT,
    BIN,
    BLOG_ANSWER,
    cell,
    environment,
    grade_cells,
    hand_in,
    nbgrader,
    new_course,
    read,
    student_notebooks,
)

pytestmark = pytest.mark.slow
BLOG_POINTS = 20
EXPECTED = {
    "reference": POINTS,
    "untouched": {part: 0 for part in POINTS},
    "wrong_lenet5": {**POINTS, "LeNet5": 0},
    "tamperer": {
        **POINTS,
        "LeNet5": 0,
    },  # the edited locked cells are restored, the deleted cell is re-added
}
NOTEBOOKS = ("blog.ipynb", "lab1_lenet5.ipynb", "lab2_mlp_vs_cnn.ipynb", "lab3_vgg.ipynb")


@dataclass
class Course:
    root: Path
    env: dict
    runs: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)

    def run(self, name, *args):
        started = time.perf_counter()
        self.runs[name] = nbgrader(self.root, self.env, *args)
        self.seconds[name] = round(time.perf_counter() - started, 1)
        return self.runs[name]


@pytest.fixture(scope="module")
def course(tmp_path_factory, data_dir, cache_dir) -> Course:
    scratch = tmp_path_factory.mktemp("nbgrader")
    course = Course(new_course(scratch / "course"), environment(scratch, cache_dir, data_dir))
    course.run("generate_assignment", "generate_assignment", ASSIGNMENT, "--force")
    for i, student in enumerate(EXPECTED):
        hand_in(course.root, student, student_notebooks(course.root, student), as_zip=i % 2 == 0)
    course.run("zip_collect", "zip_collect", ASSIGNMENT)
    course.run("autograde", "autograde", ASSIGNMENT)
    course.run("generate_feedback", "generate_feedback", ASSIGNMENT)
    course.run("export", "export", "--to", "grades_autograded.csv")
    print(f"\nnbgrader step durations (s): {course.seconds}")
    return course


def scores(course: Course) -> dict[str, dict[str, float]]:
    """student -> part -> auto score of its test cell, from the gradebook."""
    out = {}
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        for student in EXPECTED:
            submission = gb.find_submission(ASSIGNMENT, student)
            out[student] = {
                g.name.removeprefix("test_"): g.auto_score
                for nb in submission.notebooks
                for g in nb.grades
                if g.name.startswith("test_")
            }
    return out


def test_every_nbgrader_step_succeeds(course):
    for name, run in course.runs.items():
        assert run.returncode == 0, (
            f"nbgrader {name} failed:\n{run.stdout[-2000:]}\n{run.stderr[-4000:]}"
        )


def test_committed_release_is_exactly_what_generate_assignment_gives(course):
    generated, committed = course.root / "release" / ASSIGNMENT, ROOT / "release" / ASSIGNMENT
    names = sorted(p.name for p in generated.iterdir())
    assert names == sorted(p.name for p in committed.iterdir())
    for name in names:
        assert (generated / name).read_bytes() == (committed / name).read_bytes(), (
            f"release/{ASSIGNMENT}/{name} differs: run `nbgrader generate_assignment {ASSIGNMENT} --force`"
        )


def test_zip_collect_puts_each_student_in_submitted(course):
    for student in EXPECTED:
        folder = course.root / "submitted" / student / ASSIGNMENT
        assert sorted(p.name for p in folder.iterdir()) == list(NOTEBOOKS), student
    submitted_lab3 = read(course.root / "submitted" / "tamperer" / ASSIGNMENT / "lab3_vgg.ipynb")
    assert not any(
        c.metadata.get("nbgrader", {}).get("grade_id") == "test_VGG" for c in submitted_lab3.cells
    )


def test_autograde_gives_full_zero_and_exactly_the_lenet5_points_lost(course):
    assert scores(course) == EXPECTED
    print(f"\nautograde: {len(EXPECTED)} students in {course.seconds['autograde']} s")


def test_graded_cells_print_feedback_and_return_the_points_without_stderr(course):
    for student, expected in EXPECTED.items():
        for name in NOTEBOOKS[1:]:
            for grade_id, graded in grade_cells(
                course.root / "autograded" / student / ASSIGNMENT / name
            ).items():
                part = grade_id.removeprefix("test_")
                kinds = [(o["output_type"], o.get("name")) for o in graded["outputs"]]
                assert kinds == [("stream", "stdout"), ("execute_result", None)], (
                    student,
                    grade_id,
                    kinds,
                )
                text = "".join(graded["outputs"][0]["text"])
                assert text.startswith(f"{part}：{expected[part]:g} / {POINTS[part]:g} 分"), text[
                    :200
                ]
                assert float("".join(graded["outputs"][1]["data"]["text/plain"])) == expected[part]
                assert leaks(text) == []  # the messages quote no line of the hidden suites


def test_untouched_release_runs_top_to_bottom(course):
    for name in NOTEBOOKS[1:]:
        nb = read(course.root / "autograded" / "untouched" / ASSIGNMENT / name)
        assert all(c.execution_count for c in nb.cells if c.cell_type == "code"), name


def self_checks(nb) -> dict[str, str]:
    """part -> what its self-check cell printed (stream name: text)."""
    return {
        c.metadata["nbgrader"]["grade_id"].removeprefix("check_"): "".join(
            f"{o['name']}: {o['text']}" for o in c.outputs if o["output_type"] == "stream"
        )
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("check_")
    }


def test_self_check_cells_run_under_autograde_and_give_no_points(course):
    """The 0-point self-check cells: ✓ for the reference, ✗ on stderr for the untouched release."""
    for student, mark, stream in (("reference", "✓", "stdout"), ("untouched", "✗", "stderr")):
        printed = {}
        for name in NOTEBOOKS[1:]:
            printed.update(
                self_checks(read(course.root / "autograded" / student / ASSIGNMENT / name))
            )
        assert sorted(printed) == sorted(POINTS), student
        for part, text in printed.items():
            assert text.startswith(f"{stream}: {part} 自查") and f"\n{mark} {part}_" in text, (
                student,
                text[:300],
            )
            assert ("✗" in text) == (mark == "✗"), (student, text[:300])
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        checks = [
            g
            for nb in gb.find_submission(ASSIGNMENT, "untouched").notebooks
            for g in nb.grades
            if g.name.startswith("check_")
        ]
        assert len(checks) == len(POINTS) and all(g.max_score == 0 and g.score == 0 for g in checks)


def test_edited_locked_cells_and_deleted_test_cells_are_restored(course):
    source = {name: read(course.root / "source" / ASSIGNMENT / name) for name in NOTEBOOKS[1:]}
    lab1 = read(course.root / "autograded" / "tamperer" / ASSIGNMENT / "lab1_lenet5.ipynb")
    assert (
        cell(lab1, "test_LeNet5").source == cell(source["lab1_lenet5.ipynb"], "test_LeNet5").source
    )
    assert (
        sum(c.source.count("class LeNet5") for c in lab1.cells) == 1
    )  # the slipped-in copy is gone
    lab3 = read(course.root / "autograded" / "tamperer" / ASSIGNMENT / "lab3_vgg.ipynb")
    assert cell(source["lab3_vgg.ipynb"], "test_VGG").source in cell(lab3, "test_VGG").source
    log = course.runs["autograde"].stderr
    assert "Missing grade cell test_VGG encountered, adding to notebook" in log
    assert "Attribute 'checksum' for cell test_LeNet5 has changed" in log


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def html_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return "".join(parser.parts)


def secret_lines(course: Course) -> set[str]:
    """Every line inside a hidden-test or mark-scheme region of the source notebooks."""
    lines = set()
    for name in NOTEBOOKS:
        for c in read(course.root / "source" / ASSIGNMENT / name).cells:
            for begin, end in (
                ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"),
                ("### BEGIN MARK SCHEME", "### END MARK SCHEME"),
            ):
                if begin in c.source:
                    region = c.source.split(begin)[1].split(end)[0]
                    lines |= {line.strip() for line in region.splitlines() if line.strip()}
    return lines | {"BEGIN HIDDEN TESTS", "BEGIN MARK SCHEME"}


def test_feedback_html_shows_no_hidden_test_code_or_rubric(course):
    secrets = secret_lines(course)
    assert 'grade_part("LeNet5")' in secrets and len(secrets) > 10
    # Lines of the hidden suites that students' notebooks legitimately contain too ("import numpy as np").
    public = "".join(
        (course.root / "release" / ASSIGNMENT / name).read_text(encoding="utf-8")
        for name in NOTEBOOKS
    )
    for student, expected in EXPECTED.items():
        folder = course.root / "feedback" / student / ASSIGNMENT
        assert sorted(p.name for p in folder.glob("*.html")) == [
            n.replace(".ipynb", ".html") for n in NOTEBOOKS
        ]
        for page in folder.glob("*.html"):
            text = html_text(page)
            shown = [s for s in secrets if s in text]
            suite_lines = [line for line in leaks(text) if line not in public]
            assert shown == [] and suite_lines == [], (student, page.name, shown, suite_lines)
        lab1 = html_text(folder / "lab1_lenet5.html")
        assert f"LeNet5：{expected['LeNet5']:g} / {POINTS['LeNet5']:g} 分" in lab1
    wrong = html_text(course.root / "feedback" / "wrong_lenet5" / ASSIGNMENT / "lab1_lenet5.html")
    assert "✗ LeNet5_parameter_count (0/3)" in wrong and "应为 61,706" in wrong


def test_export_csv_has_the_scores(course):
    with open(course.root / "grades_autograded.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(EXPECTED)
    for student, expected in EXPECTED.items():
        assert float(rows[student]["score"]) == sum(expected.values())
        assert float(rows[student]["max_score"]) == sum(POINTS.values()) + BLOG_POINTS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_manual_grades_given_in_formgrader_reach_the_export(course):
    port, token = _free_port(), "week2-test-token"
    args = [
        str(BIN / "jupyter"),
        "lab",
        "--no-browser",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
    ]
    args += ["--allow-root"] if os.geteuid() == 0 else []
    server = subprocess.Popen(
        args, cwd=course.root, env=course.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def page(path, method="GET", body=None) -> str:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/formgrader/{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read().decode("utf-8")

    def api(path, method="GET", body=None):
        return json.loads(page(f"api/{path}", method, body))

    try:
        for _ in range(120):
            try:
                api("status")
                break
            except OSError:
                time.sleep(0.5)
        blog = {s["student"]: s for s in api(f"submitted_notebooks/{ASSIGNMENT}/blog")}
        assert (
            blog["reference"]["needs_manual_grade"] and not blog["untouched"]["needs_manual_grade"]
        )
        grading_page = page(f"submissions/{blog['reference']['id']}")  # what the grader sees
        assert "评分要点" in grading_page and BLOG_ANSWER.split("；")[0] in grading_page
        grades = api(f"grades?submission_id={blog['reference']['id']}")
        answers = [
            g
            for g in grades
            if g["name"].startswith("blog_q") and not g["name"].endswith("_rubric")
        ]
        assert len(answers) == 4 and all(g["needs_manual_grade"] for g in answers)
        assert all(not g["needs_manual_grade"] for g in grades if g["name"].endswith("_rubric"))
        for g in answers:
            api(f"grade/{g['id']}", "PUT", {"manual_score": 4})
        assert not {s["student"]: s for s in api(f"submitted_notebooks/{ASSIGNMENT}/blog")}[
            "reference"
        ]["needs_manual_grade"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert course.run("export_after_manual", "export", "--to", "grades_final.csv").returncode == 0
    with open(course.root / "grades_final.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert float(rows["reference"]["score"]) == TOTAL + 4 * 4
    assert float(rows["wrong_lenet5"]["score"]) == TOTAL - POINTS["LeNet5"]


def test_cli_gives_the_same_points_for_the_same_submitted_folder(
    course, data_dir, cache_dir, tmp_path
):
    students = ("reference", "untouched", "wrong_lenet5")
    folders = [course.root / "submitted" / s / ASSIGNMENT for s in students]
    run = run_cli(
        "grade",
        *folders,
        "--out",
        tmp_path / "out",
        "--data-dir",
        data_dir,
        "--cache-dir",
        cache_dir,
        "--quiet",
        "--no-feedback",
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = read_results(tmp_path / "out")
    nbgrader_scores = scores(course)
    for student, name in zip(
        students, ("week2_cnn", "week2_cnn-2", "week2_cnn-3")
    ):  # CLI names by folder
        cli = {}
        for t in results[name]["tests"]:
            cli[t["part"]] = cli.get(t["part"], 0) + t["score"]
        assert cli == nbgrader_scores[student] == EXPECTED[student], student
