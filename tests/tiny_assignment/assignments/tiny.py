"""迷你作业：在 MNIST 上训练一个很小的全连接网络 TinyNet。

Tiny assignment: flatten MNIST images, a one-hidden-layer network TinyNet that outputs
log-probabilities, and predict(model, x). 只需补全标有 START/END OF YOUR CODE 的区域。
"""

import torch
import torch.nn as nn


def flatten(x):
    """把一批图像展平：(N, 1, 28, 28) -> (N, 784)，像素按行优先的原顺序排列。

    不要修改输入 x。(flatten a batch of images, pixels in row-major order; do not modify x)
    """
    out = None
    # ===== START OF YOUR CODE 你的代码从这里开始 (DO NOT DELETE/MODIFY THIS LINE) =====
    raise NotImplementedError("请完成 flatten：在 START/END OF YOUR CODE 之间补全代码 (not implemented yet: complete flatten)")
    # ===== END OF YOUR CODE 你的代码到这里结束 (DO NOT DELETE/MODIFY THIS LINE) =====
    return out


class TinyNet(nn.Module):
    """一个隐藏层的全连接网络。

    结构：Linear(784, n_hidden) → ReLU → Linear(n_hidden, 10) → LogSoftmax(dim=1)

    输入 x: (N, 1, 28, 28) 或 (N, 784)；输出: (N, 10) 的对数概率 (log-probabilities)。
    TinyNet(32) 共有 25,450 个参数。
    """

    def __init__(self, n_hidden):
        super().__init__()
        # ===== START OF YOUR CODE 你的代码从这里开始 (DO NOT DELETE/MODIFY THIS LINE) =====
        raise NotImplementedError("请完成 TinyNet.__init__：在 START/END OF YOUR CODE 之间补全代码 (not implemented yet: complete TinyNet.__init__)")
        # ===== END OF YOUR CODE 你的代码到这里结束 (DO NOT DELETE/MODIFY THIS LINE) =====

    def forward(self, x):
        """x: (N, 1, 28, 28) -> 对数概率 log-probabilities: (N, 10)。"""
        out = None
        # ===== START OF YOUR CODE 你的代码从这里开始 (DO NOT DELETE/MODIFY THIS LINE) =====
        raise NotImplementedError("请完成 TinyNet.forward：在 START/END OF YOUR CODE 之间补全代码 (not implemented yet: complete TinyNet.forward)")
        # ===== END OF YOUR CODE 你的代码到这里结束 (DO NOT DELETE/MODIFY THIS LINE) =====
        return out


def predict(model, x):
    """每张图像最可能的类别：返回 (N,) 的整数张量（int64）。

    (the most likely class of each image: an int64 tensor of shape (N,))
    """
    classes = None
    with torch.no_grad():  # 预测不需要梯度 (no gradients needed to predict)
        # ===== START OF YOUR CODE 你的代码从这里开始 (DO NOT DELETE/MODIFY THIS LINE) =====
        raise NotImplementedError("请完成 predict：在 START/END OF YOUR CODE 之间补全代码 (not implemented yet: complete predict)")
        # ===== END OF YOUR CODE 你的代码到这里结束 (DO NOT DELETE/MODIFY THIS LINE) =====
    return classes
