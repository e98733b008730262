"""Mistakes that real submissions contain, and the hint each must get.

A case is the reference solutions with the definitions in `drops` removed, plus one student file
(cases/<name>.py, sorted last) with the mistake. Each case is graded as a folder of .py files and
as a notebook (one cell per file). `fails` is the exact set of tests that must fail (every other
test of the graded part passes); `hints` maps a test to the substrings its message must contain.
The verdicts are the grader's verdicts before the hints were written: hints change words, not points.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

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
FORWARD_RAISES = {
    "FC2Layer": (
        "FC2Layer_output_shape",
        "FC2Layer_outputs_log_probabilities",
        "FC2Layer_relu_between_layers",
        "FC2Layer_every_parameter_gets_a_gradient",
        "FC2Layer_trains_on_mnist",
    ),
    "CNN": (
        "CNN_intermediate_shapes",
        "CNN_output_shape",
        "CNN_outputs_log_probabilities",
        "CNN_relu_between_layers",
        "CNN_every_parameter_gets_a_gradient",
        "CNN_trains_on_mnist",
        "CNN_loses_more_than_FC2Layer_on_permuted_pixels",
    ),
}
NOT_RUN = "未运行"


@dataclass(frozen=True)
class Mistake:
    name: str
    part: str
    """The part it breaks: the case is graded with --parts part (training on: a failed prerequisite trains nothing)."""
    fails: frozenset
    hints: dict = field(default_factory=dict)
    """Test name -> substrings its message must contain."""
    drops: tuple = ()
    """Reference definitions the student's file replaces or lacks."""
    why: str = ""

    @property
    def source(self) -> Path:
        return HERE / "cases" / f"{self.name}.py"


def _case(name, part, fails, hints, drops=(), why=""):
    return Mistake(name, part, frozenset(fails), hints, tuple(drops), why)


ALL_FAIL = {"FC2Layer": FC2LAYER, "CNN": CNN, "LeNet5": LENET, "VGG": VGG}
CONSTRUCTION = "_construction"
"""In `hints`: every failing test that is not 'not run' (each builds the model and reports the same fault)."""
CHAIN = "_not_run"
"""In `hints`: every test not run because of a failed prerequisite (one line, the first failure once)."""

