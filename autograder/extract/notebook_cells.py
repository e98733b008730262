"""A notebook's code cells, read as a stream: outputs, attachments and metadata are never held.

A notebook saved with its outputs (training curves, sample images) is mostly base64 images; a
realistic one is tens of MB, and Gradescope takes uploads of 100 MB. Only the cells' source is
code, so the file is parsed event by event (ijson) and only `cell_type` and `source` are kept:
memory stays near the largest single string in the file, not several copies of the whole file.
The limit that matters is on the code read (MAX_CODE_CHARS), not on the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

import ijson

MAX_CODE_CHARS = 2_000_000
"""Code (cells' source) read from one notebook or .py file: no real submission comes near it."""


BUFFER_BYTES = 1 << 20
"""ijson's read size: outputs are long base64 strings, and with the default 64 KB the parser
spends ten times longer joining their pieces (see benchmarks/bench_notebook_read.py)."""


class Unreadable(ValueError):
    """Why a file's code cannot be read: args are (Chinese, English), for the student's note."""


class NotANotebook(Unreadable):
    """The file is not a notebook's JSON."""


class TooMuchCode(Unreadable):
    """More code than MAX_CODE_CHARS."""


def too_much_code(limit: int) -> TooMuchCode:
    return TooMuchCode(f"代码超过 {limit:,} 个字符", f"more than {limit:,} characters of code")


@dataclass
class Cell:
    index: int
    """1-based, as in the notebook (markdown cells count)."""
    kind: str = ""
    parts: list[str] = field(default_factory=list)

    @property
    def source(self) -> str:
        return "".join(self.parts)


# nbformat 4 keeps cells at the top; nbformat 3 inside worksheets, with the code as `input`.
_LAYOUTS = {"cells.item": ("source",), "worksheets.item.cells.item": ("input", "source")}


def code_cells(stream: BinaryIO, max_code_chars: int = MAX_CODE_CHARS) -> list[Cell]:
    """The code cells of a notebook file (binary stream, UTF-8 JSON), in order.

    Raises NotANotebook for anything that is not a notebook's JSON, TooMuchCode past the limit."""
    cells: list[Cell] = []
    count, total, saw_cells = 0, 0, False
    current: Cell | None = None
    code_keys: tuple[str, ...] = ()
    try:
        for prefix, event, value in ijson.parse(stream, buf_size=BUFFER_BYTES, use_float=True):
            if prefix in _LAYOUTS and event == "start_map":
                count += 1
                current, code_keys = Cell(count), _LAYOUTS[prefix]
                continue
            if prefix in _LAYOUTS and event == "end_map":
                if current is not None and current.kind == "code":
                    cells.append(current)
                current = None
                continue
            if prefix in ("cells", "worksheets.item.cells") and event == "start_array":
                saw_cells = True
            if current is None or event != "string":
                continue
            owner, _, key = prefix.rpartition(".")
            if key == "item":  # a source given as a list of lines
                owner, _, key = owner.rpartition(".")
            if owner not in _LAYOUTS:
                continue
            if key == "cell_type":
                current.kind = value
            elif key in code_keys:
                total += len(value)
                if total > max_code_chars:
                    raise too_much_code(max_code_chars)
                current.parts.append(value)
    except ijson.JSONError as exc:
        raise NotANotebook(
            "不是有效的 notebook", f"not a valid notebook: {str(exc)[:120]}"
        ) from None
    except UnicodeDecodeError:
        raise NotANotebook(
            "不是有效的 notebook（不是 UTF-8 的 JSON）", "not a valid notebook: not UTF-8 JSON"
        ) from None
    if not saw_cells:
        raise NotANotebook("不是有效的 notebook（没有 cells）", "not a valid notebook: no cells")
    return cells
