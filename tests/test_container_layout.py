"""The grading container (`Dockerfile`) grades, without a container engine.

The files are laid out in tmp_path as the Dockerfile's WORKDIR and COPY lines lay them out, the
package is installed the way its RUN line installs it (into a fresh interpreter environment whose
only other packages are this venv's torch & co.), and the ENTRYPOINT runs from the WORKDIR on the
reference solution, the stubs and a submission that tries to read the reference and the hidden
suites where the image keeps them.

The gradings skip training (`--no-training`: the data-free checks only); the
canary runs in a cache of its own, so the reference is really looked up and graded where the
container keeps it. The slow test grades with training, as a real run does: full marks and 0.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import site
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.sandbox.isolation import can_use_namespaces
from tests.helpers import ROOT, TOTAL, WEEK2

DOCKERFILE = ROOT / "Dockerfile"
SECRET_MISSING = "CONTAINER-SECRETS-HIDDEN"
"""What the thief's LeNet5 raises when it found neither the reference nor the hidden suites."""
THIEF = "2021009 小偷"
"""The thief's upload, named as uploads are (a space, Chinese characters)."""


@dataclass
class Image:
    workdir: Path
    python: Path
    entrypoint: list[str]
    env: dict


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per Dockerfile instruction, with continuation lines joined."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def lay_out(
    dockerfile: Path, context: Path, image_root: Path
) -> tuple[Path, list[str], list[str], dict]:
    """Copy what the COPY lines copy (WORKDIR mapped into image_root). Returns (workdir, RUN
    commands, ENTRYPOINT argv, ENV)."""
    workdir, runs, entrypoint, env = None, [], None, {}
    for word, args in instructions(dockerfile.read_text(encoding="utf-8")):
        if word == "WORKDIR":
            workdir = image_root / args.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif word == "COPY":
            *sources, dest = shlex.split(args)
            assert not any(s.startswith("--") for s in sources), (
                f"COPY options are not laid out here: {args}"
            )
            target = image_root / dest.lstrip("/") if dest.startswith("/") else workdir / dest
            for source in sources:
                src = context / source
                assert src.exists(), (
                    f"the Dockerfile copies {source}, which the build context does not have"
                )
                if src.is_dir():
                    shutil.copytree(
                        src,
                        target,
                        ignore=shutil.ignore_patterns("__pycache__"),
                        dirs_exist_ok=True,
                    )
                else:
                    into = target if dest.endswith("/") else target.parent
                    into.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, into / src.name if dest.endswith("/") else target)
        elif word == "RUN":
            runs.append(args)
        elif word == "ENV":
            key, _, value = args.partition("=")
            env[key.strip()] = value.strip()
        elif word == "ENTRYPOINT":
            entrypoint = json.loads(args)
    assert workdir is not None and entrypoint, (
        "the Dockerfile names a WORKDIR and an ENTRYPOINT (exec form)"
    )
    return workdir, runs, entrypoint, env


def project_install(runs: list[str]) -> list[str]:
    """The pip options of the RUN step that installs the project itself (`pip install ... .`)."""
    for run in runs:
        for command in run.split("&&"):
            words = shlex.split(command)
            if words[:2] == ["pip", "install"] and "." in words:
                i = words.index(".")
                return ["-e"] if i > 0 and words[i - 1] in ("-e", "--editable") else []
    raise AssertionError("no `pip install ... .` step in the Dockerfile's RUN lines")


def build_image(image_root: Path) -> Image:
    """The container's file system, laid out under image_root and installed with this venv's torch."""
    pytest.importorskip(
        "setuptools", reason="installing without build isolation needs setuptools in this venv"
    )
    workdir, runs, entrypoint, env = lay_out(DOCKERFILE, ROOT, image_root)
    # The container's interpreter: a bare environment that sees this venv's third-party packages
    # (torch, numpy, pytest...) through a .pth line, but not this checkout's own install of the
    # engine (an editable install is a .pth hook, and a .pth line's folder gets no .pth processing).
    venv = image_root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["platlib"],
        *site.getsitepackages(),
    }
    Path(purelib, "zz_test_venv_packages.pth").write_text(
        "\n".join(sorted(p for p in ours if os.path.isdir(p))) + "\n"
    )
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            *project_install(runs),
            ".",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    for run in runs:  # the modes the RUN line sets: each must name a path the image has
        for command in run.split("&&"):
            words = shlex.split(command)
            if words[:1] == ["chmod"]:
                mode, *paths = words[1:]
                for pattern in paths:  # RUN goes through /bin/sh, which expands globs
                    matched = sorted(workdir.glob(pattern))
                    assert matched, (
                        f"the Dockerfile's RUN line changes {pattern}, which is not in the image"
                    )
                    for path in matched:
                        os.chmod(path, int(mode, 8))
    argv = [
        str(python) if i == 0 and word.startswith("python") else word
        for i, word in enumerate(entrypoint)
    ]
    return Image(workdir, python, argv, env)


