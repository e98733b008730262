"""Reusable checks. Each takes the submission and raises CheckFailed with a message naming the fault.

The hidden and public suites call these with their own cases; the cases are what stays hidden.
"""

from __future__ import annotations

import numpy as np

from autograder.suites import analysis, messages
from autograder.suites import (
    hints as _hints,
)  # `hints` is also the stage-hint argument of the checks
from autograder.suites.errors import CheckFailed


def _logsumexp(rows: np.ndarray) -> np.ndarray:
    top = rows.max(axis=1, keepdims=True)
    return (top + np.log(np.exp(rows - top).sum(axis=1, keepdims=True)))[:, 0]


def output_shape(
    sub, name: str, args, in_shape: tuple, batch_sizes, out_features: int, stages=None, hints=None
) -> None:
    """forward of (N, *in_shape) gives (N, out_features) for every N; on failure, say which stage broke."""
    for n in batch_sizes:
        trace = sub.trace(name, args, (n,) + tuple(in_shape))
        expected = (n, out_features)
        if trace.output_shape != expected:
            got = (
                f"出错: {trace.error}"
                if trace.error
                else f"输出 {messages.shape(trace.output_shape)}"
                if trace.output_shape is not None
                else f"返回 {trace.output_type}"
            )
            text = f"{messages.call_text(name, args)} 对输入 {messages.shape((n,) + tuple(in_shape))} {got}；应输出 {messages.shape(expected)}。"
            if stages:
                problem = analysis.first_stage_problem(trace, stages, n, hints, name, sub.facts)
                if problem:
                    text += "\n" + problem
            raise CheckFailed(messages.with_hint(text, _output_hint(sub, name, trace, expected)))


def _output_hint(sub, name: str, trace: analysis.Trace, expected: tuple) -> str | None:
    """Why a forward's output is not the expected tensor: the exception, no tensor, or another variable returned."""
    if trace.error:
        return _hints.for_error_text(trace.error, name, sub.facts)
    if trace.output_type != "Tensor":
        return _hints.not_a_tensor(name, trace.output_type, sub.facts)
    return _hints.wrong_return(name, trace.output_shape, expected, analysis.computed(trace))


def stage_shapes(sub, name: str, args, in_shape: tuple, batch: int, stages, hints=None) -> None:
    """Every intermediate shape of the handout's table, found from the recorded calls."""
    trace = sub.trace(name, args, (batch,) + tuple(in_shape))
    problem = analysis.first_stage_problem(trace, stages, batch, hints, name, sub.facts)
    if problem:
        raise CheckFailed(problem)


def param_count(sub, name: str, args, expected: int, hint: str = "") -> None:
    built = sub.build(name, args)
    got = analysis.param_count(built)
    if got != expected:
        hint = _hints.parameters(name, built.get("params")) or hint
        raise CheckFailed(messages.param_count(messages.call_text(name, args), got, expected, hint))


def relu_between_layers(sub, name: str, args, in_shape: tuple) -> None:
    """Every conv/linear layer after the first gets non-negative input (ReLU, in whatever form)."""
    trace = sub.trace(name, args, (8,) + tuple(in_shape), seed=1)
    if trace.error:
        raise CheckFailed(messages.forward_raised(trace.error, name, sub.facts))
    problems = analysis.negative_inputs(trace)
    if problems:
        layer, previous, value = problems[0]
        raise CheckFailed(messages.negative_input(layer, previous, value))


def log_probabilities(sub, name: str, args, in_shape: tuple) -> None:
    out = sub.forward(name, args, shape=(16,) + tuple(in_shape), seed=2)
    if out.ndim != 2:
        raise CheckFailed(f"{name} 的输出形状为 {messages.shape(out.shape)}，应为 (N, 10)。")
    sums = _logsumexp(out.astype(np.float64))
    if not np.all(np.isfinite(out)) or np.abs(sums).max() > 1e-3:
        row = np.exp(out.astype(np.float64)).sum(axis=1)
        raise CheckFailed(
            f"{name} 的输出不是对数概率：每行 exp 之和应为 1（得到 {row[0]:.4g}）。"
            f"是否漏了 LogSoftmax(dim=1)，或用成了 Softmax？(outputs are not log-probabilities)"
        )


