"""nbgrader preprocessors this course adds to nbgrader's pipelines (see nbgrader_config.py).

- Feedback is built from the autograded notebooks, in which nbgrader has restored the source's
  test and task cells: `HideHiddenTests` and `HideMarkScheme` strip the hidden-test calls and the
  blog rubrics again, so students never see them. They do not insist on nbgrader metadata (a
  student's own cell may contain the marker text; it is stripped rather than failing the run).
- `RubricsNeedNoGrading`: the blog rubrics are read-only 0-point task cells; after autograding
  they get score 0 and are not left "needing manual grading" (only the answers are).
"""

from __future__ import annotations

from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, NbGraderPreprocessor
from traitlets import Bool


class HideHiddenTests(ClearHiddenTests):
    enforce_metadata = Bool(False, help="Strip marked regions from any cell (feedback only).").tag(
        config=True
    )


class HideMarkScheme(ClearMarkScheme):
    enforce_metadata = Bool(False, help="Strip marked regions from any cell (feedback only).").tag(
        config=True
    )


class RubricsNeedNoGrading(NbGraderPreprocessor):
    """Autograde step: 0-point task cells (rubrics) get a final score of 0."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        rubrics = [
            cell.metadata.nbgrader["grade_id"]
            for cell in nb.cells
            if utils.is_task(cell) and float(cell.metadata.nbgrader.get("points", 0)) == 0
        ]
        if rubrics:
            with Gradebook(info["db_url"]) as gb:
                for grade_id in rubrics:
                    grade = gb.find_grade(
                        grade_id, info["notebook"], info["assignment"], info["student"]
                    )
                    grade.auto_score, grade.needs_manual_grade = 0.0, False
                gb.db.commit()
        return nb, resources
