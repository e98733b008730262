"""One short, readable training loop that keeps the data on the device (airbench style).

train_and_predict(model, arrays, spec, seed=..., device=...) trains a freshly built model with the
handout's optimiser and loss and returns its predictions on the test images. Accuracy is computed
by the caller, who holds the labels.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F

from autograder.training.specs import CIFAR_NORM, MNIST_NORM, TrainSpec
from autograder.training.subsets import pixel_permutation, test_indices, train_indices

# Captured before any submission code runs, so that patching these names later changes nothing here.
_ADAM, _SGD, _ONE_CYCLE = torch.optim.Adam, torch.optim.SGD, torch.optim.lr_scheduler.OneCycleLR
_NAMED_PARAMETERS = torch.nn.Module.named_parameters
_BACKWARD, _ONES_LIKE = torch.autograd.backward, torch.ones_like
_LOSSES = {"nll": F.nll_loss, "cross_entropy": F.cross_entropy}
_MAX_LOSS_POINTS = 200


@dataclass
class TrainOutcome:
    """What one training check measured (sent to the grader; it holds the test labels)."""

    predictions: np.ndarray
    """uint8 (n_test,): predicted class of each evaluated test image, in test_indices order."""
    losses: list[float] = field(default_factory=list)
    """Training loss, averaged over windows of loss_window steps (at most 200 points)."""
    loss_window: int = 1
    steps: int = 0
    images_seen: int = 0
    train_seconds: float = 0.0
    eval_seconds: float = 0.0
    diverged_at: int | None = None
    """Step at which the loss stopped being finite (training stops there), or None."""


@dataclass
class DeviceData:
    """A data set's tensors, normalised where that is cheap, resident on the device."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    uint8_images: bool
    """CIFAR stays uint8 (normalised per batch, after augmentation); MNIST is normalised once."""
    pixel_perm: Callable[[torch.Tensor], torch.Tensor] | None = None
    """Applied to each batch of images as it is drawn (the lab-2 permutation): only the images a
    run uses are permuted, and the data set itself is never touched."""


def import_lazy_modules(*, optimizers: bool = True) -> None:
    """Import now what torch imports on first use, so that the sandbox's supervisor can do it once
    before it forks instead of every child inside its time limit:
    - backward() with explicit grad_tensors (every gradient check): symbolic_shapes and sympy, ~0.6 s;
    - an optimizer's first use (training only): torch._dynamo, 2-4 s.
    Runs no arithmetic: no thread pool may start before fork."""
    for name in ("torch.nested._internal.nested_tensor", "torch.fx.experimental.symbolic_shapes"):
        with contextlib.suppress(
            ImportError
        ):  # private paths: where they move, children import them
            importlib.import_module(name)
    if optimizers:
        param = torch.nn.Parameter(torch.zeros(1))
        _ONE_CYCLE(_ADAM([param], lr=1e-3), max_lr=1e-3, total_steps=1)
        _SGD([param], lr=1e-3, momentum=0.5)


def _normalize(x: torch.Tensor, norm) -> torch.Tensor:
    mean = torch.tensor(norm[0], device=x.device).view(1, -1, 1, 1)
    std = torch.tensor(norm[1], device=x.device).view(1, -1, 1, 1)
    return (x.float() / 255.0 - mean) / std


def normalize_ahead(arrays: dict[str, np.ndarray], dataset: str) -> dict[str, np.ndarray]:
    """MNIST's images normalised with numpy: float32 (N, 1, 28, 28); other data sets as they are.

    The sandbox's supervisor does this once, before it forks, so that its children share one copy
    instead of each normalising 70,000 images inside its time limit (about a CPU-second per child).
    numpy starts no thread pool (a fork after one can hang the children), and
    its float32 division and subtraction round as torch's do: the values equal _normalize's bit for
    bit (test_training)."""
    if dataset != "mnist" or arrays["train_x"].dtype != np.uint8:
        return arrays
    mean, std = np.float32(MNIST_NORM[0][0]), np.float32(MNIST_NORM[1][0])

    def normalize(images):
        x = images.astype(np.float32)[:, None]
        x /= np.float32(255.0)
        x -= mean
        x /= std
        return x

    return {
        **arrays,
        "train_x": normalize(arrays["train_x"]),
        "test_x": normalize(arrays["test_x"]),
    }


