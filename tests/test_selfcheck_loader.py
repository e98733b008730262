"""week2_checks.py's parts as ordinary modules: the loader (selfcheck_loader.py) and the markers'
stand-in (pytest_standin.py), exercised directly, and the generator (selfcheck_file.py), which
ships a closed set of modules and refuses an import it cannot satisfy.

The notebooks' self-check itself, through the shipped file, is tested in test_notebook_selfcheck.py.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import textwrap
import traceback

import pytest

from autograder.release import pytest_standin, selfcheck_file, selfcheck_loader
from tests.helpers import ROOT

SHIPPED = ROOT / "release" / "week2_cnn" / selfcheck_file.file_name()


# -- the loader, imported and exercised directly ------------------------------------------------


@pytest.fixture
def loader(monkeypatch):
    """selfcheck_loader with a package of its own and tiny sources; its finder and modules removed after."""
    package = "_test_selfcheck_loader_pkg"
    monkeypatch.setattr(selfcheck_loader, "_PACKAGE", package)
    monkeypatch.setattr(selfcheck_loader, "_SOURCES", {})
    monkeypatch.setattr(selfcheck_loader, "_PUBLIC", ())
    monkeypatch.setattr(selfcheck_loader, "_HINTS", None)
    before = list(sys.meta_path)
    yield selfcheck_loader
    sys.meta_path[:] = before
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]


def test_the_loader_imports_its_sources_under_the_private_package(loader):
    loader._SOURCES.update(
        {
            "suites.errors": "class CheckFailed(Exception):\n    pass\n",
            "suites.checks": "from _test_selfcheck_loader_pkg.suites.errors import CheckFailed\n\n\n"
            "def fail():\n    raise CheckFailed('nope')\n",
        }
    )
    checks = loader._engine("suites.checks")
    assert checks.__name__ == "_test_selfcheck_loader_pkg.suites.checks"
    # The pseudo-file is named after the package (the shipped module for '_week2_checks_engine').
    assert checks.__file__ == "<test_selfcheck_loader_pkg:suites.checks>"
    assert (
        sys.modules["_test_selfcheck_loader_pkg.suites"].__path__ == []
    )  # a package with no text of its own
    with pytest.raises(Exception, match="nope") as failure:
        checks.fail()
    assert type(failure.value).__name__ == "CheckFailed"
    assert "raise CheckFailed('nope')" in "".join(traceback.format_tb(failure.tb))  # linecache
    assert sum(isinstance(f, loader._Finder) for f in sys.meta_path) == 1
    loader._engine("suites.errors")
    assert sum(isinstance(f, loader._Finder) for f in sys.meta_path) == 1  # installed once


def test_a_module_the_file_does_not_carry_is_not_found(loader):
    """No placeholder: an engine module that is neither shipped nor declared grader-only is missing."""
    loader._SOURCES["suites.checks"] = "X = 1\n"
    with pytest.raises(ModuleNotFoundError):
        loader._engine("calibrate.table")
    with pytest.raises(ModuleNotFoundError):
        loader._engine("suites.runner")
    assert loader._engine("suites.checks").X == 1


def test_an_uncarried_module_imported_by_a_carried_one_is_not_found_either(loader):
    """No stand-ins: the loader has no grader-only stubs, so a shipped module that imported the
    grader's training modules at module level could not be imported at all."""
    assert not hasattr(loader, "_GRADER_ONLY") and not hasattr(loader, "_GraderOnly")
    loader._SOURCES["sandbox.ops"] = (
        "from _test_selfcheck_loader_pkg.training.specs import TrainSpec\n"
    )
    with pytest.raises(ModuleNotFoundError, match="training"):
        loader._engine("sandbox.ops")
    with pytest.raises(ModuleNotFoundError):
        loader._engine("training.specs")


def test_check_runs_the_entry_point_and_never_raises(loader, capsys):
    loader._SOURCES["public.selfcheck"] = (
        "def use(public, hints):\n"
        "    pass\n\n\n"
        "def check(part, namespace):\n"
        "    print(part, sorted(k for k in namespace if not k.startswith('_')))\n"
        "    return part == 'LeNet5'\n"
    )
    assert loader.check("LeNet5", {"LeNet5": 1}) is True
    assert capsys.readouterr().out == "LeNet5 ['LeNet5']\n"
    assert loader.check("VGG", {}) is False


