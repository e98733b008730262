"""Public checks, 20 points as the hidden suites (the hidden suites' grade is the one that counts)."""

import numpy as np
import pytest

from autograder.suites import checks, messages
from autograder.suites.errors import CheckFailed

IMAGE = (1, 28, 28)
ARGS = (32,)


@pytest.mark.points(4)
def flatten_keeps_pixel_order(sub):
    x = np.random.default_rng(0).standard_normal((2, 1, 28, 28)).astype(np.float32)
    value = sub.call("flatten", [{"tensor": x}], doing="调用 flatten")["value"]
    if "tensor" not in value:
        raise CheckFailed(f"flatten 返回的是 {value.get('type')}，应为 torch.Tensor。")
    if tuple(value["shape"]) != (2, 784) or not np.array_equal(value["tensor"], x.reshape(2, 784)):
        got = messages.shape(value["shape"])
        raise CheckFailed(
            f"flatten 返回 {got}，不等于 x.reshape(N, 784) (keep the row-major pixel order)。"
        )


@pytest.mark.points(2)
def TinyNet_parameter_count(sub):
    checks.param_count(sub, "TinyNet", ARGS, 25450, "对照说明检查 fc1 与 fc2 的尺寸")


@pytest.mark.points(2)
def TinyNet_output_shape(sub):
    checks.output_shape(sub, "TinyNet", ARGS, IMAGE, (4,), 10)


@pytest.mark.points(4)
def TinyNet_outputs_log_probabilities(sub):
    checks.log_probabilities(sub, "TinyNet", ARGS, IMAGE)


@pytest.mark.training("TinyNet")
@pytest.mark.depends("TinyNet_output_shape")
@pytest.mark.points(4)
def TinyNet_trains_on_mnist(sub):
    checks.trains(sub, "TinyNet")


@pytest.mark.depends("TinyNet_output_shape")
@pytest.mark.points(4)
def predict_returns_the_most_likely_class(sub):
    x = np.random.default_rng(1).standard_normal((5, 1, 28, 28)).astype(np.float32)
    model = {"model": sub.model("TinyNet", ARGS)}
    value = sub.call(
        "predict", [model, {"tensor": x}], names=["predict", "TinyNet"], doing="调用 predict"
    )["value"]
    want = sub.forward("TinyNet", ARGS, x=x).argmax(axis=1)
    if "tensor" not in value or not np.array_equal(np.asarray(value["tensor"]).reshape(-1), want):
        raise CheckFailed(
            "predict(model, x) 不等于 model(x).argmax(dim=1) (predict must return the most likely class)。"
        )
