"""Week 2's training checks: which model each trains, with which arguments and spec, per device kind.

Units: lr per optimizer step; epochs over the (sub)set; subsets in images. The CPU budget is set
so that one whole submission trains in well under a minute on 2 cores; CUDA trains full epochs.
"""

from __future__ import annotations

from dataclasses import replace

from autograder.assignment import TrainingCheck
from autograder.training.specs import TrainSpec

_MNIST_SGD = TrainSpec(
    dataset="mnist", loss="nll", optimizer="sgd", lr=0.01, momentum=0.5, batch_size=64
)
"""The handout's lab-2 optimiser (CUDA trains full epochs with it)."""

# CPU: a quarter of an epoch under a one-cycle schedule, which learns more per image and repeats better
# than the handout's constant rate; one thread each, too small a model for a second to pay (the grader
# trains two at once: Submission.prefetch_training). Trials: docs/grading.md#how-the-cpu-recipes-were-chosen
_CPU_SGD = TrainSpec(
    dataset="mnist",
    loss="nll",
    optimizer="sgd",
    lr=0.05,
    momentum=0.9,
    schedule="onecycle",
    batch_size=64,
    train_subset=15000,
    threads=1,
)

_TABLE: dict[str, dict[str, tuple[str, tuple, TrainSpec]]] = {
    "cpu": {
        "LeNet5": (
            "LeNet5",
            (),
            TrainSpec(
                dataset="mnist",
                loss="cross_entropy",
                optimizer="adam",
                lr=4e-3,
                schedule="onecycle",
                batch_size=64,
                train_subset=15000,
                threads=1,
            ),
        ),
        "FC2Layer": ("FC2Layer", (784, 8, 10), _CPU_SGD),
        "FC2Layer_perm": ("FC2Layer", (784, 8, 10), replace(_CPU_SGD, permute_pixels=True)),
        "CNN": ("CNN", (784, 6, 10), _CPU_SGD),
        "CNN_perm": ("CNN", (784, 6, 10), replace(_CPU_SGD, permute_pixels=True)),
        # 64 steps of 16: a short run learns by its steps more than its images, and frozen features stay
        # well under the threshold (docs/grading.md#how-the-cpu-recipes-were-chosen).
        "VGG": (
            "VGG",
            (),
            TrainSpec(
                dataset="cifar10",
                loss="cross_entropy",
                optimizer="adam",
                lr=1e-3,
                schedule="onecycle",
                warmup=0.15,
                batch_size=16,
                train_subset=1024,
                test_subset=1000,
                bf16=True,
                channels_last=True,
                eval_batch_size=500,
            ),
        ),
    },
    "cuda": {
        "LeNet5": (
            "LeNet5",
            (),
            TrainSpec(
                dataset="mnist",
                loss="cross_entropy",
                optimizer="adam",
                lr=1e-3,
                batch_size=64,
                eval_batch_size=10000,
            ),
        ),
        "FC2Layer": ("FC2Layer", (784, 8, 10), replace(_MNIST_SGD, eval_batch_size=10000)),
        "FC2Layer_perm": (
            "FC2Layer",
            (784, 8, 10),
            replace(_MNIST_SGD, permute_pixels=True, eval_batch_size=10000),
        ),
        "CNN": ("CNN", (784, 6, 10), replace(_MNIST_SGD, eval_batch_size=10000)),
        "CNN_perm": (
            "CNN",
            (784, 6, 10),
            replace(_MNIST_SGD, permute_pixels=True, eval_batch_size=10000),
        ),
        "VGG": (
            "VGG",
            (),
            TrainSpec(
                dataset="cifar10",
                loss="cross_entropy",
                optimizer="adam",
                lr=1e-3,
                batch_size=128,
                augment=True,
                bf16=True,
                channels_last=True,
                eval_batch_size=2000,
            ),
        ),
    },
}

TITLES = {
    "LeNet5": "LeNet5 · MNIST",
    "FC2Layer": "FC2Layer · MNIST",
    "CNN": "CNN · MNIST",
    "VGG": "VGG · CIFAR-10",
}
"""Headings of each check's plots in the feedback (the permuted checks have no plot)."""

CHECKS: dict[str, dict[str, TrainingCheck]] = {
    kind: {
        name: TrainingCheck(model, args, spec, TITLES.get(name, ""))
        for name, (model, args, spec) in checks.items()
    }
    for kind, checks in _TABLE.items()
}
"""Device kind -> check name -> TrainingCheck."""
