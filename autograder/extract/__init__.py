"""Submission -> code units, by parsing only: no student code runs here."""
from autograder.extract.collect import collect_sources
from autograder.extract.normal import code_key
from autograder.extract.units import Extracted, Unit, extract

__all__ = ["code_key", "collect_sources", "extract", "Extracted", "Unit"]


def extract_submission(path):
    """Parse a .py file, a notebook or a directory into an Extracted set of units."""
    sources, notes = collect_sources(path)
    extracted = extract(sources)
    return Extracted(units=extracted.units, notes=notes + extracted.notes, skipped=extracted.skipped)
