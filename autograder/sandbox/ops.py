"""Measurements taken inside the child. Each op returns plain data (JSON values and numpy arrays);
the grader, which never runs student code, turns them into verdicts.

Every torch/nn entry point used here is captured at import time, in the supervisor, before any
submission code exists: a submission that patches nn.Module.parameters or Tensor.numel changes
nothing that is measured here.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.overrides import TorchFunctionMode

if TYPE_CHECKING:
    from autograder.training import loop

_isinstance, _len, _float, _bool, _int, _type, _getattr = (
    builtins.isinstance,
    builtins.len,
    builtins.float,
    builtins.bool,
    builtins.int,
    builtins.type,
    builtins.getattr,
)
_Tensor, _Module = torch.Tensor, torch.nn.Module
_named_parameters = torch.nn.Module.named_parameters
_named_buffers = torch.nn.Module.named_buffers
_named_modules = torch.nn.Module.named_modules
_set_train = torch.nn.Module.train
_add_hook, _add_pre_hook = (
    torch.nn.Module.register_forward_hook,
    torch.nn.Module.register_forward_pre_hook,
)
_TB = torch._C.TensorBase
_size, _detach, _to, _numpy, _clone, _numel = (
    _TB.size,
    _TB.detach,
    _TB.to,
    _TB.numpy,
    _TB.clone,
    _TB.numel,
)
_min, _norm, _is_floating = _TB.min, _TB.norm, _TB.is_floating_point
_equal, _randn, _manual_seed, _no_grad, _from_numpy = (
    torch.equal,
    torch.randn,
    torch.manual_seed,
    torch.no_grad,
    torch.from_numpy,
)
_ones_like, _sum, _mul = torch.ones_like, torch.sum, torch.mul
_backward = (
    torch.autograd.backward
)  # with explicit grad_tensors: no Tensor method (numel...) is consulted

MAX_EVENTS = 400
_IGNORED_FNS = {
    "__get__",
    "__set__",
    "size",
    "dim",
    "numel",
    "__len__",
    "__format__",
    "__repr__",
    "_has_compatible_shallow_copy_type",
}


class MissingName(Exception):
    """The submission does not define a name the check needs."""


def shape_of(t) -> list[int]:
    return [_int(s) for s in _size(t)]


def to_array(t) -> np.ndarray:
    t = _to(_detach(t), "cpu")
    if _is_floating(t):
        t = _to(t, torch.float32)
    return _numpy(t).copy()


def _tensor_min(t) -> float | None:
    if not _isinstance(t, _Tensor) or _numel(t) == 0 or not _is_floating(t):
        return None
    return _float(_min(_detach(t)))


def describe(obj) -> dict:
    """Parameters, buffers and submodules of a built object (or just its type)."""
    info = {"type": _type(obj).__name__, "is_module": _isinstance(obj, _Module)}
    if info["is_module"]:
        info["params"] = [
            [n, shape_of(p), _bool(p.requires_grad)] for n, p in _named_parameters(obj)
        ]
        info["buffers"] = [[n, shape_of(b)] for n, b in _named_buffers(obj)]
        info["modules"] = [[n, _type(m).__name__] for n, m in list(_named_modules(obj))[:1000]]
    return info


class _Recorder(TorchFunctionMode):
    """Records every torch function that returns a tensor, with the innermost module calling it."""

    def __init__(self, events, stack):
        super().__init__()
        self.events, self.stack, self.paused = events, stack, False

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        name = _getattr(func, "__name__", None) or str(func)
        if (
            not self.paused
            and _isinstance(out, _Tensor)
            and name not in _IGNORED_FNS
            and _len(self.events) < MAX_EVENTS
        ):
            inputs = [a for a in args if _isinstance(a, _Tensor)][:3]
            self.events.append(
                {
                    "kind": "fn",
                    "name": name.lstrip("_"),
                    "module": self.stack[-1] if self.stack else "",
                    "in_shapes": [shape_of(a) for a in inputs],
                    "in_min": _tensor_min(inputs[0]) if inputs else None,
                    "out_shape": shape_of(out),
                }
            )
        return out


class Ops:
    """The op table of one child. Models it builds are kept per spec in self.objects."""

    def __init__(self, namespace: dict, data: dict, device: str):
        self.ns, self.data, self.device = namespace, data, torch.device(device)
        self.objects: dict[str, object] = {}
        self.device_data: dict[str, loop.DeviceData] = {}

    def dispatch(self, op: str, args: dict):
        handler = _getattr(self, f"op_{op}", None)
        if handler is None:
            raise ValueError(f"unknown op {op}")
        return handler(**args)

    def _lookup(self, name: str):
        if name not in self.ns:
            raise MissingName(name)
        return self.ns[name]

    def _build(self, model: dict):
        """model: {"name", "args", "seed"} -> a fresh object (seeded)."""
        _manual_seed(model.get("seed", 0))
        return self._lookup(model["name"])(*model.get("args", ()))

    def _model(self, model: dict):
        """The object for a model spec, built once per child (for ops that do not change it)."""
        key = repr(sorted(model.items()))
        if key not in self.objects:
            self.objects[key] = self._build(model)
        return self.objects[key]

    def op_build(self, model: dict):
        return describe(self._model(model))

    def op_attr(self, model: dict, attr: str):
        value = _getattr(self._model(model), attr, None)
        return {"value": _plain(value)}

    def op_trace(self, model: dict, shape, seed: int = 0):
        """Forward a seeded random input, recording torch calls and leaf-module inputs/outputs."""
        model = self._model(model)
        events, stack, hooks = [], [], []
        recorder = _Recorder(events, stack)
        for qualname, module in _named_modules(model):
            if qualname:
                hooks.append(_add_pre_hook(module, _pre_hook(qualname, stack)))
                hooks.append(_add_hook(module, _post_hook(qualname, stack, events, recorder)))
        _manual_seed(seed)
        x = _randn(*shape)
        result = {"events": events, "error": None, "output_shape": None}
        _set_train(model, False)
        try:
            with _no_grad(), recorder:
                out = model(x)
            result["output_shape"] = shape_of(out) if _isinstance(out, _Tensor) else None
            result["output_type"] = _type(out).__name__
        except Exception as exc:  # the shapes recorded so far explain the failure
            result["error"] = f"{_type(exc).__name__}: {str(exc)[:300]}"
        finally:
            for h in hooks:
                h.remove()
        return result

    def op_forward(self, model: dict, x=None, shape=None, seed: int = 0, train: bool = False):
        """Output values for a given input array, or for a seeded randn of the given shape."""
        model = self._model(model)
        if x is None:
            _manual_seed(seed)
            x = _randn(*shape)
        else:
            x = _from_numpy(np.array(x, dtype=np.float32))
        _set_train(model, train)
        with _no_grad():
            out = model(_to(x, self.device))
        if not _isinstance(out, _Tensor):
            return {"type": _type(out).__name__}
        return {"type": "Tensor", "output": to_array(out)}

    def op_grads(self, model: dict, shape, seed: int = 0):
        """Gradient norm of every parameter after backpropagating a random projection of the output."""
        model = self._build(model)  # fresh: gradients and train mode must not leak into other ops
        _set_train(model, True)
        _manual_seed(seed)
        x = _randn(*shape)
        out = model(x)
        weights = _randn(*shape_of(out))
        loss = _sum(_mul(out, weights))
        _backward(loss, grad_tensors=_ones_like(loss))
        grads = []
        for name, p in _named_parameters(model):
            grads.append([name, None if p.grad is None else _float(_norm(_detach(p.grad)))])
        return {"grads": grads}

    def op_call(self, name: str, args=(), device: str | None = None, call_id: int | None = None):
        """Call a submission function. Tensor args: {'tensor': array}; model args: {'model': spec}
        (a submission class) or {'linear_stack': [[in, out], ...]} (an nn.Sequential of Linear
        layers built here, whose parameter count the grader knows)."""
        fn = self._lookup(name)
        real, before = [], []
        for a in args:
            if _isinstance(a, dict) and "tensor" in a:
                t = _to(_from_numpy(np.array(a["tensor"])), device or "cpu")
                real.append(t)
                before.append((t, _clone(t)))
            elif _isinstance(a, dict) and "model" in a:
                real.append(self._build(a["model"]))
            elif _isinstance(a, dict) and "linear_stack" in a:
                _manual_seed(0)
                real.append(
                    torch.nn.Sequential(*[torch.nn.Linear(i, o) for i, o in a["linear_stack"]])
                )
            else:
                real.append(a)
        value = fn(*real)
        mutated = [not _equal(t, saved) for t, saved in before]
        return {"value": _plain_result(value), "mutated": mutated}

    def op_train(self, name: str, args, spec: dict, seed: int, perm_fn: str | None = None):
        """Train a freshly built model with the grader's loop; return predictions and the loss curve."""
        # Imported here, not with the module: the notebooks' self-check ships this module but never
        # trains. In the sandbox the supervisor has imported the loop before any child exists, so
        # this finds it loaded, with its torch references captured before any submission code ran.
        from autograder.training import loop
        from autograder.training.specs import TrainSpec

        spec = TrainSpec.from_dict(spec)
        data = self.device_data.get(spec.dataset)
        if data is None:
            data = self.device_data[spec.dataset] = loop.to_device(
                self.data[spec.dataset], spec.dataset, self.device
            )
        if spec.permute_pixels:
            data = loop.permute(data, seed, self._lookup(perm_fn) if perm_fn else None)
        ctor = self._lookup(name)
        _manual_seed(seed)
        model = ctor(*args)
        outcome = loop.train_and_predict(model, data, spec, seed=seed, device=self.device)
        return {
            "predictions": outcome.predictions,
            "losses": outcome.losses,
            "loss_window": outcome.loss_window,
            "steps": outcome.steps,
            "images_seen": outcome.images_seen,
            "diverged_at": outcome.diverged_at,
            "train_seconds": outcome.train_seconds,
            "eval_seconds": outcome.eval_seconds,
        }


