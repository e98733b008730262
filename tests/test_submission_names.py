"""Submission names with spaces and non-ASCII characters, through every front end.

A class of three, named as students name their uploads: a file `2021001 张三.py`, a notebook
`2021002 李四.ipynb` and a folder `2021003 王五`. Each gets a different score, so a result filed under
the wrong name shows. The names must come out unchanged in grades.csv, the output folders,
summary.json and the printed table of `grade`; `grade --shard` + `merge` must give what one run
gives; the GitHub Classroom collection (`grade clones/*/`, folders with `.github/`) and its
workflow's `check .` must read them; Gradescope's run must grade each of the three uploads.

Cheap: data-free checks only (`--no-training`) of two parts, LeNet5 (its points without training)
and perm_pixel (12).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import nbformat
import pytest

from tests.helpers import data_free_points

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("LeNet5", "perm_pixel")
LENET, PERM = data_free_points("LeNet5"), data_free_points("perm_pixel")
ZHANG, LI, WANG = "2021001 张三", "2021002 李四", "2021003 王五"
EXPECTED = {ZHANG: LENET + PERM, LI: LENET, WANG: PERM}
"""张三: the reference in one .py file; 李四: a notebook with lab 1 solved only; 王五: a folder with lab 2 solved only."""


def make_class(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    solutions, stubs = ROOT / "solutions", ROOT / "assignments"
    zhang = folder / f"{ZHANG}.py"
    zhang.write_text(
        "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(solutions.glob("lab*.py"))),
        encoding="utf-8",
    )
    li = folder / f"{LI}.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 第2周作业 李四")] + [
        nbformat.v4.new_code_cell((src / name).read_text(encoding="utf-8"))
        for src, name in (
            (solutions, "lab1_lenet5.py"),
            (stubs, "lab2_mlp_vs_cnn.py"),
            (stubs, "lab3_vgg.py"),
        )
    ]
    nbformat.write(nb, li)
    wang = folder / WANG
    wang.mkdir()
    for name in ("lab1_lenet5.py", "lab3_vgg.py"):
        shutil.copy(stubs / name, wang / name)
    shutil.copy(
        solutions / "lab2_mlp_vs_cnn.py", wang / "实验2 lab2.py"
    )  # a non-ASCII file name inside, too
    return [zhang, li, wang]


def cli(*args, cwd=ROOT, cache_dir, timeout=1200) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOGRADER_CACHE_DIR": str(cache_dir)}
    return subprocess.run(
        [sys.executable, "-m", "autograder", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def grade(paths, out: Path, data_dir: Path, cache_dir: Path, *extra) -> subprocess.CompletedProcess:
    return cli(
        "grade",
        *paths,
        "--out",
        out,
        "--data-dir",
        data_dir,
        "--no-training",
        "--parts",
        *PARTS,
        *extra,
        cache_dir=cache_dir,
    )


def display_width(text: str) -> int:
    """Terminal columns (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def grades_csv(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", encoding="utf-8", newline="") as f:
        return {row["submission"]: row for row in csv.DictReader(f)}


def assert_named_outputs(out: Path, expected: dict[str, float]) -> None:
    """grades.csv, summary.json and the per-submission folders carry exactly these names and scores."""
    rows = grades_csv(out)
    assert set(rows) == set(expected), rows.keys()
    for name, score in expected.items():
        assert (float(rows[name]["total"]), rows[name]["status"]) == (score, "graded"), rows[name]
        folder = out / name
        assert folder.is_dir(), sorted(p.name for p in out.iterdir())
        results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        full = json.loads((folder / "result.full.json").read_text(encoding="utf-8"))
        assert results["score"] == score and full["submission"] == name
        assert (folder / "feedback.md").is_file()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert sorted(summary["submissions"]) == sorted(expected)
    assert not summary["grader_errors"]


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> list[Path]:
    return make_class(tmp_path_factory.mktemp("names") / "上交 submissions")


@pytest.fixture(scope="module")
def graded(submissions, tmp_path_factory, data_dir, cache_dir):
    out = tmp_path_factory.mktemp("out") / "成绩 out"
    return grade(submissions, out, data_dir, cache_dir), out


def test_grade_keeps_the_names(graded):
    process, out = graded
    assert process.returncode == 0, process.stdout + process.stderr
    assert_named_outputs(out, EXPECTED)


def test_grade_prints_the_names_in_an_aligned_table(graded):
    """The printed table: every name in full, and each column where the header puts it on a
    terminal, though a Chinese character is two columns wide."""
    process, _ = graded
    lines = process.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("submission "))
    table = lines[header : header + 1 + len(EXPECTED)]
    assert [line.split("  ")[0].strip() for line in table[1:]] == sorted(EXPECTED), process.stdout
    column = display_width(table[0][: table[0].index("LeNet5")])
    for line, name in zip(table[1:], sorted(EXPECTED)):
        cells = line[len(name) :].split()
        assert display_width(line[: line.index(cells[0], len(name))]) == column, "\n".join(table)
        assert float(cells[-3]) == EXPECTED[name] and cells[-1] == "graded", line


def test_shards_merge_into_what_one_run_writes(submissions, graded, tmp_path, data_dir, cache_dir):
    _, unsharded = graded
    shards = []
    for i in (1, 2):
        shard = tmp_path / f"分片 shard{i}"
        process = grade(submissions, shard, data_dir, cache_dir, "--shard", f"{i}/2")
        assert process.returncode == 0, process.stdout + process.stderr
        shards.append(shard)
    # Both shards graded someone (the split is by name): the merge really joins names from two runs.
    assert all(
        json.loads((s / "summary.json").read_text(encoding="utf-8"))["submissions"] for s in shards
    )
    merged = tmp_path / "合并 merged"
    process = cli("merge", *shards, "--out", merged, "--quiet", cache_dir=cache_dir)
    assert process.returncode == 0, process.stdout + process.stderr
    assert_named_outputs(merged, EXPECTED)
    assert grades_csv(merged) == grades_csv(unsharded)


def test_classroom_collection_and_check(tmp_path, data_dir, cache_dir):
    """Clones named after students, each with the template's dot folders; `grade clones/*/` (as
    docs/classroom.md says) and the workflow's `check .` inside one of them."""
    clones = tmp_path / "week2-submissions"
    made = make_class(tmp_path / "src")
    for path in made:  # every submission becomes a clone folder of its own name
        clone = clones / (path.stem if path.is_file() else path.name)
        if path.is_dir():
            shutil.copytree(path, clone)
        else:
            clone.mkdir(parents=True)
            shutil.copy(path, clone / path.name)
        (clone / ".github" / "workflows").mkdir(parents=True)
        (clone / ".github" / "workflows" / "classroom.yml").write_text("name: Autograding Tests\n")
    out = tmp_path / "out"
    process = grade([f"{p}/" for p in sorted(clones.iterdir())], out, data_dir, cache_dir)
    assert process.returncode == 0, process.stdout + process.stderr
    assert_named_outputs(out, EXPECTED)

    check = cli(
        "check", ".", "--parts", *PARTS, cwd=clones / ZHANG, cache_dir=cache_dir, timeout=600
    )
    assert check.returncode == 0, (
        check.stdout + check.stderr
    )  # the reference passes every public check
    assert "public checks" in check.stdout and "✗" not in check.stdout


@pytest.mark.parametrize("upload", [ZHANG, LI, WANG])
def test_gradescope_grades_each_upload(upload, tmp_path, data_dir, cache_dir):
    """gradescope_run as run_autograder calls it, with the upload as Gradescope unpacks it into
    /autograder/submission (a file; a folder keeps its own folder)."""
    made = {p.stem if p.is_file() else p.name: p for p in make_class(tmp_path / "src")}
    root = tmp_path / "autograder"
    submission = root / "submission"
    submission.mkdir(parents=True)
    path = made[upload]
    if path.is_dir():
        shutil.copytree(path, submission / path.name)
    else:
        shutil.copy(path, submission / path.name)
    code = (
        "import sys; from pathlib import Path; from autograder.config import GradingConfig; "
        "from autograder.verbs.gradescope_run import main; "
        f"sys.exit(main(root=Path(sys.argv[1]), config=GradingConfig(parts={PARTS!r}, training=False, "
        "data_dir=Path(sys.argv[2]), cache_dir=Path(sys.argv[3]))))"
    )
    process = subprocess.run(
        [sys.executable, "-c", code, str(root), str(data_dir), str(cache_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=1200,
        env=dict(os.environ),
    )
    assert process.returncode == 0, process.stdout + process.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert not results["extra_data"]["grader_error"], results
    assert results["score"] == EXPECTED[upload], results
