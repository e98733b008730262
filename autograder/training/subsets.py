"""Which images a training check uses. numpy only: the grader computes the same test indices
as the sandbox without trusting it."""

from __future__ import annotations

import numpy as np

TEST_SUBSET_SEED = 20240602  # fixed: every grading run evaluates on the same test images


def test_indices(n_test: int, subset: int | None) -> np.ndarray:
    """Indices of the evaluated test images, in evaluation order. CIFAR's test split is sorted by
    class, so a subset is a fixed random draw, not a prefix."""
    if subset is None or subset >= n_test:
        return np.arange(n_test)
    return np.sort(np.random.default_rng(TEST_SUBSET_SEED).permutation(n_test)[:subset])


def train_indices(n_train: int, subset: int | None, seed: int) -> np.ndarray:
    """Indices of the training images; a subset is drawn with the check's seed."""
    if subset is None or subset >= n_train:
        return np.arange(n_train)
    return np.sort(np.random.default_rng(seed).permutation(n_train)[:subset])


def pixel_permutation(seed: int, n_pixels: int = 784) -> np.ndarray:
    """The lab-2 permutation for a given seed (int64, length 784)."""
    return np.random.default_rng(seed + 7919).permutation(n_pixels).astype(np.int64)