def _pre_hook(qualname, stack):
    def hook(module, inputs):
        stack.append(qualname)

    return hook


def _post_hook(qualname, stack, events, recorder):
    def hook(module, inputs, output):
        if stack and stack[-1] == qualname:
            stack.pop()
        if _len(module._modules) == 0 and _len(events) < MAX_EVENTS:  # leaf modules only
            recorder.paused = True
            try:
                first = inputs[0] if inputs else None
                events.append(
                    {
                        "kind": "module",
                        "name": _type(module).__name__,
                        "module": qualname,
                        "in_shapes": [shape_of(first)] if _isinstance(first, _Tensor) else [],
                        "in_min": _tensor_min(first),
                        "out_shape": shape_of(output) if _isinstance(output, _Tensor) else None,
                    }
                )
            finally:
                recorder.paused = False

    return hook


def _plain(value, depth: int = 0):
    """JSON-safe copy of simple values (lists, numbers, strings); anything else becomes its type name."""
    if value is None or _isinstance(value, (bool, int, float, str)):
        return value
    if depth < 3 and _isinstance(value, (list, tuple)) and _len(value) <= 1000:
        return [_plain(v, depth + 1) for v in value]
    return {"type": _type(value).__name__}


def _plain_result(value):
    if _isinstance(value, _Tensor):
        return {
            "tensor": to_array(value),
            "shape": shape_of(value),
            "dtype": str(value.dtype).replace("torch.", ""),
            "device": str(value.device),
        }
    if _isinstance(value, (bool, int, float)):
        return {"number": value}
    return {"type": _type(value).__name__}