def thief(folder: Path, image: Image) -> Path:
    """The reference LeNet5, which works only if it can read the reference solution or the hidden
    suites where the image keeps them (submission code must see neither). Named as uploads are."""
    secrets = [
        str(image.workdir / "solutions" / "lab1_lenet5.py"),
        str(image.workdir / WEEK2.hidden_dir.relative_to(ROOT) / "test_lenet5.py"),
    ]
    assert all(os.path.isfile(p) for p in secrets)
    source = (ROOT / "solutions" / "lab1_lenet5.py").read_text(encoding="utf-8")
    anchor = "        super(LeNet5, self).__init__()\n"
    assert anchor in source
    source = (
        source.replace(anchor, anchor + "        _peek()\n")
        + f'''

def _peek():
    for path in {secrets!r}:
        try:
            with open(path, encoding="utf-8") as f:
                if f.read(1):
                    return
        except OSError:
            pass
    raise RuntimeError("{SECRET_MISSING}")
'''
    )
    path = folder / f"{THIEF}.py"
    path.write_text(source, encoding="utf-8")
    return path


def run_entrypoint(
    image: Image, *args, cache: Path, timeout: int = 1800
) -> subprocess.CompletedProcess:
    env = {**os.environ, **image.env, "AUTOGRADER_CACHE_DIR": str(cache)}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [*image.entrypoint, *map(str, args)],
        cwd=image.workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Image:
    return build_image(tmp_path_factory.mktemp("image"))


@pytest.fixture(scope="module")
def no_training_run(image, tmp_path_factory, data_dir, cache_dir):
    """solutions, assignments and the thief, --no-training, with a canary memo of their own (the
    decoded data are shared with the session's cache)."""
    base = tmp_path_factory.mktemp("container-run")
    cache = base / "cache"
    cache.mkdir()
    (cache_dir / "data").mkdir(parents=True, exist_ok=True)
    (cache / "data").symlink_to(cache_dir / "data", target_is_directory=True)
    subs = base / "submissions"
    subs.mkdir()
    paths = [ROOT / "solutions", ROOT / "assignments", thief(subs, image)]
    out = base / "out"
    process = run_entrypoint(
        image,
        "grade",
        *paths,
        "--out",
        out,
        "--data-dir",
        data_dir,
        "--no-training",
        "--quiet",
        cache=cache,
    )
    return process, out


def test_the_image_runs_its_own_copy_of_the_engine(image):
    """The grader and its sandbox supervisors (`python -I`, which sees only installed packages)
    import the engine the image installed, next to the reference, whatever the working directory."""
    for cwd in (image.workdir, "/"):
        found = subprocess.run(
            [str(image.python), "-I", "-c", "import autograder; print(autograder.__file__)"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert Path(found) == image.workdir / "autograder" / "__init__.py"
    assert (image.workdir / "solutions" / "lab1_lenet5.py").is_file()


def test_the_container_grades_reference_and_stubs(no_training_run):
    process, out = no_training_run
    assert process.returncode == 0, process.stdout + process.stderr
    assert "reference solution is not installed" not in process.stderr
    summary = json.loads((out / "summary.json").read_text())
    canary = summary["canary"]
    assert canary["ran"] and canary["score"] == canary["max_score"] > 0, canary
    results = {
        name: json.loads((out / name / "results.json").read_text())
        for name in ("solutions", "assignments")
    }
    full = {
        name: json.loads((out / name / "result.full.json").read_text())
        for name in ("solutions", "assignments")
    }
    assert results["solutions"]["score"] == canary["max_score"]
    assert all(t["status"] == "passed" for t in full["solutions"]["tests"])
    assert results["assignments"]["score"] == 0
    assert {t["status"] for t in full["assignments"]["tests"]} == {"failed"}
    assert not full["solutions"]["grader_error"] and not full["assignments"]["grader_error"]
    grades = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("solutions,") and line.endswith(",graded") for line in grades), (
        grades
    )
    assert any(line.startswith("assignments,0,") and line.endswith(",graded") for line in grades), (
        grades
    )


@pytest.mark.skipif(
    not can_use_namespaces(), reason="file isolation needs root on Linux (namespaces)"
)
def test_submission_code_sees_neither_the_reference_nor_the_hidden_suites(no_training_run):
    process, out = no_training_run
    result = json.loads((out / THIEF / "result.full.json").read_text(encoding="utf-8"))
    lenet = [t for t in result["tests"] if t["part"] == "LeNet5"]
    assert lenet, [t["name"] for t in result["tests"]]
    assert not any(t["status"] == "passed" for t in lenet), (
        "the thief read the reference or the hidden suites"
    )
    assert any(SECRET_MISSING in t["output"] for t in lenet), [t["output"] for t in lenet]


@pytest.mark.slow
def test_the_container_grades_reference_full_and_stubs_0(image, tmp_path, data_dir, cache_dir):
    """A real run, with training (the session's cache: models it trained are not trained again)."""
    out = tmp_path / "out"
    process = run_entrypoint(
        image,
        "grade",
        ROOT / "solutions",
        ROOT / "assignments",
        "--out",
        out,
        "--data-dir",
        data_dir,
        "--quiet",
        cache=cache_dir,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    grades = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    header = grades[0].split(",")
    rows = {line.split(",")[0]: dict(zip(header, line.split(","))) for line in grades[1:]}
    assert (
        rows["solutions"]["total"],
        rows["solutions"]["max_score"],
        rows["solutions"]["status"],
    ) == (f"{TOTAL:g}", f"{TOTAL:g}", "graded")
    assert (rows["assignments"]["total"], rows["assignments"]["status"]) == ("0", "graded")