def to_device(arrays: dict[str, np.ndarray], dataset: str, device: torch.device) -> DeviceData:
    """arrays: train_x, train_y, test_x as numpy arrays (uint8 images, or MNIST's already through
    normalize_ahead) -> DeviceData on device, sharing the arrays' memory on the CPU."""
    arrays = normalize_ahead(arrays, dataset)
    tx = torch.from_numpy(np.ascontiguousarray(arrays["train_x"])).to(device)
    vx = torch.from_numpy(np.ascontiguousarray(arrays["test_x"])).to(device)
    ty = torch.from_numpy(arrays["train_y"].astype(np.int64)).to(device)
    return DeviceData(tx, ty, vx, uint8_images=dataset != "mnist")


def permute(data: DeviceData, seed: int, perm_fn: Callable | None) -> DeviceData:
    """Pixel-permute 28x28 images with perm_fn(data, perm) (the submission's transform, named by the
    assignment's `transform`, or the grader's own), batch by batch as the images are drawn."""
    perm = torch.from_numpy(pixel_permutation(seed)).to(data.train_x.device)
    fn = perm_fn or (lambda x, p: x.reshape(-1, 784)[:, p].reshape(-1, 1, 28, 28))
    return replace(data, pixel_perm=lambda x: fn(x, perm))


