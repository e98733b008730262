"""Source bytes -> text, the way Python and a TA's editor read them.

Students save code in whatever their editor uses: UTF-8 (with or without a BOM), GBK on a Chinese
Windows editor (often with a `# -*- coding: gbk -*-` line, which Python honours, PEP 263), UTF-16
from some Windows tools. A grade must not depend on that, so the order is:

1. a UTF-16 BOM: UTF-16 (Python cannot run it, but every editor shows it);
2. a PEP 263 coding line (or a UTF-8 BOM): that encoding, as Python would;
3. UTF-8;
4. GB18030, a superset of GBK and GB2312.

Anything else was not read as text: say so, in one clear note.
"""

from __future__ import annotations

import codecs
import io
import tokenize
from dataclasses import dataclass

FALLBACK = "gb18030"


@dataclass(frozen=True)
class Decoded:
    """The text of a file, or why there is none."""

    text: str | None
    encoding: str | None = None
    """Set when it was not UTF-8: the feedback says which encoding was used."""
    problem: tuple[str, str] | None = None
    """Why the bytes are not text, in Chinese and English, when text is None."""


def _declared(raw: bytes) -> str | None:
    """The encoding a PEP 263 coding line (or a UTF-8 BOM) declares, or None for none."""
    try:
        encoding, lines = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError:  # an unknown codec, or a BOM that contradicts the coding line
        return None
    if encoding == "utf-8-sig":
        return encoding
    cookie = any(tokenize.cookie_re.match(line.decode("latin-1")) for line in lines[:2])
    return encoding if cookie else None


def _same(a: str, b: str) -> bool:
    return codecs.lookup(a).name == codecs.lookup(b).name


def decode(raw: bytes) -> Decoded:
    """The text of a source file's bytes (see the module's docstring for the order)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(raw.decode("utf-16"), "UTF-16")
        except UnicodeDecodeError:
            return Decoded(
                None,
                problem=("有 UTF-16 标记但不是 UTF-16 文本", "UTF-16 BOM, but not UTF-16 text"),
            )
    if b"\x00" in raw:
        return Decoded(None, problem=("不是文本文件", "binary file"))
    tried = []
    declared = _declared(raw)
    if declared:
        tried.append(declared)
    tried += [e for e in ("utf-8-sig", FALLBACK) if not any(_same(e, t) for t in tried)]
    for encoding in tried:
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        shown = (
            None if _same(encoding, "utf-8") or _same(encoding, "utf-8-sig") else encoding.upper()
        )
        return Decoded(text, shown)
    return Decoded(
        None, problem=("不是 UTF-8、GBK 或 UTF-16 文本", "not UTF-8, GBK/GB18030 or UTF-16 text")
    )
