"""Hints for the mistakes that real submissions contain: what the fault is, and the fix, in the
handout's terms (Chinese, code names as in the handout, English alongside).

Pure functions: their input is what the grader already has in hand (an exception's type and message
as the sandbox reports it, a forward pass's output, the parameter shapes of a built model, and the
facts the extractor read from the code: autograder/extract/facts.py), their output a message or
None where nothing specific is known. Standard library only, no torch, no grader state but the
assignment's hints module (below): the in-notebook self-check can vendor this module as it is.

The assignment's names and hooks are read through hint_book.py, which lists what an
assignment's hints module may define; the hints for missing or misnamed definitions are in
hint_names.py. This module is the facade that the suites and messages call.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from autograder.suites import hint_book as book
from autograder.suites.hint_book import use
from autograder.suites.hint_names import missing, near_miss, star_lines

if TYPE_CHECKING:
    from autograder.sandbox.errors import SandboxError

__all__ = ["missing", "near_miss", "use"]
"""Re-exported: callers see one module of hints."""

_MATMUL = re.compile(r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)")
_VIEW = re.compile(r"shape '\[(.*?)\]' is invalid for input of size (\d+)")
_NAME = re.compile(r"name '(\w+)' is not defined")
_ARGS = re.compile(r"(?:(\w+)\.)?(\w+)\(\) (?:takes|missing|got) ")
_BEFORE_INIT = (
    "before Module.__init__() call",
    "has no attribute '_modules'",
    "has no attribute '_parameters'",
    "has no attribute '_buffers'",
    "has no attribute '_backward_hooks'",
    "has no attribute '_forward_hooks'",
    "has no attribute '_forward_pre_hooks'",
    "has no attribute '_backward_pre_hooks'",
)


# -- exceptions ---------------------------------------------------------------------------------------
def for_exception(
    kind: str | None, message: str | None, name: str | None = None, facts: dict | None = None
) -> str | None:
    """A hint for an exception (type name and message as the sandbox reports them) raised while the
    grader built or ran `name`; None where nothing specific is known."""
    message = message or ""
    for hint in (
        _matmul(message, name),
        _view(message, name),
        _before_init(message, name, facts),
        _not_defined(kind, message, name, facts),
        _signature(kind, message, name, facts),
        _none_output(message, name, facts),
    ):
        if hint:
            return hint
    return None


def for_error(
    error: SandboxError, name: str | None = None, facts: dict | None = None
) -> str | None:
    """for_exception on a sandbox error (its type and message)."""
    return for_exception(error.type, error.message, name, facts)


def for_error_text(
    text: str | None, name: str | None = None, facts: dict | None = None
) -> str | None:
    """for_exception on 'Type: message', as a forward trace reports its error."""
    if not text:
        return None
    kind, _, message = text.partition(": ")
    return for_exception(kind, message, name, facts)


def _matmul(message: str, name: str | None) -> str | None:
    match = _MATMUL.search(message)
    if not match:
        return None
    got, want = int(match.group(2)), int(match.group(3))
    return book.hook("matmul", name, got, want) or _flatten_size(
        name, f"全连接层需要每个样本 {want} 个输入特征，展平后却是 {got} 个", want
    )


def _view(message: str, name: str | None) -> str | None:
    match = _VIEW.search(message)
    if not match:
        return None
    return _flatten_size(
        name, f"view({match.group(1)}) 无法把 {match.group(2)} 个元素排成这种形状", None
    )


def _flatten_size(name: str | None, what: str, want: int | None) -> str:
    return book.hook("flatten_size", name, what, want) or (
        f"{what}：展平后的特征数要等于下一个 nn.Linear 的 in_features"
        + (f"（{want}）" if want else "")
        + " (the flattened size must match the Linear's in_features)。"
    )


def _missing_parent_init(name: str | None, facts: dict | None) -> str | None:
    """The class (the one built, or one of the submission's classes) whose __init__ calls no parent __init__."""
    classes = book.facts_of(facts).get("classes", {})
    if name in classes and classes[name].get("calls_parent_init") is False:
        return name
    if name in classes:  # a base class of the submission's may be the one
        for base in classes[name].get("bases", []):
            if classes.get(base, {}).get("calls_parent_init") is False:
                return base
    return None if classes else name


def _before_init(message: str, name: str | None, facts: dict | None) -> str | None:
    if not any(s in message for s in _BEFORE_INIT):
        return None
    cls = _missing_parent_init(name, facts) or name or "这个类"
    info = book.facts_of(facts).get("classes", {}).get(cls, {})
    where = (
        book.at({"origin": info.get("origin"), "line": info.get("init_line")})
        if info.get("init_line")
        else ""
    )
    return (
        f"{cls}.__init__ 没有先调用父类 nn.Module 的构造函数{where}，所以不能给 self 赋值网络层。"
        f"在 __init__ 的第一行加上 super({cls}, self).__init__()（讲义写法，等价于 super().__init__() 或 "
        f"nn.Module.__init__(self)）(call super().__init__() first in {cls}.__init__)。"
    )


def _not_defined(
    kind: str | None, message: str, name: str | None, facts: dict | None
) -> str | None:
    match = _NAME.search(message) if kind in (None, "NameError", "UnboundLocalError") else None
    if not match:
        return None
    missing_name = match.group(1)
    facts = book.facts_of(facts)
    hint = book.hook("not_defined", missing_name, facts)
    if hint:
        return hint
    nested = facts.get("nested", {}).get(missing_name)
    if nested and missing_name in book.signatures():
        return missing(missing_name, facts)
    places = []
    if missing_name in facts.get("skipped", {}):
        places.append(
            f"{missing_name} 在一个评分时不执行的顶层语句中赋值{book.at(facts['skipped'][missing_name])}"
        )
    for local in facts.get("locals", {}).get(missing_name, [])[:1]:
        places.append(f"{missing_name} 只是函数 {local['inside']} 里的局部变量{book.at(local)}")
    known = "；".join(places)
    rule = "评分程序只执行顶层的 import、def、class 和简单的常量赋值，不执行 if/for/with 语句块、函数调用和训练代码"
    if missing_name == "device":
        return (
            "评分时没有名为 device 的全局变量：" + (known + "。" if known else "") + rule + "。"
            "forward 中不需要 device：评分程序已把输入放在模型所在的设备上；若要新建张量，用输入的设备，"
            "例如 torch.zeros(..., device=x.device)。若一定要用全局 device，在顶层单独写一行 "
            'device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")（讲义写法）'
            "(device is not defined when grading: use x.device, or define device on one top-level line)。"
        )
    if known:
        return (
            f"{known}；{rule}。把 {missing_name} 定义成顶层的一行，或作为参数传入 "
            f"({missing_name} is not defined when the grader runs your code)。"
        )
    stars = facts.get("star_imports") or []
    if stars:
        return (
            f"{missing_name} 多半来自 {star_lines(stars)}：该模块没有随作业提交，评分时已跳过 ({missing_name} probably came from a star import of a "
            f"module that was not handed in)。把 {missing_name} 的定义（或正确的 import）写进提交的文件。"
        )
    return None


def _signature(kind: str | None, message: str, name: str | None, facts: dict | None) -> str | None:
    match = _ARGS.search(message) if kind == "TypeError" else None
    if not match:
        return None
    owner, function = match.group(1), match.group(2)
    facts = book.facts_of(facts)
    classes, signatures = book.classes(), book.signatures()
    if function == "__init__" and (owner or name) in classes:
        cls = owner or name
        info = facts.get("classes", {}).get(cls, {})
        yours = f"{cls}({', '.join(info['init_params'])})" if "init_params" in info else None
        return (
            f"构造函数的参数与讲义不同：讲义是 {signatures[cls]}"
            + (
                f"，你的是 {yours}{book.at({'origin': info.get('origin'), 'line': info.get('init_line')})}"
                if yours
                else ""
            )
            + f"。评分程序按讲义的签名构造模型，请写成 def __init__({', '.join(('self',) + tuple(book.params()[cls]))}) "
            f"(the constructor must take the handout's arguments: {signatures[cls]})。"
        )
    if function == "forward":
        cls = owner or name
        info = facts.get("classes", {}).get(cls, {})
        yours = (
            f"forward(self, {', '.join(info['forward_params'])})"
            if "forward_params" in info
            else None
        )
        return (
            "forward 的参数与讲义不同：讲义是 forward(self, x)，只接收输入 x"
            + (f"；你的是 {yours}" if yours else "")
            + " (forward must take the input x only)。"
        )
    if function in signatures and function not in classes:
        info = facts.get("functions", {}).get(function, {})
        yours = f"{function}({', '.join(info['params'])})" if "params" in info else None
        return (
            f"{function} 的参数与讲义不同：讲义是 {signatures[function]}"
            + (f"，你的是 {yours}{book.at(info)}" if yours else "")
            + f" (the handout's signature is {signatures[function]})。"
        )
    return None


def _none_output(message: str, name: str | None, facts: dict | None) -> str | None:
    """The grader's own use of forward's output failed on None: forward returned nothing."""
    if "'NoneType'" not in message or "doesn't apply to" not in message:
        return None
    return not_a_tensor(name, "NoneType", facts)


# -- what forward returned ----------------------------------------------------------------------------
def not_a_tensor(name: str | None, got: str | None, facts: dict | None = None) -> str | None:
    """forward returned something that is not a tensor (None: a missing return)."""
    cls = name or "模型"
    if got == "NoneType":
        info = book.facts_of(facts).get("classes", {}).get(name, {})
        where = (
            book.at({"origin": info.get("origin"), "line": info.get("forward_line")})
            if info.get("forward_line")
            else ""
        )
        no_return = info.get("forward_returns") is False
        return (
            f"{cls}.forward 返回了 None："
            + (f"forward{where}中没有 return 语句" if no_return else "forward 没有返回结果")
            + "。在 forward 的最后写 return 加上计算结果，例如 return self.network(x) 或 return x"
            f"（讲义写法）({cls}.forward returns nothing: add the return statement)。"
        )
    if got and got != "Tensor":
        return (
            f"{cls}.forward 返回的是 {got}，应只返回一个张量 torch.Tensor（形状 (N, 10)）"
            f"({cls}.forward must return one tensor)。"
        )
    return None


def wrong_return(name: str | None, got, expected, computed) -> str | None:
    """forward returned a tensor of the wrong shape although its last computation had the right one:
    it returned another variable. computed: (label, shape) of the forward's torch calls, in order."""
    computed = [(label, tuple(shape)) for label, shape in computed if shape]
    if (
        not computed
        or got is None
        or tuple(got) == tuple(expected)
        or computed[-1][1] != tuple(expected)
    ):
        return None
    last = max(
        (i for i, (_, shape) in enumerate(computed[:-1]) if shape == tuple(got)), default=None
    )
    if last is None:
        return None
    first = last
    while first > 0 and computed[first - 1][1] == tuple(got):  # fc1 then its ReLU: name fc1
        first -= 1
    shown = lambda s: "(" + ", ".join(map(str, s)) + ")"  # noqa: E731
    return (
        f"{name or '模型'}.forward 返回的 {shown(got)} 是中间结果（{computed[first][0]} 的输出），而 forward 最后算出的是 "
        f"{shown(expected)}：是否 return 了错误的变量？例如把结果存进 out 却写了 return x "
        f"(forward returns an intermediate tensor: return the final result)。"
    )


# -- built models --------------------------------------------------------------------------------------
def parameters(name: str | None, params) -> str | None:
    """A known mistake visible in the parameter shapes of a built model ([name, shape, ...] rows):
    the assignment's `parameters` hook; nothing generic."""
    return book.hook("parameters", name, params)