def _augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random crop (4 pixels of zero padding) and random horizontal flip, for a whole batch."""
    n, c = x.shape[:2]
    flip = torch.rand(n, device=x.device, generator=gen) < 0.5
    x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
    padded = F.pad(x, (4, 4, 4, 4))  # (n, c, 40, 40)
    dy = torch.randint(0, 9, (n,), device=x.device, generator=gen)
    dx = torch.randint(0, 9, (n,), device=x.device, generator=gen)
    offsets = torch.arange(32, device=x.device)
    rows = (dy.view(-1, 1) + offsets).view(n, 1, 32, 1).expand(n, c, 32, 40)
    cols = (dx.view(-1, 1) + offsets).view(n, 1, 1, 32).expand(n, c, 32, 32)
    return padded.gather(2, rows).gather(3, cols)


def _batches(n: int, batch_size: int, gen: torch.Generator, device: torch.device):
    order = torch.randperm(n, generator=gen, device="cpu").to(device)
    for i in range(0, n, batch_size):
        yield order[i : i + batch_size]


def _window_means(losses: list[float]) -> tuple[list[float], int]:
    window = max(1, math.ceil(len(losses) / _MAX_LOSS_POINTS))
    means = [float(np.mean(losses[i : i + window])) for i in range(0, len(losses), window)]
    return means, window


@contextlib.contextmanager
def at_most_threads(limit: int | None):
    """Run with at most limit torch threads (the spec's), then restore the count."""
    before = torch.get_num_threads()
    if limit and limit < before:
        torch.set_num_threads(limit)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def train_and_predict(
    model: torch.nn.Module, data: DeviceData, spec: TrainSpec, *, seed: int, device: torch.device
) -> TrainOutcome:
    """Train model (already built, seeded and on device) per spec; predict the test images.

    Shapes: MNIST batches (B, 1, 28, 28) float32, CIFAR batches (B, 3, 32, 32) float32
    (channels_last if the spec says so); model outputs (B, 10); predictions uint8 (n_test,).
    """
    with at_most_threads(spec.threads):
        return _train_and_predict(model, data, spec, seed=seed, device=device)


def _train_and_predict(
    model: torch.nn.Module, data: DeviceData, spec: TrainSpec, *, seed: int, device: torch.device
) -> TrainOutcome:
    gen = torch.Generator(device="cpu").manual_seed(seed)
    aug_gen = torch.Generator(device=device).manual_seed(seed + 1)
    norm = CIFAR_NORM if spec.dataset == "cifar10" else MNIST_NORM
    memory_format = torch.channels_last if spec.channels_last else torch.contiguous_format
    model = model.to(device=device, memory_format=memory_format)
    params = [p for _, p in _NAMED_PARAMETERS(model)]
    optimizer = (
        _ADAM(params, lr=spec.lr)
        if spec.optimizer == "adam"
        else _SGD(params, lr=spec.lr, momentum=spec.momentum)
    )
    loss_fn = _LOSSES[spec.loss]
    loss_args = {"label_smoothing": spec.label_smoothing} if spec.label_smoothing else {}
    train_idx = torch.from_numpy(train_indices(len(data.train_x), spec.train_subset, seed)).to(
        device
    )
    total_steps = spec.epochs * math.ceil(len(train_idx) / spec.batch_size)
    scheduler = (
        _ONE_CYCLE(optimizer, max_lr=spec.lr, total_steps=total_steps, pct_start=spec.warmup)
        if spec.schedule == "onecycle"
        else None
    )

    def prepare(x):
        if data.uint8_images:
            x = _normalize(x, norm)
        return x.contiguous(memory_format=memory_format)

    outcome = TrainOutcome(predictions=np.zeros(0, np.uint8))
    losses = []
    start = time.perf_counter()
    model.train()
    for _ in range(spec.epochs):
        for batch in _batches(len(train_idx), spec.batch_size, gen, device):
            rows = train_idx[batch]
            x = data.train_x[rows]
            if data.pixel_perm is not None:
                x = data.pixel_perm(x)
            if spec.augment:
                x = _augment(x, aug_gen)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=spec.bf16):
                out = model(prepare(x))
            loss = loss_fn(out.float(), data.train_y[rows], **loss_args)
            optimizer.zero_grad(set_to_none=True)
            _BACKWARD(
                loss, grad_tensors=_ONES_LIKE(loss)
            )  # not loss.backward(): Tensor methods can be patched
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            losses.append(loss.detach())
            outcome.steps += 1
            outcome.images_seen += len(rows)
            if outcome.steps % 20 == 0 and not torch.isfinite(torch.stack(losses[-20:])).all():
                outcome.diverged_at = outcome.steps
                break
        if outcome.diverged_at is not None:
            break
    loss_values = torch.stack(losses).float().cpu().tolist() if losses else []
    outcome.losses, outcome.loss_window = _window_means(loss_values)
    outcome.train_seconds = time.perf_counter() - start

    start = time.perf_counter()
    outcome.predictions = predict(model, data, spec, device)
    outcome.eval_seconds = time.perf_counter() - start
    return outcome


def predict(
    model: torch.nn.Module, data: DeviceData, spec: TrainSpec, device: torch.device
) -> np.ndarray:
    """Class predictions (uint8) for the spec's test images, in test_indices order."""
    idx = torch.from_numpy(test_indices(len(data.test_x), spec.test_subset)).to(device)
    norm = CIFAR_NORM if spec.dataset == "cifar10" else MNIST_NORM
    memory_format = torch.channels_last if spec.channels_last else torch.contiguous_format
    preds = []
    model.eval()
    with (
        torch.inference_mode(),
        torch.autocast(device.type, dtype=torch.bfloat16, enabled=spec.bf16),
    ):
        for i in range(0, len(idx), spec.eval_batch_size):
            x = data.test_x[idx[i : i + spec.eval_batch_size]]
            if data.pixel_perm is not None:
                x = data.pixel_perm(x)
            if data.uint8_images:
                x = _normalize(x, norm)
            preds.append(
                model(x.contiguous(memory_format=memory_format)).float().argmax(1).to(torch.uint8)
            )
    return torch.cat(preds).cpu().numpy()