def raw_scores(sub, name: str, args, in_shape: tuple) -> None:
    out = sub.forward(name, args, shape=(16,) + tuple(in_shape), seed=2).astype(np.float64)
    if out.ndim == 2 and np.all(np.isfinite(out)):
        if np.abs(_logsumexp(out)).max() < 1e-4:
            raise CheckFailed(
                f"{name} 的输出已经是对数概率 (log_softmax)；讲义中 {name} 输出原始得分，"
                f"由 nn.CrossEntropyLoss 计算 softmax (should return raw scores)。"
            )
        if out.min() >= 0 and np.abs(out.sum(axis=1) - 1).max() < 1e-4:
            raise CheckFailed(
                f"{name} 的输出是概率 (softmax)；应输出原始得分，交给 nn.CrossEntropyLoss "
                f"(should return raw scores)。"
            )


def rows_independent(sub, name: str, args, in_shape: tuple) -> None:
    """Each output row depends on its own input, and on nothing else in the batch."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6,) + tuple(in_shape)).astype(np.float32)
    full = sub.forward(name, args, x=x)
    other = sub.forward(name, args, x=rng.standard_normal(x.shape).astype(np.float32))
    if full.shape[0] != 6:
        raise CheckFailed(
            f"输入 6 个样本，输出却有 {full.shape[0]} 行：forward 改变了 batch 大小 "
            f"(view 的尺寸写错会把样本混在一起)。"
        )
    if np.allclose(full, other, atol=1e-6):
        raise CheckFailed(
            f"{name} 对不同的输入给出相同的输出：输出与输入无关 (output does not depend on the input)。"
        )
    for lo, hi in ((0, 1), (2, 5)):
        part = sub.forward(name, args, x=x[lo:hi])
        if part.shape != full[lo:hi].shape or not np.allclose(
            part, full[lo:hi], atol=1e-4, rtol=1e-3
        ):
            raise CheckFailed(
                f"单独输入第 {lo}–{hi - 1} 个样本时的输出，与整批输入时不同：forward 把不同样本混在了一起 "
                f"(each sample's output must depend only on that sample)。"
            )


def gradients(sub, name: str, args, in_shape: tuple) -> None:
    grads = sub.grads(name, args, (16,) + tuple(in_shape))
    missing = [n for n, g in grads if g is None or not np.isfinite(g) or g == 0.0]
    if missing:
        raise CheckFailed(messages.no_gradient(missing))
    if not grads:
        raise CheckFailed(f"{name} 没有任何参数 (no parameters)。")


def own_transform(outcomes: dict, spec) -> str | None:
    """The student's transform part (the assignment's `transform`, e.g. a pixel permutation)
    transforms the images of the permuted training checks only where all its checks passed;
    otherwise the grader's own transform does."""
    results = [r for r in outcomes.values() if r.part == spec.transform]
    return spec.transform if spec.transform and results and all(r.passed for r in results) else None


DATASET_NAMES = {"mnist": "MNIST", "cifar10": "CIFAR-10"}


def trained_text(sub, check: str) -> str:
    """What a training check trained, for its message: e.g. 'Model(784, 8, 10) 在 MNIST 上短训练后'."""
    ctor, args, spec = sub.training_check(check)
    who = messages.call_text(ctor, args) if args else ctor
    return f"{who} 在 {DATASET_NAMES[spec.dataset]} 上短训练后"


def trains(sub, check: str, *, perm_fn: str | None = None) -> None:
    what = trained_text(sub, check)
    outcome = sub.train(check, perm_fn=perm_fn)
    best = outcome.best
    sub.record[check] = {
        "accuracy": best.accuracy,
        "threshold": outcome.threshold,
        "reference_mean": outcome.reference_mean,
        "attempts": [[a.seed, a.accuracy] for a in outcome.attempts],
        "losses": best.losses,
        "loss_window": best.loss_window,
        "per_class": best.per_class,
        "train_seconds": best.train_seconds,
    }
    if not outcome.passed:
        raise CheckFailed(
            messages.accuracy_below(
                what,
                [(a.seed, a.accuracy) for a in outcome.attempts],
                outcome.threshold,
                outcome.reference_mean,
            )
        )
