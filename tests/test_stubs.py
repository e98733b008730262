"""Stubs are derived from the solutions, import cleanly and fail politely."""

import importlib.util

import pytest

from autograder.release import stubs
from tests.helpers import ROOT


def test_committed_stubs_match_derivation():
    assert stubs.check(ROOT / "solutions", ROOT / "assignments") == []


def test_drift_is_reported(tmp_path):
    for path in (ROOT / "assignments").glob("*.py"):
        (tmp_path / path.name).write_text(path.read_text())
    (tmp_path / "lab1_lenet5.py").write_text(
        (tmp_path / "lab1_lenet5.py").read_text().replace("padding", "pad")
    )
    (tmp_path / "extra.py").write_text("")
    problems = stubs.check(ROOT / "solutions", tmp_path)
    assert len(problems) == 2 and "extra.py" in problems[0] and "lab1_lenet5.py" in problems[1]


def load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "lab, call, where",
    [
        ("lab1_lenet5", lambda m: m.LeNet5(), "LeNet5.__init__"),
        ("lab2_mlp_vs_cnn", lambda m: m.FC2Layer(784, 8, 10), "FC2Layer.__init__"),
        ("lab2_mlp_vs_cnn", lambda m: m.CNN(784, 6, 10), "CNN.__init__"),
        ("lab2_mlp_vs_cnn", lambda m: m.perm_pixel(None, None), "perm_pixel"),
        ("lab2_mlp_vs_cnn", lambda m: m.get_n_params(None), "get_n_params"),
        ("lab3_vgg", lambda m: m.VGG(), "VGG.__init__"),
    ],
)
def test_stubs_import_and_raise_a_friendly_not_implemented(lab, call, where):
    module = load(ROOT / "assignments" / f"{lab}.py")
    with pytest.raises(NotImplementedError, match=f"请完成 {where}"):
        call(module)


def test_every_solution_region_sits_inside_the_fences():
    for path in (ROOT / "solutions").glob("lab*.py"):
        lines = [line.strip() for line in path.read_text().splitlines()]
        begins = [i for i, line in enumerate(lines) if line == stubs.BEGIN]
        assert begins
        for i in begins:
            assert lines[i - 1].startswith("# ===== START OF YOUR CODE")
            end = lines.index(stubs.END, i)
            assert lines[end + 1].startswith("# ===== END OF YOUR CODE")


def test_markers_must_pair():
    with pytest.raises(ValueError):
        stubs.strip_solutions("def f():\n    ### BEGIN SOLUTION\n    pass\n")
    with pytest.raises(ValueError):
        stubs.strip_solutions("def f():\n    ### END SOLUTION\n    pass\n")
