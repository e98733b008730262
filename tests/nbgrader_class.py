"""A fake class for the nbgrader tests: a temporary course folder, students' submissions made from
the real release, and the nbgrader commands run as an instructor runs them (real nbgrader, in
subprocesses, from the course folder)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "week2_cnn"
BIN = Path(sys.executable).parent

# conv1 lost its padding and fc1 was resized for it, but forward still flattens 16*5*5: no forward
# pass works (every input size fails the view), the parameter count is wrong, so every LeNet5 check fails.
WRONG_LENET5 = """class LeNet5(nn.Module):
    def __init__(self):
        super(LeNet5, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)
"""
BLOG_ANSWER = "shuffle=True 每个 epoch 打乱顺序；1x1 卷积在每个位置上组合通道。"


def kernel_dir(into: Path) -> Path:
    """A Jupyter data dir whose python3 kernel is this interpreter (put first on JUPYTER_PATH)."""
    from ipykernel.kernelspec import install

    install(prefix=str(into), kernel_name="python3")
    return into / "share" / "jupyter"


def environment(scratch: Path, cache_dir: Path, data_dir: Path) -> dict:
    """What the instructor's shell has: the venv on PATH (nbgrader runs `alembic`), the data, the
    grader's cache; plus a private Jupyter setup (kernel = this interpreter) under scratch."""
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "JUPYTER_PATH": str(kernel_dir(scratch / "kernel")),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "JUPYTER_DATA_DIR": str(scratch / "data"),
        "JUPYTER_CONFIG_DIR": str(scratch / "config"),
        "AUTOGRADER_CACHE_DIR": str(cache_dir),
        "COURSE_DATA_DIR": str(data_dir),
        "COURSE_CACHE_DIR": str(scratch / "unpacked"),
    }
    env.pop("COURSE_EPOCHS", None)  # the notebooks' own default under autograding: 0 epochs
    return env


def new_course(into: Path) -> Path:
    """A course folder holding what the repository gives an instructor: the config and source/."""
    into.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", into)
    shutil.copytree(
        ROOT / "source",
        into / "source",
        ignore=shutil.ignore_patterns(
            "data", "checkpoints", "*.pth", "*.png", ".ipynb_checkpoints"
        ),
    )
    return into


def nbgrader(course: Path, env: dict, *args, timeout=1200) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "nbgrader"), *map(str, args)],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def cell(nb, grade_id: str):
    return next(
        c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id
    )


def student_notebooks(course: Path, kind: str) -> dict[str, nbformat.NotebookNode]:
    """A student's four notebooks, made from the release as a student would edit them.

    kind: 'reference' (solution cells from the source, blog answered), 'untouched' (the release),
    'wrong_lenet5' (reference but a wrong LeNet5), 'tamperer' (wrong LeNet5; adds a correct LeNet5 to
    a locked cell and makes the LeNet5 test cell return full points; deletes the VGG test cell).
    """
    release, source = course / "release" / ASSIGNMENT, course / "source" / ASSIGNMENT
    notebooks = {p.name: read(p) for p in sorted(release.glob("*.ipynb"))}
    if kind == "untouched":
        return notebooks
    for name, nb in notebooks.items():
        solved = read(source / name)
        for c in nb.cells:
            meta = c.metadata.get("nbgrader", {})
            if meta.get("solution") and c.cell_type == "code":
                c.source = cell(solved, meta["grade_id"]).source
            elif meta.get("solution"):
                c.source = BLOG_ANSWER
    lab1, lab3 = notebooks["lab1_lenet5.ipynb"], notebooks["lab3_vgg.ipynb"]
    if kind in ("wrong_lenet5", "tamperer"):
        cell(lab1, "LeNet5").source = WRONG_LENET5
    if kind == "tamperer":
        locked = next(c for c in lab1.cells if "show_shapes" in c.source and c.cell_type == "code")
        locked.source += "\n\n" + cell(read(source / "lab1_lenet5.ipynb"), "LeNet5").source
        cell(lab1, "test_LeNet5").source = "25"
        lab3.cells.remove(cell(lab3, "test_VGG"))
    return notebooks


def hand_in(course: Path, student: str, notebooks: dict, *, as_zip: bool) -> None:
    """Put a student's notebooks where the LMS download goes: <student>.zip (in a folder inside) or a folder."""
    archive = course / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    if as_zip:
        with zipfile.ZipFile(archive / f"{student}.zip", "w") as zf:
            for name, nb in notebooks.items():
                zf.writestr(f"{ASSIGNMENT}/{name}", nbformat.writes(nb))
    else:
        (archive / student).mkdir()
        for name, nb in notebooks.items():
            nbformat.write(nb, archive / student / name)


def grade_cells(autograded_notebook: Path) -> dict[str, dict]:
    """grade_id -> {'outputs': [...], 'source': str} of every autograded test cell."""
    nb = json.loads(autograded_notebook.read_text(encoding="utf-8"))
    return {
        c["metadata"]["nbgrader"]["grade_id"]: {
            "outputs": c.get("outputs", []),
            "source": "".join(c["source"]),
        }
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade")
        and c["cell_type"] == "code"
        and c["metadata"]["nbgrader"]["grade_id"].startswith("test_")
    }  # not the 0-point self-check cells
