"""`grade`: grade submissions (files, notebooks or folders) into an output directory.

Writes DIR/<name>/results.json (Gradescope's schema), DIR/grades.csv and DIR/summary.json, all
after every sandbox child is gone, so nothing a submission wrote can stand in for them.
"""

from __future__ import annotations

import multiprocessing
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

import autograder.calibrate.table as calibration_table
from autograder import canary, machine
from autograder.config import GradingConfig
from autograder.reports import table
from autograder.reports.outputs import write_outputs
from autograder.results.model import SubmissionResult
from autograder.results.run_summary import RunSummary
from autograder.suites.run_settings import RunSettings
from autograder.verbs import EXIT_GRADER_ERROR, EXIT_OK


def submission_entries(paths: list[Path]) -> list[tuple[str, Path]]:
    """(unique name, path) per submission; the name is the file's stem ('a.tar.gz' -> 'a') or the
    folder's name."""
    from autograder.extract.files import stem

    entries, used = [], set()
    for path in paths:
        path = Path(path)
        base = path.name if path.is_dir() else stem(path)
        name, k = base, 2
        while name in used:
            name, k = f"{base}-{k}", k + 1
        used.add(name)
        entries.append((name, path))
    return entries


def shard_of(entries: list, shard: tuple[int, int] | None) -> list:
    """The I-th of N slices (1-based), by name, so every shard sees the same split."""
    if not shard:
        return entries
    index, count = shard
    ordered = sorted(entries, key=lambda e: e[0])
    return ordered[index - 1 :: count]


_WARM = None  # a worker's supervisor, kept from one submission to the next


def _start_worker(settings: RunSettings) -> None:
    """Runs first in each worker: its supervisor starts (torch) while the worker imports the grader."""
    global _WARM
    from autograder.sandbox.warm import WarmSupervisor

    _WARM = WarmSupervisor()
    _WARM.prestart(settings.config.threads)


def _grade_one(name: str, path: str, settings: RunSettings) -> tuple[str, dict | str]:
    """Runs in a worker process. ('ok', result dict) or ('grader_error', text)."""
    global _WARM
    from autograder.sandbox.client import GraderError
    from autograder.sandbox.warm import WarmSupervisor
    from autograder.suites.runner import grade_submission

    _WARM = _WARM or WarmSupervisor()
    try:
        return "ok", grade_submission(Path(path), name, settings, warm=_WARM).to_dict()
    except GraderError as exc:
        return "grader_error", str(exc)
    except Exception:
        return "grader_error", traceback.format_exc()


def _error_result(name: str, config: GradingConfig, text: str) -> SubmissionResult:
    return SubmissionResult(
        submission=name,
        tests=(),
        seed=config.seed,
        device=config.device,
        grader_error=text,
        parts=config.spec.part_names,
    )


def main(
    *,
    submissions: list[Path],
    out: Path,
    config: GradingConfig = GradingConfig(),
    shard: tuple[int, int] | None = None,
    quiet: bool = False,
    feedback: bool = True,
) -> int:
    """Grade every submission; return 0 when grading completed (whatever the scores), 2 when the
    grader itself failed for any submission (those results say so)."""
    missing = [str(p) for p in submissions if not Path(p).exists()]
    if (
        missing
    ):  # e.g. an unexpanded class/*/ : grading "*" as a student with 0 points would be wrong
        raise ValueError(f"no such submission: {', '.join(missing)}")
    # A fault shared by every submission (SetupProblem, CanaryFailed) is said once and nobody is
    # graded; the data are decoded here, once, not in every worker.
    settings, canary_report = canary.ensure(config, say=(lambda text: None) if quiet else print)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    entries = shard_of(submission_entries(submissions), shard)
    masks = (str(out.resolve()), *(str(Path(p).resolve()) for _, p in entries))
    settings = settings.with_config(extra_masks=tuple(settings.config.extra_masks) + masks)
    config = settings.config
    results: dict[str, SubmissionResult] = {}
    errors: dict[str, str] = {}
    context = multiprocessing.get_context("spawn")
    with (
        ProcessPoolExecutor(
            max_workers=max(1, config.jobs),
            mp_context=context,
            initializer=_start_worker,
            initargs=(settings,),
        ) as pool,
        tqdm(total=len(entries), desc="grading", unit="submission", disable=quiet) as bar,
    ):
        futures = {
            pool.submit(_grade_one, name, str(path), settings): name for name, path in entries
        }
        waiting = [name for name, _ in entries]  # the pool starts them in this order
        bar.set_postfix_str(", ".join(waiting[: config.jobs]))
        for future in as_completed(futures):
            name = futures[future]
            waiting.remove(name)
            try:
                status, payload = future.result()
            except Exception as exc:  # the worker process itself died: a grader failure
                status, payload = "grader_error", f"worker failed: {exc!r}"
            if status == "ok":
                results[name] = SubmissionResult.from_dict(payload)
                if results[name].grader_error:
                    errors[name] = results[name].grader_error
            else:
                errors[name] = payload
                results[name] = _error_result(name, config, payload)
            bar.set_postfix_str(
                ", ".join(waiting[: config.jobs]) or name, refresh=False
            )  # now being graded
            bar.update(1)
    ordered = [results[name] for name, _ in entries]
    environment = next((r.environment for r in ordered if r.environment), {})
    thresholds = (
        calibration_table.table_path(
            config.device_kind, config.precision, config.spec.calibration_dir
        )
        if config.training
        else None
    )
    run_info = RunSummary(
        assignment=config.assignment,
        seed=config.seed,
        device=config.device,
        spec_kind=config.device_kind,
        precision=config.precision,
        machine=machine.describe(),
        canary=canary_report.to_dict(),
        thresholds=str(thresholds) if thresholds else None,
        jobs=config.jobs,
        threads=config.threads,
        shard=tuple(shard) if shard else None,
        submissions=tuple(n for n, _ in entries),
        environment=environment,
        grader_errors=errors,
    )
    write_outputs(
        ordered,
        out,
        run_info,
        config.spec,
        feedback=feedback,
        device_kind=config.device_kind,
        precision=config.precision,
    )
    if not quiet:
        print(table.format_table(ordered))
        notes = environment.get("isolation_notes") or []
        if environment and not environment.get("namespaces"):
            print(
                "note: submission code ran WITHOUT network and file-system isolation "
                f"({'; '.join(notes or ['switched off with --no-isolation'])}); see README, Threat model"
            )
        elif notes:  # e.g. CUDA children without a memory cgroup
            print(f"note: {'; '.join(notes)}; see README, Threat model")
    for name, text in errors.items():  # even with --quiet: these are not the students' fault
        print(f"\nGRADER ERROR for {name}:\n{text}", file=sys.stderr)
    return EXIT_GRADER_ERROR if errors else EXIT_OK
