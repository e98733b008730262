"""Reading a forward trace: layers, stages and activations, whatever the student named things.

A trace is the list of torch calls recorded in the child (conv2d, max_pool2d, view, linear, relu,
batch_norm, ...) with the innermost module that made each call. Module names only label messages;
the checks rely on what was computed.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.suites import messages

KIND_OF = {
    "conv2d": "conv",
    "linear": "linear",
    "batch_norm": "bn",
    "max_pool2d": "pool",
    "avg_pool2d": "pool",
    "adaptive_avg_pool2d": "pool",
    "adaptive_max_pool2d": "pool",
    "max_pool2d_with_indices": "pool",
    "view": "reshape",
    "reshape": "reshape",
    "flatten": "reshape",
    "relu": "act",
    "relu_": "act",
    "threshold": "act",
    "clamp": "act",
    "clamp_min": "act",
    "clamp_": "act",
    "clamp_min_": "act",
    "log_softmax": "norm",
    "softmax": "norm",
}
ACT_TOKENS = {"conv": "C", "bn": "B", "act": "R", "pool": "P"}


@dataclass(frozen=True)
class Event:
    name: str
    kind: str
    module: str
    in_shapes: tuple
    in_min: float | None
    out_shape: tuple


class Trace:
    """The calls of one forward pass, in order."""

    def __init__(self, result: dict):
        self.error: str | None = result.get("error")
        self.output_shape = tuple(result["output_shape"]) if result.get("output_shape") else None
        self.output_type = result.get("output_type")
        self.events = [
            Event(
                e["name"],
                KIND_OF.get(e["name"], "other"),
                e.get("module") or "",
                tuple(tuple(s) for s in e.get("in_shapes", [])),
                e.get("in_min"),
                tuple(e["out_shape"]) if e.get("out_shape") else (),
            )
            for e in result.get("events", [])
            if e.get("kind") == "fn"
        ]

    def of_kind(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]

    def flattens(self) -> list[Event]:
        """Reshapes from a 4-D activation to (N, features)."""
        return [
            e
            for e in self.of_kind("reshape")
            if len(e.out_shape) == 2 and e.in_shapes and len(e.in_shapes[0]) == 4
        ]

    def pools(self) -> list[Event]:
        """Pooling calls, without identity pools (e.g. an AvgPool2d(1, 1) that changes no shape)."""
        return [
            e for e in self.of_kind("pool") if not (e.in_shapes and e.in_shapes[0] == e.out_shape)
        ]

    def layers(self) -> list[Event]:
        return [e for e in self.events if e.kind in ("conv", "linear")]

    def tokens(self) -> str:
        """C (conv), B (batch norm), R (ReLU), P (pool) in call order: 'CBRP...'."""
        return "".join(
            ACT_TOKENS[e.kind]
            for e in self.events
            if e.kind in ACT_TOKENS
            and not (e.kind == "pool" and e.in_shapes and e.in_shapes[0] == e.out_shape)
        )


def layer_label(event: Event, kind_name: str, index: int) -> str:
    return event.module or f"第 {index + 1} 个{kind_name}"


@dataclass(frozen=True)
class Stage:
    label: str
    """The handout's name for this stage (conv1, pool1, ..., fc3)."""
    kind: str
    """'conv', 'pool', 'flatten' or 'linear'."""
    index: int
    """Which of that kind (0 = first)."""
    shape: tuple
    """Expected output shape without the batch dimension."""


def first_stage_problem(
    trace: Trace,
    stages,
    batch: int,
    hints: dict | None = None,
    name: str | None = None,
    facts: dict | None = None,
) -> str | None:
    """The first stage whose output shape differs from the handout's table, as a message (name and
    facts: for the hint on a forward that raised)."""
    hints = hints or {}
    found = {
        "conv": trace.of_kind("conv"),
        "pool": trace.pools(),
        "flatten": trace.flattens(),
        "linear": trace.of_kind("linear"),
    }
    for stage in stages:
        events = found[stage.kind]
        expected = (batch,) + stage.shape
        if stage.index >= len(events):
            text = messages.missing_stage(stage.label, expected, hints.get(stage.label, ""))
            return text + (
                "\n" + messages.forward_raised(trace.error, name, facts) if trace.error else ""
            )
        event = events[stage.index]
        if event.out_shape != expected:
            return messages.stage_mismatch(
                stage.label, event.module, event.out_shape, expected, hints.get(stage.label, "")
            )
    return None


def computed(trace: Trace) -> list[tuple[str, tuple]]:
    """(label, output shape) of each torch call of the forward, in order: the module that made it, else the call."""
    return [(e.module or e.name, e.out_shape) for e in trace.events if e.out_shape]


def negative_inputs(trace: Trace) -> list[tuple[str, str, float]]:
    """(layer, previous layer, min input) for every conv/linear after the first fed negative values."""
    layers = trace.layers()
    problems = []
    counters = {"conv": 0, "linear": 0}
    labels = []
    for event in layers:
        kind_name = "卷积层" if event.kind == "conv" else "全连接层"
        labels.append(layer_label(event, kind_name, counters[event.kind]))
        counters[event.kind] += 1
    for i in range(1, len(layers)):
        value = layers[i].in_min
        if value is not None and value < 0:
            problems.append((labels[i], labels[i - 1], value))
    return problems


def param_count(built: dict) -> int:
    total = 0
    for _, shape, _ in built.get("params", []):
        n = 1
        for d in shape:
            n *= int(d)
        total += n
    return total
