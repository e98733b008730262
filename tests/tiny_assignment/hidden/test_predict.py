"""predict (4 points), graded after TinyNet (the assignment's `after`): where TinyNet's checks
passed, predict runs on the student's own TinyNet and must give the argmax of its output; otherwise
a Linear(784, 10) the grader builds stands in, and only what holds for any model is checked."""

import numpy as np
import pytest

from autograder.suites import messages
from autograder.suites.errors import CheckFailed

pytestmark = pytest.mark.visibility("after_due_date")
ARGS = (32,)
OWN_MODEL_WHEN = ("TinyNet_output_shape", "TinyNet_outputs_log_probabilities")


def own_model(sub, outcomes):
    """Does the student's TinyNet stand in (all of OWN_MODEL_WHEN passed)? Recorded in the result."""
    own = all(n in outcomes and outcomes[n].passed for n in OWN_MODEL_WHEN)
    sub.record["predict"] = {"own_model": own}
    return own


def inputs(own, n, seed):
    shape = (n, 1, 28, 28) if own else (n, 784)
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def classes(sub, own, x):
    model = {"model": sub.model("TinyNet", ARGS)} if own else {"linear_stack": [[784, 10]]}
    doing = f"调用 predict(model, x {messages.shape(x.shape)})"
    value = sub.call(
        "predict",
        [model, {"tensor": x}],
        names=["predict", "TinyNet"] if own else None,
        doing=doing,
    )["value"]
    if "tensor" not in value:
        wrong = f"predict 返回的是 {value.get('type')}，应为 torch.Tensor (predict must return a tensor)。"
        raise CheckFailed(wrong)
    return value


@pytest.mark.points(1)
def predict_returns_one_class_per_image(sub, outcomes):
    own = own_model(sub, outcomes)
    n = 6
    value = classes(sub, own, inputs(own, n, 1))
    if tuple(value["shape"]) != (n,):
        wrong = f"predict 对 {n} 张图像返回 {messages.shape(value['shape'])}；应为 ({n},)，每张图像一个类别 (one class per image)。"
        raise CheckFailed(wrong)
    if not value["dtype"].startswith(("int", "uint")):
        wrong = f"predict 返回 {value['dtype']} 张量；应为类别编号 (整数，例如 argmax 的结果) (class indices, not scores)。"
        raise CheckFailed(wrong)


@pytest.mark.points(3)
def predict_returns_the_most_likely_class(sub, outcomes):
    own = own_model(sub, outcomes)
    x = inputs(own, 8, 2)
    got = np.asarray(classes(sub, own, x)["tensor"]).reshape(-1)
    if own:
        want = sub.forward("TinyNet", ARGS, x=x).argmax(axis=1)
        if got.shape != want.shape or not np.array_equal(got, want):
            wrong = "predict 的结果不等于 model(x).argmax(dim=1)：应返回每张图像输出最大的类别 (the class with the highest output)。"
            raise CheckFailed(wrong)
        return
    alone = np.asarray(classes(sub, own, x[:3])["tensor"]).reshape(-1)
    if got.shape != (8,) or got.min() < 0 or got.max() > 9 or not np.array_equal(alone, got[:3]):
        wrong = "predict 的结果不是 0–9 的类别编号，或与整批调用时不同：应返回 model(x).argmax(dim=1) (the class with the highest output)。"
        raise CheckFailed(wrong)
