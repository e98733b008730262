"""Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/)."""

from __future__ import annotations

from autograder.results.model import SubmissionResult
from autograder.results.redact import redact


def to_gradescope(result: SubmissionResult) -> dict:
    tests = [
        {
            "name": t.name,
            "score": t.score,
            "max_score": t.max_score,
            "status": t.status,
            "output": redact(t.output),
            "visibility": t.visibility,
            "tags": [t.part],
        }
        for t in result.tests
    ]
    notes = [redact(n) for n in result.notes]
    if result.grader_error:
        notes.append(
            "评分程序出错，本次分数不是最终成绩，教师会重新评分 "
            "(the grader failed; this is not your final score, your instructor will regrade)。"
        )
    return {
        "score": result.score,
        "execution_time": result.seconds,
        "output": "\n".join(notes),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "seed": result.seed,
            "device": result.device,
            "grader_error": bool(result.grader_error),
            "parts": {
                p: {"score": s, "max_score": m} for p, (s, m) in result.part_scores().items()
            },
        },
    }
