"""Hints for the mistakes that real submissions contain: each case of
tests/corpus_mistakes is graded once per session by the real CLI, as a folder of .py files and as a
notebook, one grading run per part (--parts; training on, but a failed prerequisite trains nothing),
and many small tests read the results. The pure hint functions are tested directly below."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.assignments.week2 import hints as week2_hints
from autograder.extract import Unit
from autograder.extract.facts import definition_facts
from autograder.extract.units import Extracted
from autograder.sandbox.errors import SandboxError
from autograder.suites import hints, messages
from tests.corpus_mistakes.manifest import (
    ALL_FAIL,
    CHAIN,
    CONSTRUCTION,
    MISTAKES,
    NOT_RUN,
    build,
    grade_groups,
)
from tests.helpers import ROOT, Graded, as_notebook, grade, statuses

FORMATS = ("folder", "notebook")


@pytest.fixture(scope="session")
def mistakes(tmp_path_factory, data_dir, cache_dir) -> dict[str, dict]:
    """Submission name ('<case>' or '<case>__notebook') -> its full result."""
    root = tmp_path_factory.mktemp("mistakes")
    subs = root / "submissions"
    subs.mkdir()
    results = {}
    for part, cases in grade_groups(MISTAKES).items():
        paths = []
        for case in cases:
            folder = build(case, subs)
            paths += [folder, as_notebook(folder, subs / f"{case.name}__notebook.ipynb")]
        graded: Graded = grade(
            paths, root / part, data_dir, cache_dir, "--parts", part, "--jobs", "2"
        )
        assert graded.returncode == 0, graded.stderr[-3000:]
        results.update(graded.results)
    return results


def result_of(mistakes, case, fmt) -> dict:
    return mistakes[case.name if fmt == "folder" else f"{case.name}__notebook"]


def outputs(result: dict) -> dict[str, str]:
    return {t["name"]: t["output"] for t in result["tests"]}


CASES = [pytest.param(case, fmt, id=f"{case.name}-{fmt}") for case in MISTAKES for fmt in FORMATS]


@pytest.mark.slow
@pytest.mark.parametrize("case, fmt", CASES)
def test_verdict_is_unchanged(mistakes, case, fmt):
    result = result_of(mistakes, case, fmt)
    assert result["grader_error"] is None
    failing = {name for name, status in statuses(result).items() if status != "passed"}
    assert set(statuses(result)) == set(ALL_FAIL[case.part])
    assert failing == set(case.fails), {
        n: o[:300] for n, o in outputs(result).items() if n in failing ^ case.fails
    }
    points = sum(t["score"] for t in result["tests"])
    assert points == sum(t["max_score"] for t in result["tests"] if t["name"] not in case.fails)


@pytest.mark.slow
@pytest.mark.parametrize("case, fmt", CASES)
def test_hint_names_the_fault_and_the_fix(mistakes, case, fmt):
    shown = outputs(result_of(mistakes, case, fmt))
    construction = [n for n in case.fails if not shown[n].startswith(NOT_RUN)]
    for test, words in case.hints.items():
        for name in {CONSTRUCTION: construction, CHAIN: []}.get(test, [test]):
            text = shown[name]
            if (
                fmt == "notebook"
            ):  # the notebook names its cell, not the file (its lines are the same)
                words = tuple(w for w in words if not w.startswith("zz_"))
            missing = [w for w in words if w not in text]
            assert not missing, f"{name} lacks {missing}:\n{text}"


@pytest.mark.slow
@pytest.mark.parametrize("case, fmt", CASES)
def test_prerequisite_chains_are_reported_once(mistakes, case, fmt):
    shown = outputs(result_of(mistakes, case, fmt))
    not_run = {n: t for n, t in shown.items() if t.startswith(NOT_RUN)}
    first = case.hints.get(CHAIN, ())
    assert bool(not_run) == bool(first)
    for text in not_run.values():
        assert (
            text.count(messages.NOT_RUN) == 1
            and text.count("前置检查") == 1
            and "\n" not in text.strip()
        ), text
        assert f"前置检查 {first[0]} 未通过" in text and f"{first[0]} failed first" in text, text
        root = shown[first[0]].split("\n", 1)[0]
        assert text.endswith(root), (text, root)  # the first failure's own first line, verbatim


@pytest.mark.slow
def test_nested_definition_names_the_notebook_cell(mistakes):
    text = outputs(mistakes["cnn_nested_in_fc2layer__notebook"])["CNN_output_shape"]
    assert "cnn_nested_in_fc2layer__notebook.ipynb[cell 6] 第 19 行" in text, text


@pytest.mark.slow
def test_device_hint_points_at_the_skipped_if_in_the_notebook(mistakes):
    text = outputs(mistakes["cnn_device_undefined__notebook"])["CNN_output_shape"]
    assert "cnn_device_undefined__notebook.ipynb[cell 6] 第 7 行" in text, text


# -- the pure functions, without grading -------------------------------------------------------------
def facts_of(*sources: tuple[str, str]) -> dict:
    """Facts of some code, as extracted from .py files named by the first item."""
    from autograder.extract.collect import Source
    from autograder.extract.units import extract

    return definition_facts(
        extract([Source(origin, text, origin.split(".")[0]) for origin, text in sources])
    )


def test_hints_import_neither_torch_nor_numpy():
    code = (
        "import sys; import autograder.suites.hints, autograder.extract.facts; "
        "print(sorted(m for m in ('torch', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "[]"
    # The assignment's part of the hints is shipped in the self-check file too: standard library only.
    tree = ast.parse(Path(week2_hints.__file__).read_text(encoding="utf-8"))
    imported = {
        a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


def test_without_a_hints_module_every_hint_is_the_generic_one():
    """An assignment without a hints module: no handout names, no part's texts, the engine's own."""
    mismatch = "mat1 and mat2 shapes cannot be multiplied (2x512 and 2048x10)"
    assert "旧版讲义" in hints.for_exception("RuntimeError", mismatch, "VGG")
    hints.use(None)
    try:
        assert hints.for_exception("RuntimeError", mismatch, "VGG") == (
            "全连接层需要每个样本 2048 个输入特征，展平后却是 512 个：展平后的特征数要等于下一个 "
            "nn.Linear 的 in_features（2048） (the flattened size must match the Linear's in_features)。"
        )
        assert hints.for_exception("NameError", "name 'cfg' is not defined", "VGG", {}) is None
        assert hints.for_exception("TypeError", "CNN.__init__() takes 1 positional", "CNN") is None
        assert hints.missing("LeNet5", {"classes": {"Lenet5": {}}}) == (
            "提交中没有找到 LeNet5 的定义 (LeNet5 is not defined in the submission)。"
        )
        assert hints.parameters("VGG", [["classifier.weight", [10, 2048], True]]) is None
    finally:
        hints.use()
    assert "旧版讲义" in hints.for_exception("RuntimeError", mismatch, "VGG")


def test_facts_find_nested_definitions_locals_and_skipped_statements():
    facts = facts_of(
        (
            "a.py",
            "import torch\nif torch.cuda.is_available():\n    device = 1\nelse:\n    device = 2\n"
            "class A:\n    def f(self):\n        class CNN: pass\n\ndef main():\n    lr = 3\n",
        )
    )
    assert facts["nested"]["CNN"] == [
        {"kind": "class", "inside": "A.f", "origin": "a.py", "line": 8}
    ]
    assert facts["skipped"]["device"] == {"origin": "a.py", "line": 3}
    assert facts["locals"]["lr"] == [{"inside": "main", "origin": "a.py", "line": 11}]


def test_facts_of_a_class_say_what_its_constructor_and_forward_do():
    facts = facts_of(
        (
            "m.py",
            "@decorate\nclass CNN(nn.Module):\n    def __init__(self, n_feature, k=3):\n"
            "        self.n = n_feature\n    def forward(self, x):\n        y = x\n",
        )
    )
    cnn = facts["classes"]["CNN"]
    assert (cnn["line"], cnn["init_line"], cnn["forward_line"]) == (2, 3, 5)
    assert cnn["init_params"] == ["n_feature", "k=3"] and cnn["calls_parent_init"] is False
    assert cnn["forward_returns"] is False and cnn["bases"] == ["nn.Module"]


@pytest.mark.parametrize(
    "found, wanted",
    [
        ("Lenet5", "LeNet5"),
        ("lenet5", "LeNet5"),
        ("Vgg", "VGG"),
        ("MLP", "FC2Layer"),
        ("get_params", "get_n_params"),
        ("permute_pixels", "perm_pixel"),
        ("Cnn", "CNN"),
    ],
)
def test_near_misses_name_what_was_found(found, wanted):
    kind = "classes" if wanted in week2_hints.CLASSES else "functions"
    facts = {kind: {found: {"origin": "lab.py", "line": 3}}}
    text = hints.missing(wanted, facts)
    assert f"找到了 {found}（lab.py 第 3 行）" in text and f"讲义中的名字是 {wanted}" in text


def test_a_class_built_like_the_handouts_is_a_near_miss_whatever_its_name():
    facts = {
        "classes": {
            "TwoHidden": {
                "origin": "x.py",
                "line": 1,
                "init_params": ["input_size", "n_hidden", "output_size"],
            }
        }
    }
    assert "找到了 TwoHidden" in hints.missing("FC2Layer", facts)
    assert (
        hints.missing("CNN", facts)
        == "提交中没有找到 CNN 的定义 (CNN is not defined in the submission)。"
    )


def test_unknown_errors_get_no_hint_and_the_old_text():
    assert hints.for_exception("ValueError", "something else", "CNN", None) is None
    assert hints.for_exception("NameError", "name 'np2' is not defined", "CNN", {}) is None
    text = messages.failure(
        SandboxError("exception", "op", type="ValueError", message="boom"), "构造 CNN() ", "CNN", {}
    )
    assert text == "构造 CNN() 时出错: ValueError: boom"


def test_flatten_hints_follow_the_model():
    assert "16*5*5" in hints.for_exception(
        "RuntimeError", "mat1 and mat2 shapes cannot be multiplied (4x256 and 400x120)", "LeNet5"
    )
    view = hints.for_exception(
        "RuntimeError", "shape '[-1, 784]' is invalid for input of size 100", "FC2Layer"
    )
    assert "x = x.view(-1, self.input_size)" in view
    vgg = hints.for_exception(
        "RuntimeError", "mat1 and mat2 shapes cannot be multiplied (2x512 and 4096x10)", "VGG"
    )
    assert "512×1×1" in vgg and "nn.Linear(512, 10)" in vgg and "旧版" not in vgg


def test_super_init_hint_names_the_base_class_that_lacks_it():
    facts = {
        "classes": {
            "Base": {"calls_parent_init": False, "init_line": 4, "origin": "a.py"},
            "CNN": {"calls_parent_init": True, "bases": ["Base"]},
        }
    }
    text = hints.for_exception(
        "AttributeError", "cannot assign module before Module.__init__() call", "CNN", facts
    )
    assert (
        text.startswith("Base.__init__ 没有先调用父类") and "super(Base, self).__init__()" in text
    )
    assert "（a.py 第 4 行）" in text


def test_wrong_return_needs_the_right_shape_computed_last():
    computed = [("view", (2, 784)), ("network.0", (2, 8)), ("network.5", (2, 10))]
    assert "view 的输出" in hints.wrong_return("FC2Layer", (2, 784), (2, 10), computed)
    assert (
        hints.wrong_return("FC2Layer", (2, 784), (2, 10), computed[:-1]) is None
    )  # never computed (2, 10)
    assert hints.wrong_return("FC2Layer", (2, 10), (2, 10), computed) is None


def test_a_chain_of_prerequisites_is_one_line_naming_the_first_failure():
    first = messages.not_run("CNN_output_shape", "构造 CNN(784, 6, 10) 时出错: TypeError: x")
    assert messages.not_run("CNN_trains_on_mnist", first) == first
    assert first == (
        "未运行：前置检查 CNN_output_shape 未通过，依赖它的检查都未运行 "
        "(not run: CNN_output_shape failed first)：构造 CNN(784, 6, 10) 时出错: TypeError: x"
    )


def test_vgg_parameter_hint_reads_the_classifier_shape():
    params = [["features.0.weight", [64, 3, 3, 3], True], ["classifier.weight", [10, 2048], True]]
    assert "旧版讲义中的已知错误" in hints.parameters("VGG", params)
    assert hints.parameters("VGG", params[:1]) is None and hints.parameters("CNN", params) is None


def test_unit_sources_keep_their_lines():
    unit = Unit(
        "class",
        ("CNN",),
        frozenset(),
        "class CNN:\n    def forward(self, x):\n        pass",
        "nb.ipynb[cell 3]",
        5,
    )
    facts = definition_facts(Extracted(units=(unit,)))
    assert (
        facts["classes"]["CNN"]["forward_line"] == 6
        and facts["classes"]["CNN"]["forward_returns"] is False
    )


@pytest.mark.parametrize("device_kind", ["cpu", "cuda"])
def test_a_training_message_names_the_model_and_data_its_spec_trains(device_kind):
    """Hidden and public suites take the text from the check's spec, so the two cannot drift apart."""
    from autograder.config import GradingConfig
    from autograder.suites import checks
    from autograder.suites.submission import Submission

    sub = Submission(
        sandbox=None,
        config=GradingConfig(spec_kind=device_kind, data_dir=None),
        calibration=None,
        labels={},
    )
    assert [checks.trained_text(sub, c) for c in ("LeNet5", "FC2Layer", "CNN_perm", "VGG")] == [
        "LeNet5 在 MNIST 上短训练后",
        "FC2Layer(784, 8, 10) 在 MNIST 上短训练后",
        "CNN(784, 6, 10) 在 MNIST 上短训练后",
        "VGG 在 CIFAR-10 上短训练后",
    ]
