"""Lab 2: perm_pixel. Its points add up to the part's, as declared in ../__init__.py."""
import numpy as np
import pytest

from autograder.suites import messages
from autograder.suites.errors import CheckFailed

pytestmark = pytest.mark.visibility("after_due_date")


def images(n, seed):
    return np.random.default_rng(seed).standard_normal((n, 1, 28, 28)).astype(np.float32)


def handout(x, perm):
    return x.reshape(-1, 784)[:, perm].reshape(-1, 1, 28, 28)


def permute(sub, x, perm, *, fresh=False, device=None):
    result = sub.call("perm_pixel", [{"tensor": x}, {"tensor": perm}], fresh=fresh, device=device,
                      doing=f"调用 perm_pixel(data {messages.shape(x.shape)}, perm)")
    value = result["value"]
    if "tensor" not in value:
        raise CheckFailed(f"perm_pixel 返回的是 {value.get('type')}，应为 torch.Tensor。")
    return value, result["mutated"]


@pytest.mark.points(2)
def perm_pixel_keeps_shape_for_any_batch_size(sub):
    perm = np.random.default_rng(0).permutation(784)
    devices = [None] + ([sub.config.device] if sub.config.device.startswith("cuda") else [])
    for device in devices:
        for n in (1, 7, 64):
            value, _ = permute(sub, images(n, n), perm, device=device)
            if tuple(value["shape"]) != (n, 1, 28, 28):
                raise CheckFailed(f"perm_pixel 对形状 {messages.shape((n, 1, 28, 28))} 的输入返回 "
                                  f"{messages.shape(value['shape'])}；应保持形状不变。")
            if value["dtype"] != "float32" or (device and not value["device"].startswith(device)):
                raise CheckFailed(f"perm_pixel 返回 {value['dtype']} / {value['device']}；应与输入相同 "
                                  f"(float32，在输入所在的设备上)。")


@pytest.mark.points(4)
def perm_pixel_matches_handout_formula(sub):
    rng = np.random.default_rng(1)
    cases = [("随机排列 random perm", rng.permutation(784)), ("恒等排列 identity", np.arange(784)),
             ("逆序排列 reversed", np.arange(783, -1, -1))]
    for label, perm in cases:
        x = images(5, 11)
        value, _ = permute(sub, x, perm)
        if tuple(value["shape"]) != x.shape or not np.array_equal(value["tensor"], handout(x, perm)):
            raise CheckFailed(f"perm_pixel 的结果（{label}）不等于 data.view(-1, 784)[:, perm] 再恢复为 "
                              f"(N, 1, 28, 28)：每张图像的像素应按 perm 重新排列。")


@pytest.mark.points(3)
def perm_pixel_same_perm_same_result(sub):
    perm, x = np.random.default_rng(2).permutation(784), images(8, 21)
    first, _ = permute(sub, x, perm)
    second, _ = permute(sub, x, perm, fresh=True)
    if not np.array_equal(first["tensor"], second["tensor"]):
        raise CheckFailed("用同一个 perm 调用两次 perm_pixel，结果不同：不要在函数里重新生成排列 "
                          "(use the perm argument; do not draw a new permutation on each call)。")
    head, _ = permute(sub, x[:3], perm)
    if not np.array_equal(head["tensor"], first["tensor"][:3]):
        raise CheckFailed("对一个 batch 的前 3 张图像单独调用 perm_pixel，结果与整批调用不同：每个 batch 应使用同一排列。")


@pytest.mark.points(3)
def perm_pixel_does_not_modify_input(sub):
    perm, x = np.random.default_rng(3).permutation(784), images(4, 31)
    _, mutated = permute(sub, x, perm, fresh=True)
    if mutated and mutated[0]:
        raise CheckFailed("perm_pixel 修改了输入张量 data（原地操作）：应返回新的张量 (perm_pixel changed its input tensor)。")
    if len(mutated) > 1 and mutated[1]:
        raise CheckFailed("perm_pixel 修改了 perm (perm_pixel changed perm)。")
