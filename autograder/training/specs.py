"""Training-check knobs, one dict per device kind. Calibration and grading both read these.

Units: lr per optimizer step; epochs over the (sub)set; subsets in images. The CPU budget is set
so that one whole submission trains in well under a minute on 2 cores; CUDA trains full epochs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

MNIST_NORM = ((0.1307,), (0.3081,))
CIFAR_NORM = ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))  # the handout's values


@dataclass(frozen=True)
class TrainSpec:
    """How the grader trains one model: the handout's optimiser, our data pipeline."""

    dataset: str
    """'mnist' or 'cifar10'."""
    loss: str
    """'nll' for models returning log-probabilities, 'cross_entropy' for raw scores."""
    optimizer: str
    """'adam' or 'sgd'."""
    lr: float
    """Learning rate; with schedule 'onecycle', the peak of the cycle."""
    momentum: float = 0.0
    schedule: str = "constant"
    """'constant', or 'onecycle' (torch's OneCycleLR over the whole run: linear warm-up for
    warmup of the steps, then cosine annealing; short runs learn far more per step with it)."""
    warmup: float = 0.25
    label_smoothing: float = 0.0
    """For loss 'cross_entropy' only."""
    batch_size: int = 64
    epochs: int = 1
    train_subset: int | None = None
    """Train on this many images (a fixed seeded subset); None: all."""
    test_subset: int | None = None
    """Evaluate on this many test images (a fixed, class-balanced-in-expectation subset); None: all."""
    augment: bool = False
    """Random crop (padding 4) and horizontal flip, done on whole batches."""
    bf16: bool = False
    """bf16 autocast for forward and loss where the machine runs bf16 natively (see precision.py);
    the spec sent to the sandbox has it resolved, so cached results and thresholds never mix the two."""
    channels_last: bool = False
    eval_batch_size: int = 1000
    permute_pixels: bool = False
    """Train and test on pixel-permuted images (the lab-2 experiment)."""
    threads: int | None = None
    """At most this many torch threads (fewer where the grader has fewer); None: all the grader's.
    Part of the spec because the thread count changes the arithmetic (the order of sums), so that
    calibration, serial and concurrent grading all train such a check alike."""

    def threads_on(self, grader_threads: int) -> int:
        """The torch threads this check trains with on a grader that has grader_threads."""
        return min(self.threads or grader_threads, grader_threads)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainSpec:
        return cls(**data)


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

#: check name -> (model constructor name, constructor args, spec), per device kind.
TRAINING_CHECKS: dict[str, dict[str, tuple[str, tuple, TrainSpec]]] = {
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