def test_check_gives_the_entry_point_the_assignments_suite_and_hints_first(loader, capsys):
    """The vendored engine cannot read the declaration: the file names the shipped suite and hints."""
    loader._PUBLIC = ("assignments.x.public.test_a", "assignments.x.public.test_b")
    loader._HINTS = "assignments.x.hints"
    loader._SOURCES.update(
        {
            "assignments.x.public.test_a": "A = 1\n",
            "assignments.x.public.test_b": "B = 2\n",
            "assignments.x.hints": "CLASSES = ('Net',)\n",
            "public.selfcheck": "used = []\n\n\n"
            "def use(public, hints):\n"
            "    used.append(([m.__name__ for m in public], hints.CLASSES))\n\n\n"
            "def check(part, namespace):\n"
            "    print(used)\n"
            "    return True\n",
        }
    )
    assert loader.check("Net", {}) is True
    package = "_test_selfcheck_loader_pkg"
    assert capsys.readouterr().out == (
        f"[(['{package}.assignments.x.public.test_a', '{package}.assignments.x.public.test_b'], "
        "('Net',))]\n"
    )
    loader._HINTS = None  # an assignment without a hints module
    loader._SOURCES["public.selfcheck"] = loader._SOURCES["public.selfcheck"].replace(
        "hints.CLASSES", "hints"
    )
    del sys.modules[f"{package}.public.selfcheck"]
    assert loader.check("Net", {}) is True
    assert capsys.readouterr().out.endswith(", None)]\n")


def test_check_says_why_it_cannot_start(loader, capsys):
    loader._SOURCES["public.selfcheck"] = "import torch_that_is_not_installed\n"
    assert loader.check("LeNet5", {}) is False
    err = capsys.readouterr().err
    assert "✗ 自查无法运行 (the self-check could not start): ModuleNotFoundError" in err
    assert "需要 torch 和 numpy" in err


def test_the_loader_is_standard_library_only_and_holds_its_token_once():
    text = selfcheck_file.loader()
    imported = {
        a.name.split(".")[0]
        for n in ast.walk(ast.parse(text))
        if isinstance(n, ast.Import)
        for a in n.names
    }
    imported |= {
        n.module.split(".")[0] for n in ast.walk(ast.parse(text)) if isinstance(n, ast.ImportFrom)
    }
    assert imported <= set(sys.stdlib_module_names)
    assert '_PACKAGE = "_week2_checks_engine"' in text and selfcheck_file.TOKEN not in text
    source = (ROOT / "autograder" / "release" / "selfcheck_loader.py").read_text(encoding="utf-8")
    assert text == source.replace(selfcheck_file.TOKEN, '"_week2_checks_engine"')
    assert selfcheck_file.ENTRY == selfcheck_loader._ENTRY == "public.selfcheck"


# -- the markers' stand-in ----------------------------------------------------------------------


def test_the_pytest_standin_records_markers_like_pytest():
    @pytest_standin.mark.points(3)
    @pytest_standin.mark.depends("LeNet5_output_shape")
    def LeNet5_check(sub):
        pass

    assert [(m.name, m.args, m.kwargs) for m in LeNet5_check.pytestmark] == [
        ("depends", ("LeNet5_output_shape",), {}),
        ("points", (3,), {}),
    ]
    with pytest.raises(AttributeError):
        pytest_standin.mark._private  # noqa: B018

    def f():
        pass

    assert pytest_standin.fixture(f) is f and pytest_standin.fixture(scope="session")(f) is f


# -- the generator: a closed set of modules -----------------------------------------------------


def fake_engine(root, files: dict[str, str]):
    """A tiny `autograder` package under root: relative path -> text."""
    package = root / "autograder"
    for rel, text in {"__init__.py": "", **files}.items():
        path = package / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        if path.parent != package and not (path.parent / "__init__.py").exists():
            (path.parent / "__init__.py").write_text("", encoding="utf-8")
    return package


ENTRY_TEXT = """\
    from autograder.suites.submission import Submission


    def check(part, namespace):
        return Submission
    """


