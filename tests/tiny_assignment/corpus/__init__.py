"""Wrong submissions to the tiny assignment, each the reference with one fault, and the verdict each
must get: FAILS[name] is the exact set of hidden tests that must fail; every other test must pass.

Each is a single .py file (graded as a submission named by its stem). TinyNet's training verdicts
hold with calibration/thresholds_cpu.json (threshold 81.29%): a TinyNet that ignores its input
scores ~11%, one that returns softmax probabilities ~70% (seeds 0 and 1000, the grading seeds).
"""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).resolve().parent

FAILS: dict[str, frozenset[str]] = {
    # TinyNet returns torch.softmax: not log-probabilities, and the NLL loss cannot train it well.
    "softmax_output": frozenset({"TinyNet_outputs_log_probabilities", "TinyNet_trains_on_mnist"}),
    # TinyNet feeds zeros to fc1: fc1.weight gets no gradient and the model learns nothing.
    "ignores_input": frozenset(
        {"TinyNet_every_parameter_gets_a_gradient", "TinyNet_trains_on_mnist"}
    ),
    # flatten transposes each image first: the right shape, the wrong pixel order.
    "flatten_transposed": frozenset({"flatten_keeps_pixel_order"}),
    # predict returns the highest scores (floats) instead of the classes.
    "predict_scores": frozenset(
        {"predict_returns_one_class_per_image", "predict_returns_the_most_likely_class"}
    ),
}

OWN_MODEL = {
    "softmax_output": False,
    "ignores_input": True,
    "flatten_transposed": True,
    "predict_scores": True,
}
"""Whether predict's checks ran on the submission's own TinyNet (its shape and log-probability
checks passed, read through `outcomes`) or on the grader's stand-in."""


def paths() -> list[Path]:
    return [CORPUS / f"{name}.py" for name in FAILS]
