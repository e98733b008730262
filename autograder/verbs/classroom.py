"""`classroom-template`: build the GitHub Classroom template repository for students.

Students can read and change everything in their repository, the workflow included, so the
template holds only what they may see: the stubs, the public checks (the engine without the
assignments' hidden/ folders), the calibration table, a README and the workflow. Layout:

    README.md                          classroom/README.md (for students, in Chinese)
    *.py                               the stubs of assignments/
    requirements-torch.txt             pinned CPU torch/torchvision (PyTorch's CPU wheel index)
    requirements.txt                   the rest, and the checker itself (`./.autograder`)
    .autograder/                       the engine, installed with pip; a dot folder, so neither
                                       `check .` nor the instructor's `grade` reads it as student code
    .github/workflows/classroom.yml    classroom/classroom.yml
    .gitignore                         classroom/gitignore

The template is built on demand and never committed here: it is derived entirely from files
that are (the stubs, the engine, classroom/), so a committed copy could only drift.
"""

from __future__ import annotations

from pathlib import Path

from autograder.release import stubs, vendor

ROOT = vendor.ROOT
ENGINE_DIR = ".autograder"
WORKFLOW = ".github/workflows/classroom.yml"
AUTHORED = {
    "README.md": "classroom/README.md",
    WORKFLOW: "classroom/classroom.yml",
    ".gitignore": "classroom/gitignore",
}


def requirements_txt() -> str:
    return (
        "# 先安装 CPU 版 torch（见 README），再安装其余依赖和检查程序：\n"
        "# Install torch first (see README), then the rest and the checker:\n"
        "#   pip install -r requirements.txt\n"
        f"./{ENGINE_DIR}\n"
    )


def template_files(root: Path = ROOT) -> dict[str, bytes]:
    """Relative path -> content of every file of the student template."""
    problems = stubs.check(root / "solutions", root / "assignments")
    if problems:
        raise ValueError(
            "assignments/ differs from what solutions/ derives; run `python -m autograder stubs` "
            "first:\n" + "\n".join(problems)
        )
    files = {name: (root / source).read_bytes() for name, source in AUTHORED.items()}
    files.update({p.name: p.read_bytes() for p in sorted((root / "assignments").glob("*.py"))})
    files["requirements-torch.txt"] = vendor.torch_requirements(root).encode()
    files["requirements.txt"] = requirements_txt().encode()
    files[f"{ENGINE_DIR}/pyproject.toml"] = vendor.engine_pyproject(root).encode()
    files.update(
        {f"{ENGINE_DIR}/{rel}": data for rel, data in vendor.engine_files(hidden=False).items()}
    )
    return files


def write(out: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def main(*, out: Path, root: Path = ROOT, quiet: bool = False) -> int:
    """Write the template into out (a new or empty folder). Returns 0."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"{out} exists and is not an empty folder; give a new folder")
    files = template_files(root)
    write(out, files)
    if not quiet:
        print(
            f"wrote {len(files)} files to {out} (public checks only; no hidden suites, no solutions)\n"
            f"next: push it to a new GitHub repository, mark it as a template, and use it for the "
            f"Classroom assignment (README: GitHub Classroom)"
        )
    return 0