@pytest.fixture
def fake(tmp_path, monkeypatch):
    monkeypatch.setattr(
        selfcheck_file,
        "assignment_modules",
        lambda: selfcheck_file.AssignmentModules("assignments.fake", None, ()),
    )

    def build(submission: str, extra: dict | None = None):
        package = fake_engine(
            tmp_path,
            {
                "public/selfcheck.py": ENTRY_TEXT,
                "suites/submission.py": submission,
                "suites/errors.py": "class CheckFailed(Exception):\n    pass\n",
                "training/precision.py": "def apply(spec, p):\n    return spec\n",
                **(extra or {}),
            },
        )
        monkeypatch.setattr(selfcheck_file, "PACKAGE_DIR", package)
        return selfcheck_file

    return build


def test_a_module_level_import_of_an_uncopied_engine_module_is_refused(fake):
    generator = fake("""\
        from autograder.suites.errors import CheckFailed
        from autograder.training import precision


        class Submission:
            pass
        """)
    with pytest.raises(selfcheck_file.UnshippableImport) as refused:
        generator.modules()
    message = str(refused.value)
    assert "cannot ship autograder.suites.submission" in message
    assert "submission.py:2 imports autograder.training.precision at module level" in message
    assert (
        "import chain: autograder.public.selfcheck -> autograder.suites.submission -> "
        "autograder.training.precision"
    ) in message
    with pytest.raises(selfcheck_file.UnshippableImport):
        generator.render()  # nothing is written with a placeholder


def test_imports_inside_functions_or_for_type_checking_are_not_shipped_and_not_refused(fake):
    generator = fake("""\
        from typing import TYPE_CHECKING

        from autograder.suites.errors import CheckFailed

        if TYPE_CHECKING:
            from autograder.config import GradingConfig


        class Submission:
            config: GradingConfig

            def training_check(self, spec):
                from autograder.training import precision
                return precision.apply(spec, "fp32")
        """)
    assert set(generator.modules()) == {
        "_pytest_markers",
        "public.selfcheck",
        "suites.errors",
        "suites.submission",
    }
    text = generator.render()
    assert "_GRADER_ONLY" not in text and "_Unavailable" not in text


def test_no_module_level_import_of_an_uncopied_module_can_be_declared_away(fake):
    """There are no grader-only declarations any more: every such import is refused."""
    assert not hasattr(selfcheck_file, "GRADER_ONLY") and not hasattr(selfcheck_file, "grader_only")
    generator = fake("from autograder.training import precision\n\n\nclass Submission:\n    pass\n")
    with pytest.raises(
        selfcheck_file.UnshippableImport, match="training.precision at module level"
    ):
        generator.render()


def test_a_copied_module_that_imports_a_hidden_suite_is_refused(fake):
    generator = fake(
        "from autograder.hidden import test_lenet5\n\n\nclass Submission:\n    pass\n",
        {"hidden/test_lenet5.py": "X = 1\n"},
    )
    with pytest.raises(ValueError, match="must never be shipped"):
        generator.modules()
    for line in (  # an assignment's hidden suites, however imported
        "from autograder.assignments.fake.hidden import test_lenet5",
        "from autograder.assignments.fake import hidden",
        "import autograder.assignments.fake.hidden.test_lenet5",
    ):
        generator = fake(
            f"{line}\n\n\nclass Submission:\n    pass\n",
            {"assignments/fake/hidden/test_lenet5.py": "X = 1\n"},
        )
        with pytest.raises(ValueError, match="must never be shipped"):
            generator.modules()


ASSIGNMENT_FILES = {
    "assignments/fake/__init__.py": "from autograder.assignments.fake import training\n",
    "assignments/fake/training.py": "from autograder.training.precision import apply\n",
    "assignments/fake/hints.py": "CLASSES = ('Net',)\n",
    "assignments/fake/stages.py": "from autograder.suites.errors import CheckFailed\n",
    "assignments/fake/public/test_public.py": "from autograder.assignments.fake.stages import CheckFailed\n",
}


