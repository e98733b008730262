"""Grading results as typed data; reports/ turns them into files."""

from autograder.results.model import SubmissionResult, TestResult

__all__ = ["SubmissionResult", "TestResult"]
