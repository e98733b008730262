"""Lab 3: the BatchNorm VGG on CIFAR-10. Its points add up to the part's, as declared in ../__init__.py."""
import pytest

from autograder.suites import checks, messages
from autograder.suites.errors import CheckFailed

pytestmark = pytest.mark.visibility("after_due_date")
IMAGE = (3, 32, 32)
HANDOUT_CFG = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']
READABLE = {"C": "Conv2d", "B": "BatchNorm2d", "R": "ReLU", "P": "MaxPool2d"}


@pytest.mark.points(4)
def VGG_cfg_matches_handout(sub):
    cfg = sub.attr("VGG", (), "cfg")
    if cfg != HANDOUT_CFG:
        if not isinstance(cfg, list):
            raise CheckFailed(f"VGG().cfg 应为列表 {HANDOUT_CFG}，得到 {cfg}。")
        diff = next((i for i, (a, b) in enumerate(zip(cfg, HANDOUT_CFG)) if a != b), min(len(cfg), len(HANDOUT_CFG)))
        raise CheckFailed(f"VGG().cfg = {cfg}\n应为讲义中的 {HANDOUT_CFG}\n第 {diff} 项起不同 (cfg differs from item {diff})。")


@pytest.mark.points(3)
def VGG_feature_map_is_512x1x1(sub):
    trace = sub.trace("VGG", (), (2,) + IMAGE)
    first_linear = next((i for i, e in enumerate(trace.events) if e.kind == "linear"), len(trace.events))
    maps = [e.out_shape for e in trace.events[:first_linear] if len(e.out_shape) == 4]
    if not maps or maps[-1] != (2, 512, 1, 1):
        got = messages.shape(maps[-1]) if maps else "（没有 4 维特征图）"
        extra = "\n" + messages.forward_raised(trace.error, "VGG", sub.facts) if trace.error else ""
        raise CheckFailed(f"32×32 输入经过特征提取部分后为 {got}；应为 (2, 512, 1, 1)："
                          f"5 次 2×2 最大池化把 32 变为 1，最后一组卷积输出 512 个通道。{extra}")


@pytest.mark.points(3)
def VGG_conv_bn_relu_pool_sequence(sub):
    trace = sub.trace("VGG", (), (2,) + IMAGE)
    expected = "".join("P" if x == "M" else "CBR" for x in HANDOUT_CFG)
    got = trace.tokens()
    if got != expected:
        counts = {k: got.count(k) for k in "CBRP"}
        text = (f"找到 {counts['C']} 个卷积、{counts['B']} 个 BatchNorm、{counts['R']} 个 ReLU、{counts['P']} 个池化；"
                f"讲义的 VGG 有 10 个卷积（每个后接 BatchNorm2d 和 ReLU）和 5 个最大池化。")
        i = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
        shown = lambda s: " → ".join(READABLE[c] for c in s[max(0, i - 2):i + 3])  # noqa: E731
        raise CheckFailed(f"{text}\n第 {i + 1} 层附近：得到 {shown(got) or '（结束）'}；应为 {shown(expected)}"
                          + ("\n" + messages.forward_raised(trace.error, "VGG", sub.facts) if trace.error else ""))


@pytest.mark.points(3)
def VGG_parameter_count(sub):
    checks.param_count(sub, "VGG", (), 9231114, "cfg、BatchNorm2d 和 classifier = Linear(512, 10) 是否与讲义一致？")


@pytest.mark.points(2)
def VGG_output_shape(sub):
    checks.output_shape(sub, "VGG", (), IMAGE, (1, 2), 10)


@pytest.mark.points(1)
def VGG_returns_raw_scores(sub):
    checks.raw_scores(sub, "VGG", (), IMAGE)


@pytest.mark.points(2)
def VGG_every_parameter_gets_a_gradient(sub):
    checks.gradients(sub, "VGG", (), IMAGE)


@pytest.mark.training("VGG")
@pytest.mark.depends("VGG_output_shape")
@pytest.mark.points(10)
def VGG_trains_on_cifar10(sub):
    checks.trains(sub, "VGG")
