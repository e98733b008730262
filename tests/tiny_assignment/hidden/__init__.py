"""The tiny assignment's hidden suites: graded by `python -m autograder grade --assignment ...`."""
