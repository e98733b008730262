"""`merge`: join the output folders of `grade --shard I/N` runs into one output folder.

Each shard folder holds summary.json and <name>/result.full.json per submission (what `grade`
writes). The merged folder gets what one unsharded `grade` run would write: grades.csv,
summary.json and, per submission, results.json, result.full.json and the feedback, all through
reports.outputs.write_outputs, as `grade` writes them. Shards are refused, with the reason, when they overlap (a submission or a
shard index twice), are incomplete (a shard missing, or a submission without its result) or were
graded differently (seed, device, torch version, or a different set of checks: other --parts or
--no-training).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from autograder import assignment
from autograder.config import GradingConfig
from autograder.reports import table
from autograder.reports.outputs import write_outputs
from autograder.results.model import SubmissionResult
from autograder.results.run_summary import RunSummary
from autograder.verbs import EXIT_GRADER_ERROR, EXIT_OK


class MergeError(ValueError):
    """The shards cannot be joined into one class result (the message says why)."""


@dataclass(frozen=True)
class Shard:
    folder: Path
    summary: RunSummary
    results: tuple[SubmissionResult, ...]

    @property
    def index(self) -> tuple[int, int] | None:
        shard = self.summary.shard
        return (int(shard[0]), int(shard[1])) if shard else None


def read_shard(folder: Path) -> Shard:
    folder = Path(folder)
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise MergeError(
            f"{folder}: no summary.json, so not a finished `grade` output (did this shard's job fail?)"
        )
    try:
        summary = RunSummary.from_dict(json.loads(summary_path.read_text(encoding="utf-8")))
        results = []
        for name in summary.submissions:
            path = folder / name / "result.full.json"
            if not path.is_file():
                raise MergeError(
                    f"{folder}: summary.json lists {name!r} but {path} is missing (incomplete shard)"
                )
            results.append(SubmissionResult.from_dict(json.loads(path.read_text(encoding="utf-8"))))
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise MergeError(
            f"{folder}: unreadable grade output ({type(exc).__name__}: {exc})"
        ) from None
    return Shard(folder, summary, tuple(results))


def _same(shards: list[Shard], what: str, value) -> None:
    """Refuse when value(shard) differs between shards (shards that do not record it are skipped)."""
    seen: dict = {}
    for shard in shards:
        if value(shard) is not None:
            seen.setdefault(json.dumps(value(shard)), []).append(str(shard.folder))
    if len(seen) > 1:
        detail = "; ".join(f"{v} in {', '.join(folders)}" for v, folders in seen.items())
        raise MergeError(f"shards were graded with different {what}: {detail}")


def check(shards: list[Shard]) -> None:
    """Raise MergeError unless the shards are the disjoint, complete slices of one grading run."""
    _same(shards, "assignments", lambda s: s.summary.assignment)
    _same(shards, "seeds", lambda s: s.summary.seed)
    _same(shards, "devices", lambda s: s.summary.device)
    _same(shards, "torch versions", lambda s: s.summary.environment.get("torch"))
    _same(
        shards,
        "precisions (thresholds differ: grade every shard with the same --precision)",
        lambda s: s.summary.precision,
    )
    owners: dict[str, Path] = {}
    for shard in shards:
        for result in shard.results:
            if result.submission in owners:
                raise MergeError(
                    f"{result.submission!r} is in both {owners[result.submission]} and {shard.folder} "
                    f"(overlapping shards)"
                )
            owners[result.submission] = shard.folder
    indexed = [s for s in shards if s.index]
    if indexed:
        _same(indexed, "shard counts N (I/N)", lambda s: s.index[1])
        count, places = indexed[0].index[1], {}
        for shard in indexed:
            if shard.index[0] in places:
                raise MergeError(
                    f"shard {shard.index[0]}/{count} appears twice: {places[shard.index[0]]} and {shard.folder}"
                )
            places[shard.index[0]] = shard.folder
        missing = sorted(set(range(1, count + 1)) - set(places))
        if missing:
            raise MergeError(
                f"shards {', '.join(f'{i}/{count}' for i in missing)} are missing; grade them, then merge all {count}"
            )
    graded = [r for s in shards for r in s.results if not r.grader_error]
    if len({tuple(sorted(t.name for t in r.tests)) for r in graded}) > 1:
        raise MergeError(
            "shards ran different checks (other --parts, or --no-training in some): regrade them alike"
        )


def main(*, shards: list[Path], out: Path, feedback: bool = True, quiet: bool = False) -> int:
    """Merge shard folders into out. 0 done; 2 when some submission has a grader error (as `grade`)."""
    out = Path(out)
    if not shards:
        raise MergeError("give at least one shard folder")
    folders = [Path(s) for s in shards]
    seen = set()
    for folder in folders:
        if out.resolve() == folder.resolve():
            raise MergeError(f"--out {out} is one of the shards; give a new folder")
        if folder.resolve() in seen:
            raise MergeError(f"{folder} is given twice")
        seen.add(folder.resolve())
    loaded = [read_shard(folder) for folder in folders]
    check(loaded)
    results = sorted((r for s in loaded for r in s.results), key=lambda r: r.submission)
    first = loaded[0].summary
    errors = {r.submission: r.grader_error for r in results if r.grader_error}
    device_kind = first.spec_kind or GradingConfig(device=str(first.device or "cpu")).device_kind
    spec = assignment.load(first.assignment)
    run_info = RunSummary(
        assignment=first.assignment,
        seed=first.seed,
        device=first.device,
        spec_kind=device_kind,
        precision=first.precision,
        machines=[json.loads(m) for m in sorted({json.dumps(s.summary.machine) for s in loaded})],
        thresholds=first.thresholds,
        jobs=first.jobs,
        threads=first.threads,
        shard=None,
        submissions=tuple(r.submission for r in results),
        environment=next((s.summary.environment for s in loaded if s.summary.environment), {}),
        grader_errors=errors,
        merged_from=[
            {
                "folder": str(s.folder),
                "shard": list(s.summary.shard) if s.summary.shard else None,
                "submissions": list(s.summary.submissions),
                "threads": s.summary.threads,
            }
            for s in loaded
        ],
    )
    out.mkdir(parents=True, exist_ok=True)
    write_outputs(
        results,
        out,
        run_info,
        spec,
        feedback=feedback,
        device_kind=device_kind,
        precision=first.precision,
    )
    if not quiet:
        print(table.format_table(results))
        print(f"\nmerged {len(loaded)} shard(s), {len(results)} submission(s) into {out}")
    return EXIT_GRADER_ERROR if errors else EXIT_OK
