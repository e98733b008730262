"""Week 2 of the course: convolutional networks (the handout: ../shared/course/week2_cnn_handout.md).

Everything that makes the engine grade *this* assignment is declared here or in this package:
the parts and their points, which notebook and stub file holds each, the order they are graded
in, the training checks (training.py), the permutation lesson, the reference's broken variants
(broken.py), the part-specific hints (hints.py) and feedback plots (feedback.py), the hidden and
public suites (hidden/, public/), the calibration tables (calibration/) and the notebooks'
narratives (narrative/). docs/changing-the-assignment.md says what to edit for a change.
"""

from __future__ import annotations

from pathlib import Path

from autograder.assignment import Assignment, Comparison, Part
from autograder.assignments.week2 import broken, feedback, hints, training

HERE = Path(__file__).resolve().parent


def perm_lesson_gap(acc) -> float:
    """How much more the CNN loses than the MLP when pixels are permuted (percentage points)."""
    return (acc["CNN"] - acc["CNN_perm"]) - (acc["FC2Layer"] - acc["FC2Layer_perm"])


ASSIGNMENT = Assignment(
    name="week2_cnn",
    title="第2周作业",
    root=HERE,
    course_root=HERE.parents[2],
    parts=(
        Part("LeNet5", 25, notebook="lab1_lenet5", solution="lab1_lenet5.py"),
        Part(
            "FC2Layer",
            15,
            notebook="lab2_mlp_vs_cnn",
            solution="lab2_mlp_vs_cnn.py",
        ),
        Part(
            "CNN",
            20,
            notebook="lab2_mlp_vs_cnn",
            solution="lab2_mlp_vs_cnn.py",
            # The permutation lesson reads perm_pixel's and FC2Layer's verdicts, and trains the MLP.
            after=("perm_pixel", "FC2Layer"),
            trains_also=("FC2Layer",),
        ),
        Part(
            "perm_pixel",
            12,
            notebook="lab2_mlp_vs_cnn",
            solution="lab2_mlp_vs_cnn.py",
            check_minutes=5,
        ),
        Part("VGG", 28, notebook="lab3_vgg", solution="lab3_vgg.py", check_minutes=15),
    ),
    training=training.CHECKS,
    comparisons=(
        Comparison(
            "perm_lesson", ("FC2Layer", "FC2Layer_perm", "CNN", "CNN_perm"), perm_lesson_gap
        ),
    ),
    transform="perm_pixel",
    broken=broken.VARIANTS,
    notebooks=("lab1_lenet5", "lab2_mlp_vs_cnn", "lab3_vgg", "blog"),
    shipped_files=("course_data.py",),
    selfcheck="week2_checks.py",
    hints=hints,
    feedback=feedback,
)
