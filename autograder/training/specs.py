"""Training-check knobs, one dict per device kind. Calibration and grading both read these.

Units: lr per optimizer step; epochs over the (sub)set; subsets in images. The CPU budget is set
so that one whole submission trains in well under a minute on 2 cores; CUDA trains full epochs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

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
