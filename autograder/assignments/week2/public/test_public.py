"""Public checks, each part worth its declared points as in the hidden suites (the hidden suites' grade is the one that counts)."""

import numpy as np
import pytest

from autograder.assignments.week2 import stages
from autograder.suites import checks, messages
from autograder.suites.errors import CheckFailed

IMAGE, RGB = (1, 28, 28), (3, 32, 32)
HANDOUT_CFG = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]


@pytest.mark.points(10)
def LeNet5_output_shape(sub):
    checks.output_shape(sub, "LeNet5", (), IMAGE, (4,), 10, stages.LENET_STAGES, stages.STAGE_HINTS)


@pytest.mark.points(5)
def LeNet5_parameter_count(sub):
    checks.param_count(
        sub, "LeNet5", (), 61706, "对照讲义逐层检查 conv1、conv2、fc1、fc2、fc3 的尺寸"
    )


@pytest.mark.training("LeNet5")
@pytest.mark.depends("LeNet5_output_shape")
@pytest.mark.points(10)
def LeNet5_trains_on_mnist(sub):
    checks.trains(sub, "LeNet5")


@pytest.mark.points(5)
def FC2Layer_parameter_count(sub):
    checks.param_count(sub, "FC2Layer", (784, 8, 10), 6442)


@pytest.mark.points(5)
def FC2Layer_outputs_log_probabilities(sub):
    checks.log_probabilities(sub, "FC2Layer", (784, 8, 10), IMAGE)


@pytest.mark.training("FC2Layer")
@pytest.mark.depends("FC2Layer_outputs_log_probabilities")
@pytest.mark.points(5)
def FC2Layer_trains_on_mnist(sub):
    checks.trains(sub, "FC2Layer")


@pytest.mark.points(5)
def CNN_parameter_count(sub):
    checks.param_count(sub, "CNN", (784, 6, 10), 6422)


@pytest.mark.points(5)
def CNN_output_shape(sub):
    checks.output_shape(sub, "CNN", (784, 6, 10), IMAGE, (4,), 10, stages.cnn_stages(6))


@pytest.mark.points(5)
def CNN_outputs_log_probabilities(sub):
    checks.log_probabilities(sub, "CNN", (784, 6, 10), IMAGE)


@pytest.mark.training("CNN")
@pytest.mark.depends("CNN_output_shape")
@pytest.mark.points(5)
def CNN_trains_on_mnist(sub):
    checks.trains(sub, "CNN")


def _perm(sub, x, perm):
    value = sub.call("perm_pixel", [{"tensor": x}, {"tensor": perm}], doing="调用 perm_pixel")[
        "value"
    ]
    if "tensor" not in value:
        raise CheckFailed(f"perm_pixel 返回的是 {value.get('type')}，应为 torch.Tensor。")
    return value


@pytest.mark.points(4)
def perm_pixel_keeps_shape(sub):
    value = _perm(sub, np.zeros((3, 1, 28, 28), np.float32), np.arange(784))
    if tuple(value["shape"]) != (3, 1, 28, 28):
        raise CheckFailed(
            f"perm_pixel 返回 {messages.shape(value['shape'])}；应保持 (3, 1, 28, 28)。"
        )


@pytest.mark.points(8)
def perm_pixel_matches_handout_formula(sub):
    rng = np.random.default_rng(0)
    x, perm = rng.standard_normal((2, 1, 28, 28)).astype(np.float32), rng.permutation(784)
    value = _perm(sub, x, perm)
    if not np.array_equal(value["tensor"], x.reshape(-1, 784)[:, perm].reshape(-1, 1, 28, 28)):
        raise CheckFailed(
            "perm_pixel 的结果不等于 data.view(-1, 784)[:, perm] 再恢复为 (N, 1, 28, 28)。"
        )


@pytest.mark.points(8)
def VGG_cfg_matches_handout(sub):
    cfg = sub.attr("VGG", (), "cfg")
    if cfg != HANDOUT_CFG:
        raise CheckFailed(f"VGG().cfg = {cfg}；应为讲义中的 {HANDOUT_CFG}。")


@pytest.mark.points(8)
def VGG_parameter_count(sub):
    checks.param_count(
        sub, "VGG", (), 9231114, "cfg、BatchNorm2d 和 classifier = Linear(512, 10) 是否与讲义一致？"
    )


@pytest.mark.points(4)
def VGG_output_shape(sub):
    checks.output_shape(sub, "VGG", (), RGB, (2,), 10)


@pytest.mark.training("VGG")
@pytest.mark.depends("VGG_output_shape")
@pytest.mark.points(8)
def VGG_trains_on_cifar10(sub):
    checks.trains(sub, "VGG")
