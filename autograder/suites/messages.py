"""Student-facing text: what went wrong, in the student's terms (Chinese, short English gloss).

Code names, shapes and numbers stay exactly as in the handout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autograder.suites import hints

if TYPE_CHECKING:
    from autograder.sandbox.errors import SandboxError

HINT = "提示 (hint)："


def shape(s) -> str:
    return "(" + ", ".join(str(int(d)) for d in s) + ")" if s is not None else "?"


def count(n: int) -> str:
    return f"{int(n):,}"


def call_text(name: str, args=()) -> str:
    return f"{name}({', '.join(map(str, args))})"


def failure(
    error: SandboxError, doing: str, name: str | None = None, facts: dict | None = None
) -> str:
    """A sandbox failure (reply.error) as one message. doing: e.g. 'Model() 的 forward'; name: the
    definition being built or run; facts: extract/facts.py's, for hints (suites/hints.py)."""
    where = f"（{error.unit}）" if error.unit else ""
    match error.kind:
        case "missing":
            return hints.missing(error.missing, facts)
        case "timeout" if error.phase == "load":
            text = (
                f"定义代码时超出时间限制 {error.seconds:g} 秒{where}：类或函数定义处可能有死循环 "
                f"(time limit exceeded while defining the code)。"
            )
        case "timeout":
            used = "CPU 时间" if error.measure == "cpu" else ""
            text = (
                f"{doing}超出时间限制（{used}{error.seconds:g} 秒）：可能有死循环，或计算量远超讲义的网络 "
                f"(time limit exceeded{': CPU time' if used else ''})。"
            )
        case "died" if error.memory_limit:
            text = (
                f"{doing}时超出内存上限，进程被系统终止{where}：是否一次申请了过多内存？"
                f"(memory limit exceeded: the process was killed)。"
            )
        case "died":
            text = (
                f"{doing}时评分进程意外结束{where}：{error.message or ''}。不要调用 sys.exit()/os._exit()，"
                f"也不要申请过多内存 (the grading process ended while running your code)。"
            )
        case _ if error.phase == "load":
            text = f"定义代码时出错{where}: {error.type}: {error.message}"
        case _:
            text = f"{doing}时出错: {error.type}: {error.message}"
            if error.type == "MemoryError":
                text += "（超出内存限制 memory limit exceeded）"
    hint = hints.for_error(error, name, facts) if error.kind not in ("timeout", "died") else None
    if hint:
        text += "\n" + HINT + hint
    if error.traceback:
        text += "\n" + error.traceback.rstrip()
    if error.repeated:
        text += "\n（这段代码此前已失败，未再次运行 / failed earlier, not run again）"
    return text


def not_final(error: SandboxError, doing: str) -> tuple[str, str]:
    """(message for the student, detail for the instructor) when the machine was starved of CPU."""
    message = (
        f"{doing}未能完成：评分机器当时过载（CPU 被其他程序占用或受限），这不是你的代码的问题。"
        f"本次结果不是最终成绩，教师会重新评分 (the grading machine was overloaded; not final, "
        f"your instructor will regrade)。"
    )
    detail = (
        f"{doing.strip()}: starved of CPU: {error.wall_seconds} s wall, {error.cpu_seconds} "
        f"CPU s used of a {error.seconds} CPU s limit, waited for a CPU {100 * (error.waited or 0):.0f}% "
        f"of the time ({error.phase} phase); not final, regrade on a machine with free cores"
    )
    return message, detail


NOT_RUN = "未运行："


def not_run(prerequisite: str, reason: str = "") -> str:
    """One line: the check that failed first, and that this one was not run because of it. reason:
    the first line of the prerequisite's message; where that was itself not run, its line is this
    one's (a chain of prerequisites names the first failure once)."""
    if reason.startswith(NOT_RUN):
        return reason
    tail = f"：{reason}" if reason else "。"
    return (
        f"{NOT_RUN}前置检查 {prerequisite} 未通过，依赖它的检查都未运行 "
        f"(not run: {prerequisite} failed first){tail}"
    )


def forward_raised(error: str, name: str | None = None, facts: dict | None = None) -> str:
    """A forward trace's error ('Type: message'), with a hint where one is known."""
    hint = hints.for_error_text(error, name, facts)
    return f"forward 出错 (forward raised): {error}" + (f"\n{HINT}{hint}" if hint else "")


def with_hint(text: str, hint: str | None) -> str:
    """text, and the hint on its own line (once)."""
    return text + (f"\n{HINT}{hint}" if hint and hint not in text else "")


def not_a_tensor(name: str, got: str | None, facts: dict | None = None) -> str:
    return with_hint(
        f"{name}.forward 返回的是 {got}，应为 torch.Tensor。", hints.not_a_tensor(name, got, facts)
    )


def stage_mismatch(label: str, module: str, got, expected, hint: str = "") -> str:
    name = f"{label}（{module}）" if module and module != label else label
    return f"{name} → {shape(got)}；应为 {shape(expected)}" + (f" —— {hint}" if hint else "")


def missing_stage(label: str, expected, hint: str = "") -> str:
    return f"没有找到 {label}（应输出 {shape(expected)}）" + (f" —— {hint}" if hint else "")


def param_count(call: str, got: int, expected: int, hint: str = "") -> str:
    diff = got - expected
    return f"{call} 有 {count(got)} 个参数；应为 {count(expected)}（相差 {diff:+,}）" + (
        f" —— {hint}" if hint else ""
    )


def negative_input(layer: str, previous: str, value: float) -> str:
    return (
        f"{layer} 的输入含负值（最小值 {value:.3g}）：{previous} 之后缺少 ReLU？"
        f"讲义中每个卷积层和隐藏全连接层之后都有 ReLU (missing nonlinearity)。"
    )


def no_gradient(names: list[str]) -> str:
    shown = ", ".join(names[:6]) + (" …" if len(names) > 6 else "")
    return (
        f"这些参数没有收到梯度：{shown} —— 是否设置了 requires_grad=False，或在 forward 里用了 detach()/.data？"
        f"(parameters receive no gradient)"
    )


def accuracy_below(
    what: str, attempts: list[tuple[int, float]], threshold: float, reference: float
) -> str:
    tried = "；".join(f"seed {seed}: {acc:.2f}%" for seed, acc in attempts)
    return (
        f"{what}的测试准确率低于阈值 {threshold:.2f}%（{tried}；参考实现平均 {reference:.2f}%）。"
        f"模型可能无法学习：输出是否恒定、层是否被冻结、损失是否匹配 (accuracy below the calibrated threshold)。"
    )
