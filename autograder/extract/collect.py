"""Read a submission into code snippets: one per .py file, one per notebook code cell."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True)
class Source:
    """One snippet of student code and where it came from."""

    origin: str
    """Shown in messages and tracebacks: 'lab1.py' or 'week2.ipynb[cell 7]'."""
    text: str
    module: str
    """Stem of the file it came from (sibling imports of that name are dropped)."""


def _strip_magics(text: str) -> str | None:
    """IPython magics and shell escapes are not Python: drop them (a %% cell is dropped whole)."""
    if text.lstrip().startswith("%%"):
        return None
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines())


def _read_text(path: Path, notes: list[str]) -> str | None:
    if path.stat().st_size > MAX_FILE_BYTES:
        notes.append(f"{path.name}: 文件过大，未读取 (file larger than {MAX_FILE_BYTES} bytes, not read)")
        return None
    raw = path.read_bytes()
    if b"\x00" in raw:
        notes.append(f"{path.name}: 不是文本文件，未读取 (binary file, not read)")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append(f"{path.name}: 不是 UTF-8 文本，未读取 (not UTF-8 text, not read)")
        return None


def _notebook_sources(path: Path, notes: list[str]) -> list[Source]:
    text = _read_text(path, notes)
    if text is None:
        return []
    import nbformat  # only notebooks need it (a GPU box grading .py files may not have it)

    try:
        nb = nbformat.reads(text, as_version=4)
    except (json.JSONDecodeError, nbformat.reader.NotJSONError, ValueError, KeyError, TypeError) as exc:
        notes.append(f"{path.name}: 不是有效的 notebook，未读取 (not a valid notebook: {str(exc)[:120]})")
        return []
    out = []
    for index, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        code = _strip_magics(source)
        if code and code.strip():
            out.append(Source(f"{path.name}[cell {index}]", code, path.stem))
    if not out:
        notes.append(f"{path.name}: notebook 中没有代码 (no code cells)")
    return out


def _file_sources(path: Path, notes: list[str]) -> list[Source]:
    if path.suffix == ".ipynb":
        return _notebook_sources(path, notes)
    text = _read_text(path, notes)
    return [] if text is None else [Source(path.name, text, path.stem)]


def collect_sources(path: Path) -> tuple[list[Source], list[str]]:
    """All code of a submission, in a fixed order (files sorted by relative path, cells in order).

    path: a .py file, a .ipynb notebook, or a directory (every .py and .ipynb below it, skipping
    hidden folders and checkpoints). Returns (sources, notes for the student).
    """
    path = Path(path)
    notes: list[str] = []
    if path.is_dir():
        files = sorted(
            (p for p in path.rglob("*") if p.is_file() and p.suffix in (".py", ".ipynb")
             and not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(path).parts)),
            key=lambda p: p.relative_to(path).as_posix(),
        )
        if not files:
            notes.append("提交的目录中没有 .py 或 .ipynb 文件 (no .py or .ipynb files in the submission)")
        sources = [s for f in files for s in _file_sources(f, notes)]
        return sources, notes
    if path.suffix not in (".py", ".ipynb"):
        notes.append(f"{path.name}: 只接受 .py、.ipynb 文件或目录 (only .py, .ipynb or a folder are graded)")
        return [], notes
    return _file_sources(path, notes), notes
