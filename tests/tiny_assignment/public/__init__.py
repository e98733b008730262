"""The tiny assignment's public checks (`python -m autograder check --assignment ...`)."""
