"""A second, tiny assignment, graded end to end by the unchanged engine (tests/test_second_assignment.py):
the proof that the engine names no part of week 2.

Three parts: `flatten(x)` (a function, checked without data), `TinyNet(n_hidden)` (a one-hidden-
layer network returning log-probabilities, with one short training check on MNIST held to a
threshold from calibration/) and `predict(model, x)`. The handout introduces predict before
TinyNet, but predict's check runs the student's own TinyNet where TinyNet's checks passed, so it is
graded after TinyNet (`after`): the run order differs from the declared order (grades.csv's).

Everything lives in this folder: solutions/ (the reference, graded by the canary) and assignments/
(the stubs, derived from it by autograder/release/stubs.py) as course_root, the suites, the table
and a corpus of wrong submissions (corpus/__init__.py says the verdict each must get).
"""

from __future__ import annotations

from pathlib import Path

from autograder.assignment import Assignment, Part, TrainingCheck
from autograder.calibrate.broken import Variant
from autograder.training.specs import TrainSpec

HERE = Path(__file__).resolve().parent

TINYNET_ARGS = (32,)
"""TinyNet(n_hidden) as the training check builds it."""

# CPU only (no "cuda" entry: a CUDA table would have to be calibrated on a GPU): 2,000 training
# images, one epoch of 63 steps on one thread, under 0.1 s of training. The one-cycle schedule
# makes so short a run repeatable; 2,000 test images keep the threshold's noise low.
CPU_SPEC = TrainSpec(
    dataset="mnist",
    loss="nll",
    optimizer="adam",
    lr=3e-3,
    schedule="onecycle",
    batch_size=32,
    train_subset=2000,
    test_subset=2000,
    threads=1,
)

_SOFTMAX = (
    "        out = torch.log_softmax(self.fc2(x), dim=1)\n",
    "        out = torch.softmax(self.fc2(x), dim=1)\n",
)
_BLIND = ("        x = torch.relu(self.fc1(x))\n", "        x = torch.relu(self.fc1(x * 0))\n")
_FROZEN = (
    "        self.fc1 = nn.Linear(784, n_hidden)\n",
    "        self.fc1 = nn.Linear(784, n_hidden).requires_grad_(False)\n",
)

ASSIGNMENT = Assignment(
    name="tiny_mnist",
    title="迷你作业 Tiny assignment",
    root=HERE,
    course_root=HERE,
    parts=(
        Part("flatten", 4, notebook="tiny", solution="tiny.py"),
        Part("predict", 4, notebook="tiny", solution="tiny.py", after=("TinyNet",)),
        Part("TinyNet", 12, notebook="tiny", solution="tiny.py"),
    ),
    training={
        "cpu": {"TinyNet": TrainingCheck("TinyNet", TINYNET_ARGS, CPU_SPEC, "TinyNet · MNIST")},
    },
    broken={
        "TinyNet": (
            Variant("ignores its input", "tiny.py", *_BLIND),
            Variant(
                "softmax instead of log_softmax",
                "tiny.py",
                *_SOFTMAX,
                caught_by="TinyNet_outputs_log_probabilities",
            ),
            # Random features learn little in 63 steps: the threshold catches it (and the
            # gradient check does too).
            Variant("fc1 frozen", "tiny.py", *_FROZEN),
        ),
    },
)
