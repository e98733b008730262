"""Week 2's hints: the handout's names and signatures, and the texts for the mistakes that only
its parts invite (flattening LeNet5/CNN/FC2Layer/VGG, the earlier handout's VGG classifier and
`cfg`).

The engine's hints (autograder/suites/hints.py, whose docstring lists what this module may define)
read the names below and call the hooks at the end; where a hook returns None the engine words the
fault generically. Standard library only: the notebooks' self-check file ships this module.
"""

from __future__ import annotations

PARAMS = {
    "LeNet5": (),
    "FC2Layer": ("input_size", "n_hidden", "output_size"),
    "CNN": ("input_size", "n_feature", "output_size"),
    "VGG": (),
    "get_n_params": ("model",),
    "perm_pixel": ("data", "perm"),
}
"""The handout's names and their parameters (constructors without self)."""
SIGNATURES = {name: f"{name}({', '.join(params)})" for name, params in PARAMS.items()}
CLASSES = ("LeNet5", "FC2Layer", "CNN", "VGG")
ALIASES = {
    "FC2Layer": ("MLP", "FC", "FCNet", "FullyConnected", "TwoLayerNet", "FNN"),
    "get_n_params": ("get_params", "count_params", "n_params", "num_params", "count_parameters"),
    "perm_pixel": ("permute_pixels", "permute", "perm_pixels", "pixel_perm", "shuffle_pixels"),
}
"""Other names students give the handout's definitions (besides spelling variants, found by similarity)."""
FLATTEN = {
    "FC2Layer": "x = x.view(-1, self.input_size)",
    "CNN": "x = x.view(-1, self.n_feature*4*4)",
    "LeNet5": "x = x.view(-1, 16*5*5)",
    "VGG": "out = out.view(out.size(0), -1)",
}
"""The handout's flatten line in each forward."""
VGG_FEATURES = "32×32 的输入经过 5 次 2×2 最大池化后，特征图为 512×1×1，展平后是 512 个特征"


# -- hooks the engine calls --------------------------------------------------------------------------
def matmul(name: str | None, got: int, want: int) -> str | None:
    """A Linear got `got` features per sample but takes `want`: the earlier handout's VGG
    classifier, or MNIST images that reached a Linear unflattened (a Linear acts on the last
    dimension, 28)."""
    if name == "VGG" and want == 2048:
        return vgg_classifier(want)
    if got == 28 and want % 28 == 0:
        line = FLATTEN.get(name, "x = x.view(x.size(0), -1)")
        return (
            f"{name or 'forward'} 没有先把输入展平：图像 (N, 1, 28, 28) 直接进了 nn.Linear，它只作用在最后一维 "
            f"(28) 上。输入必须先变为 (N, {want})，在 forward 开头写 {line}（讲义写法）"
            f"(flatten the input (N, 1, 28, 28) to (N, {want}) before the first Linear)。"
        )
    return None


def flatten_size(name: str | None, what: str, want: int | None) -> str | None:
    """The flattened size is wrong (`what` says how): the shapes of the handout's model `name`."""
    if name == "CNN":
        return (
            f"CNN 展平的尺寸不对：{what}。第二次池化后特征图为 (N, n_feature, 4, 4)，展平应得到 "
            f"(N, n_feature*4*4)（n_feature=6 时为 96），与 fc1 = nn.Linear(n_feature*4*4, 50) 一致："
            f"写 {FLATTEN['CNN']}（讲义写法，不要写死 16 或其它数字）"
            f"(flatten to (N, n_feature*4*4), as fc1 expects)。"
        )
    if name == "LeNet5":
        return (
            f"LeNet5 展平的尺寸不对：{what}。pool2 之后为 (N, 16, 5, 5)，展平后应为 (N, 400)："
            f"写 {FLATTEN['LeNet5']}，fc1 = nn.Linear(16*5*5, 120) (flatten to (N, 400))。"
        )
    if name == "VGG":
        return (
            f"VGG 展平的尺寸不对：{what}。{VGG_FEATURES}：写 {FLATTEN['VGG']}，classifier = nn.Linear(512, 10)"
            f"(the features are 512×1×1: flatten to (N, 512))。"
        )
    if name == "FC2Layer":
        return (
            f"FC2Layer 展平的尺寸不对：{what}。输入 (N, 1, 28, 28) 应变为 (N, input_size)，即 (N, 784)："
            f"写 {FLATTEN['FC2Layer']}（讲义写法）(flatten to (N, input_size))。"
        )
    return None


def not_defined(missing_name: str, facts: dict) -> str | None:
    """A NameError: the earlier handout's VGG.__init__ passed `cfg` for `self.cfg`."""
    if missing_name == "cfg":
        return (
            "这是课程旧版讲义中的已知错误：VGG.__init__ 里写了 self._make_layers(cfg)，但没有名为 cfg 的变量；"
            "cfg 是属性 self.cfg。应写 self.features = self._make_layers(self.cfg) "
            "(known mistake of the earlier handout: pass self.cfg)。"
        )
    return None


def parameters(name: str | None, params) -> str | None:
    """VGG's classifier, read from the built model's parameter shapes ([name, shape, ...] rows):
    its input must be the 512 flattened features."""
    if name != "VGG":
        return None
    for row in params or []:
        shape = list(row[1])
        if len(shape) == 2 and shape[0] == 10 and shape[1] != 512:
            return (
                vgg_classifier(shape[1])
                if shape[1] == 2048
                else (
                    f"classifier = nn.Linear({shape[1]}, 10)：{VGG_FEATURES}，应为 nn.Linear(512, 10) "
                    f"(the features are 512×1×1: use nn.Linear(512, 10))。"
                )
            )
    return None


def vgg_classifier(in_features: int) -> str:
    """The earlier handout's known mistake: classifier = nn.Linear(2048, 10)."""
    return (
        f"这是课程旧版讲义中的已知错误：classifier = nn.Linear({in_features}, 10)。{VGG_FEATURES}，"
        f"所以应为 self.classifier = nn.Linear(512, 10)（见当前讲义）"
        f"(known mistake of the earlier handout: the features are 512×1×1, use nn.Linear(512, 10))。"
    )
