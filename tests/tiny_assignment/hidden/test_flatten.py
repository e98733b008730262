"""flatten (4 points): checked without data, by calling the function on seeded random images."""

import numpy as np
import pytest

from autograder.suites import messages
from autograder.suites.errors import CheckFailed

pytestmark = pytest.mark.visibility("after_due_date")


def images(n, seed):
    return np.random.default_rng(seed).standard_normal((n, 1, 28, 28)).astype(np.float32)


def flat(sub, x, *, fresh=False):
    doing = f"调用 flatten(x {messages.shape(x.shape)})"
    result = sub.call("flatten", [{"tensor": x}], fresh=fresh, doing=doing)
    value = result["value"]
    if "tensor" not in value:
        wrong = f"flatten 返回的是 {value.get('type')}，应为 torch.Tensor (flatten must return a tensor)。"
        raise CheckFailed(wrong)
    return value, result["mutated"]


@pytest.mark.points(1)
def flatten_keeps_the_batch_size(sub):
    for n in (1, 5, 32):
        value, _ = flat(sub, images(n, n))
        if tuple(value["shape"]) != (n, 784):
            got, want = messages.shape(value["shape"]), messages.shape((n, 784))
            wrong = (
                f"flatten 对 {n} 张图像返回 {got}；应为 {want}，每张图像一行 (one row per image)。"
            )
            raise CheckFailed(wrong)


@pytest.mark.points(2)
def flatten_keeps_pixel_order(sub):
    x = images(3, 7)
    value, _ = flat(sub, x)
    if tuple(value["shape"]) != (3, 784) or not np.array_equal(value["tensor"], x.reshape(3, 784)):
        wrong = "flatten 的结果不等于 x.reshape(N, 784)：像素应保持行优先的原顺序 (keep the row-major pixel order)。"
        raise CheckFailed(wrong)


@pytest.mark.points(1)
def flatten_does_not_modify_input(sub):
    _, mutated = flat(sub, images(2, 3), fresh=True)
    if mutated and mutated[0]:
        wrong = "flatten 修改了输入张量 x（原地操作）：应返回新的张量 (flatten changed its input)。"
        raise CheckFailed(wrong)
