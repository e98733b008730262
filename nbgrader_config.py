"""nbgrader configuration of the week-2 (CNN) course. Run nbgrader from this folder (the course root).

source/week2_cnn/   the instructor's notebooks (built by `python -m autograder notebooks`)
release/week2_cnn/  what students get (`nbgrader generate_assignment week2_cnn --force`; committed)
downloaded/week2_cnn/archive/   the submissions as downloaded: <student_id>.zip or <student_id>/*.ipynb
submitted/, autograded/, feedback/, gradebook.db, grades.csv   generated; not committed

The README's "Instructor's guide (nbgrader)" lists the commands. The autograded cells call
`autograder.notebook.grade_part`, so the kernel's Python must have this repository installed.
"""

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    Execute,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

try:
    from autograder.release.nbgrader_steps import (
        HideHiddenTests,
        HideMarkScheme,
        RubricsNeedNoGrading,
    )
except (
    ImportError
) as exc:  # nbgrader would go on without this file (feedback showing hidden-test calls): stop
    raise SystemExit(
        f"nbgrader_config.py: this repository is not installed in nbgrader's Python ({exc}); "
        "run nbgrader from the project's virtual environment (see README)"
    ) from None

c = get_config()  # noqa: F821 (defined by nbgrader when it loads this file)

c.CourseDirectory.course_id = "week2_cnn_course"
# Files the notebooks write when run in place (data, checkpoints, figures) are never copied around.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "data",
    "checkpoints",
    "*.pth",
    "*.png",
]

# What students see instead of the solution regions (Chinese, with the English nbgrader wording).
c.ClearSolutions.code_stub = {
    "python": '# 在这里写你的代码 (YOUR CODE HERE)\nraise NotImplementedError("请补全这里的代码 (not implemented yet)")',
}
c.ClearSolutions.text_stub = "在这里作答 (YOUR ANSWER HERE)"

# Execution: a graded cell trains small models (about a minute on a laptop CPU, longer when cold);
# students' own training cells train 0 epochs under autograding (see the notebooks' first cells).
c.Execute.timeout = 1200
c.Execute.startup_timeout = 120

# Students who delete a test or rubric cell get it back (it is graded all the same).
c.OverwriteCells.add_missing_cells = True
# nbgrader's autograde steps, plus one: the 0-point rubric cells do not wait for manual grading.
c.Autograde.autograde_preprocessors = [
    Execute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    RubricsNeedNoGrading,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Feedback: nbgrader restores the source's hidden tests and rubrics before grading; hide them again.
c.GenerateFeedback.preprocessors = [
    GetGrades,
    HideHiddenTests,
    HideMarkScheme,
    CSSHTMLHeaderPreprocessor,
]

# Collection from an LMS download: downloaded/week2_cnn/archive/<student_id>.zip (any folders inside)
# or downloaded/week2_cnn/archive/<student_id>/<notebook>.ipynb. Only the released notebook names count.
c.ZipCollectApp.strict = True
c.FileNameCollectorPlugin.named_regexp = (
    r".*/extracted/(?P<student_id>[^/]+)/(?:[^/.][^/]*/)*(?P<file_id>[^/.][^/]*\.ipynb)$"
)
