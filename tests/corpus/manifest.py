"""The grading corpus and the verdict each submission must get.

A case is graded as a real submission. `fails` is the exact set of tests that must fail; every
other test must pass. Wrong cases are overlays: the reference lab files plus one file (sorted last)
that redefines one thing, as a student's later notebook cell would ("last definition wins").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent
ROOT = CORPUS.parents[1]

LENET = (
    "LeNet5_output_shape",
    "LeNet5_intermediate_shapes",
    "LeNet5_parameter_count",
    "LeNet5_relu_after_each_hidden_layer",
    "LeNet5_returns_raw_scores",
    "LeNet5_each_output_depends_on_its_own_input",
    "LeNet5_every_parameter_gets_a_gradient",
    "LeNet5_trains_on_mnist",
)


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    """'reference', 'stubs', 'correct', 'wrong' or 'hostile'."""
    part: str | None
    """The part a wrong or hostile case breaks (None: it breaks none, or every one)."""
    fails: frozenset
    """Tests that must fail; every other test must pass. None: every test must fail."""
    source: Path | None = None
    """A full submission (file or folder); for overlays, the overlay file."""
    overlay: bool = False
    why: str = ""


def _wrong(name: str, part: str, *fails: str, why: str = "") -> Case:
    return Case(
        name,
        "wrong",
        part,
        frozenset(fails),
        CORPUS / "wrong" / f"{name}.py",
        overlay=True,
        why=why,
    )


CASES = [
    Case("reference", "reference", None, frozenset(), ROOT / "solutions"),
    Case("stubs", "stubs", None, None, ROOT / "assignments"),
    Case("sequential_style", "correct", None, frozenset(), CORPUS / "correct" / "sequential_style"),
    Case(
        "functional_style", "correct", None, frozenset(), CORPUS / "correct" / "functional_style.py"
    ),
    Case(
        "notebook_style", "correct", None, frozenset(), CORPUS / "correct" / "notebook_style.ipynb"
    ),
    _wrong(
        "lenet_no_padding",
        "LeNet5",
        *(t for t in LENET if t != "LeNet5_parameter_count"),
        why="parameter count unchanged; every forward check fails, training is not attempted",
    ),
    _wrong(
        "lenet_no_relu",
        "LeNet5",
        "LeNet5_relu_after_each_hidden_layer",
        why="learns like the reference (no ReLU after conv1: 97.00 % over 3 seeds, threshold 94.75): "
        "only the activation check catches it",
    ),
    _wrong(
        "lenet_frozen_conv1",
        "LeNet5",
        "LeNet5_every_parameter_gets_a_gradient",
        why="still trains to 96.03 % over 3 seeds, lowest 95.11 (threshold 94.75); 96.14 at the grading seed 0",
    ),
    _wrong(
        "lenet_log_softmax_output",
        "LeNet5",
        "LeNet5_returns_raw_scores",
        why="CrossEntropyLoss(log_softmax(z)) == CrossEntropyLoss(z): trains exactly like the reference",
    ),
    _wrong(
        "lenet_constant_output",
        "LeNet5",
        "LeNet5_each_output_depends_on_its_own_input",
        "LeNet5_every_parameter_gets_a_gradient",
        "LeNet5_trains_on_mnist",
    ),
    _wrong("fc2layer_hardcoded_sizes", "FC2Layer", "FC2Layer_parameter_count_other_sizes"),
    _wrong("fc2layer_no_relu", "FC2Layer", "FC2Layer_relu_between_layers"),
    _wrong(
        "fc2layer_probabilities",
        "FC2Layer",
        "FC2Layer_outputs_log_probabilities",
        "FC2Layer_trains_on_mnist",
    ),
    _wrong("get_n_params_weights_only", "FC2Layer", "FC2Layer_get_n_params_counts_every_parameter"),
    _wrong("cnn_hardcoded_features", "CNN", "CNN_parameter_count_other_sizes"),
    _wrong("cnn_no_relu", "CNN", "CNN_relu_between_layers"),
    _wrong(
        "cnn_kernel_3",
        "CNN",
        "CNN_parameter_count_handout_sizes",
        "CNN_parameter_count_other_sizes",
        "CNN_intermediate_shapes",
        why="a working CNN: 95.20 +- 0.31 % over 5 seeds (threshold 93.79); it loses ~9.9 points on permuted pixels, a lesson gap ~10 (threshold 3.72)",
    ),
    _wrong(
        "perm_pixel_new_perm_each_call",
        "perm_pixel",
        "perm_pixel_matches_handout_formula",
        "perm_pixel_same_perm_same_result",
    ),
    _wrong(
        "perm_pixel_in_place",
        "perm_pixel",
        "perm_pixel_does_not_modify_input",
        why="the values are right: only the input check catches it",
    ),
    _wrong(
        "perm_pixel_drops_channel",
        "perm_pixel",
        "perm_pixel_keeps_shape_for_any_batch_size",
        "perm_pixel_matches_handout_formula",
    ),
    _wrong(
        "vgg_cfg_order",
        "VGG",
        "VGG_cfg_matches_handout",
        "VGG_conv_bn_relu_pool_sequence",
        why="same parameter count and 512x1x1 features",
    ),
    _wrong(
        "vgg_no_batchnorm",
        "VGG",
        "VGG_parameter_count",
        "VGG_conv_bn_relu_pool_sequence",
        "VGG_trains_on_cifar10",
        why="11.4 % over 3 seeds (best 14.6) against the 21.70 % threshold (reference 29.73 +- 1.96; calibrate/broken.py)",
    ),
    _wrong(
        "vgg_all_frozen",
        "VGG",
        "VGG_every_parameter_gets_a_gradient",
        "VGG_trains_on_cifar10",
        why="cannot learn at all (frozen features alone reach 16.3 % over 3 seeds, best 17.1, against the "
        "21.70 % threshold; the gradient check catches them too)",
    ),
]


def build(case: Case, into: Path) -> Path:
    """Materialise a case as a submission named after it under into/; returns its path."""
    import shutil

    source = case.source
    if source.is_file() and not case.overlay:
        target = into / f"{case.name}{source.suffix}"
        shutil.copy(source, target)
        return target
    folder = into / case.name
    if case.overlay:
        folder.mkdir(parents=True, exist_ok=True)
        for path in (ROOT / "solutions").glob("*.py"):
            shutil.copy(path, folder / path.name)
        shutil.copy(source, folder / f"zz_{case.name}.py")
    else:
        shutil.copytree(source, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


FC2LAYER = (
    "FC2Layer_parameter_count_handout_sizes",
    "FC2Layer_parameter_count_other_sizes",
    "FC2Layer_output_shape",
    "FC2Layer_outputs_log_probabilities",
    "FC2Layer_relu_between_layers",
    "FC2Layer_every_parameter_gets_a_gradient",
    "FC2Layer_get_n_params_counts_every_parameter",
    "FC2Layer_trains_on_mnist",
)
CNN = (
    "CNN_parameter_count_handout_sizes",
    "CNN_parameter_count_other_sizes",
    "CNN_intermediate_shapes",
    "CNN_output_shape",
    "CNN_outputs_log_probabilities",
    "CNN_relu_between_layers",
    "CNN_every_parameter_gets_a_gradient",
    "CNN_trains_on_mnist",
    "CNN_loses_more_than_FC2Layer_on_permuted_pixels",
)
PERM = (
    "perm_pixel_keeps_shape_for_any_batch_size",
    "perm_pixel_matches_handout_formula",
    "perm_pixel_same_perm_same_result",
    "perm_pixel_does_not_modify_input",
)
VGG = (
    "VGG_cfg_matches_handout",
    "VGG_feature_map_is_512x1x1",
    "VGG_conv_bn_relu_pool_sequence",
    "VGG_parameter_count",
    "VGG_output_shape",
    "VGG_returns_raw_scores",
    "VGG_every_parameter_gets_a_gradient",
    "VGG_trains_on_cifar10",
)
VGG_FORWARD = tuple(t for t in VGG if t not in ("VGG_cfg_matches_handout", "VGG_parameter_count"))
FC2LAYER_FORWARD = (
    "FC2Layer_output_shape",
    "FC2Layer_outputs_log_probabilities",
    "FC2Layer_relu_between_layers",
    "FC2Layer_every_parameter_gets_a_gradient",
    "FC2Layer_trains_on_mnist",
)


def _hostile(name: str, part: str | None, fails, why: str) -> Case:
    return Case(
        name,
        "hostile",
        part,
        frozenset(fails),
        CORPUS / "hostile" / f"{name}.py",
        overlay=True,
        why=why,
    )


def _malformed(name: str, fails, why: str) -> Case:
    return Case(
        name.split(".")[0],
        "malformed",
        None,
        None if fails is None else frozenset(fails),
        CORPUS / "malformed" / name,
        why=why,
    )


HOSTILE_CASES = [
    _hostile(
        "hang_shared_base",
        None,
        LENET + FC2LAYER + CNN + PERM + VGG,
        "1: one time limit for the whole submission",
    ),
    _hostile("hang_in_init", "LeNet5", LENET, "1: LeNet5() hangs"),
    _hostile(
        "hang_in_forward", "VGG", VGG_FORWARD, "1: VGG.forward hangs; cfg and count still pass"
    ),
    _hostile("memory_hog", "CNN", CNN, "2: 8 GiB in CNN() stopped by the memory cap"),
    _hostile(
        "exits", None, LENET + FC2LAYER_FORWARD + PERM + VGG, "3: exits never pass; CNN untouched"
    ),
    _hostile(
        "forge_results", "LeNet5", LENET, "4: forged results.json / grades.csv change nothing"
    ),
    _hostile(
        "monkeypatch",
        "LeNet5",
        ("LeNet5_intermediate_shapes", "LeNet5_parameter_count"),
        "5: patched counting functions change no count",
    ),
    _hostile("leak_probe", "perm_pixel", (), "6: hunts for the hidden tests, finds nothing"),
    _hostile("print_flood", "FC2Layer", (), "6: 300 MB of prints are capped"),
    _hostile("network_probe", "CNN", (), "7: no network, not even the grader's loopback"),
    _hostile("snoop", "FC2Layer", (), "8: no secrets, no other submissions, nothing left behind"),
    _malformed("binary.py", None, "binary file: a note, every check fails"),
    _malformed("not_a_notebook.ipynb", None, "not JSON: a note, every check fails"),
    _malformed("empty.ipynb", None, "no cells: every check fails"),
    _malformed("wrong_names", None, "the handout's names are missing: every check fails"),
    _malformed("vgg_cell_syntax_error.ipynb", VGG, "one cell does not parse: the rest is graded"),
]
