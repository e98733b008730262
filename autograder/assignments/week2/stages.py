"""The handout's tables of intermediate shapes (LeNet-5's and the lab-2 CNN's), as the stage checks
of the suites read them (suites/analysis.py: Stage, first_stage_problem), with the hint shown
beside a wrong LeNet-5 stage."""

from __future__ import annotations

from autograder.suites.analysis import Stage

LENET_STAGES = (
    Stage("conv1", "conv", 0, (6, 28, 28)),
    Stage("pool1", "pool", 0, (6, 14, 14)),
    Stage("conv2", "conv", 1, (16, 10, 10)),
    Stage("pool2", "pool", 1, (16, 5, 5)),
    Stage("flatten", "flatten", 0, (400,)),
    Stage("fc1", "linear", 0, (120,)),
    Stage("fc2", "linear", 1, (84,)),
    Stage("fc3", "linear", 2, (10,)),
)


def cnn_stages(n_feature: int, output_size: int = 10) -> tuple[Stage, ...]:
    f = n_feature
    return (
        Stage("conv1", "conv", 0, (f, 24, 24)),
        Stage("pool1", "pool", 0, (f, 12, 12)),
        Stage("conv2", "conv", 1, (f, 8, 8)),
        Stage("pool2", "pool", 1, (f, 4, 4)),
        Stage("flatten", "flatten", 0, (f * 16,)),
        Stage("fc1", "linear", 0, (50,)),
        Stage("fc2", "linear", 1, (output_size,)),
    )


STAGE_HINTS = {
    "conv1": "是否按讲义设置了 padding=2？",
    "pool1": "池化应为 MaxPool2d(kernel_size=2, stride=2)。",
    "conv2": "conv2 应为 Conv2d(6, 16, kernel_size=5)，不加 padding。",
    "pool2": "池化应为 MaxPool2d(kernel_size=2, stride=2)。",
    "flatten": "展平后应为 16*5*5 = 400：view(-1, 16*5*5) 或 flatten(1)。",
    "fc1": "fc1 应为 Linear(400, 120)。",
    "fc2": "fc2 应为 Linear(120, 84)。",
    "fc3": "fc3 应为 Linear(84, 10)。",
}
