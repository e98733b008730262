"""Exceptions a check raises. Only their message reaches the student, never the test's code."""


class CheckFailed(AssertionError):
    """The submission's behaviour differs from the handout; the message says how, in the student's terms."""


class SubmissionError(Exception):
    """Running the submission failed (missing name, exception, time limit, crash)."""


class NotRun(Exception):
    """A check that cannot be meaningful because a prerequisite failed (fail fast, with the reason)."""
