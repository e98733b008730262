"""Read a submission into code snippets: one per .py file (or per cell of a notebook exported as
.py), one per notebook code cell.

A grade must not depend on how a file was saved: any encoding an editor writes (text.py), a
notebook with tens of MB of outputs (notebook_cells.py), a notebook downloaded as .py
(exported.py), a zipped folder (files.py). Where code truly cannot be read, a note says which
file and why, and the checks that then miss a definition repeat it (Collected.unread).
"""

from __future__ import annotations

import codecs
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.extract import exported, files, text
from autograder.extract.notebook_cells import MAX_CODE_CHARS, Unreadable, code_cells, too_much_code

MAX_NOTEBOOK_BYTES = files.MAX_FILE_BYTES[".ipynb"]
MAX_PY_BYTES = files.MAX_FILE_BYTES[".py"]
_READ_ERRORS = (
    OSError,
    EOFError,
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
)
"""Reading a file or an archive member (RuntimeError: an encrypted zip member)."""


@dataclass(frozen=True)
class Source:
    """One snippet of student code and where it came from."""

    origin: str
    """Shown in messages and tracebacks: 'lab1.py' or 'week2.ipynb[cell 7]'."""
    text: str
    module: str
    """Stem of the file it came from (sibling imports of that name are dropped)."""


@dataclass
class Collected:
    sources: list[Source] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Messages for the student: what was read unusually, skipped, or not read."""
    unread: list[str] = field(default_factory=list)
    """The notes of files (or archives) whose code was not read at all."""

    def not_read(self, name: str, zh: str, en: str) -> None:
        note = f"{name}: {zh}，未读取 ({en}, not read)"
        self.notes.append(note)
        self.unread.append(note)


def _strip_magics(text: str) -> str | None:
    """IPython magics and shell escapes are not Python: drop them (a %% cell is dropped whole)."""
    if text.lstrip().startswith("%%"):
        return None
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines()
    )


def _notebook(file: files.SubmissionFile, out: Collected) -> None:
    name = file.path.name
    if file.size > MAX_NOTEBOOK_BYTES:
        out.not_read(
            name,
            f"文件过大（超过 {MAX_NOTEBOOK_BYTES // 10**6} MB）",
            f"file larger than {MAX_NOTEBOOK_BYTES:,} bytes",
        )
        return
    try:
        with file.open() as stream:
            head = stream.read(4)
            if head.startswith(
                (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
            ):  # small and rare: decode whole
                stream = io.BytesIO((head + stream.read()).decode("utf-16").encode())
            elif not head.startswith(codecs.BOM_UTF8):
                stream = io.BytesIO(head) if len(head) < 4 else _Rewound(head, stream)
            else:
                stream = _Rewound(head[3:], stream)
            cells = code_cells(stream)
    except Unreadable as exc:
        out.not_read(name, *exc.args)
        return
    except (UnicodeDecodeError, *_READ_ERRORS) as exc:
        out.not_read(name, "无法读取", f"cannot be read: {type(exc).__name__}: {str(exc)[:120]}")
        return
    stem = PurePosixPath(name).stem
    sources = []
    for cell in cells:
        code = _strip_magics(cell.source)
        if code and code.strip():
            sources.append(Source(f"{name}[cell {cell.index}]", code, stem))
    if not sources:
        out.notes.append(f"{name}: notebook 中没有代码 (no code cells)")
    out.sources += sources


class _Rewound(io.RawIOBase):
    """A binary stream with some bytes already read put back in front of it."""

    def __init__(self, head: bytes, rest):
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n], self.head = self.head[:n], self.head[n:]
            return n
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _python(file: files.SubmissionFile, out: Collected) -> None:
    name = file.path.name
    if file.size > MAX_PY_BYTES:
        out.not_read(
            name,
            f"文件过大（超过 {MAX_PY_BYTES // 10**6} MB 的代码）",
            f"more than {MAX_PY_BYTES:,} bytes of code",
        )
        return
    try:
        with file.open() as stream:
            raw = stream.read(MAX_PY_BYTES + 1)
    except _READ_ERRORS as exc:
        out.not_read(name, "无法读取", f"cannot be read: {type(exc).__name__}: {str(exc)[:120]}")
        return
    decoded = text.decode(raw)
    if decoded.text is None:
        out.not_read(name, *decoded.problem)
        return
    if len(decoded.text) > MAX_CODE_CHARS:
        out.not_read(name, *too_much_code(MAX_CODE_CHARS).args)
        return
    if decoded.encoding:
        out.notes.append(
            f"{name}: 不是 UTF-8 编码，已按 {decoded.encoding} 读取 (read as {decoded.encoding}, not UTF-8)"
        )
    split = exported.split(decoded.text)
    if split.skipped_lines:
        shown = ", ".join(str(i + 1) for i in split.skipped_lines[:8]) + (
            " …" if len(split.skipped_lines) > 8 else ""
        )
        out.notes.append(
            f"{name}: 第 {shown} 行是 IPython 语法（!命令、%魔法命令、get_ipython()），已跳过 "
            f"(IPython lines skipped, as in a notebook)"
        )
    stem = PurePosixPath(name).stem
    out.sources += [Source(name, snippet.text, stem) for snippet in split.snippets]


def collect(path: Path) -> Collected:
    """All code of a submission, in a fixed order (files sorted by relative path, cells in order).

    path: a .py file, a .ipynb notebook, a folder (every .py and .ipynb below it, skipping hidden
    folders and checkpoints), or a .zip / .tar.gz of one of them."""
    path = Path(path)
    out = Collected()
    if not path.exists():
        out.not_read(path.name, "文件不存在", "no such file")
        return out
    if path.is_file() and not files.is_archive(path) and path.suffix not in files.CODE_SUFFIXES:
        out.not_read(
            path.name,
            "只接受 .py、.ipynb 文件、目录或 .zip/.tar.gz 压缩包",
            "only .py, .ipynb, a folder or a .zip/.tar.gz of them are graded",
        )
        return out
    listing = files.listing(path)
    out.notes += listing.notes
    if listing.refused:
        out.unread.append(f"{path.name}: {listing.refused}")
        return out
    if not listing.files:
        what = "压缩包" if files.is_archive(path) else "目录"
        out.not_read(
            path.name,
            f"提交的{what}中没有 .py 或 .ipynb 文件",
            "no .py or .ipynb files in the submission",
        )
        return out
    for file in listing.files:
        (_notebook if file.path.suffix == ".ipynb" else _python)(file, out)
    return out