MISTAKES = [
    _case(
        "fc2layer_no_flatten",
        "FC2Layer",
        FORWARD_RAISES["FC2Layer"],
        {
            "FC2Layer_output_shape": (
                "mat1 and mat2 shapes cannot be multiplied (28x28 and 784x8)",
                "没有先把输入展平",
                "(N, 1, 28, 28)",
                "(N, 784)",
                "x = x.view(-1, self.input_size)",
            ),
            "FC2Layer_outputs_log_probabilities": ("(N, 784)", "x = x.view(-1, self.input_size)"),
            "FC2Layer_relu_between_layers": ("x = x.view(-1, self.input_size)",),
            "FC2Layer_every_parameter_gets_a_gradient": ("x = x.view(-1, self.input_size)",),
            CHAIN: ("FC2Layer_output_shape",),
        },
    ),
    _case(
        "cnn_flatten_size",
        "CNN",
        FORWARD_RAISES["CNN"],
        {
            "CNN_intermediate_shapes": (
                "没有找到 flatten",
                "shape '[-1, 256]' is invalid",
                "x = x.view(-1, self.n_feature*4*4)",
            ),
            "CNN_output_shape": ("(N, n_feature, 4, 4)", "x = x.view(-1, self.n_feature*4*4)"),
            "CNN_outputs_log_probabilities": (
                "mat1 and mat2",
                "每个样本 96 个输入特征，展平后却是 256 个",
                "x = x.view(-1, self.n_feature*4*4)",
            ),
            CHAIN: ("CNN_output_shape",),
        },
    ),
    _case(
        "cnn_no_super_init",
        "CNN",
        CNN,
        {
            CONSTRUCTION: (
                "cannot assign module before Module.__init__() call",
                "CNN.__init__ 没有先调用父类",
                "super(CNN, self).__init__()",
                "第 7 行",
            ),
            CHAIN: ("CNN_output_shape",),
        },
    ),
    _case(
        "vgg_cfg_undefined",
        "VGG",
        VGG,
        {
            CONSTRUCTION: (
                "NameError: name 'cfg' is not defined",
                "旧版讲义中的已知错误",
                "self._make_layers(self.cfg)",
            ),
            CHAIN: ("VGG_output_shape",),
        },
    ),
    _case(
        "vgg_linear_2048",
        "VGG",
        (
            "VGG_parameter_count",
            "VGG_output_shape",
            "VGG_returns_raw_scores",
            "VGG_every_parameter_gets_a_gradient",
            "VGG_trains_on_cifar10",
        ),
        {
            "VGG_parameter_count": (
                "9,246,474",
                "9,231,114",
                "旧版讲义中的已知错误",
                "nn.Linear(2048, 10)",
                "512×1×1",
                "nn.Linear(512, 10)",
            ),
            "VGG_output_shape": (
                "(1x512 and 2048x10)",
                "旧版讲义中的已知错误",
                "512×1×1",
                "nn.Linear(512, 10)",
            ),
            "VGG_returns_raw_scores": ("nn.Linear(512, 10)",),
            CHAIN: ("VGG_output_shape",),
        },
        why="features are right (512x1x1, the conv/BN/ReLU sequence): only the classifier is wrong",
    ),
    _case(
        "cnn_nested_in_fc2layer",
        "CNN",
        CNN,
        {
            CONSTRUCTION: (
                "没有在顶层定义 CNN",
                "class CNN 写在了 FC2Layer 的内部",
                "第 19 行",
                "FC2Layer.CNN",
                "取消缩进",
                "CNN is defined inside FC2Layer",
            ),
            CHAIN: ("CNN_output_shape",),
        },
        drops=("FC2Layer", "CNN"),
        why="FC2Layer itself is right: its own checks pass (graded with --parts CNN)",
    ),
    _case(
        "get_params_name",
        "FC2Layer",
        ("FC2Layer_get_n_params_counts_every_parameter",),
        {
            "FC2Layer_get_n_params_counts_every_parameter": (
                "没有找到 get_n_params 的定义",
                "找到了 get_params",
                "第 2 行",
                "讲义中的名字是 get_n_params",
            )
        },
        drops=("get_n_params",),
        why="the name is part of the task: the check fails, as before, with the reason",
    ),
    _case(
        "lenet5_name",
        "LeNet5",
        LENET,
        {
            CONSTRUCTION: ("没有找到 LeNet5 的定义", "找到了 Lenet5", "讲义中的名字是 LeNet5"),
            CHAIN: ("LeNet5_output_shape",),
        },
        drops=("LeNet5",),
    ),
    _case(
        "mlp_name",
        "FC2Layer",
        tuple(t for t in FC2LAYER if t != "FC2Layer_get_n_params_counts_every_parameter"),
        {
            CONSTRUCTION: (
                "没有找到 FC2Layer 的定义",
                "找到了 MLP",
                "讲义中的名字是 FC2Layer",
                "FC2Layer(input_size, n_hidden, output_size)",
            ),
            CHAIN: ("FC2Layer_output_shape",),
        },
        drops=("FC2Layer",),
        why="get_n_params does not need FC2Layer: it passes",
    ),
    _case(
        "vgg_name",
        "VGG",
        VGG,
        {
            CONSTRUCTION: ("没有找到 VGG 的定义", "找到了 Vgg", "讲义中的名字是 VGG"),
            CHAIN: ("VGG_output_shape",),
        },
        drops=("VGG",),
    ),
    _case(
        "cnn_signature",
        "CNN",
        CNN,
        {
            CONSTRUCTION: (
                "takes 2 positional arguments but 4 were given",
                "讲义是 CNN(input_size, n_feature, output_size)",
                "你的是 CNN(n_feature)",
                "def __init__(self, input_size, n_feature, output_size)",
            ),
            CHAIN: ("CNN_output_shape",),
        },
    ),
    _case(
        "fc2layer_forward_no_return",
        "FC2Layer",
        (
            "FC2Layer_output_shape",
            "FC2Layer_outputs_log_probabilities",
            "FC2Layer_every_parameter_gets_a_gradient",
            "FC2Layer_trains_on_mnist",
        ),
        {
            "FC2Layer_output_shape": (
                "FC2Layer.forward 返回了 None",
                "没有 return 语句",
                "第 14 行",
                "return self.network(x)",
            ),
            "FC2Layer_outputs_log_probabilities": (
                "返回的是 NoneType",
                "FC2Layer.forward 返回了 None",
            ),
            "FC2Layer_every_parameter_gets_a_gradient": ("FC2Layer.forward 返回了 None",),
            CHAIN: ("FC2Layer_output_shape",),
        },
        why="the activations are recorded all the same: the ReLU check passes",
    ),
    _case(
        "cnn_returns_wrong_variable",
        "CNN",
        (
            "CNN_output_shape",
            "CNN_outputs_log_probabilities",
            "CNN_every_parameter_gets_a_gradient",
            "CNN_trains_on_mnist",
            "CNN_loses_more_than_FC2Layer_on_permuted_pixels",
        ),
        {
            "CNN_output_shape": (
                "输出 (1, 50)",
                "是中间结果（fc1 的输出）",
                "最后算出的是 (1, 10)",
                "return 了错误的变量",
            ),
            CHAIN: ("CNN_output_shape",),
        },
        why="every stage is computed right: the shape table passes",
    ),
    _case(
        "cnn_device_undefined",
        "CNN",
        FORWARD_RAISES["CNN"],
        {
            "CNN_output_shape": (
                "NameError: name 'device' is not defined",
                "没有名为 device 的全局变量",
                "zz_cnn_device_undefined.py 第 7 行",
                "device=x.device",
            ),
            "CNN_outputs_log_probabilities": (
                "device=x.device",
                "评分程序只执行顶层的 import、def、class",
            ),
            "CNN_every_parameter_gets_a_gradient": ("device=x.device",),
            CHAIN: ("CNN_output_shape",),
        },
        why="the device is set inside an `if` at the top level: the grader skips it",
    ),
]


def without(path: Path, names) -> str:
    """The text of a reference file with its top-level definitions of names removed."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for node in reversed(ast.parse(text).body):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name in names:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            del lines[start - 1 : node.end_lineno]
    return "".join(lines)


def build(mistake: Mistake, into: Path) -> Path:
    """The case as a folder of .py files (the reference, less `drops`, and the student's file last)."""
    folder = into / mistake.name
    folder.mkdir(parents=True)
    for path in sorted((ROOT / "solutions").glob("*.py")):
        (folder / path.name).write_text(without(path, mistake.drops), encoding="utf-8")
    (folder / f"zz_{mistake.name}.py").write_text(
        mistake.source.read_text(encoding="utf-8"), encoding="utf-8"
    )
    return folder


def grade_groups(mistakes) -> dict[str, list[Mistake]]:
    """Part -> its cases: one grading run per part (the CLI's --parts applies to a whole batch)."""
    groups: dict[str, list[Mistake]] = {}
    for m in mistakes:
        groups.setdefault(m.part, []).append(m)
    return groups
