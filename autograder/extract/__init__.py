"""Submission -> code units, by parsing only: no student code runs here."""

from autograder.extract.collect import collect
from autograder.extract.normal import code_key
from autograder.extract.units import Extracted, Unit, extract

__all__ = [
    "code_key",
    "collect",
    "extract",
    "extract_submission",
    "Extracted",
    "Unit",
]


def extract_submission(path):
    """Parse a .py file, a notebook, a folder or an archive of them into an Extracted set of units."""
    collected = collect(path)
    extracted = extract(collected.sources)
    return Extracted(
        units=extracted.units,
        notes=collected.notes + extracted.notes,
        skipped=extracted.skipped,
        unread=tuple(collected.unread) + extracted.unread,
        star_imports=extracted.star_imports,
    )
