"""Exceptions a check raises. Only their message reaches the student, never the test's code."""


class CheckFailed(AssertionError):
    """The submission's behaviour differs from the handout; the message says how, in the student's terms."""


class SubmissionError(Exception):
    """Running the submission failed (missing name, exception, time limit, crash)."""


class NotRun(Exception):
    """A check that cannot be meaningful because a prerequisite failed (fail fast, with the reason)."""


class NotFinal(Exception):
    """The check could not be decided because the grading machine was starved of CPU (another
    process, a CPU quota): the grader's problem, never the student's zero. The submission's result
    is then a grader error ('not final, regrade'); detail says what was measured, for the instructor."""

    def __init__(self, message: str, detail: str):
        super().__init__(message)
        self.detail = detail
