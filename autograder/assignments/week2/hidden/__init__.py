"""The hidden suites: graded by `python -m autograder grade`, never shipped to students."""