def test_the_assignments_hints_and_public_suite_are_shipped_with_what_they_need(fake, monkeypatch):
    """Roots besides the entry point; the assignment's modules they import are copied, never its
    package's __init__, and a module-level import of its grader side is refused."""
    generator = fake("class Submission:\n    pass\n", ASSIGNMENT_FILES)
    shipped = selfcheck_file.AssignmentModules(
        "assignments.fake", "assignments.fake.hints", ("assignments.fake.public.test_public",)
    )
    monkeypatch.setattr(selfcheck_file, "assignment_modules", lambda: shipped)
    assert set(generator.modules()) == {
        "_pytest_markers",
        "assignments.fake.hints",
        "assignments.fake.public.test_public",
        "assignments.fake.stages",
        "public.selfcheck",
        "suites.errors",
        "suites.submission",
    }
    assert generator.render().endswith(
        "\n_PUBLIC = ('assignments.fake.public.test_public',)\n_HINTS = 'assignments.fake.hints'\n"
    )
    for line, refused in (
        (
            "from autograder.assignments.fake import training",
            "training.py:1 imports autograder.training",
        ),
        (
            "import autograder.assignments.fake",
            "stages.py:1 imports autograder.assignments.fake at",
        ),
    ):
        fake(
            "class Submission:\n    pass\n",
            {**ASSIGNMENT_FILES, "assignments/fake/stages.py": f"{line}\n"},
        )
        with pytest.raises(selfcheck_file.UnshippableImport, match=refused):
            generator.modules()


def test_the_real_assignment_is_named_by_its_declaration():
    from autograder.assignment import load

    spec = load()
    shipped = selfcheck_file.assignment_modules()
    assert shipped == selfcheck_file.AssignmentModules(
        "assignments.week2", "assignments.week2.hints", ("assignments.week2.public.test_public",)
    )
    assert f"autograder.{shipped.hints}" == spec.hints.__name__
    assert selfcheck_file.module_path(shipped.public[0]).parent == spec.public_dir


def test_the_real_engine_ships_a_closed_set():
    """The shipped modules import, at module level, only each other: there are no exceptions
    (sandbox/ops.py imports the training loop inside op_train; the copied set's submission.py
    imports the grader's side where used)."""
    copied = selfcheck_file.modules()
    for name in copied:
        if name == "_pytest_markers":
            continue
        tree = ast.parse(selfcheck_file.module_path(name).read_text(encoding="utf-8"))
        outside = {
            i.module
            for i in selfcheck_file._imports(tree)
            if i.at_import and i.module not in copied
        }
        assert outside == set(), name
    text = SHIPPED.read_text(encoding="utf-8")
    assert "_Unavailable" not in text and "module.__getattr__ = lambda" not in text
    assert "_GRADER_ONLY" not in text and "_GraderOnly" not in text


def test_a_module_level_training_import_in_the_real_ops_is_refused_naming_the_chain(
    tmp_path, monkeypatch
):
    package = tmp_path / "autograder"
    shutil.copytree(
        selfcheck_file.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    ops = package / "sandbox" / "ops.py"
    ops.write_text(
        "from autograder.training import loop\n" + ops.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    monkeypatch.setattr(selfcheck_file, "PACKAGE_DIR", package)
    with pytest.raises(
        selfcheck_file.UnshippableImport,
        match=r"autograder\.public\.selfcheck -> autograder\.sandbox\.ops -> autograder\.training\.",
    ):
        selfcheck_file.modules()


def test_the_shipped_file_finds_no_engine_module_it_does_not_carry(tmp_path):
    """In the shipped file: what is not carried is not found; training (op_train) raises when used."""
    script = textwrap.dedent("""
        import sys
        sys.modules["autograder"] = None
        sys.path.insert(0, sys.argv[1])
        import week2_checks
        week2_checks._engine("public.selfcheck")
        for name in ("calibrate.table", "config", "sandbox.client", "training.precision", "extract.facts",
                     "assignment", "assignments.week2.training", "assignments.week2.broken",
                     "assignments.week2.feedback", "assignments.week2.hidden.test_cnn"):
            try:
                week2_checks._engine(name)
            except ModuleNotFoundError:
                pass
            else:
                raise SystemExit(f"{name} was found")
        package = week2_checks._engine("assignments.week2")  # a name space, not the declaration
        assert package.__path__ == [] and not hasattr(package, "ASSIGNMENT"), vars(package)
        ops = week2_checks._engine("sandbox.ops")
        try:
            ops.Ops({}, {}, "cpu").op_train("LeNet5", (), {}, 0)
        except ModuleNotFoundError as exc:
            print("raised:", exc)
        """)
    run = subprocess.run(
        [sys.executable, "-c", script, str(SHIPPED.parent)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "raised: No module named '_week2_checks_engine.training'" in run.stdout
