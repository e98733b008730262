"""What a grading run writes into its output folder: per submission results.json (Gradescope's
schema), result.full.json and the feedback; grades.csv, summary.json and the class summary. Both
`grade` and `merge` write through here, so a merged folder is what one unsharded run writes."""

from __future__ import annotations

import json
from pathlib import Path

import autograder.calibrate.table as calibration_table
from autograder.assignment import Assignment
from autograder.calibrate.table import NotCalibrated
from autograder.reports import table
from autograder.reports.feedback import write_class_summary, write_feedback
from autograder.reports.gradescope import to_gradescope
from autograder.results.model import SubmissionResult
from autograder.results.run_summary import RunSummary


def write_outputs(
    results: list[SubmissionResult],
    out: Path,
    run_info: RunSummary,
    spec: Assignment,
    *,
    feedback: bool = True,
    device_kind: str = "cpu",
    precision: str | None = None,
) -> None:
    calib = None
    if feedback:
        try:
            calib = calibration_table.load(device_kind, precision, spec.calibration_dir)
        except NotCalibrated:
            pass
    for result in results:
        folder = out / result.submission
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "results.json").write_text(
            json.dumps(to_gradescope(result), ensure_ascii=False, indent=1)
        )
        (folder / "result.full.json").write_text(json.dumps(result.to_dict(), ensure_ascii=False))
        if feedback:
            write_feedback(result, folder, calib, spec)
    table.write_csv(results, out / "grades.csv")
    (out / "summary.json").write_text(json.dumps(run_info.to_dict(), ensure_ascii=False, indent=1))
    if feedback and results:
        write_class_summary(results, out, spec)
