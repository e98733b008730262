"""Broken-but-shape-correct variants of the reference, for the calibration report (each assignment
declares its own in its `broken`).

A threshold is only useful if it separates the reference from models that cannot learn as they
should. Each variant is the reference with one edit (old text -> new text, which must occur exactly
once in the solution file); `calibrate` trains them over a few seeds and records their accuracy
beside the reference's distribution and the threshold.

Some variants still learn well (a frozen first convolution or a missing ReLU can cost half a point): no
accuracy threshold can catch them without failing correct code, and a behavioural check of the suite
does. Those name it in caught_by; the table records it, and only variants without it must fall below
the threshold (tests/test_thresholds.py).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Variant:
    label: str
    file: str
    old: str
    new: str
    caught_by: str | None = None
    """The hidden test that catches this variant when it still learns (None: the threshold must)."""


def write(variant: Variant, solutions: Path, into: Path) -> Path:
    """A copy of the reference with the variant's edit, as a submission folder."""
    into.mkdir(parents=True, exist_ok=True)
    for path in solutions.glob("*.py"):
        shutil.copy(path, into / path.name)
    target = into / variant.file
    text = target.read_text()
    if text.count(variant.old) != 1:
        raise ValueError(
            f"broken variant {variant.label!r}: its edit no longer matches {variant.file} exactly once"
        )
    target.write_text(text.replace(variant.old, variant.new))
    return into
