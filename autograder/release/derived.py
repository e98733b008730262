"""Files derived from sources (stubs, notebooks): write them, or report how committed copies drifted."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path


def write(expected: dict[str, str], folder: Path) -> list[Path]:
    """Write every derived file that is missing or differs; returns what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in expected.items():
        target = folder / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written


def drift(
    expected: dict[str, str],
    folder: Path,
    *,
    patterns: tuple[str, ...],
    extra: str,
    origin: Callable[[str], str],
) -> list[str]:
    """Problems (empty: in sync): files matching patterns that nothing derives (`extra` says why),
    missing files, and a unified diff (first 40 lines) for each file that differs from `origin(name)`."""
    folder = Path(folder)
    present = {p.name for pattern in patterns for p in folder.glob(pattern)}
    problems = [f"{folder / name}: {extra}" for name in sorted(present - set(expected))]
    for name, text in expected.items():
        target = folder / name
        if not target.exists():
            problems.append(f"{target}: missing")
        elif target.read_text(encoding="utf-8") != text:
            diff = difflib.unified_diff(
                target.read_text(encoding="utf-8").splitlines(),
                text.splitlines(),
                str(target),
                origin(name),
                lineterm="",
                n=1,
            )
            problems.append("\n".join(list(diff)[:40]))
    return problems
