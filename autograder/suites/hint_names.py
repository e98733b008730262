"""Hints for the definitions the grader looks for and does not find: a misnamed class or
function (by alias, spelling or constructor parameters), one defined inside another, code the
grader did not read, star imports it could not follow. Standard library only (see hints.py)."""

from __future__ import annotations

import difflib

from autograder.suites import hint_book as book


def near_miss(name: str, facts: dict | None) -> tuple[str, dict] | None:
    """A top-level definition that is probably the handout's `name` under another name."""
    facts = book.facts_of(facts)
    classes, aliases, params = book.classes(), book.aliases(), book.params()
    kind = "classes" if name in classes else "functions"
    found = facts.get(kind, {})
    signatures = book.signatures()
    candidates = [n for n in found if n != name and n not in signatures]
    for other in candidates:
        if other.lower().replace("_", "") == name.lower().replace("_", ""):
            return other, found[other]
    for other in candidates:
        if other in aliases.get(name, ()) or other.lower() in (
            a.lower() for a in aliases.get(name, ())
        ):
            return other, found[other]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.8)
    if close:
        return close[0], found[close[0]]
    for other in candidates:  # a class built like the handout's, under another name
        if (
            name in classes
            and params.get(name)
            and found[other].get("init_params") == list(params[name])
        ):
            return other, found[other]
    return None


def missing(name: str, facts: dict | None) -> str:
    """The grader found no top-level `name`: say where it is, or what looks like it, and which code
    was not read (a file or cell that could not be read or parsed may be where it is)."""
    facts = book.facts_of(facts)
    text = _missing(name, facts)
    unread = facts.get("unread") or []
    if unread:  # on the first line: checks that depend on this one quote only that
        text += (
            f" 注意：有代码没有被读取或无法解析，{name} 可能就在其中 (some code was not read; {name} may be "
            f"defined there)：{unread[0]}" + "".join(f"\n  - {note}" for note in unread[1:5])
        )
    stars = facts.get("star_imports") or []
    if stars:
        text += ("\n" if unread else " ") + _star_imports(stars)
    return text


def star_lines(stars: list) -> str:
    """'from m import *（lab1.py 第 1 行）、…' for the skipped star imports (facts["star_imports"])."""
    return "、".join(f"from {s['module']} import *{book.at(s)}" for s in stars[:3])


def _star_imports(stars: list) -> str:
    return (
        f"注意：{star_lines(stars)} 导入的模块没有随作业提交，评分时已跳过；它提供的名字都不存在。把需要的代码直接写进提交的文件 "
        f"(star import of a module that was not handed in: skipped; its names are undefined)。"
    )


def _missing(name: str, facts: dict) -> str:
    nested = facts.get("nested", {}).get(name)
    if nested:
        where = nested[0]
        kind = "class" if where["kind"] == "class" else "def"
        return (
            f"提交中没有在顶层定义 {name}：{kind} {name} 写在了 {where['inside']} 的内部{book.at(where)}，"
            f"成了 {where['inside']}.{name}，评分程序（以及 notebook 中的其它代码）找不到它。多半是缩进错误："
            f"把 {kind} {name} 及其方法取消缩进，移到顶层（行首不留空格）"
            f"({name} is defined inside {where['inside']}, not at the top level: dedent it)。"
        )
    skipped = facts.get("skipped", {}).get(name)
    if skipped:
        return (
            f"提交中没有可执行的 {name} 定义：它写在一个评分时不执行的顶层语句块中{book.at(skipped)}"
            f"（评分程序只执行顶层的 import、def、class 和简单赋值）。把 {name} 的定义移到顶层 "
            f"({name} is defined inside a top-level statement that the grader does not run)。"
        )
    miss = near_miss(name, facts)
    if miss:
        other, where = miss
        return (
            f"提交中没有找到 {name} 的定义；找到了 {other}{book.at(where)}。讲义中的名字是 {name}，"
            f"评分按讲义的名字查找 {book.signatures().get(name, name)}：请把 {other} 改名为 {name} "
            f"(found {other}; the handout's name is {name})。"
        )
    return f"提交中没有找到 {name} 的定义 ({name} is not defined in the submission)。"
