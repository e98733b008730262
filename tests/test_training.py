"""The grader's training loop: deterministic, augmentation correct, divergence detected."""

import numpy as np
import torch

from autograder.training import loop, subsets
from autograder.training.specs import TrainSpec


def tiny_data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n).astype(np.uint8)
    x = (rng.random((n, 28, 28)) * 40).astype(np.uint8)
    x[np.arange(n), y * 2, :] = 255  # a learnable signal: a bright row per class
    return loop.to_device(
        {"train_x": x, "train_y": y, "test_x": x[:64]}, "mnist", torch.device("cpu")
    ), y[:64]


def model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))


SPEC = TrainSpec(
    dataset="mnist", loss="cross_entropy", optimizer="adam", lr=1e-2, batch_size=32, epochs=3
)


def test_training_is_deterministic_and_learns():
    data, y = tiny_data()
    a = loop.train_and_predict(model(), data, SPEC, seed=3, device=torch.device("cpu"))
    b = loop.train_and_predict(model(), data, SPEC, seed=3, device=torch.device("cpu"))
    assert np.array_equal(a.predictions, b.predictions) and a.losses == b.losses
    assert a.steps == 3 * 8 and a.images_seen == 3 * 256
    assert (a.predictions == y).mean() > 0.9 and a.losses[-1] < a.losses[0]


def test_divergence_stops_training():
    data, _ = tiny_data()
    spec = TrainSpec(
        dataset="mnist", loss="cross_entropy", optimizer="sgd", lr=1e38, batch_size=8, epochs=5
    )
    outcome = loop.train_and_predict(model(), data, spec, seed=0, device=torch.device("cpu"))
    assert outcome.diverged_at is not None and outcome.steps < 5 * 32


def test_batched_augmentation_flips_and_crops_the_padded_image():
    x = torch.arange(2 * 3 * 32 * 32, dtype=torch.float32).reshape(2, 3, 32, 32) % 251 + 1
    gen = torch.Generator().manual_seed(0)
    out = loop._augment(x, gen)
    assert out.shape == x.shape and out.dtype == x.dtype
    padded = torch.nn.functional.pad(x, (4, 4, 4, 4))
    for i in range(2):
        flipped = torch.nn.functional.pad(x[i : i + 1].flip(3), (4, 4, 4, 4))[0]
        crops = [
            img[:, dy : dy + 32, dx : dx + 32]
            for img in (padded[i], flipped)
            for dy in range(9)
            for dx in range(9)
        ]
        assert any(torch.equal(out[i], crop) for crop in crops)


def test_cifar_test_subset_is_fixed_and_spread_over_classes():
    idx = subsets.test_indices(10000, 2000)
    assert np.array_equal(idx, subsets.test_indices(10000, 2000)) and len(set(idx.tolist())) == 2000
    per_class = np.bincount(
        idx // 1000, minlength=10
    )  # the JPEG copy's test split is sorted by class
    assert per_class.min() > 150


def test_mnist_normalised_ahead_in_numpy_equals_torch_bit_for_bit():
    """The supervisor normalises MNIST once with numpy (no thread pool before it forks); the
    arithmetic is elementwise, so all 256 pixel values cover every image there can be."""
    values = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    ahead = loop.normalize_ahead(
        {"train_x": values, "train_y": np.zeros(1, np.uint8), "test_x": values}, "mnist"
    )
    by_torch = loop._normalize(torch.from_numpy(values).unsqueeze(1), loop.MNIST_NORM).numpy()
    assert ahead["train_x"].dtype == np.float32 and ahead["train_x"].shape == (1, 1, 16, 16)
    assert ahead["train_x"].tobytes() == by_torch.tobytes()
    assert loop.normalize_ahead(ahead, "mnist") is ahead  # done once, whoever asks again


def test_a_spec_sets_at_most_its_threads_while_it_trains():
    data, _ = tiny_data()
    seen = []

    class Counting(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = model()

        def forward(self, x):
            seen.append(torch.get_num_threads())
            return self.inner(x)

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        loop.train_and_predict(
            Counting(),
            data,
            SPEC.__class__(**{**SPEC.to_dict(), "threads": 1}),
            seed=0,
            device=torch.device("cpu"),
        )
        assert set(seen) == {1} and torch.get_num_threads() == 2  # restored afterwards
        seen.clear()
        loop.train_and_predict(Counting(), data, SPEC, seed=0, device=torch.device("cpu"))
        assert set(seen) == {2}  # no spec threads: the caller's
    finally:
        torch.set_num_threads(before)
