"""The self-check of the notebooks (selfcheck.py): an assignment's public suite run in a student's
kernel. The public suites themselves belong to each assignment (its public/ folder)."""
